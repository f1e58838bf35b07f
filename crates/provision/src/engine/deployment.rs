//! Applying the enricher's deployment and monitoring: role and policy, function (with retries
//! while IAM propagates a new role and while Lambda finishes a previous update), invoke config,
//! rules, targets, permissions, alarms, dashboard, detector.

use std::future::Future;
use std::time::Duration;

use watchpost_core::Config;

use super::{physical, spec};
use crate::artifact::Package;
use crate::desired::{Context, stack_tags};
use crate::limits;
use crate::model::{Action, Change, Kind};
use crate::ports::*;

/// Whether Lambda refused a new function because IAM has not yet propagated its role ("The
/// role defined for the function cannot be assumed by Lambda").
fn role_not_ready(err: &PortError) -> bool {
    err.code() == "InvalidParameterValueException"
        && err.message().to_ascii_lowercase().contains("role")
}

/// Whether Lambda refused a change because the function is still being created or updated.
fn function_busy(err: &PortError) -> bool {
    err.code() == "ResourceConflictException"
}

/// Runs `call` again after each pause of [`limits::IAM_PROPAGATION_BACKOFF_S`] while `transient`
/// says the error will pass.
async fn retrying<T, F, Fut>(transient: fn(&PortError) -> bool, mut call: F) -> PortResult<T>
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

/// Applies `change` if it is one of this module's kinds; `None` otherwise.
pub(super) async fn apply_deployment<P: super::Ports>(
    ports: &P,
    config: &Config,
    package: &Package,
    ctx: &mut Context,
    change: &Change,
) -> Option<Result<(), String>> {
    let outcome = match change.id.kind {
        Kind::IamRole => role(ports, ctx, change).await,
        Kind::IamRolePolicy => role_policy(ports, ctx, change).await,
        Kind::LambdaFunction => function(ports, package, ctx, change).await,
        Kind::LambdaInvokeConfig => invoke_config(ports, ctx, change).await,
        Kind::LambdaPermission => permission(ports, config, ctx, change).await,
        Kind::EventsRule => rule(ports, ctx, change).await,
        Kind::EventsTargets => targets(ports, ctx, change).await,
        Kind::CloudwatchAlarm => alarm(ports, ctx, change).await,
        Kind::CloudwatchDashboard => dashboard(ports, ctx, change).await,
        Kind::GuarddutyDetector => detector(ports, config, ctx, change).await,
        _ => return None,
    };
    Some(outcome)
}

fn e(err: PortError) -> String {
    err.to_string()
}

async fn role<P: super::Ports>(ports: &P, ctx: &Context, change: &Change) -> Result<(), String> {
    let iam = ports.iam();
    let name = change.id.name.as_str();
    match change.action {
        Action::Create => {
            let want: RoleSpec = spec(ctx, &change.after)?;
            iam.create_role(name, &want).await.map_err(e)?;
        }
        Action::Update => {
            let want: RoleSpec = spec(ctx, &change.after)?;
            let had: RoleSpec = spec(ctx, &change.before)?;
            if want.trust_policy != had.trust_policy {
                iam.update_trust_policy(name, &want.trust_policy)
                    .await
                    .map_err(e)?;
            }
            if want.description != had.description {
                iam.update_description(name, &want.description)
                    .await
                    .map_err(e)?;
            }
            if want.tags != had.tags {
                iam.tag_role(name, &want.tags).await.map_err(e)?;
            }
        }
        Action::Delete => iam.delete_role(name).await.map_err(e)?,
    }
    Ok(())
}

async fn role_policy<P: super::Ports>(
    ports: &P,
    ctx: &Context,
    change: &Change,
) -> Result<(), String> {
    let name = change.id.name.as_str();
    match change.action {
        Action::Create | Action::Update => {
            let want: RolePolicySpec = spec(ctx, &change.after)?;
            ports
                .iam()
                .put_role_policy(&want.role, name, &want.policy)
                .await
                .map_err(e)?;
        }
        Action::Delete => {
            let had: RolePolicySpec = spec(ctx, &change.before)?;
            ports
                .iam()
                .delete_role_policy(&had.role, name)
                .await
                .map_err(e)?;
        }
    }
    Ok(())
}

async fn function<P: super::Ports>(
    ports: &P,
    package: &Package,
    ctx: &Context,
    change: &Change,
) -> Result<(), String> {
    let lambda = ports.lambda();
    let name = change.id.name.as_str();
    let bytes = || match package {
        Package::Ready { bytes, .. } => Ok(bytes.as_slice()),
        Package::Missing(why) => Err(why.clone()),
    };
    match change.action {
        Action::Create => {
            let want: FunctionSpec = spec(ctx, &change.after)?;
            let zip = bytes()?;
            retrying(role_not_ready, || lambda.create_function(name, &want, zip))
                .await
                .map_err(e)?;
        }
        Action::Update => {
            let want: FunctionSpec = spec(ctx, &change.after)?;
            let had: FunctionSpec = spec(ctx, &change.before)?;
            if want.code_sha256 != had.code_sha256 {
                let zip = bytes()?;
                retrying(function_busy, || lambda.update_code(name, zip))
                    .await
                    .map_err(e)?;
            }
            let config_of = |f: &FunctionSpec| FunctionSpec {
                code_sha256: String::new(),
                tags: Tags::new(),
                ..f.clone()
            };
            if config_of(&want) != config_of(&had) {
                retrying(function_busy, || lambda.update_configuration(name, &want))
                    .await
                    .map_err(e)?;
            }
            if want.tags != had.tags {
                lambda
                    .tag_function(physical(change)?, &want.tags)
                    .await
                    .map_err(e)?;
            }
        }
        Action::Delete => lambda.delete_function(name).await.map_err(e)?,
    }
    Ok(())
}

async fn invoke_config<P: super::Ports>(
    ports: &P,
    ctx: &Context,
    change: &Change,
) -> Result<(), String> {
    let name = change.id.name.as_str();
    match change.action {
        Action::Create | Action::Update => {
            let want: InvokeConfigSpec = spec(ctx, &change.after)?;
            retrying(function_busy, || {
                ports.lambda().put_invoke_config(name, &want)
            })
            .await
            .map_err(e)?;
        }
        Action::Delete => ports.lambda().delete_invoke_config(name).await.map_err(e)?,
    }
    Ok(())
}

async fn permission<P: super::Ports>(
    ports: &P,
    config: &Config,
    ctx: &Context,
    change: &Change,
) -> Result<(), String> {
    let lambda = ports.lambda();
    let sid = change.id.name.as_str();
    // The function the statement is on: the observed one for updates and deletes.
    let function = change
        .physical_id
        .clone()
        .unwrap_or_else(|| config.enricher.function_name.clone());
    if matches!(change.action, Action::Update | Action::Delete) {
        lambda.remove_permission(&function, sid).await.map_err(e)?;
    }
    if matches!(change.action, Action::Create | Action::Update) {
        let want: PermissionSpec = spec(ctx, &change.after)?;
        retrying(function_busy, || {
            lambda.add_permission(&function, sid, &want)
        })
        .await
        .map_err(e)?;
    }
    Ok(())
}

async fn rule<P: super::Ports>(ports: &P, ctx: &Context, change: &Change) -> Result<(), String> {
    let events = ports.events();
    let name = change.id.name.as_str();
    match change.action {
        Action::Create | Action::Update => {
            let want: RuleSpec = spec(ctx, &change.after)?;
            let arn = events.put_rule(name, &want).await.map_err(e)?;
            events.tag_rule(&arn, &want.tags).await.map_err(e)?;
        }
        Action::Delete => events.delete_rule(name).await.map_err(e)?,
    }
    Ok(())
}

async fn targets<P: super::Ports>(ports: &P, ctx: &Context, change: &Change) -> Result<(), String> {
    let events = ports.events();
    let rule = change.id.name.as_str();
    let had: Vec<TargetSpec> = match &change.before {
        Some(_) => spec::<TargetsSpec>(ctx, &change.before)?.targets,
        None => Vec::new(),
    };
    let want: Vec<TargetSpec> = match &change.after {
        Some(_) => spec::<TargetsSpec>(ctx, &change.after)?.targets,
        None => Vec::new(),
    };
    let gone: Vec<String> = had
        .iter()
        .filter(|t| !want.iter().any(|w| w.id == t.id))
        .map(|t| t.id.clone())
        .collect();
    if !gone.is_empty() {
        events.remove_targets(rule, &gone).await.map_err(e)?;
    }
    for chunk in want.chunks(limits::PUT_TARGETS_MAX) {
        events.put_targets(rule, chunk).await.map_err(e)?;
    }
    Ok(())
}

async fn alarm<P: super::Ports>(ports: &P, ctx: &Context, change: &Change) -> Result<(), String> {
    let name = change.id.name.as_str();
    match change.action {
        Action::Create | Action::Update => {
            let want: AlarmSpec = spec(ctx, &change.after)?;
            ports.cloudwatch().put_alarm(name, &want).await.map_err(e)?;
        }
        Action::Delete => ports
            .cloudwatch()
            .delete_alarms(&[name.to_owned()])
            .await
            .map_err(e)?,
    }
    Ok(())
}

async fn dashboard<P: super::Ports>(
    ports: &P,
    ctx: &Context,
    change: &Change,
) -> Result<(), String> {
    let name = change.id.name.as_str();
    match change.action {
        Action::Create | Action::Update => {
            let want: DashboardSpec = spec(ctx, &change.after)?;
            ports
                .cloudwatch()
                .put_dashboard(name, &want)
                .await
                .map_err(e)?;
        }
        Action::Delete => ports.cloudwatch().delete_dashboard(name).await.map_err(e)?,
    }
    Ok(())
}

async fn detector<P: super::Ports>(
    ports: &P,
    config: &Config,
    ctx: &Context,
    change: &Change,
) -> Result<(), String> {
    let guardduty = ports.guardduty();
    match change.action {
        Action::Create => {
            let want: DetectorSpec = spec(ctx, &change.after)?;
            let tags = stack_tags(config, &Tags::new());
            guardduty.create_detector(&want, &tags).await.map_err(e)?;
        }
        Action::Update => {
            let want: DetectorSpec = spec(ctx, &change.after)?;
            guardduty
                .update_detector(physical(change)?, &want)
                .await
                .map_err(e)?;
        }
        Action::Delete => guardduty
            .delete_detector(physical(change)?)
            .await
            .map_err(e)?,
    }
    Ok(())
}
