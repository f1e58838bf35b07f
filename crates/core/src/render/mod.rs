//! Rendering alerts for their readers: a subject, a text body for people, a JSON document for
//! machines, AWS Chatbot's custom notification for chat (in the markdown of the route's chat
//! client), and the request bodies of PagerDuty's and Opsgenie's APIs for pagers; plus the SNS
//! message attributes subscribers filter on. An alert of an incident says so in every format
//! ([`incident`]). Every string from a finding is clipped and stripped of control characters,
//! then made safe for its format: URLs and domains defanged for people (text, chat, subjects,
//! pagers), markup neutralised for chat, raw values kept for machines (JSON). Every message
//! fits SNS's 256 KiB.

pub mod chat;
pub mod digest;
mod evaluation;
pub mod followup;
pub mod incident;
mod json;
pub mod markdown;
mod model_use;
pub mod pager;
pub mod resolution;
mod sequence;
mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::Classification;
use crate::component::NOT_AI;
use crate::config::{Format, MESSAGE_ATTRIBUTES, Route};
use crate::decide::{AlertKind, Decision};
use crate::finding::Observation;
use crate::guardduty::Finding;
use crate::incident::IncidentView;
use crate::links::Links;
use crate::severity::Severity;
use crate::text::{clip_ascii, clip_then_defang};

/// SNS subjects must be under 100 characters (SNS API reference, Publish: Subject).
pub const SUBJECT_MAX_CHARS: usize = 99;
/// SNS messages, attributes included, are at most 256 KiB (SNS API reference, Publish: Message).
pub const MESSAGE_MAX_BYTES: usize = 256 * 1024;

/// Everything that goes into an alert.
#[derive(Debug, Clone, Copy)]
pub struct AlertInput<'a> {
    pub finding: &'a Finding,
    pub classification: &'a Classification,
    pub severity: Severity,
    pub decision: &'a Decision,
    pub links: &'a Links,
    pub enrichment: &'a Enrichment,
    /// What Watchpost observed itself, for the findings it made.
    pub observation: Option<&'a Observation>,
}

/// What enrichment added, or could not add.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Enrichment {
    /// Notes for the reader, e.g. "Detective enrichment unavailable: throttled".
    pub notes: Vec<String>,
    /// The Detective investigation started (or reused) for this finding.
    pub investigation_id: Option<String>,
    /// The incident the alert belongs to (none when incidents are off, or the store could not
    /// say: the alert then stands alone).
    pub incident: Option<IncidentView>,
}

/// One alert, rendered for one route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedAlert {
    pub route: String,
    pub format: Format,
    pub subject: String,
    pub message: String,
    pub attributes: BTreeMap<String, String>,
    /// Whether the message had to be cut to fit.
    pub truncated: bool,
}

/// The alert's subject: `[HIGH] accelerated-compute: <type> on <resource>`, printable ASCII,
/// under 100 characters, URLs and domains defanged (mail clients link them too). An alert of an
/// incident ends with the incident's key (`… [WP-0123456789]`), so that mail clients thread an
/// incident's alerts; the rest is cut shorter to make room.
pub fn subject(input: &AlertInput<'_>) -> String {
    match &input.enrichment.incident {
        Some(view) => {
            let tag = incident::subject_tag(view);
            let room = SUBJECT_MAX_CHARS - tag.chars().count();
            format!("{}{tag}", subject_within(input, room))
        }
        None => subject_within(input, SUBJECT_MAX_CHARS),
    }
}

/// [`subject`] without the incident's key, within `max_chars`.
fn subject_within(input: &AlertInput<'_>, max_chars: usize) -> String {
    let mut prefix = String::new();
    if input.finding.is_sample() {
        prefix.push_str("[SAMPLE] ");
    }
    prefix.push_str(&format!("[{}] ", input.severity.label));
    if input.decision.kind == AlertKind::Update {
        prefix.push_str("(update) ");
    }
    if let Some(component) = input.classification.component {
        prefix.push_str(component.as_str());
        prefix.push_str(": ");
    }
    if let Some(observation) = input.observation {
        let whole = format!("{prefix}{}", observation.headline());
        return clip_then_defang(&whole, max_chars, clip_ascii);
    }
    let finding_type = clip_then_defang(input.finding.finding_type(), 60, clip_ascii);
    // An attack sequence is about who did it: its subject names the actor.
    let actor = input
        .finding
        .attack_sequence()
        .and_then(|s| s.principal())
        .and_then(|p| p.name);
    let whole = match actor {
        Some(actor) => format!(
            "{prefix}{finding_type} by {}",
            clip_then_defang(actor, 24, clip_ascii)
        ),
        None => format!(
            "{prefix}{finding_type} on {}",
            clip_then_defang(&input.finding.resource_label(), 24, clip_ascii)
        ),
    };
    clip_then_defang(&whole, max_chars, clip_ascii)
}

/// SNS message attributes subscribers can filter on.
pub fn attributes(input: &AlertInput<'_>, format: Format) -> BTreeMap<String, String> {
    let mut attributes = finding_attributes(input);
    // With incidents, what the alert is to its incident (`new` opens one, `update` adds to
    // it, `escalation` raises its severity, `resolved` ends it); without, to its finding.
    let kind = match (&input.enrichment.incident, input.decision.kind) {
        (Some(incident), _) => incident.kind.as_str(),
        (None, AlertKind::New) => "new",
        (None, AlertKind::Update) => "update",
    };
    attributes.insert("alert_kind".into(), kind.into());
    attributes.insert("format".into(), format.as_str().into());
    // The config checks filter policies against MESSAGE_ATTRIBUTES; every rendered fixture
    // keeps the two in step.
    debug_assert!(
        attributes
            .keys()
            .map(String::as_str)
            .eq(MESSAGE_ATTRIBUTES.iter().copied())
    );
    attributes
}

/// The attributes that describe the finding (all but `alert_kind` and `format`): what a
/// follow-up carries again, so that the subscriptions that let an alert through let its
/// follow-up through too.
pub fn finding_attributes(input: &AlertInput<'_>) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    attributes.insert("severity".into(), input.severity.label.as_str().to_owned());
    attributes.insert(
        "component".into(),
        input
            .classification
            .component
            .map_or(NOT_AI, |c| c.as_str())
            .to_owned(),
    );
    attributes.insert(
        "finding_type".into(),
        attribute_value(input.finding.finding_type(), 256),
    );
    attributes.insert(
        "account".into(),
        attribute_value(&input.finding.account_id, 32),
    );
    attributes.insert("region".into(), attribute_value(&input.finding.region, 32));
    attributes.insert("sample".into(), input.finding.is_sample().to_string());
    attributes.insert(
        "incident".into(),
        input
            .enrichment
            .incident
            .as_ref()
            .map_or_else(|| NO_INCIDENT.to_owned(), |i| attribute_value(&i.key, 32)),
    );
    attributes
}

/// What the finding says for an attribute, as ASCII, or `unknown` when it says nothing: SNS
/// refuses a whole publish whose attribute has an empty value (`InvalidParameter`), and a
/// finding's fields are whatever its sender wrote.
fn attribute_value(text: &str, max_chars: usize) -> String {
    let value = clip_ascii(text, max_chars);
    if value.trim().is_empty() {
        UNKNOWN_ATTRIBUTE.to_owned()
    } else {
        value
    }
}

/// The `incident` attribute of an alert that belongs to none.
pub const NO_INCIDENT: &str = "none";

/// The value of an attribute the finding left empty.
pub const UNKNOWN_ATTRIBUTE: &str = "unknown";

/// Renders the alert for one route in its format (and, for chat, its client's markdown).
pub fn render(input: &AlertInput<'_>, route: &Route) -> RenderedAlert {
    render_with_subject(input, route, subject(input))
}

/// [`render`] with the input's [`subject`] already written: it is the same for every route, so
/// an alert for several routes writes it once.
pub fn render_with_subject(
    input: &AlertInput<'_>,
    route: &Route,
    subject: String,
) -> RenderedAlert {
    let format = route.format;
    let attributes = attributes(input, format);
    let budget = MESSAGE_MAX_BYTES
        - attributes
            .iter()
            .map(|(k, v)| k.len() + v.len() + "String".len())
            .sum::<usize>();
    let (message, truncated) = match format {
        Format::Text => text::render(input, &subject, budget),
        Format::Json => json::render(input, &subject, budget),
        Format::Chat => chat::render(input, &subject, route.chat_client(), budget),
        // Bounded fields keep a page far below SNS's limit and the pagers' own.
        Format::Pagerduty => (pager::pagerduty(input, &subject), false),
        Format::Opsgenie => (pager::opsgenie(input, &subject), false),
    };
    RenderedAlert {
        route: route.name.clone(),
        format,
        subject,
        message,
        attributes,
        truncated,
    }
}

/// The models, figures and guardrail of a GuardDuty finding. Watchpost's own findings (a
/// CloudTrail call, a usage alarm) name their model in what Watchpost saw already.
fn model_use<'a>(input: &AlertInput<'a>) -> Option<crate::finding::ModelUse<'a>> {
    input
        .observation
        .is_none()
        .then(|| input.finding.model_use())
        .flatten()
}

/// Whether a next step is about cutting the actor's credentials off: every such step says
/// "deactivate", "revoke" or "rotate".
pub fn is_containment(step: &str) -> bool {
    let step = step.to_lowercase();
    ["deactivate", "revoke", "rotate"]
        .iter()
        .any(|word| step.contains(word))
}

/// Suggested next steps by component, for people and chat.
pub fn next_steps(input: &AlertInput<'_>) -> Vec<&'static str> {
    use crate::component::Component::*;
    let mut steps: Vec<&'static str> = input
        .observation
        .map(Observation::next_steps)
        .unwrap_or_default();
    // A guardrail that saw a prompt attack and let it through is the first thing to fix.
    if model_use(input)
        .and_then(|m| m.guardrail)
        .is_some_and(|g| g.detected_only())
    {
        steps.push(model_use::BLOCK_STEP);
    }
    match input.finding.attack_sequence_ref() {
        Some(sequence) if sequence.arn == input.finding.arn => steps.extend([
            "Contain the actor first: deactivate its access key or revoke its role's sessions, unless the activity is known to be theirs.",
            "Read the signals in order in GuardDuty's attack sequence view: each is a finding or an API call to check.",
        ]),
        Some(_) => steps.push(
            "This finding is part of an attack sequence: read the sequence first (link below), it tells the whole story.",
        ),
        None => {}
    }
    let component_steps = match input.classification.component {
        Some(ModelInvocation) => vec![
            "Check who invoked which model, from where, and at what cost (Bedrock invocation logs, Cost Explorer).",
            "If the caller is not expected, deactivate the access key or revoke the role's sessions.",
        ],
        Some(MlControlPlane) => vec![
            "Review the Bedrock/SageMaker configuration change in CloudTrail; restore logging and guardrails.",
            "Confirm the principal was allowed to make it; rotate its credentials if not.",
        ],
        Some(AcceleratedCompute) => vec![
            "Look at the GPU host's processes and network connections; isolate it if mining or exfiltration is likely.",
            "Check recent launches and AMIs of accelerated instances in this account.",
        ],
        Some(MlData) => vec![
            "Check who read or changed the training data or model artifacts (S3 data events).",
            "Block public access and review the bucket policy.",
        ],
        Some(MlIdentity) => vec![
            "Review what the ML execution role did recently in the Detective profile.",
            "Rotate or restrict the role's credentials if the activity is unexpected.",
        ],
        Some(MlWorkload) => vec![
            "Check the AI workload's recent changes and connections.",
            "Isolate the workload if the activity is unexpected.",
        ],
        None => vec!["Review the finding in GuardDuty and follow your incident runbook."],
    };
    // One containment step at most: the call's or the sequence's own, more precise, goes
    // first, and the component's general one would say it again in other words. A usage
    // alarm's own steps are all the component's say, for the one model or endpoint.
    let contained = steps.iter().any(|step| is_containment(step));
    if !input.observation.is_some_and(Observation::has_own_steps) {
        steps.extend(
            component_steps
                .into_iter()
                .filter(|step| !(contained && is_containment(step))),
        );
    }
    if input.links.detective_finding.is_some() {
        steps.push("Open the Detective finding profile to see related activity in scope.");
    } else {
        steps.push("Open the Detective profiles linked above to see related activity in scope.");
    }
    if input.finding.is_sample() {
        steps.insert(
            0,
            "This is a GuardDuty sample finding: no action is needed beyond checking the pipeline.",
        );
    }
    steps
}

/// Cuts `text` to at most `max_bytes` bytes on a character boundary.
pub(crate) fn cut_to_bytes(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
