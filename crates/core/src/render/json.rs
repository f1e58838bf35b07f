//! The alert as a JSON document for machines (SIEMs, ticketing, automation). Strings are clipped
//! and stripped of controls; JSON escaping does the rest. The original finding rides along
//! unless the message would exceed SNS's limit, in which case it is dropped and `truncated`
//! says so.

use serde_json::{Value, json};

use super::{AlertInput, next_steps};
use crate::component::NOT_AI;
use crate::decide::AlertKind;
use crate::text::clip;

/// Version of this document's schema; bumped on incompatible changes.
pub const SCHEMA_VERSION: &str = "1";

pub(super) fn render(input: &AlertInput<'_>, subject: &str, budget: usize) -> (String, bool) {
    let mut document = document(input, subject);
    if let Some(observation) = input.observation {
        document["observation"] = serde_json::to_value(observation).unwrap_or(Value::Null);
    }
    // A finding Watchpost made itself is not GuardDuty's: its observation says it all.
    let text = if input.observation.is_none() {
        with_finding(&document, input.finding)
    } else {
        document.to_string()
    };
    if text.len() <= budget {
        return (text, false);
    }
    let mut trimmed = document;
    trimmed["truncated"] = json!({
        "omitted": ["guardduty_finding"],
        "reason": "the original finding did not fit SNS's 256 KiB limit",
    });
    let text = trimmed.to_string();
    if text.len() <= budget {
        return (text, true);
    }
    // Every field above is bounded, but lists (evidence, instance types) are as long as the
    // finding makes them: keep the essentials, which always fit.
    let f = input.finding;
    let minimal = json!({
        "schema": "watchpost.alert",
        "version": SCHEMA_VERSION,
        "subject": subject,
        "sample": f.is_sample(),
        "severity": { "score": input.severity.score, "label": input.severity.label },
        "component": input.classification.component.map_or(NOT_AI, |c| c.as_str()),
        "finding": {
            "id": clip(&f.id, 300),
            "type": clip(f.finding_type(), 200),
            "account": clip(&f.account_id, 40),
            "region": clip(&f.region, 40),
        },
        "truncated": {
            "omitted": ["guardduty_finding", "evidence", "actor", "links", "next_steps"],
            "reason": "the alert did not fit SNS's 256 KiB limit",
        },
    });
    (minimal.to_string(), true)
}

/// `document` with the finding as its last field, `guardduty_finding`: the text of the document
/// with that field added, written without first copying the document and turning the finding
/// into a `Value` (the finding is most of the message, and of the time spent writing it).
fn with_finding(document: &Value, finding: &crate::guardduty::Finding) -> String {
    let mut text = document.to_string();
    let finding = serde_json::to_string(finding).unwrap_or_else(|_| "null".to_owned());
    // The document is a non-empty object: its text ends with `}`.
    debug_assert!(text.ends_with('}') && text.len() > 2);
    text.pop();
    text.reserve(finding.len() + 24);
    text.push_str(",\"guardduty_finding\":");
    text.push_str(&finding);
    text.push('}');
    text
}

fn document(input: &AlertInput<'_>, subject: &str) -> Value {
    let f = input.finding;
    let actor = f.actor();
    let opt = |v: Option<&str>, n: usize| v.map(|v| clip(v, n));
    let (first, last) = f.first_last_seen();
    json!({
        "schema": "watchpost.alert",
        "version": SCHEMA_VERSION,
        "alert_kind": match input.decision.kind { AlertKind::New => "new", AlertKind::Update => "update" },
        "subject": subject,
        "sample": f.is_sample(),
        "severity": { "score": input.severity.score, "label": input.severity.label },
        "component": input.classification.component.map_or(NOT_AI, |c| c.as_str()),
        "evidence": input.classification.evidence,
        "finding": {
            "id": clip(&f.id, 300),
            "arn": clip(&f.arn, 500),
            "type": clip(f.finding_type(), 200),
            "title": opt(f.title.as_deref(), 500),
            "description": opt(f.description.as_deref(), 4_000),
            "account": clip(&f.account_id, 40),
            "region": clip(&f.region, 40),
            "resource_type": clip(f.resource_type(), 100),
            "resource": clip(&f.resource_label(), 300),
            "instance_types": f.instance_types().iter().map(|t| clip(t, 40)).collect::<Vec<_>>(),
            "first_seen": opt(first, 40),
            "last_seen": opt(last, 40),
            "count": f.count(),
        },
        "actor": {
            "ip_address": opt(actor.ip_address.as_deref(), 64),
            "asn": opt(actor.asn.as_deref(), 20),
            "asn_org": opt(actor.asn_org.as_deref(), 200),
            "country": opt(actor.country.as_deref(), 100),
            "city": opt(actor.city.as_deref(), 100),
            "api": opt(actor.api.as_deref(), 200),
            "user_agent": opt(actor.user_agent.as_deref(), 500),
            "domain": opt(actor.domain.as_deref(), 300),
        },
        "links": input.links,
        "decision": { "reason": input.decision.reason, "routes": input.decision.routes },
        "enrichment": {
            "notes": input.enrichment.notes.iter().map(|n| clip(n, 300)).collect::<Vec<_>>(),
            "investigation_id": input.enrichment.investigation_id,
        },
        "next_steps": next_steps(input),
    })
}
