//! `[detections]` and `[usage]`: what Watchpost watches itself, besides GuardDuty. The detection
//! set over CloudTrail management events of AI services (defaults in
//! [`super::detections`], overridden or extended by id), and the usage baselines:
//! anomaly-detection alarms on the AI services' own metrics, with the per-model price table that
//! turns an alarm into an estimated cost.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::values::{Cidr, Pattern};
use crate::component::Component;

/// `[detections]`: the CloudTrail rule and the detections it feeds.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Detections {
    /// Route Bedrock and SageMaker management events to the enricher and detect on them.
    pub enabled: bool,
    /// Principals (the ARNs or names of IAM users and roles; wildcards) whose calls never
    /// alert, for every detection: matched against the caller's user, or the role its session
    /// was issued for, never the session's own ARN or name.
    pub allow_principals: Vec<Pattern>,
    /// Source addresses whose calls never alert, for every detection.
    pub allow_cidrs: Vec<Cidr>,
    /// Accounts whose activity never alerts, for every detection.
    pub allow_accounts: Vec<String>,
    /// Raise the severity one band when the caller signed with a long-term access key (`AKIA…`).
    pub escalate_long_term_keys: bool,
    /// User agents (wildcards, compared whatever their case) that raise the severity one band;
    /// a call with no user agent counts as unusual too.
    pub unusual_user_agents: Vec<Pattern>,
    /// What a call that failed (`errorCode` set) becomes: `lower` (one band lower), `same`, or
    /// `suppress`.
    pub failed_calls: FailedCalls,
    /// Overrides of the default detections (same `id`) and new ones.
    pub rules: Vec<DetectionRule>,
    /// The IAM users and roles (exact ARNs) that deploy this stack: the changes `apply` makes
    /// to the stack's own resources (the enricher's code and configuration, its topics'
    /// policies and subscriptions, its rules' targets, its key's policy) do not alert when they
    /// make them. Deleting or disabling a resource alerts whoever does it.
    pub deployers: Vec<String>,
    /// Turn on the reconnaissance detections (read-only calls from long-term keys, such as
    /// `GetFoundationModelAvailability`): their rule sees read-only management events, which
    /// costs one invocation per matching call.
    pub reconnaissance: bool,
}

/// What a failed call (CloudTrail `errorCode`) becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailedCalls {
    /// One severity band lower: an attempt, not a change.
    Lower,
    /// The detection's severity.
    Same,
    /// Suppressed (still counted).
    Suppress,
}

/// `[[detections.rules]]`: a detection's settings. With the `id` of a default, the keys given
/// override the default's; with a new `id`, `event_source`, `event_names`, `severity` and
/// `rationale` are required.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DetectionRule {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// CloudTrail `eventSource`, e.g. `bedrock.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source: Option<String>,
    /// CloudTrail `eventName`s, e.g. `["DeleteGuardrail"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_names: Option<Vec<String>>,
    /// Severity score, 0.0–10.0 (bands as GuardDuty's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Component>,
    /// One line shown in the alert: why this matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// Request parameter paths (`resourceConfig.instanceType`) of which one must name an
    /// accelerated instance type for the detection to fire; empty: no such condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerated_instance_parameters: Option<Vec<String>>,
    /// Request parameter paths shown in the alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<String>>,
    /// Allowlists of this detection, added to the `[detections]` ones.
    #[serde(default)]
    pub allow_principals: Vec<Pattern>,
    #[serde(default)]
    pub allow_cidrs: Vec<Cidr>,
    #[serde(default)]
    pub allow_accounts: Vec<String>,
}

/// `[usage]`: anomaly-detection alarms on the AI services' metrics, and what their state
/// changes say.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Usage {
    /// Provision the alarms and route their state changes to the enricher.
    pub enabled: bool,
    /// Bedrock model ids to watch (`AWS/Bedrock`, dimension `ModelId`); empty: discovered.
    pub models: Vec<String>,
    /// SageMaker endpoints to watch (`AWS/SageMaker`, dimension `EndpointName`); empty:
    /// discovered.
    pub endpoints: Vec<String>,
    /// Discover models and endpoints from the metrics that exist (ListMetrics) when none are
    /// listed.
    pub discover: bool,
    /// At most this many models, and as many endpoints, are discovered (each costs alarms).
    pub discover_max: usize,
    /// The Bedrock model-invocation log group, when invocation logging goes to CloudWatch Logs:
    /// alerts link to it in Logs Insights.
    pub invocation_log_group: Option<String>,
    /// Per-metric alarm settings, by metric name; missing metrics get the defaults.
    pub metrics: BTreeMap<String, UsageMetric>,
    /// Prices per model, for the estimated cost an alert shows. None by default: Watchpost
    /// does not guess prices.
    pub prices: Vec<ModelPrice>,
}

/// How one usage metric is alarmed on; keys left out keep their defaults.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default = "UsageMetric::default_for_usage")]
pub struct UsageMetric {
    /// Alarm on this metric at all.
    pub enabled: bool,
    /// Band width in standard deviations (CloudWatch's `ANOMALY_DETECTION_BAND` second
    /// argument).
    pub band: f64,
    /// Period of each datapoint, seconds.
    pub period_s: u32,
    /// Datapoints evaluated, and how many of them outside the band make the alarm.
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    /// Alarm only above the band (costs rise); otherwise on both sides.
    pub upper_only: bool,
}

/// A model's prices, as the config states them (USD).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Model id, wildcards allowed (`anthropic.claude-3-5-sonnet*`).
    pub model: Pattern,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_per_1k_tokens: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_per_1k_tokens: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_invocation: Option<f64>,
}

impl Default for Detections {
    fn default() -> Self {
        Detections {
            enabled: true,
            allow_principals: Vec::new(),
            allow_cidrs: Vec::new(),
            allow_accounts: Vec::new(),
            escalate_long_term_keys: true,
            unusual_user_agents: super::defaults::UNUSUAL_USER_AGENTS
                .iter()
                .map(|p| Pattern::new(p))
                .collect(),
            failed_calls: FailedCalls::Lower,
            rules: Vec::new(),
            deployers: Vec::new(),
            reconnaissance: false,
        }
    }
}

impl Default for Usage {
    fn default() -> Self {
        Usage {
            enabled: true,
            models: Vec::new(),
            endpoints: Vec::new(),
            discover: true,
            discover_max: super::defaults::USAGE_DISCOVER_MAX,
            invocation_log_group: None,
            metrics: BTreeMap::new(),
            prices: Vec::new(),
        }
    }
}

impl Usage {
    /// The settings of a metric: the config's, else the default for it.
    pub fn metric(&self, name: &str) -> UsageMetric {
        self.metrics
            .get(name)
            .cloned()
            .unwrap_or_else(UsageMetric::default_for_usage)
    }

    /// The price entry of a model: the first whose pattern matches.
    pub fn price(&self, model: &str) -> Option<&ModelPrice> {
        self.prices
            .iter()
            .find(|p| p.model.matches_any_scope(model))
    }
}

impl UsageMetric {
    /// The default for every usage metric, chosen for cost spikes:
    /// - 5-minute periods: Bedrock publishes per minute, but per-minute token counts of normal
    ///   traffic are too bursty to band usefully; five minutes smooths batch jobs out.
    /// - band 3 standard deviations (CloudWatch's default is 2): a spike worth waking someone
    ///   for is several times the usual volume, and 2 alarms on ordinary daily peaks.
    /// - 2 of 3 periods outside the band: a sustained spike (10 minutes in a 15-minute window)
    ///   alarms within 15 minutes, a single burst does not.
    /// - upper side only: less usage costs nothing; a drop is an availability question, not a
    ///   security one.
    pub fn default_for_usage() -> Self {
        UsageMetric {
            enabled: true,
            band: super::defaults::USAGE_BAND,
            period_s: super::defaults::USAGE_PERIOD_S,
            evaluation_periods: super::defaults::USAGE_EVALUATION_PERIODS,
            datapoints_to_alarm: super::defaults::USAGE_DATAPOINTS_TO_ALARM,
            upper_only: true,
        }
    }
}
