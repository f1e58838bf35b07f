//! Incoming events: the EventBridge envelope and what it carries. GuardDuty findings come as
//! `GuardDuty Finding` events, Security Hub's copies as `Security Hub Findings - Imported` (ASFF);
//! bare findings (as saved from the console or an S3 export) are accepted too, so that people
//! can replay what they have. CloudTrail management events and usage alarm state changes are
//! Watchpost's own ([`crate::activity`]). Everything else is `Ignored`; input that cannot be a
//! finding is `Rejected` with the field at fault.

use serde::Deserialize;
use serde_json::Value;

use crate::activity::{self, Observation};
use crate::asff;
use crate::config::Config;
use crate::guardduty::Finding;
use crate::text::clip;

mod direct;

/// `detail-type` of GuardDuty's findings on EventBridge.
pub const GUARDDUTY_DETAIL_TYPE: &str = "GuardDuty Finding";
/// `detail-type` of Security Hub's imported findings on EventBridge.
pub const SECURITY_HUB_DETAIL_TYPE: &str = "Security Hub Findings - Imported";
/// ASFF `SchemaVersion` (Security Hub user guide, "ASFF required attributes").
const ASFF_SCHEMA_VERSION: &str = "2018-10-08";
/// How much of a foreign value a rejection message quotes.
const QUOTE_LIMIT: usize = 60;

/// Where a finding reached Watchpost from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// GuardDuty's own event (or a bare GuardDuty finding).
    GuardDuty,
    /// Security Hub's copy of a GuardDuty finding, in ASFF.
    SecurityHub,
    /// A CloudTrail management event one of Watchpost's detections matched.
    CloudTrail,
    /// A state change of one of Watchpost's usage alarms.
    UsageAlarm,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::GuardDuty => "guardduty",
            Origin::SecurityHub => "securityhub",
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
/// text, sooner for the common `GuardDuty Finding` event (read straight from the text).
pub fn parse_event_text_with(bytes: &[u8], config: &Config) -> ParsedEvent {
    if let Some(finding) = direct::guardduty_finding(bytes) {
        return one_guardduty_finding(finding);
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
/// through `config`'s detections ([`activity`]).
pub fn parse_event_with(value: Value, config: &Config) -> ParsedEvent {
    if let Some(detail_type) = value.get("detail-type").and_then(Value::as_str)
        && let Some(parsed) = activity::parse(detail_type, &value, config)
    {
        return parsed;
    }
    parse_finding_event(value)
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
                Some(detail) => guardduty_finding(detail, "detail"),
                None => ParsedEvent::Rejected(
                    "`detail`: missing; a GuardDuty Finding event carries the finding there".into(),
                ),
            },
            SECURITY_HUB_DETAIL_TYPE => security_hub_event(object.get("detail")),
            other => ParsedEvent::Ignored(format!(
                "event type `{}` is not a finding",
                clip(other, QUOTE_LIMIT)
            )),
        };
    }
    if object.get("SchemaVersion").and_then(Value::as_str) == Some(ASFF_SCHEMA_VERSION)
        || object.contains_key("ProductArn")
    {
        return security_hub_findings(std::slice::from_ref(&value), "");
    }
    if object.contains_key("schemaVersion") {
        return guardduty_finding(&value, "");
    }
    ParsedEvent::Rejected(
        "not an EventBridge event (no `detail-type`) nor a GuardDuty finding (no `schemaVersion`)"
            .into(),
    )
}

fn guardduty_finding(detail: &Value, path: &str) -> ParsedEvent {
    // Read from the event in place; a finding at fault is read again to say where (tracking
    // the path of every field costs time that well-formed findings need not spend).
    let finding = Box::<Finding>::deserialize(detail)
        .or_else(|_| serde_path_to_error::deserialize::<_, Box<Finding>>(detail));
    match finding {
        Ok(finding) => one_guardduty_finding(finding),
        Err(err) => ParsedEvent::Rejected(describe_error(path, &err)),
    }
}

fn one_guardduty_finding(finding: Box<Finding>) -> ParsedEvent {
    ParsedEvent::Findings {
        findings: vec![SourcedFinding {
            finding,
            origin: Origin::GuardDuty,
            observation: None,
        }],
        rejected: Vec::new(),
    }
}

/// Deserialises a GuardDuty finding, reporting the path of the first field at fault.
pub fn deserialize_finding(
    value: Value,
) -> Result<Finding, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(value)
}

/// `detail.severity: expected f64, found string "5.0"`-style messages from serde's errors.
fn describe_error(prefix: &str, err: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = err.inner().to_string();
    let path = err.path().to_string();
    // A missing field is reported at its parent; serde names it in the message.
    let at = match (prefix.is_empty(), path.as_str()) {
        (true, ".") => "the finding".to_owned(),
        (false, ".") => format!("`{prefix}`"),
        (true, p) => format!("`{p}`"),
        (false, p) => format!("`{prefix}.{p}`"),
    };
    format!("{at}: {}", clip(&inner, 200))
}

fn security_hub_event(detail: Option<&Value>) -> ParsedEvent {
    let Some(findings) = detail.and_then(|d| d.get("findings")) else {
        return ParsedEvent::Rejected(
            "`detail.findings`: missing; a Security Hub event carries its findings there".into(),
        );
    };
    let Some(findings) = findings.as_array() else {
        return ParsedEvent::Rejected(
            "`detail.findings`: expected an array of ASFF findings".into(),
        );
    };
    security_hub_findings(findings, "detail.findings")
}

fn security_hub_findings(findings: &[Value], path: &str) -> ParsedEvent {
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    let mut others = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("{path}[{index}]")
        };
        match asff::product_of(finding) {
            Err(what) => rejected.push(format!("{}{what}", prefix_of(&at))),
            Ok(product) if asff::is_guardduty(product) => match asff::to_finding(finding) {
                Ok(finding) => out.push(SourcedFinding {
                    finding: Box::new(finding),
                    origin: Origin::SecurityHub,
                    observation: None,
                }),
                Err(what) => rejected.push(format!("{}{what}", prefix_of(&at))),
            },
            Ok(product) => others.push(clip(asff::product_name(product), QUOTE_LIMIT)),
        }
    }
    if out.is_empty() && !rejected.is_empty() {
        // Nothing usable: the event as a whole is rejected, naming every finding at fault.
        return ParsedEvent::Rejected(clip(&rejected.join("; "), 1_000));
    }
    if out.is_empty() {
        if others.is_empty() {
            return ParsedEvent::Ignored("Security Hub event with no findings".into());
        }
        others.dedup();
        return ParsedEvent::Ignored(format!(
            "Security Hub finding from {} (not GuardDuty)",
            others.join(", ")
        ));
    }
    ParsedEvent::Findings {
        findings: out,
        rejected,
    }
}

fn prefix_of(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("`{path}`: ")
    }
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
