//! Amazon GuardDuty: the region's detector, when the config manages it or the stack created
//! it. A detector that existed before is managed but never tagged, so destroy never deletes it.

use super::applier::{Applier, Cause, Step, e};
use super::observer::{ObserveError, Observer};
use crate::desired::{names, stack_tags};
use crate::ports::*;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let config = o.config;
    // Read whatever the config says: a detector the stack created stays the stack's (and is
    // deleted by destroy) after the config stops managing it.
    if let Some(detector) = o
        .ports
        .guardduty()
        .detector(&config.guardduty.features)
        .await
        .map_err(o.err("the GuardDuty detector"))?
    {
        let owned = o.owns(&detector.extra);
        if !owned && !config.guardduty.manage_detector {
            return Ok(());
        }
        o.found(names::DETECTOR, detector.id, detector.spec, owned);
    }
    Ok(())
}

pub(super) async fn detector<P: Ports>(
    apply: &mut Applier<'_, P>,
    step: Step<'_, DetectorSpec>,
) -> Result<(), Cause> {
    let guardduty = apply.ports.guardduty();
    match step {
        Step::Create { want, .. } => {
            let tags = stack_tags(apply.config, &Tags::new());
            guardduty.create_detector(want, &tags).await.map_err(e)?;
        }
        Step::Update { want, id, .. } => {
            guardduty.update_detector(id, want).await.map_err(e)?;
        }
        Step::Delete { id, .. } => guardduty.delete_detector(id).await.map_err(e)?,
    }
    Ok(())
}
