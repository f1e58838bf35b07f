//! Amazon GuardDuty's kind: the region's detector.

use serde::{Deserialize, Serialize};

/// The region's GuardDuty detector. Tags are set when Watchpost creates a detector and are not
/// part of the spec: a detector that existed before is managed but never tagged, so destroy
/// never deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectorSpec {
    pub finding_publishing_frequency: String,
    /// The features enabled, of those the config names (sorted).
    pub features: Vec<String>,
}
