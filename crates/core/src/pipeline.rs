//! The pipeline over one finding: classify → decide, into an [`Evaluation`]; its alerts are
//! rendered on top of it ([`crate::render`]: `Evaluation::render`). The enricher and `replay` both
//! run exactly this; they differ only in where alert state lives and what they do with the
//! rendered alerts.

use crate::classify::{Classification, classify, classify_observed};
use crate::component::NOT_AI;
use crate::config::Config;
use crate::decide::{AlertKind, Decision, Outcome, decide};
use crate::finding::{Observation, Origin, SourcedFinding};
use crate::guardduty::Finding;
use crate::guardduty::timestamp::parse_time;
use crate::severity::Severity;
use crate::state::{AlertRecord, alert_key};

/// A finding with everything decided about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub finding: Box<Finding>,
    pub origin: Origin,
    pub classification: Classification,
    pub severity: Severity,
    pub decision: Decision,
    /// What Watchpost observed itself, for the findings it made.
    pub observation: Option<Observation>,
}

/// Classifies and decides on a finding, given its prior alert state and the time (Unix seconds).
pub fn evaluate(
    sourced: SourcedFinding,
    config: &Config,
    prior: Option<&AlertRecord>,
    now: i64,
) -> Evaluation {
    let finding = sourced.finding;
    let observation = sourced.observation;
    let classification = match &observation {
        Some(observed) => classify_observed(observed, &finding, &config.classification),
        None => classify(&finding, &config.classification),
    };
    let severity = Severity::from_score(finding.severity);
    // An allowlist (or a failed call the config suppresses) is the detection's own verdict,
    // before the rules every finding goes through.
    let decision = match observation.as_ref().and_then(Observation::suppressed) {
        Some(reason) => Decision {
            outcome: Outcome::Suppressed,
            reason: reason.to_owned(),
            routes: Vec::new(),
            kind: AlertKind::New,
        },
        None => decide(
            &finding,
            sourced.origin,
            &classification,
            severity,
            prior,
            now,
            config,
        ),
    };
    Evaluation {
        finding,
        origin: sourced.origin,
        classification,
        severity,
        decision,
        observation,
    }
}

impl Evaluation {
    /// The key of the finding's alert state.
    pub fn key(&self) -> String {
        alert_key(&self.finding)
    }

    /// The component name for metrics and attributes (`none` when not AI-related).
    pub fn component_name(&self) -> &'static str {
        self.classification.component.map_or(NOT_AI, |c| c.as_str())
    }

    /// The detection behind a finding Watchpost made itself (the `Detection` metric
    /// dimension), `None` for GuardDuty's.
    pub fn detection(&self) -> Option<String> {
        self.observation.as_ref().map(Observation::detection)
    }

    pub fn is_alert(&self) -> bool {
        self.decision.outcome == Outcome::Alert
    }

    /// The routes an earlier copy of this very finding update reached (`prior` at the same
    /// count): the alert's record keeps them, and the decision left them out.
    pub fn reached_before(&self, prior: Option<&AlertRecord>) -> Vec<String> {
        prior
            .filter(|p| p.count == self.finding.count())
            .map(|p| p.routes_delivered.clone())
            .unwrap_or_default()
    }

    /// The alert state to store once the alert has reached `routes_delivered`.
    pub fn record(&self, now: i64, routes_delivered: Vec<String>) -> AlertRecord {
        AlertRecord {
            key: self.key(),
            count: self.finding.count(),
            band: self.severity.label,
            notified_at: now,
            routes_delivered,
        }
    }
}

/// When the pipeline "saw" a finding in an offline replay: its last update, so that replays are
/// deterministic and re-notify intervals play out as they did.
pub fn observed_at(finding: &Finding) -> Option<i64> {
    parse_time(&finding.updated_at).map(|t| t.unix_timestamp())
}
