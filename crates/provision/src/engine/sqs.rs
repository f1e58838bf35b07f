//! Amazon SQS: the enricher's dead-letter queue, found by its name.

use super::applier::{Applier, Cause, Step, e};
use super::observer::{ObserveError, Observer};
use crate::desired::names;
use crate::ports::*;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let name = names::dlq(o.stack());
    if let Some(queue) = o
        .ports
        .sqs()
        .queue(&name)
        .await
        .map_err(o.err(format!("the SQS queue {name}")))?
    {
        o.outputs.dead_letter_queue = Some(queue.id.clone());
        let owned = o.owns(&queue.spec.tags);
        o.found(&name, queue.id, queue.spec, owned);
    }
    Ok(())
}

pub(super) async fn queue<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, QueueSpec>,
) -> Result<(), Cause> {
    let sqs = apply.ports.sqs();
    match step {
        Step::Create { want, .. } => {
            sqs.create_queue(name, want).await.map_err(e)?;
        }
        Step::Update { had, want, id: url } => {
            if (
                want.sqs_managed_sse,
                want.message_retention_seconds,
                &want.policy,
            ) != (
                had.sqs_managed_sse,
                had.message_retention_seconds,
                &had.policy,
            ) {
                sqs.set_queue_attributes(url, want).await.map_err(e)?;
            }
            if want.tags != had.tags {
                sqs.tag_queue(url, &want.tags).await.map_err(e)?;
            }
        }
        Step::Delete { id: url, .. } => sqs.delete_queue(url).await.map_err(e)?,
    }
    Ok(())
}
