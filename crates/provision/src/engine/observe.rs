//! Observing a region: the shared context ([`Observer`]) every service's module reads its kinds
//! into, in dependency order (what the graph and the key are is known before the resources
//! that name them are derived), and the smaller context apply re-reads before it starts.

use std::collections::{BTreeMap, BTreeSet};

use watchpost_core::Config;

use crate::artifact::Package;
use crate::desired::{Context, UsageTargets, is_owned, names};
use crate::model::{Observed, ResourceId};
use crate::ports::Ports;
use crate::ports::*;
use crate::spec::Spec;
use crate::spec::*;

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

/// Reads what Watchpost owns (or would adopt) in the ports' region.
pub async fn observe<P: Ports>(
    ports: &P,
    config: &Config,
    region: &str,
) -> Result<Observation, ObserveError> {
    let identity = ports
        .sts()
        .identity()
        .await
        .map_err(|source| ObserveError {
            region: region.to_owned(),
            what: "the caller's identity (STS GetCallerIdentity)".into(),
            source,
        })?;
    let mut observer = Observer {
        ports,
        config,
        ctx: Context {
            region: region.to_owned(),
            account_id: identity.account_id,
            partition: identity.partition,
            graph_arn: None,
            graph_adopted: false,
            key_arn: None,
            code_sha256: None,
        },
        resources: Vec::new(),
        pending: BTreeSet::new(),
        notes: Vec::new(),
        outputs: RegionOutputs {
            region: region.to_owned(),
            ..RegionOutputs::default()
        },
        usage: UsageTargets::default(),
    };
    let o = &mut observer;
    // The graph and the key first: the desired state SNS compares with names them.
    super::detective::observe(o).await?;
    super::kms::observe(o).await?;
    super::sns::observe(o).await?;
    super::dynamodb::observe(o).await?;
    super::sqs::observe(o).await?;
    super::iam::observe(o).await?;
    super::lambda::observe(o).await?;
    super::events::observe(o).await?;
    super::cloudwatch::observe(o).await?;
    super::cloudwatch::discover(o).await?;
    super::guardduty::observe(o).await?;
    Ok(Observation {
        ctx: observer.ctx,
        resources: observer.resources,
        pending: observer.pending,
        notes: observer.notes,
        outputs: observer.outputs,
        usage: observer.usage,
    })
}

/// What apply needs to derive values that were unknown when planning: who and where, and the
/// graph and key as they are now.
pub(super) async fn apply_context<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    region: &str,
) -> Result<Context, PortError> {
    let identity = ports.sts().identity().await?;
    let graph_arn = match &config.detective.graph_arn {
        Some(arn) => Some(arn.clone()),
        None => ports.detective().list_graphs().await?.into_iter().next(),
    };
    let key_arn = ports
        .kms()
        .key_by_alias(&names::key_alias(&config.watchpost.stack))
        .await?
        .filter(|k| !k.extra.pending_deletion)
        .map(|k| k.id);
    Ok(Context {
        region: region.to_owned(),
        account_id: identity.account_id,
        partition: identity.partition,
        graph_arn,
        // Only the graph's desired tags read it, and a graph is never planned as unknown.
        graph_adopted: false,
        key_arn,
        code_sha256: package.sha256().map(str::to_owned),
    })
}
