//! The one TOML configuration read by the CLI and the enricher: the schema (this file, and
//! `[detections]` and `[usage]` in [`activity`]), its [`defaults`], the types with their own
//! syntax (durations, patterns, CIDRs: [`values`]) and the default [`detections`]. Reading a
//! config checks it ([`checks`]: Watchpost's own rules and what AWS would refuse, per area);
//! unknown keys are errors (with a did-you-mean); every error names the file, line, key and what
//! to do. [`environment`] is what a config puts in the enricher's environment.

pub mod activity;
mod checks;
pub mod defaults;
pub mod detections;
pub mod environment;
mod error;
mod locate;
pub mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use activity::{Detections, FailedCalls, Usage};
pub use checks::{ConfigWarning, check_operations_reach_someone};
pub use environment::{Deployed, enricher_environment_bound};
pub use error::{ConfigError, Snippet};
pub use values::{Cidr, Duration, Pattern};

use crate::severity::SeverityLabel;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
// Missing sections come from `unresolved`: the names derived from the stack can only be
// filled in once the file's own stack is known.
#[serde(deny_unknown_fields, default = "Config::unresolved")]
pub struct Config {
    pub watchpost: General,
    pub thresholds: Thresholds,
    pub classification: Classification,
    pub routes: Vec<Route>,
    pub suppress: Vec<SuppressionRule>,
    pub metrics: Metrics,
    pub detective: Detective,
    pub guardduty: GuardDuty,
    pub enricher: Enricher,
    pub alarms: Alarms,
    pub detections: Detections,
    pub usage: Usage,
    pub incidents: Incidents,
    /// What only the deployment knows (the stack's keys): not a key of the file.
    #[serde(skip)]
    pub deployed: Deployed,
}

/// `[watchpost]`: what the stack is called and where it runs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct General {
    /// Names and tags everything Watchpost provisions (`watchpost:stack=<stack>`).
    pub stack: String,
    /// Regions to provision; empty means the region of the AWS environment.
    pub regions: Vec<String>,
    /// Which of Security Hub's findings also go to the enricher (`off`, `cspm`, `v2`, `both`;
    /// `true` is `cspm`, `false` is `off`).
    pub security_hub: SecurityHub,
    /// Resources (`kind:name`, as the plan names them) that exist without the stack's tag and
    /// that this stack may take over: apply tags them as its own, destroy then deletes them.
    /// Without this, a plan that finds one stops.
    pub adopt: Vec<String>,
}

/// `[thresholds]`: which severities alert, and when updates re-alert.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    pub ai_min_severity: SeverityLabel,
    pub other_min_severity: SeverityLabel,
    pub renotify_after: Duration,
    /// Whether GuardDuty's sample findings alert (marked as samples).
    pub alert_samples: bool,
}

/// `[classification]`: every selector that decides whether a finding touches AI.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Classification {
    pub ai_tag_key: String,
    pub component_tag_key: String,
    pub model_invocation_finding_types: Vec<Pattern>,
    pub control_plane_finding_types: Vec<Pattern>,
    pub ai_services: Vec<String>,
    pub invocation_api_prefixes: Vec<String>,
    pub accelerated_instance_families: Vec<String>,
    pub data_bucket_patterns: Vec<Pattern>,
    pub identity_name_patterns: Vec<Pattern>,
}

/// Which of Security Hub's findings Watchpost reads besides GuardDuty's own: Security Hub
/// CSPM's ASFF copies of GuardDuty findings (`Security Hub Findings - Imported`), the new
/// Security Hub's OCSF detection findings of GuardDuty and other products (`Findings Imported
/// V2`), or both. Each is an EventBridge rule of its own; a GuardDuty finding that arrives by
/// several alerts once per route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecurityHub {
    #[default]
    Off,
    Cspm,
    V2,
    Both,
}

impl SecurityHub {
    const NAMES: &'static [&'static str] = &["off", "cspm", "v2", "both"];

    /// Whether Security Hub CSPM's ASFF copies are read.
    pub fn cspm(self) -> bool {
        matches!(self, SecurityHub::Cspm | SecurityHub::Both)
    }

    /// Whether the new Security Hub's OCSF findings are read.
    pub fn v2(self) -> bool {
        matches!(self, SecurityHub::V2 | SecurityHub::Both)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityHub::Off => "off",
            SecurityHub::Cspm => "cspm",
            SecurityHub::V2 => "v2",
            SecurityHub::Both => "both",
        }
    }
}

impl<'de> Deserialize<'de> for SecurityHub {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Choice;
        impl serde::de::Visitor<'_> for Choice {
            type Value = SecurityHub;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("one of `off`, `cspm`, `v2`, `both` (or `true` for `cspm`)")
            }
            // The setting was a switch for the CSPM rule before the new Security Hub: a config
            // written then means what it meant.
            fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<SecurityHub, E> {
                Ok(if on {
                    SecurityHub::Cspm
                } else {
                    SecurityHub::Off
                })
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<SecurityHub, E> {
                match value {
                    "off" => Ok(SecurityHub::Off),
                    "cspm" => Ok(SecurityHub::Cspm),
                    "v2" => Ok(SecurityHub::V2),
                    "both" => Ok(SecurityHub::Both),
                    other => Err(E::unknown_variant(other, SecurityHub::NAMES)),
                }
            }
        }
        deserializer.deserialize_any(Choice)
    }
}

/// How an alert is written for a route's subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Readable text for people (email, SMS, pager text).
    Text,
    /// A JSON document for machines.
    Json,
    /// AWS Chatbot's custom-notification schema for chat channels.
    Chat,
    /// A PagerDuty Events API v2 event (the incident's key is its `dedup_key`), for an
    /// EventBridge pipe to send.
    Pagerduty,
    /// An Opsgenie Alert API request (the incident's key is its `alias`), for an EventBridge
    /// pipe to send.
    Opsgenie,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Chat,
        Format::Pagerduty,
        Format::Opsgenie,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Chat => "chat",
            Format::Pagerduty => "pagerduty",
            Format::Opsgenie => "opsgenie",
        }
    }

    /// Whether it is a pager's: it takes incidents, not every alert, unless told otherwise.
    pub fn is_pager(self) -> bool {
        matches!(self, Format::Pagerduty | Format::Opsgenie)
    }
}

/// The chat client behind a `chat` route. AWS Chatbot hands a card's `client-markdown` to the
/// client as it is, and each client reads its own syntax: Slack's mrkdwn or Microsoft Teams'
/// markdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatClient {
    #[default]
    Slack,
    Teams,
}

impl ChatClient {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatClient::Slack => "slack",
            ChatClient::Teams => "teams",
        }
    }
}

/// `[[routes]]`: a named destination (one SNS topic) and what reaches it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Names the route and its topic (`<stack>-<name>`): letters, digits, `-` and `_`.
    pub name: String,
    #[serde(default = "Route::default_min_severity")]
    pub min_severity: SeverityLabel,
    /// Components that reach this route (`none` for findings with no AI component); empty
    /// means all.
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default = "Route::default_format")]
    pub format: Format,
    /// For `format = "chat"`: the client whose markdown the cards are written in (Slack when
    /// not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_client: Option<ChatClient>,
    /// An existing topic to publish to instead of one Watchpost creates.
    #[serde(default)]
    pub topic_arn: Option<String>,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    /// Which of an incident's alerts the route receives ([`Takes`]); by default every alert,
    /// a pager's route (`pagerduty`, `opsgenie`) its incidents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub takes: Option<Takes>,
    /// LOW and MEDIUM alerts reach the route as one digest this often (`1h`, `24h`), sent by
    /// the sweep, instead of one message each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Duration>,
}

/// Which of an incident's alerts a route receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Takes {
    /// Every alert: the incident's opening, its updates, escalations and resolution.
    Alerts,
    /// What someone must act on: the incident's opening, its escalations and its resolution,
    /// not the alerts that only add to it (a pager's way).
    Incidents,
}

impl Takes {
    pub fn as_str(self) -> &'static str {
        match self {
            Takes::Alerts => "alerts",
            Takes::Incidents => "incidents",
        }
    }
}

/// `[incidents]`: related alerts grouped into one incident, with one key, one page and one
/// thread. An alert joins an open incident when it shares one of the `group_by` keys with it
/// and the incident's last alert is at most `window` old.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Incidents {
    /// `false`: every alert stands alone (no incident, no grouping).
    pub enabled: bool,
    /// How long an incident stays open after its last alert.
    pub window: Duration,
    /// What relates two alerts, in order of preference: the first key an alert has is the
    /// one a new incident is opened under.
    pub group_by: Vec<GroupBy>,
}

impl Default for Incidents {
    fn default() -> Self {
        Incidents {
            enabled: true,
            window: duration(defaults::INCIDENT_WINDOW),
            group_by: GroupBy::ALL.to_vec(),
        }
    }
}

/// What two alerts share when they belong to one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The IAM user or role that acted (never its session name), in its account.
    Principal,
    /// The resource acted on (an instance, a bucket, a model), in its account and region.
    Resource,
    /// The attack sequence: the sequence itself and the findings that name it.
    Sequence,
}

impl GroupBy {
    pub const ALL: [GroupBy; 3] = [GroupBy::Principal, GroupBy::Resource, GroupBy::Sequence];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Principal => "principal",
            GroupBy::Resource => "resource",
            GroupBy::Sequence => "sequence",
        }
    }
}

impl Route {
    fn default_min_severity() -> SeverityLabel {
        SeverityLabel::Low
    }
    fn default_format() -> Format {
        Format::Text
    }

    /// The route a config without routes gets: every alert, as text.
    pub fn default_route() -> Self {
        Route {
            name: defaults::DEFAULT_ROUTE.to_owned(),
            min_severity: SeverityLabel::Low,
            components: Vec::new(),
            format: Format::Text,
            chat_client: None,
            topic_arn: None,
            subscriptions: Vec::new(),
            takes: None,
            digest: None,
        }
    }

    /// Which of an incident's alerts the route receives: by default, a pager's route takes
    /// incidents, any other every alert.
    pub fn takes(&self) -> Takes {
        self.takes.unwrap_or(if self.format.is_pager() {
            Takes::Incidents
        } else {
            Takes::Alerts
        })
    }

    /// The chat client a `chat` route's cards are written for.
    pub fn chat_client(&self) -> ChatClient {
        self.chat_client.unwrap_or_default()
    }
}

/// A subscriber of a route's topic.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    pub protocol: Protocol,
    pub endpoint: String,
    /// An SNS filter policy on the message attributes, e.g. `{ severity = ["CRITICAL"] }`.
    #[serde(default)]
    pub filter_policy: Option<toml::Table>,
    /// Deliver the message without SNS's JSON envelope (sqs, https).
    #[serde(default)]
    pub raw_message_delivery: bool,
}

/// The SNS message attributes every alert carries, in order: what a subscription's
/// `filter_policy` can match (the renderer writes exactly these).
pub const MESSAGE_ATTRIBUTES: &[&str] = &[
    "account",
    "alert_kind",
    "component",
    "finding_type",
    "format",
    "incident",
    "region",
    "sample",
    "severity",
];

/// SNS subscription protocols Watchpost manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Email,
    #[serde(rename = "email-json")]
    EmailJson,
    Https,
    Http,
    Sqs,
    Lambda,
    Sms,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Email => "email",
            Protocol::EmailJson => "email-json",
            Protocol::Https => "https",
            Protocol::Http => "http",
            Protocol::Sqs => "sqs",
            Protocol::Lambda => "lambda",
            Protocol::Sms => "sms",
        }
    }
}

/// `[[suppress]]`: findings nobody needs to hear about. Every criterion given must match;
/// within a list, any entry matches.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionRule {
    pub name: String,
    #[serde(default)]
    pub finding_types: Vec<Pattern>,
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Resource tags, `key = "value"` (`"*"` matches any value).
    #[serde(default)]
    pub resource_tags: BTreeMap<String, String>,
    /// Actor IP addresses or CIDR blocks.
    #[serde(default)]
    pub ip_cidrs: Vec<Cidr>,
    /// Why the rule exists, for the next person.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `[metrics]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Metrics {
    pub namespace: String,
    /// `emf` (log lines CloudWatch turns into metrics; right inside Lambda) or
    /// `put-metric-data` (API calls; for runs outside Lambda).
    pub mode: MetricsMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetricsMode {
    Emf,
    PutMetricData,
}

/// `[detective]`: the behavior graph, its members, and investigations.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Detective {
    pub enabled: bool,
    /// The graph to use; found or created per region when absent.
    pub graph_arn: Option<String>,
    /// Start Detective investigations for AI findings on IAM principals.
    pub investigate: bool,
    pub investigation_min_severity: SeverityLabel,
    /// Longest the enricher waits on Detective before sending the alert without it.
    pub budget_ms: u64,
    pub reuse_investigation_within: Duration,
    pub members: Vec<Member>,
    pub invitation_message: Option<String>,
    pub disable_email_notification: bool,
    /// Optional data source packages to enable (`EKS_AUDIT`, `ASFF_SECURITYHUB_FINDING`).
    pub datasource_packages: Vec<String>,
    pub organization: Option<Organization>,
    pub tags: BTreeMap<String, String>,
}

/// An account invited into the behavior graph.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub account_id: String,
    pub email: String,
}

/// Organization mode: this account as Detective's delegated administrator.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub admin_account_id: String,
    #[serde(default = "yes")]
    pub auto_enable: bool,
}

fn yes() -> bool {
    true
}

/// `[guardduty]`: optionally manage the detector itself.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardDuty {
    pub manage_detector: bool,
    /// Detector features to enable, e.g. `RUNTIME_MONITORING`, `S3_DATA_EVENTS`.
    pub features: Vec<String>,
    pub finding_publishing_frequency: String,
}

/// `[enricher]`: the Lambda function and its alert state.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Enricher {
    pub function_name: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub architecture: Architecture,
    pub state_table: String,
    pub state_ttl: Duration,
    pub maximum_retry_attempts: u32,
    pub maximum_event_age_s: u32,
    pub sweep_schedule: String,
    /// The zip to deploy (`just lambda` builds it).
    pub zip_path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    Arm64,
    #[serde(rename = "x86_64")]
    X86_64,
}

/// `[alarms]`: CloudWatch alarms on the pipeline and the dashboard.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Alarms {
    /// Whether the pipeline's alarms exist at all. Turning them off is the explicit way to
    /// deploy without anyone receiving them.
    pub enabled: bool,
    /// Where alarms notify (an operations topic is created with this email subscribed).
    pub operations_email: Option<String>,
    /// More subscribers of the operations topic (a pager's endpoint, a team's queue).
    pub operations_subscriptions: Vec<Subscription>,
    /// Anomaly-detection alarms on findings per AI component.
    pub anomaly_detection: bool,
    pub anomaly_band: f64,
    pub dashboard: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config::unresolved().with_derived_names()
    }
}

impl Config {
    /// Every default, with the names derived from the stack still empty.
    fn unresolved() -> Config {
        Config {
            watchpost: General::default(),
            thresholds: Thresholds::default(),
            classification: Classification::default(),
            routes: vec![Route::default_route()],
            suppress: Vec::new(),
            metrics: Metrics::default(),
            detective: Detective::default(),
            guardduty: GuardDuty::default(),
            enricher: Enricher::default(),
            alarms: Alarms::default(),
            detections: Detections::default(),
            usage: Usage::default(),
            incidents: Incidents::default(),
            deployed: Deployed::default(),
        }
    }
}

impl Default for General {
    fn default() -> Self {
        General {
            stack: defaults::STACK.to_owned(),
            regions: Vec::new(),
            security_hub: SecurityHub::Off,
            adopt: Vec::new(),
        }
    }
}

fn severity(label: &str) -> SeverityLabel {
    label.parse().expect("defaults are valid severities")
}

fn duration(text: &str) -> Duration {
    text.parse().expect("defaults are valid durations")
}

fn patterns(list: &[&str]) -> Vec<Pattern> {
    list.iter().map(|p| Pattern::new(p)).collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            ai_min_severity: severity(defaults::AI_MIN_SEVERITY),
            other_min_severity: severity(defaults::OTHER_MIN_SEVERITY),
            renotify_after: duration(defaults::RENOTIFY_AFTER),
            alert_samples: true,
        }
    }
}

impl Default for Classification {
    fn default() -> Self {
        Classification {
            ai_tag_key: defaults::AI_TAG_KEY.to_owned(),
            component_tag_key: defaults::COMPONENT_TAG_KEY.to_owned(),
            model_invocation_finding_types: patterns(defaults::MODEL_INVOCATION_FINDING_TYPES),
            control_plane_finding_types: patterns(defaults::CONTROL_PLANE_FINDING_TYPES),
            ai_services: strings(defaults::AI_SERVICES),
            invocation_api_prefixes: strings(defaults::INVOCATION_API_PREFIXES),
            accelerated_instance_families: strings(defaults::ACCELERATED_FAMILIES),
            data_bucket_patterns: patterns(defaults::DATA_BUCKET_PATTERNS),
            identity_name_patterns: patterns(defaults::IDENTITY_NAME_PATTERNS),
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            namespace: defaults::METRICS_NAMESPACE.to_owned(),
            mode: MetricsMode::Emf,
        }
    }
}

impl Default for Detective {
    fn default() -> Self {
        Detective {
            enabled: true,
            graph_arn: None,
            investigate: true,
            investigation_min_severity: severity(defaults::INVESTIGATION_MIN_SEVERITY),
            budget_ms: defaults::DETECTIVE_BUDGET_MS,
            reuse_investigation_within: duration(defaults::REUSE_INVESTIGATION_WITHIN),
            members: Vec::new(),
            invitation_message: None,
            disable_email_notification: false,
            datasource_packages: Vec::new(),
            organization: None,
            tags: BTreeMap::new(),
        }
    }
}

impl Default for GuardDuty {
    fn default() -> Self {
        GuardDuty {
            manage_detector: false,
            features: Vec::new(),
            finding_publishing_frequency: defaults::FINDING_PUBLISHING_FREQUENCY.to_owned(),
        }
    }
}

impl Default for Enricher {
    fn default() -> Self {
        Enricher {
            // Empty: derived from the stack (`Config::with_derived_names`).
            function_name: String::new(),
            memory_mb: defaults::FUNCTION_MEMORY_MB,
            timeout_s: defaults::FUNCTION_TIMEOUT_S,
            architecture: Architecture::Arm64,
            state_table: String::new(),
            state_ttl: duration(defaults::STATE_TTL),
            maximum_retry_attempts: defaults::MAX_RETRY_ATTEMPTS,
            maximum_event_age_s: defaults::MAX_EVENT_AGE_S,
            sweep_schedule: defaults::SWEEP_SCHEDULE.to_owned(),
            zip_path: "target/lambda/watchpost-enricher/bootstrap.zip".to_owned(),
        }
    }
}

impl Default for Alarms {
    fn default() -> Self {
        Alarms {
            enabled: true,
            operations_email: None,
            operations_subscriptions: Vec::new(),
            anomaly_detection: true,
            anomaly_band: defaults::ANOMALY_BAND,
            dashboard: true,
        }
    }
}

// A config error is built once, on the way to the user, and carries everything the message
// needs (file, line, key, hint); boxing it would only move that allocation.
#[allow(clippy::result_large_err)]
impl Config {
    /// Reads a config from TOML text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Config, ConfigError> {
        let deserializer = toml::de::Deserializer::parse(text)
            .map_err(|err| ConfigError::from_toml(file, text, None, &err))?;
        let mut config: Config = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let path = err.path().to_string();
            ConfigError::from_toml(file, text, Some(path), err.inner())
        })?;
        if config.routes.is_empty() {
            config.routes.push(Route::default_route());
        }
        let config = config.with_derived_names();
        checks::check(&config, file, text)?;
        Ok(config)
    }

    /// Fills the names left empty with the stack's: `<stack>-enricher`, `<stack>-alert-state`.
    fn with_derived_names(mut self) -> Config {
        let stack = &self.watchpost.stack;
        if self.enricher.function_name.is_empty() {
            self.enricher.function_name = format!("{stack}{}", defaults::FUNCTION_NAME_SUFFIX);
        }
        if self.enricher.state_table.is_empty() {
            self.enricher.state_table = format!("{stack}{}", defaults::STATE_TABLE_SUFFIX);
        }
        self
    }

    /// Reads a config file.
    pub fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
            file: file.clone(),
            line: None,
            column: None,
            key: None,
            message: format!("cannot read the config: {err}"),
            hint: Some("check the path, or leave --config out to use the defaults".into()),
            snippet: None,
        })?;
        Config::from_toml(&text, &file)
    }

    /// Reads a config that is to be deployed (`validate`, `plan`, `apply`): what
    /// [`Config::load`] checks, and that the alarms reach someone.
    pub fn load_deployable(path: &std::path::Path) -> Result<Config, ConfigError> {
        let config = Config::load(path)?;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        checks::check_operations_reach_someone(&config, &path.display().to_string(), &text)?;
        Ok(config)
    }

    /// What the config read from `text` (named `file`) says but probably does not mean:
    /// `validate`, `plan` and `apply` show these and go on.
    pub fn warnings(&self, file: &str, text: &str) -> Vec<ConfigWarning> {
        checks::warnings(self, file, text)
    }

    /// The route with this name.
    pub fn route(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests;
