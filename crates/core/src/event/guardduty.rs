//! GuardDuty's own findings: the `detail` of a `GuardDuty Finding` event, or a bare finding,
//! read into the finding model. The common event is read straight from its text first
//! ([`super::direct`]); this is the general reader, which also says what is wrong.

use serde::Deserialize;
use serde_json::Value;

use crate::finding::{Origin, ParsedEvent, SourcedFinding};
use crate::guardduty::Finding;
use crate::text::clip;

/// The finding at `path` of the event (the event itself when `path` is empty).
pub(super) fn finding(detail: &Value, path: &str) -> ParsedEvent {
    // Read from the event in place; a finding at fault is read again to say where (tracking
    // the path of every field costs time that well-formed findings need not spend).
    let finding = Box::<Finding>::deserialize(detail)
        .or_else(|_| serde_path_to_error::deserialize::<_, Box<Finding>>(detail));
    match finding {
        Ok(finding) => one_finding(finding),
        Err(err) => ParsedEvent::Rejected(describe_error(path, &err)),
    }
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
