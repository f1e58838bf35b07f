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
use crate::model::{Action, Change, Kind, Mode, Plan, Resource, ResourceId};
use crate::ports::*;
use crate::spec::{Deferred, Spec, SpecChange, Unknown};

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

/// Every port, for one region.
pub trait Ports {
    type Sts: StsPort;
    type Detective: DetectivePort;
    type Kms: KmsPort;
    type Sns: SnsPort;
    type Dynamodb: DynamodbPort;
    type Sqs: SqsPort;
    type Iam: IamPort;
    type Lambda: LambdaPort;
    type Events: EventsPort;
    type Cloudwatch: CloudwatchPort;
    type Guardduty: GuarddutyPort;
    type Ssm: ParametersPort;
    fn sts(&self) -> &Self::Sts;
    fn detective(&self) -> &Self::Detective;
    fn kms(&self) -> &Self::Kms;
    fn sns(&self) -> &Self::Sns;
    fn dynamodb(&self) -> &Self::Dynamodb;
    fn sqs(&self) -> &Self::Sqs;
    fn iam(&self) -> &Self::Iam;
    fn lambda(&self) -> &Self::Lambda;
    fn events(&self) -> &Self::Events;
    fn cloudwatch(&self) -> &Self::Cloudwatch;
    fn guardduty(&self) -> &Self::Guardduty;
    fn ssm(&self) -> &Self::Ssm;
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

/// Kinds found by their configured or derived name whose ownership is the stack's tag (or the
/// dashboard's title): one that exists without it is someone else's until the config adopts
/// it. A graph or a detector that existed before is used on purpose and never deleted; the
/// parts of a resource (a role's policy, a rule's targets, a function's permissions) follow it.
const CLAIMED_BY_NAME: &[Kind] = &[
    Kind::IamRole,
    Kind::KmsKey,
    Kind::SnsTopic,
    Kind::SqsQueue,
    Kind::DynamodbTable,
    Kind::LambdaFunction,
    Kind::EventsRule,
    Kind::CloudwatchAlarm,
    Kind::CloudwatchDashboard,
];

/// The desired resources that exist but are not the stack's, and that the config does not
/// adopt, as `kind:name`.
fn not_ours(want: &[Resource], observed: &[Resource], config: &Config) -> Vec<String> {
    want.iter()
        .filter(|w| CLAIMED_BY_NAME.contains(&w.id.kind))
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
    let mut plan = diff(&want, &observation.resources, mode);
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

/// One API-level step of a change: a replacement is a delete, then a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Create,
    Update,
    Delete,
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
                    action: change.action,
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
        progress(&format!("{} {}", change.action.symbol(), change.id));
        match apply_change(&mut apply, change).await {
            Ok(()) => report.applied.push(change.id.clone()),
            Err(cause) => report.errors.push(ApplyError {
                id: change.id.clone(),
                action: change.action,
                cause,
            }),
        }
        i += 1;
    }
    report
}

/// One change: its unknown values derived now, then its steps.
async fn apply_change<P: Ports>(apply: &mut Apply<'_, P>, change: &Change) -> Result<(), Cause> {
    let resolved;
    let change = match change.spec.after().as_ref().and_then(Spec::unknown) {
        Some(_) => {
            resolved = resolve(apply, change)?;
            &resolved
        }
        None => change,
    };
    let steps: &[Step] = match change.action {
        Action::Create => &[Step::Create],
        Action::Update => &[Step::Update],
        Action::Delete => &[Step::Delete],
        Action::Replace => &[Step::Delete, Step::Create],
    };
    for step in steps {
        apply_step(apply, change, *step).await?;
    }
    Ok(())
}

/// `change` with its desired spec derived again from the config, now that apply has created
/// what was unknown when planning (a graph, a key); an error when it still is.
fn resolve<P>(apply: &Apply<'_, P>, change: &Change) -> Result<Change, String> {
    let mut ctx = apply.ctx.clone();
    // The code the plan deploys stays the plan's (without a package, the deployed one).
    if let SpecChange::LambdaFunction(diff) = &change.spec
        && let Some(Deferred::Known(code)) = diff.after.as_ref().map(|f| &f.code_sha256)
    {
        ctx.code_sha256 = Some(code.clone());
    }
    let after = desired::desired(apply.config, &ctx)
        .into_iter()
        .find(|r| r.id == change.id)
        .map(|r| r.spec)
        .ok_or("the config no longer asks for it: plan again")?;
    match after.unknown() {
        Some(Unknown::Package) => Err(match apply.package {
            Package::Missing(why) => why.clone(),
            Package::Ready { .. } => Unknown::Package.to_string(),
        }),
        Some(unknown) => Err(format!(
            "{unknown} is still unknown: the resource it comes from failed; fix that error and apply again"
        )),
        None => Ok(Change {
            spec: SpecChange::new(change.spec.before(), Some(after)),
            ..change.clone()
        }),
    }
}

/// One step of one change, by its kind: every kind is listed, each with its service's module.
async fn apply_step<P: Ports>(
    apply: &mut Apply<'_, P>,
    change: &Change,
    step: Step,
) -> Result<(), Cause> {
    match &change.spec {
        SpecChange::IamRole(diff) => iam::role(apply, change, step, diff).await,
        SpecChange::IamRolePolicy(diff) => iam::role_policy(apply, change, step, diff).await,
        SpecChange::KmsKey(diff) => kms::key(apply, change, step, diff).await,
        SpecChange::SnsTopic(diff) => sns::topic(apply, change, step, diff).await,
        SpecChange::SnsSubscription(diff) => sns::subscription(apply, change, step, diff).await,
        SpecChange::DetectiveGraph(diff) => detective::graph(apply, change, step, diff).await,
        SpecChange::DetectiveMember(_) => detective::member(apply, change).await,
        SpecChange::DetectiveDatasources(diff) => detective::datasources(apply, step, diff).await,
        SpecChange::DetectiveOrganization(diff) => detective::organization(apply, step, diff).await,
        SpecChange::SqsQueue(diff) => sqs::queue(apply, change, step, diff).await,
        SpecChange::DynamodbTable(diff) => dynamodb::table(apply, change, step, diff).await,
        SpecChange::LambdaFunction(diff) => lambda::function(apply, change, step, diff).await,
        SpecChange::LambdaInvokeConfig(diff) => {
            lambda::invoke_config(apply, change, step, diff).await
        }
        SpecChange::LambdaPermission(diff) => lambda::permission(apply, change, step, diff).await,
        SpecChange::EventsRule(diff) => events::rule(apply, change, step, diff).await,
        SpecChange::EventsTargets(diff) => events::targets(apply, change, diff).await,
        SpecChange::CloudwatchAlarm(diff) => cloudwatch::alarm(apply, change, step, diff).await,
        SpecChange::CloudwatchDashboard(diff) => {
            cloudwatch::dashboard(apply, change, step, diff).await
        }
        SpecChange::GuarddutyDetector(diff) => guardduty::detector(apply, change, step, diff).await,
    }
}

/// A port error as apply reports it.
pub(crate) fn e(err: PortError) -> Cause {
    Cause::Port(err)
}

/// The observed resource a change is on.
pub(crate) fn physical(change: &Change) -> Result<&str, String> {
    change
        .physical_id
        .as_deref()
        .ok_or_else(|| "the plan does not say which resource to change".to_owned())
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
