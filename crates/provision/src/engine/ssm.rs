//! AWS Systems Manager Parameter Store: the stack's records whose subject is gone (a
//! subscription removed by hand or with its topic, a run stopped between removing one and its
//! record), which observation finds beside what they record and apply removes.

use super::applier::{Applier, Cause, Step, e};
use crate::ports::*;
use crate::spec::*;

pub(super) async fn record<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, RecordSpec>,
) -> Result<(), Cause> {
    match step {
        // Only the record as it was observed: one written again since (an administrator
        // recorded anew before it is enabled) is no longer stale.
        Step::Delete { had, .. } => {
            let ssm = apply.ports.ssm();
            if ssm.parameter(name).await.map_err(e)?.as_ref() == Some(&had.value) {
                ssm.delete_parameter(name).await.map_err(e)?;
            }
            Ok(())
        }
        Step::Create { .. } | Step::Update { .. } => Err(Cause::Refused(
            "a record is written with what it records, never on its own".into(),
        )),
    }
}
