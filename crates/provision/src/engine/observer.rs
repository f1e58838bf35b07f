//! The observation under way, shared by every service's module: the [`Observer`] each reads
//! its kinds into (in dependency order: what the graph and the key are is known before the
//! resources that name them are read), and what it produces ([`Observation`]). Observation
//! reports what exists under the stack's names and tag, each with whether it is the stack's;
//! it never consults the desired state: what to do about what is not the stack's is the
//! plan's decision.

use std::collections::{BTreeMap, BTreeSet};

use watchpost_core::Config;

use crate::desired::{Context, UsageTargets, is_owned};
use crate::model::{Mode, Observed, ResourceId};
use crate::ports::{PortError, Ports};
use crate::spec::{Spec, Tags};

/// A failure to observe: nothing can be planned for the region.
#[derive(Debug, thiserror::Error)]
#[error("{region}: cannot read {what}")]
pub struct ObserveError {
    pub region: String,
    pub what: String,
    #[source]
    pub source: PortError,
}

/// What one region looks like now, as resources, plus what `outputs` shows.
#[derive(Debug, Clone)]
pub struct Observation {
    pub ctx: Context,
    pub resources: Vec<Observed>,
    /// Subscriptions awaiting confirmation: they exist, but SNS shows neither their ARN nor
    /// their attributes, so they count as what the config asks for and are never changed.
    pub pending: BTreeSet<ResourceId>,
    pub notes: Vec<String>,
    pub outputs: RegionOutputs,
    /// The models and endpoints usage alarms watch (listed, or discovered now).
    pub usage: UsageTargets,
}

/// What people need after provisioning, per region.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RegionOutputs {
    pub region: String,
    pub graph_arn: Option<String>,
    /// Route → topic ARN, for the routes whose topic exists.
    pub topics: BTreeMap<String, String>,
    pub operations_topic: Option<String>,
    pub function_arn: Option<String>,
    /// The enricher's alert-state table, when it exists.
    pub state_table: Option<String>,
    /// The enricher's dead-letter queue URL, when it exists.
    pub dead_letter_queue: Option<String>,
    /// `protocol:endpoint on topic` for every subscription awaiting confirmation.
    pub pending_subscriptions: Vec<String>,
    /// `protocol:endpoint on topic` for the subscriptions on the stack's topics that Watchpost
    /// did not create and the config does not name (AWS Chatbot's, a team's queue): left alone.
    pub other_subscriptions: Vec<String>,
    pub dashboard_url: Option<String>,
}

/// The observation under way, shared by every service's `observe`.
pub(crate) struct Observer<'a, P> {
    pub ports: &'a P,
    pub config: &'a Config,
    /// What the run does: a record written ahead of what it records (an administrator not
    /// enabled yet) is kept for an apply to finish, and removed by destroy.
    pub mode: Mode,
    pub ctx: Context,
    pub resources: Vec<Observed>,
    pub pending: BTreeSet<ResourceId>,
    pub notes: Vec<String>,
    pub outputs: RegionOutputs,
    pub usage: UsageTargets,
}

impl<'a, P: Ports> Observer<'a, P> {
    pub fn stack(&self) -> &'a str {
        &self.config.watchpost.stack
    }

    /// Whether `tags` mark a resource as this stack's.
    pub fn owns(&self, tags: &Tags) -> bool {
        is_owned(self.config, tags)
    }

    /// Records a resource found in the region.
    pub fn found(
        &mut self,
        name: &str,
        physical_id: impl Into<String>,
        spec: impl Into<Spec>,
        owned: bool,
    ) {
        self.resources.push(Observed::new(
            &self.ctx.region,
            name,
            physical_id,
            spec,
            owned,
        ));
    }

    /// Turns a port error into "cannot read `what`".
    pub fn err<W: Into<String>>(
        &self,
        what: W,
    ) -> impl FnOnce(PortError) -> ObserveError + use<'a, P, W> {
        let region = self.ctx.region.clone();
        let what = what.into();
        move |source| ObserveError {
            region,
            what,
            source,
        }
    }
}
