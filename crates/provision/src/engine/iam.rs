//! AWS IAM: the enricher's execution role (one per region) and its inline policy.

use super::applier::{Applier, Cause, Step, e};
use super::observer::{ObserveError, Observer};
use crate::desired::names;
use crate::ports::*;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let stack = o.stack();
    let role = names::role(stack, &o.ctx.region);
    let iam = o.ports.iam();
    let Some(Found { id: arn, spec, .. }) = iam
        .role(&role)
        .await
        .map_err(o.err(format!("the IAM role {role}")))?
    else {
        return Ok(());
    };
    let owned = o.owns(&spec.tags);
    o.found(&role, arn, spec, owned);
    let policy_name = names::role_policy(stack);
    if let Some(policy) = iam
        .role_policy(&role, &policy_name)
        .await
        .map_err(o.err(format!("the policy {policy_name} of {role}")))?
    {
        o.found(
            &policy_name,
            policy_name.clone(),
            RolePolicySpec {
                role: role.clone(),
                policy: Deferred::Known(policy),
            },
            owned,
        );
    }
    Ok(())
}

pub(super) async fn role<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, RoleSpec>,
) -> Result<(), Cause> {
    let iam = apply.ports.iam();
    match step {
        Step::Create { want, .. } => {
            iam.create_role(name, want).await.map_err(e)?;
        }
        Step::Update { had, want, .. } => {
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
            // Managed policies attached by hand widen what the enricher may do.
            for policy in &had.managed_policies {
                if !want.managed_policies.contains(policy) {
                    iam.detach_role_policy(name, policy).await.map_err(e)?;
                }
            }
        }
        Step::Delete { had, .. } => {
            // IAM refuses to delete a role with managed policies attached.
            for policy in &had.managed_policies {
                iam.detach_role_policy(name, policy).await.map_err(e)?;
            }
            iam.delete_role(name).await.map_err(e)?;
        }
    }
    Ok(())
}

pub(super) async fn role_policy<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, RolePolicySpec>,
) -> Result<(), Cause> {
    let iam = apply.ports.iam();
    match step {
        Step::Create { want, .. } | Step::Update { want, .. } => {
            // Apply derived every unknown value before this step (see `resolve_policy`).
            let policy = want
                .policy
                .known()
                .ok_or_else(|| format!("{} is still unknown", want.policy))?;
            iam.put_role_policy(&want.role, name, policy)
                .await
                .map_err(e)?;
        }
        Step::Delete { had, .. } => {
            iam.delete_role_policy(&had.role, name).await.map_err(e)?;
        }
    }
    Ok(())
}
