//! AWS Lambda: the enricher function (created from the package, with retries while IAM
//! propagates a new role and while Lambda finishes a previous update), its asynchronous
//! invocation config, and the resource-policy statements that let the stack's rules invoke it.

use super::applier::{Applier, Cause, Step, e, retrying};
use super::observer::{ObserveError, Observer};
use crate::artifact::Package;
use crate::ports::*;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let function = &o.config.enricher.function_name;
    let lambda = o.ports.lambda();
    let Some(Found { id: arn, spec, .. }) = lambda
        .function(function)
        .await
        .map_err(o.err(format!("the Lambda function {function}")))?
    else {
        return Ok(());
    };
    o.outputs.function_arn = Some(arn.clone());
    let owned = o.owns(&spec.tags);
    o.ctx.code_sha256 = spec.code_sha256.known().cloned();
    o.found(function, arn, spec, owned);
    if let Some(invoke) = lambda
        .invoke_config(function)
        .await
        .map_err(o.err(format!("the invoke config of {function}")))?
    {
        o.found(function, function.clone(), invoke, owned);
    }
    let prefix = format!("{}-", o.stack());
    for (sid, permission) in lambda
        .permissions(function)
        .await
        .map_err(o.err(format!("the resource policy of {function}")))?
    {
        // Only the statements Watchpost adds (named after its rules); others are left alone.
        if sid.starts_with(&prefix) {
            o.found(&sid, function.clone(), permission, owned);
        }
    }
    Ok(())
}

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

pub(super) async fn function<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, FunctionSpec>,
) -> Result<(), Cause> {
    let lambda = apply.ports.lambda();
    let bytes = || match apply.package {
        Package::Ready { bytes, .. } => Ok(bytes.as_slice()),
        Package::Missing(why) => Err(why.clone()),
    };
    match step {
        Step::Create { want, .. } => {
            let zip = bytes()?;
            retrying(role_not_ready, || lambda.create_function(name, want, zip))
                .await
                .map_err(e)?;
        }
        Step::Update { had, want, id: arn } => {
            if want.code_sha256 != had.code_sha256 {
                let zip = bytes()?;
                retrying(function_busy, || lambda.update_code(name, zip))
                    .await
                    .map_err(e)?;
            }
            let config_of = |f: &FunctionSpec| FunctionSpec {
                code_sha256: Deferred::Known(String::new()),
                tags: Tags::new(),
                ..f.clone()
            };
            if config_of(want) != config_of(had) {
                retrying(function_busy, || lambda.update_configuration(name, want))
                    .await
                    .map_err(e)?;
            }
            if want.tags != had.tags {
                lambda.tag_function(arn, &want.tags).await.map_err(e)?;
            }
        }
        Step::Delete { .. } => lambda.delete_function(name).await.map_err(e)?,
    }
    Ok(())
}

pub(super) async fn invoke_config<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, InvokeConfigSpec>,
) -> Result<(), Cause> {
    let lambda = apply.ports.lambda();
    match step {
        Step::Create { want, .. } | Step::Update { want, .. } => {
            retrying(function_busy, || lambda.put_invoke_config(name, want))
                .await
                .map_err(e)?;
        }
        Step::Delete { .. } => lambda.delete_invoke_config(name).await.map_err(e)?,
    }
    Ok(())
}

/// A statement cannot be changed, only removed and added again. Its id names the function it
/// is on (the observed one, for updates and deletes).
pub(super) async fn permission<P: Ports>(
    apply: &mut Applier<'_, P>,
    sid: &str,
    step: Step<'_, PermissionSpec>,
) -> Result<(), Cause> {
    let lambda = apply.ports.lambda();
    let function = apply.config.enricher.function_name.as_str();
    match step {
        Step::Create { want, .. } => add_permission(lambda, function, sid, want).await,
        Step::Update { want, id, .. } => {
            lambda.remove_permission(id, sid).await.map_err(e)?;
            add_permission(lambda, id, sid, want).await
        }
        Step::Delete { id, .. } => lambda.remove_permission(id, sid).await.map_err(e),
    }
}

async fn add_permission<L: LambdaPort>(
    lambda: &L,
    function: &str,
    sid: &str,
    want: &PermissionSpec,
) -> Result<(), Cause> {
    retrying(function_busy, || lambda.add_permission(function, sid, want))
        .await
        .map_err(e)
}
