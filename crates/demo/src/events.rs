//! The demo's findings: read from a JSON Lines file of EventBridge events, sent to the default
//! event bus with PutEvents as GuardDuty would send them, and read back from the tap queue as
//! the enricher would receive them.

use std::path::Path;
use std::time::Duration;

use aws_sdk_eventbridge::primitives::{DateTime, DateTimeFormat};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use serde_json::Value;
use watchpost_core::replay::split_events;

use crate::error::{DemoError, aws};
use crate::queues;

/// PutEvents takes at most 10 entries per call (EventBridge API reference, PutEvents: Entries).
pub const PUT_EVENTS_MAX_ENTRIES: usize = 10;
/// How long the tap is read for events that matched the rules before giving up on the rest.
const TAP_PATIENCE: Duration = Duration::from_secs(3);

/// One event of the input, located (`findings.jsonl:3`).
#[derive(Debug, Clone, PartialEq)]
pub struct InputEvent {
    pub input: String,
    pub event: Value,
}

impl InputEvent {
    /// A short label: where it came from and what it is.
    pub fn label(&self) -> String {
        label(&self.input, &self.event)
    }
}

/// `<input>: <detail-type> <finding type> (<severity>)` for an event.
pub fn label(input: &str, event: &Value) -> String {
    let detail_type = event["detail-type"].as_str().unwrap_or("event");
    let detail = &event["detail"];
    match (detail["type"].as_str(), detail["severity"].as_f64()) {
        (Some(finding_type), Some(severity)) => {
            format!("{input}: {detail_type} {finding_type} ({severity:.1})")
        }
        // Watchpost's own event kinds: the call, or the alarm and its new state.
        _ => match (
            detail["eventName"].as_str(),
            detail["alarmName"].as_str(),
            detail["state"]["value"].as_str(),
        ) {
            (Some(call), _, _) => format!("{input}: {detail_type} {call}"),
            (None, Some(alarm), Some(state)) => {
                format!("{input}: {detail_type} {alarm} → {state}")
            }
            _ => format!("{input}: {detail_type}"),
        },
    }
}

/// Reads the events of `path` (one EventBridge event per line; a JSON array or a single event
/// also do). Every line must be an event with `source`, `detail-type` and an object `detail`.
pub fn load(path: &Path) -> Result<Vec<InputEvent>, DemoError> {
    let bytes = std::fs::read(path).map_err(|source| DemoError::Read {
        path: path.to_owned(),
        source,
    })?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = Vec::new();
    for input in split_events(&name, &bytes) {
        let label = input.input.clone();
        let event = input
            .into_value()
            .map_err(|reason| DemoError::Input(format!("{label}: {reason}")))?;
        for field in ["source", "detail-type"] {
            if !event[field].is_string() {
                return Err(DemoError::Input(format!(
                    "{label}: not an EventBridge event: `{field}` is missing"
                )));
            }
        }
        if !event["detail"].is_object() {
            return Err(DemoError::Input(format!(
                "{label}: not an EventBridge event: `detail` is not an object"
            )));
        }
        out.push(InputEvent {
            input: label,
            event,
        });
    }
    if out.is_empty() {
        return Err(DemoError::Input(format!("{}: no events", path.display())));
    }
    Ok(out)
}

/// The PutEvents entry for an event: its source, detail-type, detail, resources and time.
fn entry(input: &InputEvent) -> Result<PutEventsRequestEntry, DemoError> {
    let event = &input.event;
    let resources = event["resources"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let time =
        match event["time"].as_str() {
            Some(text) => Some(DateTime::from_str(text, DateTimeFormat::DateTime).map_err(
                |err| DemoError::Input(format!("{}: `time` {text:?}: {err}", input.input)),
            )?),
            None => None,
        };
    Ok(PutEventsRequestEntry::builder()
        .source(event["source"].as_str().unwrap_or_default())
        .detail_type(event["detail-type"].as_str().unwrap_or_default())
        .detail(event["detail"].to_string())
        .set_resources(Some(resources))
        .set_time(time)
        .build())
}

/// Sends the events to the default bus, 10 per call; any entry EventBridge refused is an error.
pub async fn put(
    events: &aws_sdk_eventbridge::Client,
    inputs: &[InputEvent],
) -> Result<usize, DemoError> {
    let mut sent = 0;
    for chunk in inputs.chunks(PUT_EVENTS_MAX_ENTRIES) {
        let entries = chunk.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
        let answer = events
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(aws("EventBridge PutEvents"))?;
        // PutEvents reports refused entries inside a successful answer, in request order.
        if answer.failed_entry_count() > 0 {
            let failures: Vec<String> = chunk
                .iter()
                .zip(answer.entries())
                .filter(|(_, result)| result.error_code().is_some())
                .map(|(input, result)| {
                    format!(
                        "{}: {} {}",
                        input.input,
                        result.error_code().unwrap_or_default(),
                        result.error_message().unwrap_or_default()
                    )
                })
                .collect();
            return Err(DemoError::Pipeline(format!(
                "EventBridge refused {} of {} events: {}",
                answer.failed_entry_count(),
                chunk.len(),
                failures.join("; ")
            )));
        }
        sent += chunk.len();
    }
    Ok(sent)
}

/// An event as it arrived on the tap, matched back to the input it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct TappedEvent {
    /// The input's location, or `tap` for an event no input explains.
    pub input: String,
    /// The event as EventBridge delivered it (its own id, account and region).
    pub event: Value,
}

/// Reads the events EventBridge delivered to the tap, up to `expected` of them (fewer when the
/// rules' patterns leave some out: then it waits a few seconds for stragglers), and matches
/// each back to its input by its detail, in input order (identical events match in turn).
pub async fn read_tap(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    inputs: &[InputEvent],
) -> Result<Vec<TappedEvent>, DemoError> {
    let deadline = tokio::time::Instant::now() + TAP_PATIENCE;
    let mut bodies = Vec::new();
    while bodies.len() < inputs.len() && tokio::time::Instant::now() < deadline {
        let more = queues::drain(sqs, url).await?;
        if more.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bodies.extend(more);
    }
    let mut unmatched: Vec<&InputEvent> = inputs.iter().collect();
    let mut out = Vec::new();
    for message in bodies {
        let event: Value = serde_json::from_str(&message.body).map_err(|err| {
            DemoError::Pipeline(format!(
                "the tap received something that is not an event ({err})"
            ))
        })?;
        let input = match unmatched.iter().position(|i| same_event(&i.event, &event)) {
            Some(at) => unmatched.remove(at).input.clone(),
            None => "tap".to_owned(),
        };
        out.push(TappedEvent { input, event });
    }
    Ok(out)
}

/// Whether `delivered` is `sent` as EventBridge delivers it (a new id; the same source,
/// detail-type and detail).
fn same_event(sent: &Value, delivered: &Value) -> bool {
    ["source", "detail-type", "detail"]
        .iter()
        .all(|field| sent[field] == delivered[field])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_findings() -> Vec<InputEvent> {
        load(&watchpost_localaws::workspace_root().join("infra/demo/findings.jsonl")).unwrap()
    }

    #[test]
    fn the_demo_findings_are_events_located_by_line() {
        let events = demo_findings();
        assert_eq!(events.len(), 12);
        assert_eq!(events[0].input, "findings.jsonl:1");
        assert_eq!(
            events[0].label(),
            "findings.jsonl:1: GuardDuty Finding CryptoCurrency:EC2/BitcoinTool.B!DNS (8.0)"
        );
        // Watchpost's own event kinds: the call, or the alarm and its new state.
        assert_eq!(
            events[8].label(),
            "findings.jsonl:9: AWS API Call via CloudTrail PutFoundationModelEntitlement"
        );
        assert_eq!(
            events[10].label(),
            "findings.jsonl:11: CloudWatch Alarm State Change watchpost-demo-usage-bedrock-OutputTokenCount-anthropic.claude-3-5-sonnet-20240620-v1:0 → ALARM"
        );
        // The story's end: GuardDuty's attack sequence after its signals.
        assert_eq!(
            events[11].label(),
            "findings.jsonl:12: GuardDuty Finding AttackSequence:IAM/CompromisedCredentials (9.2)"
        );
    }

    #[test]
    fn entries_carry_source_type_detail_resources_and_time() {
        let event = InputEvent {
            input: "x:1".into(),
            event: serde_json::json!({
                "source": "aws.guardduty", "detail-type": "GuardDuty Finding",
                "time": "2026-03-02T08:20:11Z", "resources": ["arn:aws:ec2:us-east-1:1:instance/i-1"],
                "detail": {"id": "f"}
            }),
        };
        let entry = entry(&event).unwrap();
        assert_eq!(entry.source(), Some("aws.guardduty"));
        assert_eq!(entry.detail_type(), Some("GuardDuty Finding"));
        assert_eq!(entry.detail(), Some(r#"{"id":"f"}"#));
        assert_eq!(entry.resources(), ["arn:aws:ec2:us-east-1:1:instance/i-1"]);
        assert_eq!(entry.time().map(|t| t.secs()), Some(1_772_439_611));
    }

    #[test]
    fn a_line_that_is_not_an_event_is_refused_with_its_location() {
        let dir =
            std::env::temp_dir().join(format!("watchpost-demo-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.jsonl");
        std::fs::write(
            &path,
            "{\"source\":\"aws.guardduty\",\"detail-type\":\"x\",\"detail\":{}}\n{\"detail\":{}}\n",
        )
        .unwrap();
        let err = load(&path).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.starts_with("bad.jsonl:2: "), "{err}");
        assert!(err.contains("`source`"), "{err}");
    }

    #[test]
    fn tapped_events_match_their_inputs_in_turn() {
        let inputs = demo_findings();
        // Lines 1 and 8 are the same finding, delivered twice.
        assert!(same_event(&inputs[0].event, &inputs[7].event));
        let mut delivered = inputs[0].event.clone();
        delivered["id"] = "another-id".into();
        assert!(same_event(&inputs[0].event, &delivered));
        assert!(!same_event(&inputs[1].event, &delivered));
    }
}
