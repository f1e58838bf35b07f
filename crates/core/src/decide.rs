//! Decisions: alert or suppress, why, and to which routes. Pure: the prior alert state and the
//! time are inputs.

use serde::Serialize;

use crate::classify::Classification;
use crate::component::NOT_AI;
use crate::config::{Config, Route, SuppressionRule};
use crate::finding::Origin;
use crate::guardduty::Finding;
use crate::severity::Severity;
use crate::state::AlertRecord;
use crate::text::clip;

/// What happened to an input event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Alert,
    Suppressed,
    Ignored,
    Rejected,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Self::Alert, Self::Suppressed, Self::Ignored, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Alert => "alert",
            Outcome::Suppressed => "suppressed",
            Outcome::Ignored => "ignored",
            Outcome::Rejected => "rejected",
        }
    }
}

/// Whether an alert is the first for its finding or a re-alert of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    New,
    Update,
}

/// The decision on one finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub reason: String,
    pub routes: Vec<String>,
    pub kind: AlertKind,
}

impl Decision {
    fn suppressed(reason: String) -> Self {
        Decision {
            outcome: Outcome::Suppressed,
            reason,
            routes: Vec::new(),
            kind: AlertKind::New,
        }
    }
}

/// Decides on a finding, given where it came from, what was alerted before (`prior`) and the
/// time now (Unix seconds).
pub fn decide(
    finding: &Finding,
    origin: Origin,
    classification: &Classification,
    severity: Severity,
    prior: Option<&AlertRecord>,
    now: i64,
    config: &Config,
) -> Decision {
    if finding.is_archived() {
        return Decision::suppressed(match finding.security_hub_status() {
            Some(status) => format!(
                "Security Hub status {}: no one needs to act on it",
                clip(status, 20)
            ),
            None => "archived finding".into(),
        });
    }
    if finding.is_sample() && !config.thresholds.alert_samples {
        return Decision::suppressed("sample finding, and thresholds.alert_samples is off".into());
    }
    if let Some(rule) = config.suppress.iter().find(|r| rule_matches(r, finding)) {
        return Decision::suppressed(format!("suppression rule `{}`", clip(&rule.name, 80)));
    }
    let (threshold, scope) = match classification.component {
        Some(_) => (config.thresholds.ai_min_severity, "AI-related findings"),
        None => (
            config.thresholds.other_min_severity,
            "findings not related to AI",
        ),
    };
    // Samples exist to test the pipeline end to end, whatever severity GuardDuty gave them, so
    // the thresholds do not hold them back (routes' own severity filters still apply).
    let sample = finding.is_sample();
    if severity.label < threshold && !sample {
        return Decision::suppressed(format!(
            "severity {} is below {threshold}, the threshold for {scope}",
            severity.label
        ));
    }
    let mut kind = AlertKind::New;
    let mut why = match classification.component {
        _ if sample && severity.label < threshold => format!(
            "sample finding at {} (samples alert whatever the threshold, {threshold})",
            severity.label
        ),
        Some(component) => format!(
            "{component} finding at {} (threshold {threshold})",
            severity.label
        ),
        None => format!(
            "{} finding (threshold {threshold} for findings not related to AI)",
            severity.label
        ),
    };
    // Routes the same finding update already reached. GuardDuty's own copy of an update that
    // Security Hub's copy (which can lose fields on the way) alerted first goes to the routes
    // its fuller decision adds; a Security Hub copy never adds to an alerted update, and a
    // record that does not say which routes it reached cannot be completed.
    let mut reached: &[String] = &[];
    if let Some(prior) = prior {
        let count = finding.count();
        let completes = count == prior.count
            && origin == Origin::GuardDuty
            && !prior.routes_delivered.is_empty();
        if count < prior.count || (count == prior.count && !completes) {
            return Decision::suppressed(format!(
                "duplicate: already alerted at count {}",
                prior.count
            ));
        }
        if count == prior.count {
            reached = &prior.routes_delivered;
            why = format!(
                "{why}; an earlier copy of this update (count {count}) missed these routes"
            );
        } else {
            let elapsed = now.saturating_sub(prior.notified_at);
            let interval = config.thresholds.renotify_after;
            if severity.label > prior.band {
                why = format!(
                    "update (count {} → {count}): severity rose from {} to {}",
                    prior.count, prior.band, severity.label
                );
            } else if elapsed >= interval.as_secs() as i64 {
                why = format!(
                    "update (count {} → {count}): last alerted {} ago, re-notify after {interval}",
                    prior.count,
                    elapsed_text(elapsed)
                );
            } else {
                let band = if severity.label == prior.band {
                    format!("severity still {}", prior.band)
                } else {
                    format!(
                        "severity {} has not risen above {}",
                        severity.label, prior.band
                    )
                };
                return Decision::suppressed(format!(
                    "update (count {} → {count}) within the re-notify interval {interval}, {band}",
                    prior.count
                ));
            }
            kind = AlertKind::Update;
        }
    }
    let routes: Vec<String> = config
        .routes
        .iter()
        .filter(|route| route_accepts(route, classification, severity))
        .filter(|route| !reached.contains(&route.name))
        .map(|route| route.name.clone())
        .collect();
    if routes.is_empty() && !reached.is_empty() {
        return Decision::suppressed(format!(
            "duplicate: already alerted at count {}",
            finding.count()
        ));
    }
    if routes.is_empty() {
        let component = classification.component.map_or(NOT_AI, |c| c.as_str());
        return Decision::suppressed(format!(
            "no route takes {component} findings at {}",
            severity.label
        ));
    }
    Decision {
        outcome: Outcome::Alert,
        reason: why,
        routes,
        kind,
    }
}

/// `24h15m` for people: whole minutes, the largest units that apply.
fn elapsed_text(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (days, hours, minutes) = (minutes / 1_440, minutes / 60 % 24, minutes % 60);
    let mut text = String::new();
    for (value, unit) in [(days, "d"), (hours, "h"), (minutes, "m")] {
        if value > 0 {
            text.push_str(&format!("{value}{unit}"));
        }
    }
    if text.is_empty() {
        text.push_str("under 1m");
    }
    text
}

/// Whether a route takes an alert of this component and severity.
pub fn route_accepts(route: &Route, classification: &Classification, severity: Severity) -> bool {
    if severity.label < route.min_severity {
        return false;
    }
    if route.components.is_empty() {
        return true;
    }
    let component = classification.component.map_or(NOT_AI, |c| c.as_str());
    route.components.iter().any(|c| c == component)
}

/// Whether every criterion a suppression rule gives matches the finding.
pub fn rule_matches(rule: &SuppressionRule, finding: &Finding) -> bool {
    if !rule.finding_types.is_empty()
        && !rule
            .finding_types
            .iter()
            .any(|p| p.matches_any_scope(finding.finding_type()))
    {
        return false;
    }
    if !rule.accounts.is_empty() && !rule.accounts.contains(&finding.account_id) {
        return false;
    }
    if !rule.resource_tags.is_empty() {
        let tags = finding.resource_tags();
        let all = rule.resource_tags.iter().all(|(key, value)| {
            tags.iter()
                .any(|(_, k, v)| k == key && (value == "*" || v == value))
        });
        if !all {
            return false;
        }
    }
    if !rule.ip_cidrs.is_empty() {
        let ip = finding
            .actor()
            .ip_address
            .and_then(|ip| ip.parse::<std::net::IpAddr>().ok());
        match ip {
            Some(ip) if rule.ip_cidrs.iter().any(|c| c.contains(ip)) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify;

    fn finding(severity: f64, sample: bool) -> Finding {
        serde_json::from_value(serde_json::json!({
            "schemaVersion": "2.0", "accountId": "123456789012", "region": "us-east-1",
            "id": "f1", "arn": "arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f1",
            "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": severity,
            "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-01T00:00:00Z",
            "resource": {"resourceType": "Instance"},
            "service": {"count": 1, "additionalInfo": {"sample": sample}}
        }))
        .unwrap()
    }

    fn decision(finding: &Finding, config: &Config) -> Decision {
        let classification = classify(finding, &config.classification);
        decide(
            finding,
            Origin::GuardDuty,
            &classification,
            Severity::from_score(finding.severity),
            None,
            0,
            config,
        )
    }

    #[test]
    fn samples_alert_below_the_threshold_that_holds_real_findings_back() {
        let config = Config::default();
        let real = decision(&finding(2.0, false), &config);
        assert_eq!(real.outcome, Outcome::Suppressed, "{}", real.reason);
        let sample = decision(&finding(2.0, true), &config);
        assert_eq!(sample.outcome, Outcome::Alert, "{}", sample.reason);
        assert!(
            sample.reason.starts_with("sample finding at LOW"),
            "{}",
            sample.reason
        );
    }

    #[test]
    fn samples_are_suppressed_when_turned_off() {
        let mut config = Config::default();
        config.thresholds.alert_samples = false;
        let sample = decision(&finding(9.0, true), &config);
        assert_eq!(sample.outcome, Outcome::Suppressed);
        assert!(sample.reason.contains("alert_samples"), "{}", sample.reason);
    }

    fn routes_config() -> Config {
        Config::from_toml(
            "[[routes]]\nname = \"all\"\n[[routes]]\nname = \"ml\"\ncomponents = [\"accelerated-compute\"]\n",
            "routes.toml",
        )
        .unwrap()
    }

    fn gpu_finding() -> Finding {
        let mut finding = finding(8.0, false);
        finding.resource = serde_json::from_value(serde_json::json!({
            "resourceType": "Instance",
            "instanceDetails": { "instanceType": "p4d.24xlarge" }
        }))
        .unwrap();
        finding
    }

    fn decide_with(
        finding: &Finding,
        origin: Origin,
        prior: Option<&AlertRecord>,
        config: &Config,
    ) -> Decision {
        let classification = classify(finding, &config.classification);
        let severity = Severity::from_score(finding.severity);
        decide(finding, origin, &classification, severity, prior, 0, config)
    }

    fn prior(routes: &[&str]) -> AlertRecord {
        AlertRecord {
            key: "k".into(),
            count: 1,
            band: crate::severity::SeverityLabel::High,
            notified_at: 0,
            routes_delivered: routes.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn guardduty_s_own_copy_reaches_the_routes_a_poorer_copy_missed() {
        let config = routes_config();
        // Security Hub's copy lost the instance type: not AI, so only `all` heard of it.
        let poorer = decide_with(&finding(8.0, false), Origin::SecurityHubAsff, None, &config);
        assert_eq!(poorer.routes, ["all"]);
        let richer = decide_with(
            &gpu_finding(),
            Origin::GuardDuty,
            Some(&prior(&["all"])),
            &config,
        );
        assert_eq!(richer.outcome, Outcome::Alert, "{}", richer.reason);
        assert_eq!(richer.routes, ["ml"]);
        // Once both were reached, another copy of the update is a duplicate.
        let again = decide_with(
            &gpu_finding(),
            Origin::GuardDuty,
            Some(&prior(&["all", "ml"])),
            &config,
        );
        assert_eq!(again.outcome, Outcome::Suppressed);
        assert!(again.reason.starts_with("duplicate"), "{}", again.reason);
    }

    #[test]
    fn a_security_hub_copy_never_adds_routes_to_an_alerted_update() {
        let config = routes_config();
        let copy = decide_with(
            &gpu_finding(),
            Origin::SecurityHubAsff,
            Some(&prior(&["all"])),
            &config,
        );
        assert_eq!(copy.outcome, Outcome::Suppressed);
        assert!(copy.reason.starts_with("duplicate"), "{}", copy.reason);
        let older = decide_with(
            &gpu_finding(),
            Origin::GuardDuty,
            Some(&AlertRecord {
                count: 2,
                ..prior(&["all"])
            }),
            &config,
        );
        assert!(older.reason.starts_with("duplicate"), "{}", older.reason);
    }
}
