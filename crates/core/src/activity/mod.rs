//! What Watchpost sees itself, besides GuardDuty: CloudTrail management events of AI services
//! (`AWS API Call via CloudTrail`, run through the detection set of [`detections`]) and the
//! state changes of its own usage alarms (`CloudWatch Alarm State Change`, [`usage`]). Each
//! becomes a finding in the one finding model, carrying an [`Observation`] with what the alert
//! needs beyond it, and then takes the same path as GuardDuty's: classify → decide → dedup →
//! render → deliver.

pub mod cloudtrail;
pub mod detections;
pub mod usage;

use serde::Serialize;
use serde_json::Value;

use crate::classify::{Classification, classify};
use crate::component::Component;
use crate::config::Config;
use crate::event::ParsedEvent;
use crate::guardduty::Finding;
use crate::render::{EntityLink, Links, links};
use crate::state::alert_key;
use crate::text::clip;

pub use cloudtrail::ApiCall;
pub use usage::UsageChange;

/// `detail-type` of CloudTrail management events on EventBridge.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
/// `detail-type` of CloudWatch alarm state changes on EventBridge.
pub const ALARM_DETAIL_TYPE: &str = "CloudWatch Alarm State Change";
/// Longest piece of an observation quoted in evidence.
const EVIDENCE_MAX_CHARS: usize = 160;

/// What Watchpost observed itself, riding along with the finding made of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Observation {
    /// A CloudTrail management event a detection matched.
    ApiCall(ApiCall),
    /// A usage alarm went into ALARM, or back to OK.
    Usage(UsageChange),
}

/// Parses the event kinds Watchpost watches itself, when `detail_type` is one of them (`None`
/// otherwise).
pub fn parse(detail_type: &str, event: &Value, config: &Config) -> Option<ParsedEvent> {
    match detail_type {
        CLOUDTRAIL_DETAIL_TYPE => Some(cloudtrail::parse(event, config)),
        ALARM_DETAIL_TYPE => Some(usage::parse(event, config)),
        _ => None,
    }
}

impl Observation {
    /// The detection's id for metrics (`Detection` dimension): a CloudTrail detection's id, or
    /// `usage-<metric>` for usage alarms.
    pub fn detection(&self) -> String {
        match self {
            Observation::ApiCall(call) => call.detection.clone(),
            Observation::Usage(change) => format!("usage-{}", change.metric_dimension()),
        }
    }

    /// Why the finding is suppressed before any other rule: an allowlist, or a failed call the
    /// config suppresses.
    pub fn suppressed(&self) -> Option<&str> {
        match self {
            Observation::ApiCall(call) => call.suppressed.as_deref(),
            Observation::Usage(_) => None,
        }
    }

    /// The component is the detection's; the evidence says which detection, then what the
    /// classification selectors found besides.
    pub fn classify(
        &self,
        finding: &Finding,
        selectors: &crate::config::Classification,
    ) -> Classification {
        let (component, why) = match self {
            Observation::ApiCall(call) => (
                call.component,
                format!(
                    "detection {} on CloudTrail {}",
                    call.detection,
                    clip(&call.api(), EVIDENCE_MAX_CHARS)
                ),
            ),
            Observation::Usage(change) => (
                Component::ModelInvocation,
                format!(
                    "usage alarm on {}",
                    clip(&change.what(), EVIDENCE_MAX_CHARS)
                ),
            ),
        };
        let mut evidence = vec![format!("{component}: {why}")];
        if let Observation::ApiCall(call) = self {
            for instance_type in &call.accelerated_instance_types {
                evidence.push(format!(
                    "accelerated-compute: instance type {}",
                    clip(instance_type, 60)
                ));
            }
        }
        for line in classify(finding, selectors).evidence {
            if !evidence.contains(&line) {
                evidence.push(line);
            }
        }
        Classification {
            component: Some(component),
            evidence,
        }
    }

    /// What the subject says after the severity and component.
    pub fn headline(&self) -> String {
        match self {
            Observation::ApiCall(call) => call.headline(),
            Observation::Usage(change) => change.headline(),
        }
    }

    /// The chat thread an alert belongs to: a usage alarm's firing and resolved alerts share
    /// one.
    pub fn thread_key(&self, finding: &Finding) -> String {
        match self {
            Observation::Usage(change) => change.thread_key.clone(),
            Observation::ApiCall(_) => alert_key(finding),
        }
    }

    /// The links of the finding: Detective profiles of whoever and wherever it involves, and
    /// the consoles where the observation can be checked (no GuardDuty finding: there is none).
    pub fn links(&self, finding: &Finding) -> Links {
        let mut links = links(finding);
        links.guardduty = None;
        links.detective_finding = None;
        match self {
            Observation::ApiCall(call) => links.console = call.console_links(finding),
            Observation::Usage(change) => {
                links
                    .detective_entities
                    .push(change.account_profile.clone());
                links.console = change.console_links();
            }
        }
        links
    }

    /// Steps that come before the component's own.
    pub fn next_steps(&self) -> Vec<&'static str> {
        match self {
            Observation::ApiCall(call) => call.next_steps(),
            Observation::Usage(change) => change.next_steps(),
        }
    }

    /// Lines for people: label and value, in reading order.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        match self {
            Observation::ApiCall(call) => call.facts(),
            Observation::Usage(change) => change.facts(),
        }
    }
}

/// A link to a console page, labelled.
pub(crate) fn console_link(label: &str, url: String) -> EntityLink {
    EntityLink {
        entity: label.to_owned(),
        url,
    }
}

/// Raises a severity score one band (GuardDuty's bands: LOW < 4.0 ≤ MEDIUM < 7.0 ≤ HIGH < 9.0
/// ≤ CRITICAL), keeping its place within the band; CRITICAL stays CRITICAL.
pub fn raise_one_band(score: f64) -> f64 {
    let raised = if score < 4.0 {
        4.0 + score.max(0.0) * 3.0 / 4.0
    } else if score < 7.0 {
        7.0 + (score - 4.0) * 2.0 / 3.0
    } else if score < 9.0 {
        9.0 + (score - 7.0) / 2.0
    } else {
        score.min(10.0)
    };
    round1(raised)
}

/// Lowers a severity score one band, the inverse of [`raise_one_band`]; LOW stays LOW.
pub fn lower_one_band(score: f64) -> f64 {
    let lowered = if score >= 9.0 {
        7.0 + (score.min(10.0) - 9.0) * 2.0
    } else if score >= 7.0 {
        4.0 + (score - 7.0) * 3.0 / 2.0
    } else if score >= 4.0 {
        (score - 4.0) * 4.0 / 3.0
    } else {
        score.max(0.0)
    };
    round1(lowered)
}

fn round1(score: f64) -> f64 {
    (score * 10.0).round() / 10.0
}

/// The event's `detail` read as `T`, or the rejection that names where it went wrong (the
/// path inside `detail`, and serde's reason, clipped). `carries` says what `detail` should hold.
pub(crate) fn read_detail<T: serde::de::DeserializeOwned>(
    event: &Value,
    carries: &str,
) -> Result<T, ParsedEvent> {
    let Some(detail) = event.get("detail") else {
        return Err(ParsedEvent::Rejected(format!(
            "`detail`: missing; {carries}"
        )));
    };
    serde_path_to_error::deserialize(detail).map_err(|err| {
        let path = err.path().to_string();
        let at = if path == "." {
            "`detail`".to_owned()
        } else {
            format!("`detail.{path}`")
        };
        ParsedEvent::Rejected(format!(
            "{at}: {}",
            crate::text::clip(&err.inner().to_string(), 200)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::severity::SeverityLabel;

    #[test]
    fn raising_and_lowering_move_exactly_one_band() {
        for (score, up) in [
            (1.0, SeverityLabel::Medium),
            (5.0, SeverityLabel::High),
            (7.5, SeverityLabel::Critical),
            (9.5, SeverityLabel::Critical),
        ] {
            assert_eq!(
                SeverityLabel::from_score(raise_one_band(score)),
                up,
                "{score}"
            );
        }
        for (score, down) in [
            (2.0, SeverityLabel::Low),
            (5.0, SeverityLabel::Low),
            (7.7, SeverityLabel::Medium),
            (9.0, SeverityLabel::High),
        ] {
            assert_eq!(
                SeverityLabel::from_score(lower_one_band(score)),
                down,
                "{score}"
            );
        }
    }
}
