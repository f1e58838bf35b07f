//! What an invocation says about each finding: the report it returns and logs, and the outcome
//! it counts.

use serde::Serialize;
use watchpost_core::decide::Outcome;
use watchpost_core::guardduty::Finding;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::pipeline::Evaluation;
use watchpost_core::text::clip;

/// Longest a finding id is logged or returned.
pub(crate) const ID_MAX_CHARS: usize = 300;
/// Longest reason a report carries.
const REASON_MAX_CHARS: usize = 500;

/// What became of one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingOutcome {
    /// Delivered to every route it goes to.
    Alert,
    Suppressed,
    Ignored,
    Rejected,
    /// Some routes could not be reached; a retry sends them.
    DeliveryFailed,
}

impl FindingOutcome {
    /// The name in reports, logs and the `Outcome` metric dimension.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingOutcome::Alert => "alert",
            FindingOutcome::Suppressed => "suppressed",
            FindingOutcome::Ignored => "ignored",
            FindingOutcome::Rejected => "rejected",
            FindingOutcome::DeliveryFailed => "delivery-failed",
        }
    }
}

impl From<Outcome> for FindingOutcome {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Alert => FindingOutcome::Alert,
            Outcome::Suppressed => FindingOutcome::Suppressed,
            Outcome::Ignored => FindingOutcome::Ignored,
            Outcome::Rejected => FindingOutcome::Rejected,
        }
    }
}

/// What happened to one finding, as the invocation returns and logs it.
#[derive(Debug, Clone, Serialize)]
pub struct FindingReport {
    pub finding_id: String,
    pub finding_type: String,
    pub outcome: FindingOutcome,
    pub reason: String,
    pub severity: &'static str,
    pub component: &'static str,
    pub routes_delivered: Vec<String>,
    pub notes: Vec<String>,
    pub investigation_id: Option<String>,
}

impl FindingReport {
    /// The report of an evaluated finding, as decided.
    pub(crate) fn of(
        evaluation: &Evaluation,
        routes_delivered: Vec<String>,
        notes: Vec<String>,
        investigation_id: Option<String>,
    ) -> FindingReport {
        FindingReport {
            finding_id: clip(&evaluation.finding.id, ID_MAX_CHARS),
            finding_type: clip(evaluation.finding.finding_type(), ID_MAX_CHARS),
            outcome: evaluation.decision.outcome.into(),
            reason: clip(&evaluation.decision.reason, REASON_MAX_CHARS),
            severity: evaluation.severity.label.as_str(),
            component: evaluation.component_name(),
            routes_delivered,
            notes,
            investigation_id,
        }
    }

    /// The report of a finding the stack's enricher in `region` alerts: ignored here.
    pub(crate) fn alerted_in(finding: &Finding, region: &str) -> FindingReport {
        FindingReport {
            finding_id: clip(&finding.id, ID_MAX_CHARS),
            finding_type: clip(finding.finding_type(), ID_MAX_CHARS),
            outcome: FindingOutcome::Ignored,
            reason: clip(
                &format!(
                    "a Security Hub copy aggregated from {region}, where the stack's enricher alerts it"
                ),
                REASON_MAX_CHARS,
            ),
            severity: "none",
            component: "none",
            routes_delivered: Vec::new(),
            notes: Vec::new(),
            investigation_id: None,
        }
    }

    /// Marks the report failed, for `reason`.
    pub(crate) fn failed(mut self, reason: String) -> FindingReport {
        self.outcome = FindingOutcome::DeliveryFailed;
        self.reason = reason;
        self
    }

    /// Counts the finding under its outcome.
    pub(crate) fn count(&self, counts: &mut MetricCounts) {
        counts.finding(self.outcome.as_str(), self.severity, self.component);
    }

    /// One structured log line.
    pub(crate) fn log(&self) {
        tracing::info!(
            finding_id = %self.finding_id,
            finding_type = %self.finding_type,
            outcome = self.outcome.as_str(),
            reason = %self.reason,
            severity = self.severity,
            component = self.component,
            routes_delivered = ?self.routes_delivered,
            notes = ?self.notes,
            investigation_id = self.investigation_id.as_deref().unwrap_or(""),
            "finding"
        );
    }
}
