//! Amazon DynamoDB: the enricher's alert-state table, found by its name. Its key cannot change:
//! a table of the stack's with another key is replaced (the plan says so).

use super::applier::{Applier, Cause, Step, e, retrying};
use super::observer::{ObserveError, Observer};
use crate::ports::*;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let name = &o.config.enricher.state_table;
    if let Some(table) = o
        .ports
        .dynamodb()
        .table(name)
        .await
        .map_err(o.err(format!("the DynamoDB table {name}")))?
    {
        o.outputs.state_table = Some(name.clone());
        let owned = o.owns(&table.spec.tags);
        o.found(name, table.id, table.spec, owned);
    }
    Ok(())
}

/// Whether DynamoDB refused a new table because the one it replaces is still being deleted.
fn still_deleting(err: &PortError) -> bool {
    err.code() == "ResourceInUseException"
}

pub(super) async fn table<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, TableSpec>,
) -> Result<(), Cause> {
    let dynamodb = apply.ports.dynamodb();
    match step {
        // A replacement's create: DeleteTable returns while the table is still being deleted.
        Step::Create {
            want,
            replacing: true,
        } => {
            retrying(still_deleting, || dynamodb.create_table(name, want))
                .await
                .map_err(e)?;
        }
        Step::Create { want, .. } => {
            dynamodb.create_table(name, want).await.map_err(e)?;
        }
        Step::Update { had, want, id: arn } => {
            if want.partition_key != had.partition_key {
                // Only a table the stack owns is replaced; this one is someone else's.
                return Err(Cause::Refused(format!(
                    "the table's partition key is `{}`, the enricher needs `{}`, and DynamoDB cannot change a key: delete the table (or name another in [enricher] state_table) and apply again",
                    had.partition_key, want.partition_key
                )));
            }
            if want.billing_mode != had.billing_mode {
                dynamodb
                    .set_billing_mode(name, &want.billing_mode)
                    .await
                    .map_err(e)?;
            }
            if want.sse_enabled != had.sse_enabled {
                dynamodb.set_sse(name, want.sse_enabled).await.map_err(e)?;
            }
            if want.ttl_attribute != had.ttl_attribute {
                // TTL moves to another attribute only by being disabled first.
                if let Some(old) = &had.ttl_attribute {
                    dynamodb.set_ttl(name, old, false).await.map_err(e)?;
                }
                if let Some(new) = &want.ttl_attribute {
                    dynamodb.set_ttl(name, new, true).await.map_err(e)?;
                }
            }
            if want.tags != had.tags {
                dynamodb.tag_table(arn, &want.tags).await.map_err(e)?;
            }
        }
        Step::Delete { .. } => dynamodb.delete_table(name).await.map_err(e)?,
    }
    Ok(())
}
