//! AWS KMS: the key encrypting the stack's topics, found by its alias.

use super::observe::{ObserveError, Observer};
use super::{Apply, Ports, Step, e, physical};
use crate::desired::names;
use crate::model::Change;
use crate::ports::*;
use crate::spec::Diff;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let alias = names::key_alias(o.stack());
    if let Some(key) = o
        .ports
        .kms()
        .key_by_alias(&alias)
        .await
        .map_err(o.err(format!("the KMS key {alias}")))?
        .filter(|k| !k.pending_deletion)
    {
        o.ctx.key_arn = Some(key.arn.clone());
        let owned = o.owns(&key.spec.tags);
        o.found(&alias, Some(key.key_id.clone()), key.spec, owned);
    }
    Ok(())
}

pub(super) async fn key<P: Ports>(
    apply: &mut Apply<'_, P>,
    change: &Change,
    step: Step,
    diff: &Diff<KeySpec>,
) -> Result<(), String> {
    let kms = apply.ports.kms();
    let alias = change.id.name.as_str();
    match step {
        Step::Create => {
            let arn = kms.create_key(alias, diff.want()?).await.map_err(e)?;
            apply.ctx.key_arn = Some(arn);
        }
        Step::Update => {
            let (want, had) = (diff.want()?, diff.had()?);
            let key_id = physical(change)?;
            if want.policy != had.policy {
                kms.put_key_policy(key_id, &want.policy).await.map_err(e)?;
            }
            if want.tags != had.tags {
                kms.tag_key(key_id, &want.tags).await.map_err(e)?;
            }
        }
        Step::Delete => {
            kms.delete_key(alias, physical(change)?).await.map_err(e)?;
            apply.ctx.key_arn = None;
        }
    }
    Ok(())
}
