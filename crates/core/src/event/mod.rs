//! Incoming events: the EventBridge envelope, and the reader each kind goes to, one file each.
//! GuardDuty findings come as `GuardDuty Finding` events (`guardduty.rs`, and `direct.rs` for the
//! common event read straight from its text), Security Hub's copies as `Security Hub Findings -
//! Imported` (ASFF, `asff.rs`) and the new Security Hub's findings as `Findings Imported V2`
//! (OCSF, `ocsf.rs`); bare findings (as saved from the console or an S3 export) are
//! accepted too, so that people can replay what they have. CloudTrail management events
//! (`cloudtrail.rs`) and usage alarm state changes (`usage_alarm.rs`) are what Watchpost watches
//! itself: each becomes a finding in the same model, carrying an
//! [`Observation`](crate::finding::Observation). Everything else is `Ignored`; input that cannot
//! be a finding is `Rejected` with the field at fault.
//!
//! Readers build the types of [`crate::finding`] from the event and the [`crate::config`]; a new
//! kind of event is a reader here, its `detail-type` below, and its arm in [`parse_activity`]
//! (or in the finding events'), with its observation in [`crate::finding`].

mod asff;
mod cloudtrail;
mod direct;
mod guardduty;
mod ocsf;
mod repair;
mod usage_alarm;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::Config;
use crate::finding::ParsedEvent;
use crate::text::clip;

/// `detail-type` of GuardDuty's findings on EventBridge.
pub const GUARDDUTY_DETAIL_TYPE: &str = "GuardDuty Finding";
/// `detail-type` of Security Hub's imported findings on EventBridge.
pub const SECURITY_HUB_DETAIL_TYPE: &str = "Security Hub Findings - Imported";
/// `detail-type` of the new Security Hub's findings (OCSF) on EventBridge.
pub const SECURITY_HUB_V2_DETAIL_TYPE: &str = ocsf::DETAIL_TYPE;
/// `detail-type` of CloudTrail management events on EventBridge.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
/// `detail-type` of CloudWatch alarm state changes on EventBridge.
pub const ALARM_DETAIL_TYPE: &str = "CloudWatch Alarm State Change";
/// How much of a foreign value a rejection message quotes.
const QUOTE_LIMIT: usize = 60;

/// Parses one event from its JSON text, with the default configuration for the events
/// Watchpost watches itself ([`parse_event_text_with`] applies a config).
pub fn parse_event(bytes: &[u8]) -> ParsedEvent {
    parse_event_text_with(bytes, default_config())
}

/// Parses one event that is already JSON, with the default configuration for the events
/// Watchpost watches itself.
pub fn parse_event_value(value: Value) -> ParsedEvent {
    parse_event_with(value, default_config())
}

fn default_config() -> &'static Config {
    static DEFAULTS: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    DEFAULTS.get_or_init(Config::default)
}

/// Parses one event from its JSON text; the same answer as [`parse_event_with`] on the parsed
/// text, sooner for the common `GuardDuty Finding` and `Findings Imported V2` events (read
/// straight from the text).
pub fn parse_event_text_with(bytes: &[u8], config: &Config) -> ParsedEvent {
    match direct::read(bytes) {
        Some(direct::Direct::GuardDuty(finding)) => return guardduty::one_finding(finding),
        Some(direct::Direct::SecurityHubV2(detail)) => {
            return ocsf::findings(
                detail.findings.into_iter().enumerate().collect(),
                Vec::new(),
            );
        }
        None => {}
    }
    match parse_json(bytes) {
        Ok(value) => parse_event_with(value, config),
        Err(reason) => ParsedEvent::Rejected(reason),
    }
}

/// An event's text as JSON, or the reason it is rejected: what every reader of event text
/// (`parse_event`, replay and the demo's harness) says of text that is not JSON.
pub fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|err| format!("not valid JSON: {err}"))
}

/// Parses one event that is already JSON; CloudTrail events and usage alarm state changes go
/// through `config`'s detections ([`parse_activity`]).
pub fn parse_event_with(value: Value, config: &Config) -> ParsedEvent {
    if let Some(detail_type) = value.get("detail-type").and_then(Value::as_str)
        && let Some(parsed) = parse_activity(detail_type, &value, config)
    {
        return parsed;
    }
    parse_finding_event(value)
}

/// Parses the event kinds Watchpost watches itself, when `detail_type` is one of them (`None`
/// otherwise).
pub fn parse_activity(detail_type: &str, event: &Value, config: &Config) -> Option<ParsedEvent> {
    match detail_type {
        CLOUDTRAIL_DETAIL_TYPE => Some(cloudtrail::parse(event, config)),
        ALARM_DETAIL_TYPE => Some(usage_alarm::parse(event, config)),
        _ => None,
    }
}

/// Parses a GuardDuty or Security Hub event, or a bare finding.
fn parse_finding_event(value: Value) -> ParsedEvent {
    let Value::Object(object) = &value else {
        return ParsedEvent::Rejected(format!(
            "expected a JSON object (an EventBridge event or a finding), found {}",
            json_kind(&value)
        ));
    };
    if let Some(detail_type) = object.get("detail-type") {
        let Some(detail_type) = detail_type.as_str() else {
            return ParsedEvent::Rejected("`detail-type`: expected a string".into());
        };
        return match detail_type {
            GUARDDUTY_DETAIL_TYPE => match object.get("detail") {
                Some(detail) => guardduty::finding(detail, "detail"),
                None => ParsedEvent::Rejected(
                    "`detail`: missing; a GuardDuty Finding event carries the finding there".into(),
                ),
            },
            SECURITY_HUB_DETAIL_TYPE => asff::security_hub_event(object.get("detail")),
            SECURITY_HUB_V2_DETAIL_TYPE => ocsf::security_hub_event(object.get("detail")),
            other => ParsedEvent::Ignored(format!(
                "event type `{}` is not a finding",
                clip(other, QUOTE_LIMIT)
            )),
        };
    }
    if object.get("SchemaVersion").and_then(Value::as_str) == Some(asff::SCHEMA_VERSION)
        || object.contains_key("ProductArn")
    {
        return asff::security_hub_findings(std::slice::from_ref(&value), "");
    }
    if object.contains_key("schemaVersion") {
        return guardduty::finding(&value, "");
    }
    ParsedEvent::Rejected(
        "not an EventBridge event (no `detail-type`) nor a GuardDuty finding (no `schemaVersion`)"
            .into(),
    )
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The event's `detail` read as `T`, or the rejection that names where it went wrong (the
/// path inside `detail`, and serde's reason, clipped). `carries` says what `detail` should hold.
/// The readers of the kinds Watchpost watches itself use it.
fn read_detail<T: DeserializeOwned>(event: &Value, carries: &str) -> Result<T, ParsedEvent> {
    let Some(detail) = event.get("detail") else {
        return Err(ParsedEvent::Rejected(format!(
            "`detail`: missing; {carries}"
        )));
    };
    serde_path_to_error::deserialize(detail).map_err(|err| {
        let path = err.path().to_string();
        let at = if path == "." {
            "`detail`".to_owned()
        } else {
            format!("`detail.{path}`")
        };
        ParsedEvent::Rejected(format!("{at}: {}", clip(&err.inner().to_string(), 200)))
    })
}
