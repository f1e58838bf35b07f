//! Replaying the enricher's dead-letter queue: every message is an event the enricher could not
//! process (its asynchronous invocation failed after Lambda's retries, or EventBridge could not
//! invoke it at all). Redrive sends each event back to the function as an asynchronous
//! invocation and deletes the message only once Lambda has accepted it, so nothing is lost; the
//! enricher's alert state makes a second delivery of an alert already sent a no-op per route.
//! It reads the queue and invokes the function through the ports, like everything else.

use serde_json::Value;
use watchpost_core::text::clip_ascii;

use crate::ports::{LambdaPort, PortResult, SqsPort};

/// Where a dead letter came from, which decides where its event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Lambda's on-failure destination: a record with the event under `requestPayload`.
    LambdaDestination,
    /// A rule target's dead-letter queue: the event itself.
    EventBridge,
}

/// What a dead-letter message holds.
#[derive(Debug, Clone, PartialEq)]
pub enum DeadLetter {
    Event {
        origin: Origin,
        event: Value,
        /// Why it failed, as the record says (Lambda's condition and error type).
        failure: Option<String>,
    },
    /// Not an event Watchpost can replay; it stays in the queue.
    Unreadable(String),
}

/// Reads a dead-letter message body.
pub fn read_dead_letter(body: &str) -> DeadLetter {
    let value: Value = match serde_json::from_str(body) {
        Ok(value) => value,
        Err(err) => return DeadLetter::Unreadable(format!("not JSON: {err}")),
    };
    if let Some(event) = value.get("requestPayload") {
        let condition = value["requestContext"]["condition"].as_str();
        let error_type = value["responsePayload"]["errorType"].as_str();
        let failure = match (condition, error_type) {
            (Some(c), Some(t)) => Some(format!("{c}: {t}")),
            (Some(c), None) => Some(c.to_owned()),
            (None, Some(t)) => Some(t.to_owned()),
            (None, None) => None,
        };
        return DeadLetter::Event {
            origin: Origin::LambdaDestination,
            event: event.clone(),
            failure,
        };
    }
    if value.get("detail-type").is_some() && value.get("source").is_some() {
        return DeadLetter::Event {
            origin: Origin::EventBridge,
            event: value,
            failure: None,
        };
    }
    DeadLetter::Unreadable("neither a Lambda destination record nor an EventBridge event".into())
}

/// One line about an event for people: its type, the finding's type and severity, its id.
/// Everything in it comes from the event, so it is clipped to printable ASCII.
pub fn describe(event: &Value) -> String {
    let field = |v: &Value| clip_ascii(v.as_str().unwrap_or("?"), 80);
    let detail = &event["detail"];
    let finding = if detail["findings"].is_array() {
        &detail["findings"][0]
    } else {
        detail
    };
    let severity = finding["severity"]
        .as_f64()
        .or_else(|| finding["Severity"]["Product"].as_f64())
        .map(|s| format!("severity {s}"))
        .unwrap_or_else(|| "no severity".into());
    let finding_type = finding["type"]
        .as_str()
        .or_else(|| finding["Types"][0].as_str())
        .map(|t| clip_ascii(t, 80))
        .unwrap_or_else(|| "?".into());
    format!(
        "{} {finding_type} ({severity}), event {}",
        field(&event["detail-type"]),
        field(&event["id"])
    )
}

/// What happened to one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub message_id: String,
    /// [`describe`] of the event, or the message's id when it is unreadable.
    pub summary: String,
    pub failure: Option<String>,
    /// Sent back to the function (and deleted from the queue).
    pub redriven: bool,
    /// Why it stays in the queue, when it does.
    pub kept_because: Option<String>,
}

/// Redrives at most `max` messages from `queue_url` to `function` (or only lists them with
/// `dry_run`). Each message is deleted only after Lambda accepted its event.
pub async fn redrive<S: SqsPort, L: LambdaPort>(
    sqs: &S,
    lambda: &L,
    queue_url: &str,
    function: &str,
    max: usize,
    dry_run: bool,
) -> PortResult<Vec<Outcome>> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    // A message kept in the queue comes back after its visibility timeout; one pass is enough.
    let mut seen = std::collections::BTreeSet::new();
    while outcomes.len() < max {
        // Long enough to invoke and delete; kept messages reappear after it. A dry run hides
        // nothing (what it saw is remembered in `seen`).
        let visibility = if dry_run { 0 } else { 60 };
        let messages = sqs
            .receive(queue_url, max - outcomes.len(), visibility, 1)
            .await?;
        if messages.is_empty() {
            break;
        }
        let mut new = 0;
        for message in messages {
            let id = message.id.clone();
            if !seen.insert(id.clone()) {
                continue;
            }
            new += 1;
            let outcome = match read_dead_letter(&message.body) {
                DeadLetter::Unreadable(why) => Outcome {
                    summary: format!("message {}", clip_ascii(&id, 80)),
                    message_id: id,
                    failure: None,
                    redriven: false,
                    kept_because: Some(why),
                },
                DeadLetter::Event { event, failure, .. } => {
                    let summary = describe(&event);
                    if dry_run {
                        Outcome {
                            message_id: id,
                            summary,
                            failure,
                            redriven: false,
                            kept_because: Some("dry run".into()),
                        }
                    } else {
                        let kept_because =
                            match lambda.invoke_async(function, &event.to_string()).await {
                                Ok(()) => sqs
                                    .delete_message(queue_url, &message.receipt)
                                    .await
                                    .err()
                                    .map(|e| {
                                        format!("sent again, but not deleted from the queue: {e}")
                                    }),
                                Err(err) => Some(err.to_string()),
                            };
                        Outcome {
                            message_id: id,
                            summary,
                            failure,
                            redriven: kept_because.is_none(),
                            kept_because,
                        }
                    }
                }
            };
            outcomes.push(outcome);
        }
        if new == 0 {
            break;
        }
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lambda_destination_record_carries_the_event_and_why_it_failed() {
        let body = r#"{"version":"1.0","timestamp":"2026-11-27T10:00:00Z",
            "requestContext":{"requestId":"r","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},
            "requestPayload":{"id":"e1","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"type":"Recon:EC2/PortProbeUnprotectedPort","severity":5.0}},
            "responseContext":{"statusCode":200,"functionError":"Unhandled"},
            "responsePayload":{"errorType":"Watchpost.DeliveryFailed.Retryable","errorMessage":"boom"}}"#;
        let DeadLetter::Event {
            origin,
            event,
            failure,
        } = read_dead_letter(body)
        else {
            panic!("unread")
        };
        assert_eq!(origin, Origin::LambdaDestination);
        assert_eq!(event["id"], "e1");
        assert_eq!(
            failure.as_deref(),
            Some("RetriesExhausted: Watchpost.DeliveryFailed.Retryable")
        );
        assert_eq!(
            describe(&event),
            "GuardDuty Finding Recon:EC2/PortProbeUnprotectedPort (severity 5), event e1"
        );
    }

    #[test]
    fn an_eventbridge_dead_letter_is_the_event_itself() {
        let body = r#"{"id":"e2","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","detail":{"findings":[{"Types":["TTPs/Discovery/x"],"Severity":{"Product":8.0}}]}}"#;
        let DeadLetter::Event { origin, event, .. } = read_dead_letter(body) else {
            panic!("unread")
        };
        assert_eq!(origin, Origin::EventBridge);
        assert!(describe(&event).contains("TTPs/Discovery/x (severity 8)"));
    }

    #[test]
    fn anything_else_stays_in_the_queue_and_event_strings_are_made_printable() {
        assert!(matches!(
            read_dead_letter("not json"),
            DeadLetter::Unreadable(_)
        ));
        assert!(matches!(
            read_dead_letter(r#"{"hello":"world"}"#),
            DeadLetter::Unreadable(_)
        ));
        let event = serde_json::json!({"id": "\u{1b}[31mred", "detail-type": "x\ny", "detail": {}});
        let line = describe(&event);
        assert!(
            line.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
            "{line:?}"
        );
    }
}
