//! GuardDuty: the detector and its features.

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl GuarddutyPort for FakeAccount {
    async fn detector(&self, features: &[String]) -> PortResult<Option<FoundDetector>> {
        let s = self.call("ListDetectors");
        Ok(s.detector.clone().map(|mut d| {
            d.spec.features.retain(|f| features.contains(f));
            d
        }))
    }
    async fn create_detector(&self, spec: &DetectorSpec, tags: &Tags) -> PortResult<String> {
        let mut s = self.call("CreateDetector");
        if s.detector.is_some() {
            return Err(PortError::Invalid {
                call: "CreateDetector",
                code: "BadRequestException".into(),
                message: "The request is rejected because a detector already exists for the current account.".into(),
            });
        }
        s.next_id += 1;
        let id = format!("{:032x}", s.next_id);
        s.detector = Some(Found {
            id: id.clone(),
            spec: spec.clone(),
            extra: tags.clone(),
        });
        s.made(Thing::Detector(id.clone()));
        Ok(id)
    }
    async fn update_detector(&self, id: &str, spec: &DetectorSpec) -> PortResult<()> {
        let mut s = self.call("UpdateDetector");
        let detector = s
            .detector
            .as_mut()
            .filter(|d| d.id == id)
            .ok_or_else(|| not_found("UpdateDetector", id))?;
        // Features not named stay as they are; named ones are enabled.
        for feature in &spec.features {
            if !detector.spec.features.contains(feature) {
                detector.spec.features.push(feature.clone());
            }
        }
        detector.spec.features.sort();
        detector.spec.finding_publishing_frequency = spec.finding_publishing_frequency.clone();
        s.changed(Thing::Detector(id.to_owned()));
        Ok(())
    }
    async fn delete_detector(&self, id: &str) -> PortResult<()> {
        let mut s = self.call("DeleteDetector");
        if s.detector.as_ref().is_some_and(|d| d.id == id) {
            s.detector = None;
            s.deleted(Thing::Detector(id.to_owned()));
            Ok(())
        } else {
            Err(not_found("DeleteDetector", id))
        }
    }
}
