//! Applying a plan: exactly its changes, region by region (regions in parallel), each change
//! through its kind's module by one exhaustive match, starting from the context the plan was
//! made against (the desired state's), which learns the ARNs of what apply creates.

use watchpost_core::Config;

use super::applier::{Applier, ApplyError, ApplyReport, Cause, steps};
use super::plan::Planned;
use super::{cloudwatch, detective, dynamodb, events, guardduty, iam, kms, lambda, sns, sqs, ssm};
use crate::artifact::Package;
use crate::desired;
use crate::model::Change;
use crate::ports::Ports;
use crate::spec::*;

/// Applies a plan to every region at once (in parallel); per-resource errors from all regions.
pub async fn apply_all<P: Ports>(
    regions: &[(String, P)],
    config: &Config,
    package: &Package,
    planned: &Planned,
    progress: &dyn Fn(&str),
) -> ApplyReport {
    let reports =
        futures_util::future::join_all(regions.iter().map(|(region, ports)| {
            apply_region(ports, config, package, planned, region, progress)
        }))
        .await;
    let mut report = ApplyReport::default();
    for r in reports {
        report.applied.extend(r.applied);
        report.errors.extend(r.errors);
    }
    report
}

/// Applies exactly the plan's changes in `region`, in order. Every change is tried; failures
/// are collected, not fatal. `progress` hears one line per change.
pub async fn apply_region<P: Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    planned: &Planned,
    region: &str,
    progress: &dyn Fn(&str),
) -> ApplyReport {
    let mut report = ApplyReport::default();
    let changes: Vec<Change> = planned
        .plan
        .changes
        .iter()
        .filter(|c| c.id.region == region)
        .cloned()
        .collect();
    if changes.is_empty() {
        return report;
    }
    let Some(desired) = planned.desired.get(region) else {
        for change in &changes {
            report.errors.push(ApplyError {
                id: change.id.clone(),
                action: change.action(),
                cause: Cause::Refused("the plan has no desired state for its region".into()),
            });
        }
        return report;
    };
    let mut ctx = desired.ctx.clone();
    // The code apply deploys is the package's (without one, the plan's change says what to
    // build).
    ctx.code_sha256 = package.sha256().map(str::to_owned);
    let mut apply = Applier {
        ports,
        config,
        package,
        ctx,
    };
    let changes = changes.as_slice();
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
async fn apply_change<P: Ports>(apply: &mut Applier<'_, P>, change: &Change) -> Result<(), Cause> {
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
        SpecChange::StackRecord(diff) => each_step!(diff, |step| ssm::record(apply, name, step)),
    }
}

/// The role's policy with what it names now known (the graph, the key); an error when it
/// still is not.
fn resolve_policy<P>(
    apply: &Applier<'_, P>,
    want: &RolePolicySpec,
) -> Result<RolePolicySpec, Cause> {
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
fn resolve_function<P>(apply: &Applier<'_, P>, want: &FunctionSpec) -> Result<FunctionSpec, Cause> {
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
fn still_unknown<P>(apply: &Applier<'_, P>, unknown: Option<Unknown>) -> Result<(), Cause> {
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
