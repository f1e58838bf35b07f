//! The engine: observe a region through the ports, plan against the desired state, apply a
//! plan. Generic over [`Ports`] (static dispatch); the SDK adapters and the fake account are
//! both just implementations.
//!
//! Each AWS service has one module that observes its kinds (into the shared [`observe`]
//! context) and applies their changes: [`detective`], [`kms`], [`sns`], [`dynamodb`], [`sqs`],
//! [`iam`], [`lambda`], [`events`], [`cloudwatch`], [`guardduty`]. This module plans, and
//! applies a plan by one exhaustive match over the changes' typed specs.

use std::future::Future;
use std::time::Duration;

use watchpost_core::Config;

use crate::artifact::Package;
use crate::desired::{self, Context};
use crate::diff::diff;
use crate::limits;
use crate::model::{Action, Change, Mode, Observed, Plan, Resource, ResourceId};
use crate::ports::*;
use crate::spec::*;

mod cloudwatch;
mod detective;
mod dynamodb;
mod events;
mod guardduty;
mod iam;
mod kms;
mod lambda;
mod observe;
mod sns;
mod sqs;

pub use observe::{Observation, ObserveError, RegionOutputs, observe};

/// Why a region cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Observe(#[from] ObserveError),
    /// Resources that carry the stack's names but not its tag: applying would take them over
    /// (and destroy would then delete them).
    #[error(
        "{region}: {} exist with this stack's names but without its tag `watchpost:stack={stack}`: \
         they may be someone else's. Rename them in the config, or adopt them explicitly with \
         `adopt = [{}]` under [watchpost] (apply then tags them as this stack's, and destroy \
         deletes them)",
        resources.join(", "),
        resources.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
    )]
    NotOurs {
        region: String,
        stack: String,
        /// `kind:name` of each.
        resources: Vec<String>,
    },
}

/// The desired resources that exist but are not the stack's, and that the config does not
/// adopt, as `kind:name`.
fn not_ours(want: &[Resource], observed: &[Observed], config: &Config) -> Vec<String> {
    want.iter()
        .filter(|w| w.id.kind.adoptable())
        .filter(|w| observed.iter().any(|o| o.id == w.id && !o.owned))
        .map(|w| format!("{}:{}", w.id.kind, w.id.name))
        .filter(|name| !config.watchpost.adopt.contains(name))
        .collect()
}

/// The plan for one region. In apply mode it stops when a resource it would change carries the
/// stack's name but not its tag, unless the config adopts it.
pub async fn plan_region<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    region: &str,
    mode: Mode,
) -> Result<(Plan, Observation), PlanError> {
    let observation = observe(ports, config, region).await?;
    let mut ctx = observation.ctx.clone();
    let mut notes = observation.notes.clone();
    match package {
        Package::Ready { sha256, .. } => ctx.code_sha256 = Some(sha256.clone()),
        // Without a package the deployed code stays as it is (its hash is the observed one);
        // a function still to be created cannot be, and the plan says why.
        Package::Missing(why) if mode == Mode::Apply && ctx.code_sha256.is_none() => {
            notes.push(format!(
                "{region}: the enricher function cannot be created: {why}"
            ));
        }
        Package::Missing(_) => {}
    }
    let want = desired::desired_with(config, &ctx, &observation.usage);
    if mode == Mode::Apply {
        let strangers = not_ours(&want, &observation.resources, config);
        if !strangers.is_empty() {
            return Err(PlanError::NotOurs {
                region: region.to_owned(),
                stack: config.watchpost.stack.clone(),
                resources: strangers,
            });
        }
    }
    let mut plan = diff(&want, &observation.resources, &observation.pending, mode);
    plan.notes.extend(notes);
    Ok((plan, observation))
}

/// Plans every region at once (in parallel) and merges the plans, regions in the given order.
pub async fn plan_all<P: Ports>(
    regions: &[(String, P)],
    config: &Config,
    package: &Package,
    mode: Mode,
) -> Result<(Plan, Vec<Observation>), PlanError> {
    let results = futures_util::future::join_all(
        regions
            .iter()
            .map(|(region, ports)| plan_region(ports, config, package, region, mode)),
    )
    .await;
    let mut plan = Plan::default();
    let mut observations = Vec::new();
    for result in results {
        let (region_plan, observation) = result?;
        plan.changes.extend(region_plan.changes);
        plan.notes.extend(region_plan.notes);
        observations.push(observation);
    }
    Ok((plan, observations))
}

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

/// Applies a plan to every region at once (in parallel); per-resource errors from all regions.
pub async fn apply_all<P: Ports>(
    regions: &[(String, P)],
    config: &Config,
    package: &Package,
    plan: &Plan,
    progress: &dyn Fn(&str),
) -> ApplyReport {
    let by_region = plan.by_region();
    let empty = Vec::new();
    let reports = futures_util::future::join_all(regions.iter().map(|(region, ports)| {
        let changes = by_region.get(region).unwrap_or(&empty);
        apply_region(ports, config, package, region, changes, progress)
    }))
    .await;
    let mut report = ApplyReport::default();
    for r in reports {
        report.applied.extend(r.applied);
        report.errors.extend(r.errors);
    }
    report
}

/// What applying a region's changes works with: the ports, the config and package, and the
/// context, which learns the ARNs of what apply creates (a new graph, a new key).
pub(crate) struct Apply<'a, P> {
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
fn steps<T>(diff: &Diff<T>) -> Vec<Step<'_, T>> {
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

/// Applies exactly `changes` (one region's part of a plan, in order). Every change is tried;
/// failures are collected, not fatal. `progress` hears one line per change.
pub async fn apply_region<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    region: &str,
    changes: &[Change],
    progress: &dyn Fn(&str),
) -> ApplyReport {
    let mut report = ApplyReport::default();
    if changes.is_empty() {
        return report;
    }
    // What apply needs to derive what was unknown when planning: re-read, since the plan may
    // be older.
    let ctx = match observe::apply_context(ports, config, package, region).await {
        Ok(ctx) => ctx,
        Err(err) => {
            for change in changes {
                report.errors.push(ApplyError {
                    id: change.id.clone(),
                    action: change.action(),
                    cause: e(err.clone()),
                });
            }
            return report;
        }
    };
    let mut apply = Apply {
        ports,
        config,
        package,
        ctx,
    };
    let mut i = 0;
    while i < changes.len() {
        if matches!(changes[i].spec, SpecChange::DetectiveMember(_)) {
            // Members go in batches: take every member change that follows.
            let mut j = i;
            while j < changes.len() && matches!(changes[j].spec, SpecChange::DetectiveMember(_)) {
                j += 1;
            }
            detective::members(&apply, &changes[i..j], progress, &mut report).await;
            i = j;
            continue;
        }
        let change = &changes[i];
        progress(&format!("{} {}", change.action().symbol(), change.id));
        match apply_change(&mut apply, change).await {
            Ok(()) => report.applied.push(change.id.clone()),
            Err(cause) => report.errors.push(ApplyError {
                id: change.id.clone(),
                action: change.action(),
                cause,
            }),
        }
        i += 1;
    }
    report
}

/// Runs every step of `$diff` through `$apply_step`, stopping at the first error.
macro_rules! each_step {
    ($diff:expr, |$step:ident| $apply_step:expr) => {{
        for $step in steps($diff) {
            $apply_step.await?;
        }
        Ok(())
    }};
}

/// One change, by its kind: every kind is listed, each with its service's module. Values that
/// were unknown when planning are derived first, now that apply has created what they come
/// from (a graph, a key).
async fn apply_change<P: Ports>(apply: &mut Apply<'_, P>, change: &Change) -> Result<(), Cause> {
    let name = change.id.name.as_str();
    match &change.spec {
        SpecChange::IamRole(diff) => each_step!(diff, |step| iam::role(apply, name, step)),
        SpecChange::IamRolePolicy(diff) => {
            let diff = diff.try_map_want(|want| resolve_policy(apply, want))?;
            each_step!(&diff, |step| iam::role_policy(apply, name, step))
        }
        SpecChange::KmsKey(diff) => each_step!(diff, |step| kms::key(apply, name, step)),
        SpecChange::SnsTopic(diff) => each_step!(diff, |step| sns::topic(apply, name, step)),
        SpecChange::SnsSubscription(diff) => {
            each_step!(diff, |step| sns::subscription(apply, step))
        }
        SpecChange::DetectiveGraph(diff) => {
            each_step!(diff, |step| detective::graph(apply, step))
        }
        SpecChange::DetectiveMember(_) => detective::member(apply, change).await,
        SpecChange::DetectiveDatasources(diff) => {
            each_step!(diff, |step| detective::datasources(apply, step))
        }
        SpecChange::DetectiveOrganization(diff) => {
            each_step!(diff, |step| detective::organization(apply, step))
        }
        SpecChange::SqsQueue(diff) => each_step!(diff, |step| sqs::queue(apply, name, step)),
        SpecChange::DynamodbTable(diff) => {
            each_step!(diff, |step| dynamodb::table(apply, name, step))
        }
        SpecChange::LambdaFunction(diff) => {
            let diff = diff.try_map_want(|want| resolve_function(apply, want))?;
            each_step!(&diff, |step| lambda::function(apply, name, step))
        }
        SpecChange::LambdaInvokeConfig(diff) => {
            each_step!(diff, |step| lambda::invoke_config(apply, name, step))
        }
        SpecChange::LambdaPermission(diff) => {
            each_step!(diff, |step| lambda::permission(apply, name, step))
        }
        SpecChange::EventsRule(diff) => each_step!(diff, |step| events::rule(apply, name, step)),
        SpecChange::EventsTargets(diff) => events::targets(apply, name, diff).await,
        SpecChange::CloudwatchAlarm(diff) => {
            each_step!(diff, |step| cloudwatch::alarm(apply, name, step))
        }
        SpecChange::CloudwatchDashboard(diff) => {
            each_step!(diff, |step| cloudwatch::dashboard(apply, name, step))
        }
        SpecChange::GuarddutyDetector(diff) => {
            each_step!(diff, |step| guardduty::detector(apply, step))
        }
    }
}

/// The role's policy with what it names now known (the graph, the key); an error when it
/// still is not.
fn resolve_policy<P>(apply: &Apply<'_, P>, want: &RolePolicySpec) -> Result<RolePolicySpec, Cause> {
    if want.policy.unknown().is_none() {
        return Ok(want.clone());
    }
    let policy = desired::role_policy(apply.config, &apply.ctx);
    still_unknown(apply, policy.unknown())?;
    Ok(RolePolicySpec {
        policy,
        ..want.clone()
    })
}

/// The function's environment with the graph's ARN now known, and its code the plan's (without
/// a package, the deployed one); an error when a value still is not known.
fn resolve_function<P>(apply: &Apply<'_, P>, want: &FunctionSpec) -> Result<FunctionSpec, Cause> {
    if want.unknown().is_none() {
        return Ok(want.clone());
    }
    let mut ctx = apply.ctx.clone();
    if let Deferred::Known(code) = &want.code_sha256 {
        ctx.code_sha256 = Some(code.clone());
    }
    let resolved = FunctionSpec {
        environment: desired::enricher_environment(apply.config, &ctx),
        code_sha256: ctx.code(),
        ..want.clone()
    };
    still_unknown(apply, resolved.unknown())?;
    Ok(resolved)
}

/// Why apply cannot go on with a value that is still unknown, if one is.
fn still_unknown<P>(apply: &Apply<'_, P>, unknown: Option<Unknown>) -> Result<(), Cause> {
    match unknown {
        None => Ok(()),
        Some(Unknown::Package) => Err(Cause::Refused(match apply.package {
            Package::Missing(why) => why.clone(),
            Package::Ready { .. } => Unknown::Package.to_string(),
        })),
        Some(unknown) => Err(Cause::Refused(format!(
            "{unknown} is still unknown: the resource it comes from failed; fix that error and apply again"
        ))),
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
