//! Amazon EventBridge's kinds: a rule on the default bus, and its targets.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::value::{Tags, closed_set};

closed_set! {
    /// Whether a rule matches events (EventBridge API reference, PutRule: State).
    RuleState {
        Enabled = "ENABLED",
        Disabled = "DISABLED",
    }
}

/// A rule on the default bus: an event pattern or a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub description: String,
    pub event_pattern: Option<Value>,
    pub schedule_expression: Option<String>,
    pub state: RuleState,
    pub tags: Tags,
}

impl RuleSpec {
    /// An enabled rule matching `pattern`: how Watchpost's own event rules are made.
    pub fn on_events(description: String, pattern: Value, tags: Tags) -> Self {
        Self::enabled(description, Some(pattern), None, tags)
    }

    /// An enabled rule on a schedule (`rate(…)` or `cron(…)`).
    pub fn on_schedule(description: String, schedule: String, tags: Tags) -> Self {
        Self::enabled(description, None, Some(schedule), tags)
    }

    fn enabled(
        description: String,
        event_pattern: Option<Value>,
        schedule_expression: Option<String>,
        tags: Tags,
    ) -> Self {
        RuleSpec {
            description,
            event_pattern,
            schedule_expression,
            state: RuleState::Enabled,
            tags,
        }
    }
}

/// One target of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSpec {
    pub id: String,
    pub arn: String,
    pub maximum_retry_attempts: u32,
    pub maximum_event_age_s: u32,
    pub dead_letter_arn: Option<String>,
    /// What the target receives instead of the whole event, when not the event itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<TargetInput>,
}

/// An input transformer: the event's values a target receives (`paths`: a name for each
/// JSONPath into the event), set into `template`, where `<name>` stands for each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInput {
    pub paths: std::collections::BTreeMap<String, String>,
    pub template: String,
}

/// Every target of a rule: the targets are managed as one resource, so a target someone added
/// by hand shows up as drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetsSpec {
    pub targets: Vec<TargetSpec>,
}
