//! Amazon GuardDuty: the region's detector.

use super::common::{Found, PortResult};
use crate::spec::{DetectorSpec, Tags};

/// The detector as GuardDuty shows it: its id, its spec, and (as `extra`) its tags.
pub type FoundDetector = Found<DetectorSpec, Tags>;

pub trait GuarddutyPort {
    /// The region's detector (there is at most one), with the state of `features`.
    async fn detector(&self, features: &[String]) -> PortResult<Option<FoundDetector>>;
    /// Returns the detector id.
    async fn create_detector(&self, spec: &DetectorSpec, tags: &Tags) -> PortResult<String>;
    async fn update_detector(&self, id: &str, spec: &DetectorSpec) -> PortResult<()>;
    async fn delete_detector(&self, id: &str) -> PortResult<()>;
}
