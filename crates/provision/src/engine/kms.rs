//! AWS KMS: the key encrypting the stack's topics, found by its alias, or by the stack's tag
//! when an apply stopped between CreateKey and CreateAlias (apply then points the alias at it
//! rather than create a second key). Its key policy names the enricher's role, created just
//! before: KMS refuses it until IAM has propagated the role, so those calls are retried.

use super::applier::{Applier, Cause, Step, e, retrying};
use super::observer::{ObserveError, Observer};
use crate::desired::{STACK_TAG, names};
use crate::ports::*;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let alias = names::key_alias(o.stack());
    let aliased = o
        .ports
        .kms()
        .key_by_alias(&alias)
        .await
        .map_err(o.err(format!("the KMS key {alias}")))?
        .filter(|k| !k.extra.pending_deletion);
    // Every key with the stack's tag: one without the alias is the stack's key when there is
    // none with it (an apply stopped between CreateKey and CreateAlias), and otherwise a second
    // key of the stack's (a CreateKey sent twice, whose first answer was lost), to delete.
    let tagged = o
        .ports
        .kms()
        .keys_by_tag(STACK_TAG, o.stack())
        .await
        .map_err(o.err(format!("the KMS keys tagged {STACK_TAG}={}", o.stack())))?;
    let mut main = aliased.as_ref().map(|k| k.extra.key_id.clone());
    if let Some(key) = aliased {
        o.ctx.key_arn = Some(key.id);
        let owned = o.owns(&key.spec.tags);
        o.found(&alias, key.extra.key_id, key.spec, owned);
    }
    for key in tagged {
        if main.as_ref() == Some(&key.extra.key_id) {
            continue;
        }
        let owned = o.owns(&key.spec.tags);
        if main.is_none() {
            // The stack's key without its alias: it is planned as an update that creates the
            // alias. Its ARN is known, so what names the key needs nothing from apply.
            main = Some(key.extra.key_id.clone());
            o.ctx.key_arn = Some(key.id);
            o.found(&alias, key.extra.key_id, key.spec, owned);
        } else {
            o.found(&key.extra.key_id.clone(), key.extra.key_id, key.spec, owned);
        }
    }
    Ok(())
}

/// Whether KMS refused a key policy because a principal in it (the enricher's role, created
/// moments before) is not visible to KMS yet.
fn principal_not_ready(err: &PortError) -> bool {
    err.code() == "MalformedPolicyDocumentException"
}

pub(super) async fn key<P: Ports>(
    apply: &mut Applier<'_, P>,
    alias: &str,
    step: Step<'_, KeySpec>,
) -> Result<(), Cause> {
    let kms = apply.ports.kms();
    match step {
        Step::Create { want, .. } => {
            let arn = retrying(principal_not_ready, || kms.create_key(alias, want))
                .await
                .map_err(|err| {
                    if principal_not_ready(&err) {
                        Cause::Context {
                            context: "the enricher's role is still not visible to KMS; apply again in a minute".into(),
                            source: err,
                        }
                    } else {
                        e(err)
                    }
                })?;
            apply.ctx.key_arn = Some(arn);
        }
        Step::Update {
            had,
            want,
            id: key_id,
        } => {
            if want.policy != had.policy {
                retrying(principal_not_ready, || {
                    kms.put_key_policy(key_id, &want.policy)
                })
                .await
                .map_err(e)?;
            }
            if want.tags != had.tags {
                kms.tag_key(key_id, &want.tags).await.map_err(e)?;
            }
            if want.aliased && !had.aliased {
                kms.create_alias(alias, key_id).await.map_err(e)?;
            }
            if want.enabled && !had.enabled {
                kms.enable_key(key_id).await.map_err(e)?;
            }
        }
        Step::Delete { had, id: key_id } => {
            // The alias goes only with the key it names: a second key the stack tagged (a
            // CreateKey sent twice) is deleted without it.
            let alias = had.aliased.then_some(alias);
            kms.delete_key(alias, key_id).await.map_err(e)?;
            apply.ctx.key_arn = None;
        }
    }
    Ok(())
}
