//! What a demo run found, as data: what provisioning did, what happened to each event, what
//! each subscriber received (alerts, then the sweep's follow-ups), and the metrics. The binary
//! prints it ([`crate::display`]); the end-to-end test asserts on it.

use std::time::Duration;

use serde_json::Value;

use crate::function::{FunctionEnvironment, InvocationResult};
use crate::inbox::Received;
use crate::metrics::MetricsSummary;
use crate::progress::StepTime;
use crate::provision::Provisioned;
use crate::queues::InboxSpec;
use crate::tap::Retargeted;

/// One invocation of the enricher.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The input it came from (`findings.jsonl:3`), or `sweep`.
    pub input: String,
    /// What it was, for people.
    pub label: String,
    pub result: InvocationResult,
}

impl Invocation {
    /// The per-finding reports of the answer (`finding_id`, `outcome`, `reason`, `routes_delivered`…).
    pub fn findings(&self) -> &[Value] {
        match &self.result {
            InvocationResult::Ok(answer) => {
                answer["findings"].as_array().map_or(&[], Vec::as_slice)
            }
            InvocationResult::Error { .. } => &[],
        }
    }

    /// `alert (pager, siem)`, `suppressed: duplicate…`, `ignored: …`, `error Watchpost.X: …`.
    pub fn outcome(&self) -> String {
        let answer = match &self.result {
            InvocationResult::Error {
                error_type,
                message,
            } => return format!("error {error_type}: {message}"),
            InvocationResult::Ok(answer) => answer,
        };
        if let Some(sweep) = answer.get("sweep") {
            let followed = sweep["followed_up"].as_array().map_or(0, Vec::len);
            let running = sweep["still_running"].as_u64().unwrap_or(0);
            return format!("ok: {followed} followed up, {running} still running");
        }
        if let Some(outcome) = answer["outcome"].as_str() {
            return format!(
                "{outcome}: {}",
                answer["reason"].as_str().unwrap_or_default()
            );
        }
        let parts: Vec<String> = self
            .findings()
            .iter()
            .map(|f| {
                let outcome = f["outcome"].as_str().unwrap_or("?");
                let routes = strings(&f["routes_delivered"]);
                let investigation = f["investigation_id"]
                    .as_str()
                    .map(|id| format!("; Detective investigation {id}"))
                    .unwrap_or_default();
                let said = if outcome == "alert" {
                    format!("alert to {}{investigation}", routes.join(", "))
                } else {
                    format!("{outcome}: {}", f["reason"].as_str().unwrap_or_default())
                };
                // What the enricher could not do (its alert state, Detective) changes what
                // it decided: say so beside the decision.
                let notes = strings(&f["notes"]);
                if notes.is_empty() {
                    said
                } else {
                    format!("{said} ({})", notes.join("; "))
                }
            })
            .collect();
        parts.join("; ")
    }

    /// The Detective investigations the findings started or reused.
    pub fn investigations(&self) -> Vec<String> {
        self.findings()
            .iter()
            .filter_map(|f| f["investigation_id"].as_str().map(str::to_owned))
            .collect()
    }
}

/// What one subscriber's queue received.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbox {
    pub spec: InboxSpec,
    pub messages: Vec<Received>,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The config file provisioned.
    pub config: String,
    pub provisioned: Provisioned,
    /// The enricher binary run (and deployed as the package).
    pub enricher: String,
    pub environment: FunctionEnvironment,
    pub retargeted: Vec<Retargeted>,
    /// Events sent with PutEvents.
    pub events_sent: usize,
    /// One per event the rules delivered, in delivery order.
    pub invocations: Vec<Invocation>,
    /// What each subscriber received from those invocations, in config order.
    pub alerts: Vec<Inbox>,
    /// The scheduled sweeps run.
    pub sweeps: Vec<Invocation>,
    /// What each subscriber received from the sweeps.
    pub follow_ups: Vec<Inbox>,
    pub metrics: MetricsSummary,
    pub steps: Vec<StepTime>,
    pub elapsed: Duration,
}

impl Report {
    /// The alerts inbox subscribed to `route`.
    pub fn alerts_of(&self, route: &str) -> Option<&Inbox> {
        self.alerts.iter().find(|i| i.spec.route == route)
    }

    /// The follow-ups inbox subscribed to `route`.
    pub fn follow_ups_of(&self, route: &str) -> Option<&Inbox> {
        self.follow_ups.iter().find(|i| i.spec.route == route)
    }
}

/// The strings of a JSON array (none when it is not one).
fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn invocation(answer: Value) -> Invocation {
        Invocation {
            input: "findings.jsonl:8".into(),
            label: "a finding".into(),
            result: InvocationResult::Ok(answer),
        }
    }

    #[test]
    fn an_outcome_says_what_the_enricher_could_not_do() {
        let noted = invocation(json!({"findings": [{
            "outcome": "alert", "routes_delivered": ["pager"],
            "notes": ["deduplication unavailable: timed out"],
        }]}));
        assert_eq!(
            noted.outcome(),
            "alert to pager (deduplication unavailable: timed out)"
        );
        let plain = invocation(json!({"findings": [{
            "outcome": "suppressed", "reason": "duplicate", "notes": [],
        }]}));
        assert_eq!(plain.outcome(), "suppressed: duplicate");
    }
}
