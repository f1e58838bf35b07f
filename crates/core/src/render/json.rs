//! The alert as a JSON document for machines (SIEMs, ticketing, automation). Strings are clipped
//! and stripped of controls; JSON escaping does the rest. The original finding rides along
//! unless the message would exceed SNS's limit, in which case it is dropped and `truncated`
//! says so.

use serde::Serialize;
use serde_json::json;

use super::{AlertInput, Links, incident, model_use, next_steps, sequence};
use crate::component::NOT_AI;
use crate::decide::AlertKind;
use crate::finding::Observation;
use crate::incident::IncidentKind;
use crate::severity::{Severity, SeverityLabel};
use crate::text::clip;

/// Version of this document's schema; bumped on incompatible changes.
pub const SCHEMA_VERSION: &str = "1";

pub(super) fn render(input: &AlertInput<'_>, subject: &str, budget: usize) -> (String, bool) {
    let mut document = document(input, subject);
    // A finding Watchpost made itself is not GuardDuty's: its observation says it all.
    let text = match input.observation {
        None => with_finding(&document, input.finding),
        Some(_) => to_json(&document),
    };
    if text.len() <= budget {
        return (text, false);
    }
    document.truncated = Some(Truncated {
        omitted: &["guardduty_finding"],
        reason: "the original finding did not fit SNS's 256 KiB limit",
    });
    let text = to_json(&document);
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
            "omitted": ["guardduty_finding", "evidence", "actor", "links", "next_steps", "attack_sequence", "model_use"],
            "reason": "the alert did not fit SNS's 256 KiB limit",
        },
    });
    let mut minimal = minimal;
    // The incident is what routes the alert: it is kept too.
    if let Some(incident) = &document.incident {
        minimal["incident"] = serde_json::to_value(incident).expect("strings serialise");
    }
    (minimal.to_string(), true)
}

/// `document` with the finding as its last field, `guardduty_finding`: both written straight
/// into one text, without turning either into a `Value` first (the finding is most of the
/// message, and of the time spent writing it).
fn with_finding(document: &Document<'_>, finding: &crate::guardduty::Finding) -> String {
    let mut text = Vec::with_capacity(8 * 1024);
    serde_json::to_writer(&mut text, document).expect("a document of strings serialises");
    // The document is a non-empty object: its text ends with `}`.
    debug_assert!(text.ends_with(b"}") && text.len() > 2);
    text.pop();
    text.extend_from_slice(b",\"guardduty_finding\":");
    let before = text.len();
    if serde_json::to_writer(&mut text, finding).is_err() {
        text.truncate(before);
        text.extend_from_slice(b"null");
    }
    text.push(b'}');
    String::from_utf8(text).expect("serde_json writes UTF-8")
}

fn to_json(document: &Document<'_>) -> String {
    serde_json::to_string(document).expect("a document of strings serialises")
}

/// The alert for machines, its fields in this order.
#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    version: &'static str,
    alert_kind: &'static str,
    /// The incident the alert belongs to, when incidents are on.
    #[serde(skip_serializing_if = "Option::is_none")]
    incident: Option<IncidentFields>,
    subject: &'a str,
    sample: bool,
    severity: Severity,
    component: &'static str,
    evidence: &'a [String],
    finding: FindingFields,
    actor: ActorFields,
    links: &'a Links,
    decision: DecisionFields<'a>,
    enrichment: EnrichmentFields<'a>,
    next_steps: Vec<&'static str>,
    /// The story of an attack sequence finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    attack_sequence: Option<sequence::Document>,
    /// The models, figures and guardrail of an AI Protection finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    model_use: Option<model_use::Document>,
    #[serde(skip_serializing_if = "Option::is_none")]
    observation: Option<&'a Observation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<Truncated>,
}

/// The incident as machines read it: `about` raw (JSON escaping keeps it inert), clipped.
#[derive(Serialize)]
struct IncidentFields {
    key: String,
    kind: IncidentKind,
    /// RFC 3339.
    opened: String,
    /// Its alerts so far, this one included.
    alerts: u32,
    about: String,
    severity: SeverityLabel,
}

#[derive(Serialize)]
struct FindingFields {
    id: String,
    arn: String,
    #[serde(rename = "type")]
    kind: String,
    title: Option<String>,
    description: Option<String>,
    account: String,
    region: String,
    resource_type: String,
    resource: String,
    instance_types: Vec<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    count: i64,
    /// The attack sequence the finding is, or is part of (`associatedAttackSequenceArn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    attack_sequence_arn: Option<String>,
}

#[derive(Serialize)]
struct ActorFields {
    ip_address: Option<String>,
    asn: Option<String>,
    asn_org: Option<String>,
    country: Option<String>,
    city: Option<String>,
    api: Option<String>,
    user_agent: Option<String>,
    domain: Option<String>,
}

#[derive(Serialize)]
struct DecisionFields<'a> {
    reason: &'a str,
    routes: &'a [String],
}

#[derive(Serialize)]
struct EnrichmentFields<'a> {
    notes: Vec<String>,
    investigation_id: &'a Option<String>,
}

#[derive(Serialize)]
struct Truncated {
    omitted: &'static [&'static str],
    reason: &'static str,
}

fn document<'a>(input: &AlertInput<'a>, subject: &'a str) -> Document<'a> {
    let f = input.finding;
    let actor = f.actor();
    let opt = |v: Option<&str>, n: usize| v.map(|v| clip(v, n));
    let (first, last) = f.first_last_seen();
    Document {
        schema: "watchpost.alert",
        version: SCHEMA_VERSION,
        alert_kind: match input.decision.kind {
            AlertKind::New => "new",
            AlertKind::Update => "update",
        },
        incident: input
            .enrichment
            .incident
            .as_ref()
            .map(|view| IncidentFields {
                key: incident::key(view),
                kind: view.kind,
                opened: incident::opened(view),
                alerts: view.alerts,
                about: clip(&view.about, incident::ABOUT_MAX_CHARS),
                severity: view.severity,
            }),
        subject,
        sample: f.is_sample(),
        severity: input.severity,
        component: input
            .classification
            .component
            .map_or(NOT_AI, |c| c.as_str()),
        evidence: &input.classification.evidence,
        finding: FindingFields {
            id: clip(&f.id, 300),
            arn: clip(&f.arn, 500),
            kind: clip(f.finding_type(), 200),
            title: opt(f.title.as_deref(), 500),
            description: opt(f.description.as_deref(), 4_000),
            account: clip(&f.account_id, 40),
            region: clip(&f.region, 40),
            resource_type: clip(f.resource_type(), 100),
            resource: clip(&f.resource_label(), 300),
            instance_types: f
                .instance_types()
                .iter()
                .map(|t| clip(t.value, 40))
                .collect(),
            first_seen: opt(first, 40),
            last_seen: opt(last, 40),
            count: f.count(),
            attack_sequence_arn: f.attack_sequence_ref().map(|r| clip(r.arn, 500)),
        },
        actor: ActorFields {
            ip_address: opt(actor.ip_address.as_deref(), 64),
            asn: opt(actor.asn.as_deref(), 20),
            asn_org: opt(actor.asn_org.as_deref(), 200),
            country: opt(actor.country.as_deref(), 100),
            city: opt(actor.city.as_deref(), 100),
            api: opt(actor.api.as_deref(), 200),
            user_agent: opt(actor.user_agent.as_deref(), 500),
            domain: opt(actor.domain.as_deref(), 300),
        },
        links: input.links,
        decision: DecisionFields {
            reason: &input.decision.reason,
            routes: &input.decision.routes,
        },
        enrichment: EnrichmentFields {
            notes: input
                .enrichment
                .notes
                .iter()
                .map(|n| clip(n, 300))
                .collect(),
            investigation_id: &input.enrichment.investigation_id,
        },
        next_steps: next_steps(input),
        attack_sequence: f.attack_sequence().as_ref().map(sequence::document),
        model_use: super::model_use(input).as_ref().map(model_use::document),
        observation: input.observation,
        truncated: None,
    }
}
