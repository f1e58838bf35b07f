//! A CloudTrail management event one of Watchpost's detections matched, as the alert tells it:
//! the detection and why it matters, who called what from where, why the severity was raised,
//! the request parameters that matter. Every string here is the caller's to choose; the parser
//! ([`crate::event`]'s CloudTrail reader) has bounded them, and each is clipped where shown.

use serde::Serialize;

use crate::component::Component;
use crate::guardduty::Finding;
use crate::links::{EntityLink, console_host, console_link, encode};
use crate::text::clip;

/// Longest request parameter value an alert quotes.
pub(crate) const PARAMETER_MAX_CHARS: usize = 200;
/// Long-term IAM user access keys start with this (IAM user guide, "Unique identifiers").
pub(crate) const LONG_TERM_KEY_PREFIX: &str = "AKIA";

/// A detection's verdict on one CloudTrail event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiCall {
    pub detection: String,
    pub rationale: String,
    /// The detection's component; `None` for calls about Watchpost's own pipeline.
    #[serde(skip)]
    pub component: Option<Component>,
    pub event_id: String,
    pub event_source: String,
    pub event_name: String,
    /// `IAMUser`, `AssumedRole`, `Root`, …
    pub principal_type: Option<String>,
    /// The caller's ARN as CloudTrail records it (a session ARN for roles).
    pub principal_arn: Option<String>,
    /// The role or user behind the call: the session issuer for roles.
    pub principal_name: Option<String>,
    pub access_key_id: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Why the severity was raised, one line each.
    pub escalations: Vec<String>,
    /// `errorCode: errorMessage` of a failed call.
    pub failure: Option<String>,
    /// The request parameters that matter, `(path, value)`.
    pub parameters: Vec<(String, String)>,
    /// Accelerated instance types the request named.
    pub accelerated_instance_types: Vec<String>,
    /// Why this is suppressed before anything else (an allowlist, a failed call).
    pub suppressed: Option<String>,
}

impl ApiCall {
    /// `bedrock:DeleteGuardrail`.
    pub fn api(&self) -> String {
        format!(
            "{}:{}",
            service_of(&self.event_source),
            clip(&self.event_name, 80)
        )
    }

    pub(super) fn headline(&self) -> String {
        let who = self
            .principal_name
            .as_deref()
            .unwrap_or("unknown principal");
        let failed = if self.failure.is_some() {
            " (failed)"
        } else {
            ""
        };
        format!(
            "{} by {}{failed} ({})",
            self.detection,
            clip(who, 40),
            self.api()
        )
    }

    pub(super) fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("Detection", self.detection.clone()),
            ("Why it matters", clip(&self.rationale, 300)),
        ];
        if let Some(failure) = &self.failure {
            facts.push(("Failed", clip(failure, 300)));
        }
        let who = [
            self.principal_type.as_deref(),
            self.principal_arn.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(|s| clip(s, 200))
        .collect::<Vec<_>>()
        .join(" ");
        if !who.is_empty() {
            facts.push(("Principal", who));
        }
        if let Some(key) = &self.access_key_id {
            facts.push(("Access key", clip(key, 40)));
        }
        for escalation in &self.escalations {
            facts.push(("Escalated for", clip(escalation, 200)));
        }
        for (path, value) in &self.parameters {
            facts.push((
                "Request parameter",
                format!("{} = {}", clip(path, 80), clip(value, PARAMETER_MAX_CHARS)),
            ));
        }
        facts.push(("CloudTrail event id", clip(&self.event_id, 80)));
        facts
    }

    pub(super) fn console_links(&self, finding: &Finding) -> Vec<EntityLink> {
        let host = console_host(finding.partition.as_deref().unwrap_or("aws"));
        let region = encode(&clip(&finding.region, 40));
        vec![console_link(
            "CloudTrail event",
            format!(
                "https://{host}/cloudtrailv2/home?region={region}#/events/{}",
                encode(&clip(&self.event_id, 128))
            ),
        )]
    }

    pub(super) fn next_steps(&self) -> Vec<&'static str> {
        let mut steps = Vec::new();
        if self.failure.is_some() {
            steps.push(
                "The call failed: someone tried it without the permission; find out who holds these credentials.",
            );
        }
        if self
            .access_key_id
            .as_deref()
            .is_some_and(|k| k.starts_with(LONG_TERM_KEY_PREFIX))
        {
            steps.push(
                "A long-term access key made the call: if it is not expected, deactivate the key now (IAM → Users → Security credentials).",
            );
        }
        match self.detection.as_str() {
            "model-access-granted" => steps.push(
                "If nobody asked for this model, remove its access in the Bedrock console (Model access) and watch its token usage.",
            ),
            "invocation-logging-removed" | "invocation-logging-changed" => steps.push(
                "Restore Bedrock model-invocation logging to its usual destination.",
            ),
            "guardrail-deleted" | "guardrail-updated" => steps.push(
                "Compare the guardrail with its previous version and restore the filters.",
            ),
            _ => {}
        }
        steps
    }
}

/// `bedrock.amazonaws.com` → `bedrock`.
pub(crate) fn service_of(event_source: &str) -> String {
    clip(event_source.trim_end_matches(".amazonaws.com"), 60)
}
