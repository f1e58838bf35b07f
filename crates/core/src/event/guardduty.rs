//! GuardDuty's own findings: the `detail` of a `GuardDuty Finding` event, or a bare finding,
//! read into the finding model. The common event is read straight from its text first
//! ([`super::direct`]); this is the general reader, which also says what is wrong. A part of an
//! attack sequence of an unexpected type is left out rather than losing the finding.

use serde::Deserialize;
use serde_json::Value;

use super::repair::deserialize_dropping;
use crate::finding::{Origin, ParsedEvent, SourcedFinding};
use crate::guardduty::Finding;
use crate::text::clip;

/// The finding at `path` of the event (the event itself when `path` is empty).
pub(super) fn finding(detail: &Value, path: &str) -> ParsedEvent {
    // Read from the event in place; a finding at fault is read again to say where (tracking
    // the path of every field costs time that well-formed findings need not spend).
    let finding = Box::<Finding>::deserialize(detail)
        .or_else(|_| serde_path_to_error::deserialize::<_, Box<Finding>>(detail))
        .or_else(|err| {
            if !in_sequence(err.path().iter()) {
                return Err(err);
            }
            // An attack sequence is the most valuable finding GuardDuty makes: a part of its
            // story of an unexpected type is left out, and the rest still alerts.
            deserialize_dropping(detail.clone(), |path| {
                path.len() > SEQUENCE_PATH.len()
                    && SEQUENCE_PATH.iter().zip(path).all(|(key, at)| at.is(key))
            })
        });
    match finding {
        Ok(finding) => one_finding(finding),
        Err(err) => ParsedEvent::Rejected(describe_error(path, &err)),
    }
}

/// Where a finding carries its attack sequence.
const SEQUENCE_PATH: [&str; 3] = ["service", "detection", "sequence"];

/// Whether a path lies inside the attack sequence (below `service.detection.sequence`).
fn in_sequence<'a>(path: impl Iterator<Item = &'a serde_path_to_error::Segment>) -> bool {
    let keys: Vec<&str> = path
        .take(SEQUENCE_PATH.len() + 1)
        .map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => key.as_str(),
            _ => "",
        })
        .collect();
    keys.len() > SEQUENCE_PATH.len() && keys[..SEQUENCE_PATH.len()] == SEQUENCE_PATH
}

/// An event of one GuardDuty finding.
pub(super) fn one_finding(finding: Box<Finding>) -> ParsedEvent {
    ParsedEvent::Findings {
        findings: vec![SourcedFinding {
            finding,
            origin: Origin::GuardDuty,
            observation: None,
        }],
        rejected: Vec::new(),
    }
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
