//! What parsing an event gives: findings in the one finding model ([`crate::guardduty`]), where
//! each came from, and what Watchpost observed itself for the findings it makes; and the story
//! an attack sequence finding tells ([`sequence`]). The ground
//! floor of the pipeline: every parser ([`crate::event`]) builds these, everything above
//! (classification, decisions, rendering) reads them.

pub(crate) mod api_call;
mod model_use;
mod observation;
pub mod sequence;
pub(crate) mod usage_change;

pub use api_call::ApiCall;
pub use model_use::{Guardrail, ModelUse, Unusual, Volume};
pub use observation::Observation;
pub use sequence::{AttackSequence, SequenceRef};
pub use usage_change::UsageChange;

use serde_json::Value;

use crate::guardduty::Finding;

/// Where a finding reached Watchpost from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// GuardDuty's own event (or a bare GuardDuty finding).
    GuardDuty,
    /// Security Hub CSPM's copy of a GuardDuty finding, in ASFF (`Security Hub Findings -
    /// Imported`).
    SecurityHubAsff,
    /// The new Security Hub's copy of a finding, in OCSF (`Findings Imported V2`): GuardDuty's
    /// or another product's.
    SecurityHubOcsf,
    /// A CloudTrail management event one of Watchpost's detections matched.
    CloudTrail,
    /// A state change of one of Watchpost's usage alarms.
    UsageAlarm,
}

impl Origin {
    /// Security Hub's copy, in either format, of a finding another service made.
    pub fn is_security_hub(self) -> bool {
        matches!(self, Origin::SecurityHubAsff | Origin::SecurityHubOcsf)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::GuardDuty => "guardduty",
            Origin::SecurityHubAsff => "securityhub",
            Origin::SecurityHubOcsf => "securityhub-ocsf",
            Origin::CloudTrail => "cloudtrail",
            Origin::UsageAlarm => "cloudwatch",
        }
    }
}

/// A finding and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedFinding {
    /// Boxed: a finding is about 7.5 KB, and the pipeline hands it on several times.
    pub finding: Box<Finding>,
    pub origin: Origin,
    /// What Watchpost observed itself, for findings it made (CloudTrail, usage alarms).
    pub observation: Option<Observation>,
}

/// What an input event turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedEvent {
    /// One or more findings to decide on (Security Hub events may carry several), and why
    /// each finding of the same batch that could not be read was rejected: one bad finding
    /// does not hold back the others.
    Findings {
        findings: Vec<SourcedFinding>,
        rejected: Vec<String>,
    },
    /// Not something Watchpost acts on; the reason says what it was.
    Ignored(String),
    /// Not usable; the reason names the field and what was expected.
    Rejected(String),
}

/// Deserialises a GuardDuty finding, reporting the path of the first field at fault.
pub fn deserialize_finding(
    value: Value,
) -> Result<Finding, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(value)
}
