//! What Watchpost observed itself, riding along with the finding made of it: a CloudTrail
//! management event one of its detections matched ([`ApiCall`]), or a state change of one of its
//! usage alarms ([`UsageChange`]). The parsers ([`crate::event`]) make them; what an alert says
//! of them beyond the finding (headline, facts, links, next steps) is answered here.

use serde::Serialize;

use super::api_call::ApiCall;
use super::usage_change::UsageChange;
use crate::guardduty::Finding;
use crate::links::{Links, links};
use crate::state::alert_key;

/// What Watchpost observed itself, riding along with the finding made of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Observation {
    /// A CloudTrail management event a detection matched.
    ApiCall(ApiCall),
    /// A usage alarm went into ALARM, or back to OK.
    Usage(UsageChange),
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

    /// Whether its steps take the place of the component's general ones: a usage alarm's say
    /// where to look and whom to cut off for its one model or endpoint, which is all the
    /// component's would say again in other words.
    pub fn has_own_steps(&self) -> bool {
        matches!(self, Observation::Usage(_))
    }

    /// Lines for people: label and value, in reading order.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        match self {
            Observation::ApiCall(call) => call.facts(),
            Observation::Usage(change) => change.facts(),
        }
    }
}
