//! Planning a region: observe it, compute the desired state once (from the config and what
//! observation found: who and where, the graph and key, the usage targets), stop when a
//! resource the config names exists without being the stack's (the one place that decides
//! what is "not ours"), and diff. The plan carries the desired state it was made against,
//! which apply starts from.

use std::collections::BTreeMap;
use std::ops::Deref;

use watchpost_core::Config;

use super::observe::observe;
use super::observer::{Observation, ObserveError, RegionOutputs};
use crate::artifact::Package;
use crate::desired::{Desired, names};
use crate::diff::diff;
use crate::model::{Mode, Observed, Plan, Resource};
use crate::ports::Ports;
use crate::spec::Spec;

/// A plan and, per region, the desired state it was made against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Planned {
    pub plan: Plan,
    /// Region → the desired state: apply starts from its context.
    pub desired: BTreeMap<String, Desired>,
}

/// A planned plan reads as its plan (changes, notes, counts, rendering).
impl Deref for Planned {
    type Target = Plan;

    fn deref(&self) -> &Plan {
        &self.plan
    }
}

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
/// stack's name but not its tag, unless the config adopts it. The observation's outputs are
/// complete once planned (which subscriptions are not the stack's depends on the config).
pub async fn plan_region<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    region: &str,
    mode: Mode,
) -> Result<(Planned, Observation), PlanError> {
    let mut observation = observe(ports, config, region, mode).await?;
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
    notes.extend(
        crate::desired::security_hub_notes(config)
            .into_iter()
            .map(|note| format!("{region}: {note}")),
    );
    let desired = Desired::new(config, ctx, observation.usage.clone());
    observation.outputs.other_subscriptions =
        other_subscriptions(&observation.resources, &desired.resources);
    if mode == Mode::Apply {
        let strangers = not_ours(&desired.resources, &observation.resources, config);
        if !strangers.is_empty() {
            return Err(PlanError::NotOurs {
                region: region.to_owned(),
                stack: config.watchpost.stack.clone(),
                resources: strangers,
            });
        }
    }
    let mut plan = diff(
        &desired.resources,
        &observation.resources,
        &observation.pending,
        mode,
    );
    plan.notes.extend(notes);
    let planned = Planned {
        plan,
        desired: BTreeMap::from([(region.to_owned(), desired)]),
    };
    Ok((planned, observation))
}

/// Plans every region at once (in parallel) and merges the plans, regions in the given order.
pub async fn plan_all<P: Ports>(
    regions: &[(String, P)],
    config: &Config,
    package: &Package,
    mode: Mode,
) -> Result<(Planned, Vec<Observation>), PlanError> {
    let results = futures_util::future::join_all(
        regions
            .iter()
            .map(|(region, ports)| plan_region(ports, config, package, region, mode)),
    )
    .await;
    let mut planned = Planned::default();
    let mut observations = Vec::new();
    for result in results {
        let (region_plan, observation) = result?;
        planned.plan.changes.extend(region_plan.plan.changes);
        planned.plan.notes.extend(region_plan.plan.notes);
        planned.desired.extend(region_plan.desired);
        observations.push(observation);
    }
    Ok((planned, observations))
}

/// What exists now in `region`, for people (`watchpost outputs`): observed, with the
/// subscriptions the config does not name told apart, and nothing planned (a plan may stop at
/// a resource that is not the stack's; the outputs still show the rest).
pub async fn outputs<P: Ports>(
    ports: &P,
    config: &Config,
    region: &str,
) -> Result<RegionOutputs, ObserveError> {
    let observation = observe(ports, config, region, Mode::Apply).await?;
    let desired = Desired::new(config, observation.ctx.clone(), observation.usage.clone());
    let mut outputs = observation.outputs;
    outputs.other_subscriptions = other_subscriptions(&observation.resources, &desired.resources);
    Ok(outputs)
}

/// `protocol:endpoint on topic` for each subscription on the observed topics that Watchpost
/// did not create and the config does not name (AWS Chatbot's, a team's queue): left alone.
fn other_subscriptions(observed: &[Observed], desired: &[Resource]) -> Vec<String> {
    observed
        .iter()
        .filter(|o| !o.owned && !desired.iter().any(|d| d.id == o.id))
        .filter_map(|o| match &o.spec {
            Spec::SnsSubscription(sub) => Some(format!(
                "{}:{} on {}",
                sub.protocol,
                sub.endpoint,
                names::arn_name(&sub.topic_arn)
            )),
            _ => None,
        })
        .collect()
}
