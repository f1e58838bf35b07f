//! What applying a change works with, shared by every service's module: the [`Applier`]
//! (ports, config, package, and the context that learns what apply creates), a change's
//! [`Step`]s, what stops one ([`Cause`], [`ApplyError`]), and the retries while AWS catches up.

use std::future::Future;
use std::time::Duration;

use watchpost_core::Config;

use crate::artifact::Package;
use crate::desired::Context;
use crate::limits;
use crate::model::{Action, ResourceId};
use crate::ports::{PortError, PortResult};
use crate::spec::Diff;

/// A change that failed, and why. Its text names the change; the cause is its
/// [`source`](std::error::Error::source) (the AWS call's error itself when one failed), so a
/// reader walking the chain ([`chain`]) sees each message once.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyError {
    pub id: ResourceId,
    pub action: Action,
    pub cause: Cause,
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({:?})", self.id, self.action)
    }
}

impl std::error::Error for ApplyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            // The call's error itself, so a caller can tell what AWS said by its variant.
            Cause::Port(err) => Some(err),
            cause => Some(cause),
        }
    }
}

/// What stopped a change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Cause {
    /// An AWS call failed.
    #[error(transparent)]
    Port(#[from] PortError),
    /// An AWS call failed, and what that means for the change; the call's error is the source.
    #[error("{context}")]
    Context {
        context: String,
        #[source]
        source: PortError,
    },
    /// A batch call did not process the change's account, for AWS's reason.
    #[error("{call}: unprocessed: {reason}")]
    Unprocessed { call: &'static str, reason: String },
    /// Apply did not call AWS: the plan, the config or the package does not let it.
    #[error("{0}")]
    Refused(String),
}

impl From<String> for Cause {
    fn from(why: String) -> Self {
        Cause::Refused(why)
    }
}

impl From<&str> for Cause {
    fn from(why: &str) -> Self {
        Cause::Refused(why.to_owned())
    }
}

/// An error and its sources, outermost first, joined by `: `. Each error's text is its own
/// (none repeats its source's), so every message shows once.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    pub applied: Vec<ResourceId>,
    pub errors: Vec<ApplyError>,
}

/// What applying a region's changes works with: the ports, the config and package, and the
/// context, which learns the ARNs of what apply creates (a new graph, a new key).
pub(crate) struct Applier<'a, P> {
    pub ports: &'a P,
    pub config: &'a Config,
    pub package: &'a Package,
    pub ctx: Context,
}

/// One API-level step of a change, with what it needs: a replacement is a delete, then a
/// create (`replacing` says so).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Step<'a, T> {
    Create {
        want: &'a T,
        replacing: bool,
    },
    Update {
        had: &'a T,
        want: &'a T,
        id: &'a str,
    },
    Delete {
        had: &'a T,
        id: &'a str,
    },
}

/// The steps of `diff`, in order.
pub(crate) fn steps<T>(diff: &Diff<T>) -> Vec<Step<'_, T>> {
    match diff {
        Diff::Create { want } => vec![Step::Create {
            want,
            replacing: false,
        }],
        Diff::Update { had, want, id } => vec![Step::Update { had, want, id }],
        Diff::Replace { had, want, id } => vec![
            Step::Delete { had, id },
            Step::Create {
                want,
                replacing: true,
            },
        ],
        Diff::Delete { had, id } => vec![Step::Delete { had, id }],
    }
}

/// A port error as apply reports it.
pub(crate) fn e(err: PortError) -> Cause {
    Cause::Port(err)
}

/// Runs `call` again after each pause of [`limits::IAM_PROPAGATION_BACKOFF_S`] while `transient`
/// says the error will pass.
pub(crate) async fn retrying<T, F, Fut>(
    transient: fn(&PortError) -> bool,
    mut call: F,
) -> PortResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = PortResult<T>>,
{
    let mut pauses = limits::IAM_PROPAGATION_BACKOFF_S.iter();
    loop {
        match call().await {
            Err(err) if transient(&err) => match pauses.next() {
                Some(seconds) => tokio::time::sleep(Duration::from_secs(*seconds)).await,
                None => return Err(err),
            },
            other => return other,
        }
    }
}
