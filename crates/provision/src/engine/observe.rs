//! Observing a region: every service's module reads its kinds into one [`Observer`], in
//! dependency order (the graph and the key first: what names them is derived from them).

use std::collections::BTreeSet;

use watchpost_core::Config;

use super::observer::{Observation, ObserveError, Observer, RegionOutputs};
use super::{cloudwatch, detective, dynamodb, events, guardduty, iam, kms, lambda, sns, sqs};
use crate::desired::{Context, UsageTargets};
use crate::model::Mode;
use crate::ports::{Ports, StsPort};

/// Reads what Watchpost owns (or would adopt) in the ports' region, for a run of `mode`.
pub async fn observe<P: Ports>(
    ports: &P,
    config: &Config,
    region: &str,
    mode: Mode,
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
        mode,
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
    detective::observe(o).await?;
    kms::observe(o).await?;
    sns::observe(o).await?;
    dynamodb::observe(o).await?;
    sqs::observe(o).await?;
    iam::observe(o).await?;
    lambda::observe(o).await?;
    events::observe(o).await?;
    cloudwatch::observe(o).await?;
    cloudwatch::discover(o).await?;
    guardduty::observe(o).await?;
    Ok(Observation {
        ctx: observer.ctx,
        resources: observer.resources,
        pending: observer.pending,
        notes: observer.notes,
        outputs: observer.outputs,
        usage: observer.usage,
    })
}
