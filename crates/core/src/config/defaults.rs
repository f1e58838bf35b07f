//! Every default of the configuration, in one place: what a config that says nothing gets. The
//! default stack's names are the contract's (`watchpost_contract::names`), which renders the
//! placeholder policy for them.

use watchpost_contract::names;

/// Stack name: tags and names every provisioned resource.
pub const STACK: &str = names::DEFAULT_STACK;
/// Tag key that marks a resource as part of an AI workflow.
pub const AI_TAG_KEY: &str = "ai-workflow";
/// Tag key whose value names the component outright (`watchpost:component=ml-data`).
pub const COMPONENT_TAG_KEY: &str = "watchpost:component";
/// GuardDuty AI Protection finding types (GuardDuty user guide, "AI Protection finding types").
pub const MODEL_INVOCATION_FINDING_TYPES: &[&str] = &[
    "Impact:IAMUser/AnomalousModelInvocation",
    "Impact:IAMUser/CostHarvesting",
    "Impact:IAMUser/PromptInjection.Direct",
];
/// Finding types that mean tampering with AI services.
pub const CONTROL_PLANE_FINDING_TYPES: &[&str] = &["DefenseEvasion:IAMUser/BedrockLoggingDisabled"];
/// API services (as in `awsApiCallAction.serviceName`, with or without `.amazonaws.com`) of AI.
pub const AI_SERVICES: &[&str] = &[
    "bedrock",
    "bedrock-runtime",
    "bedrock-agent",
    "bedrock-agent-runtime",
    "sagemaker",
    "sagemaker-runtime",
    "api.sagemaker",
    "runtime.sagemaker",
];
/// API name prefixes that are model inference.
pub const INVOCATION_API_PREFIXES: &[&str] = &["Invoke", "Converse"];
/// Accelerated EC2 instance families (EC2 user guide, "Accelerated computing instances").
pub const ACCELERATED_FAMILIES: &[&str] = &["p", "g", "gr", "trn", "inf", "dl"];
/// SageMaker's default bucket (`sagemaker-<region>-<account>`).
pub const DATA_BUCKET_PATTERNS: &[&str] = &["sagemaker-{region}-{account}"];
/// SageMaker's generated execution roles.
pub const IDENTITY_NAME_PATTERNS: &[&str] = &["AmazonSageMaker-ExecutionRole-*"];
/// Lowest band that alerts for AI-related findings.
pub const AI_MIN_SEVERITY: &str = "LOW";
/// Lowest band that alerts for other findings.
pub const OTHER_MIN_SEVERITY: &str = "HIGH";
/// An updated finding re-alerts at the same band after this long (GuardDuty re-publishes
/// updates every 6 hours by default, so a day keeps a lingering finding visible daily).
pub const RENOTIFY_AFTER: &str = "24h";
/// How long an incident stays open after its last alert: long enough for one intrusion's
/// findings (GuardDuty publishes updates every 15 minutes by default, attack sequences come
/// after their signals), short enough that next day's activity is a new incident.
pub const INCIDENT_WINDOW: &str = "1h";
/// CloudWatch namespace of Watchpost's metrics.
pub const METRICS_NAMESPACE: &str = names::DEFAULT_METRICS_NAMESPACE;
/// The route a config without routes gets.
pub const DEFAULT_ROUTE: &str = names::DEFAULT_ROUTE;
/// Start investigations for AI findings from this band up.
pub const INVESTIGATION_MIN_SEVERITY: &str = "HIGH";
/// Longest Detective may hold an alert up.
pub const DETECTIVE_BUDGET_MS: u64 = 2_000;
/// An investigation of the same entity started within this window is reused.
pub const REUSE_INVESTIGATION_WITHIN: &str = "24h";
/// Enricher function name: `<stack>` and this, so that stacks in one account do not collide.
pub const FUNCTION_NAME_SUFFIX: &str = names::FUNCTION_NAME_SUFFIX;
/// Enricher memory (MiB): the function is small; this keeps cold starts short.
pub const FUNCTION_MEMORY_MB: u32 = 256;
/// Enricher timeout (seconds).
pub const FUNCTION_TIMEOUT_S: u32 = 30;
/// Alert-state table name: `<stack>` and this.
pub const STATE_TABLE_SUFFIX: &str = names::STATE_TABLE_SUFFIX;
/// Alert state is forgotten after this long (DynamoDB TTL).
pub const STATE_TTL: &str = "30d";
/// Lambda async retries (0–2, Lambda developer guide, "Asynchronous invocation").
pub const MAX_RETRY_ATTEMPTS: u32 = 2;
/// Lambda async event age limit in seconds (60–21600).
pub const MAX_EVENT_AGE_S: u32 = 3_600;
/// How often the investigation sweep runs.
pub const SWEEP_SCHEDULE: &str = "rate(5 minutes)";
/// GuardDuty's finding publishing frequency when Watchpost manages the detector.
pub const FINDING_PUBLISHING_FREQUENCY: &str = "FIFTEEN_MINUTES";
/// Anomaly-detection band width, in standard deviations.
pub const ANOMALY_BAND: f64 = 2.0;
/// User agents that raise a detection's severity (compared whatever their case): penetration-testing
/// distributions (as GuardDuty's `PenTest:IAMUser/*` findings name them) and bare HTTP clients
/// and scripts rather than an AWS SDK, CLI or the console, as public CloudTrail detection rules
/// flag them.
pub const UNUSUAL_USER_AGENTS: &[&str] = &[
    "*kali*",
    "*parrot*",
    "*pentoo*",
    "python-requests/*",
    "curl/*",
    "go-http-client/*",
    "okhttp/*",
    "postmanruntime/*",
    "wget/*",
];
/// Models (and endpoints) discovered at most, when the config lists none.
pub const USAGE_DISCOVER_MAX: usize = 10;
/// Usage alarms: band width in standard deviations (see `UsageMetric::default_for_usage`).
pub const USAGE_BAND: f64 = 3.0;
/// Usage alarms: period of a datapoint, seconds.
pub const USAGE_PERIOD_S: u32 = 300;
/// Usage alarms: datapoints evaluated.
pub const USAGE_EVALUATION_PERIODS: u32 = 3;
/// Usage alarms: datapoints outside the band that make the alarm.
pub const USAGE_DATAPOINTS_TO_ALARM: u32 = 2;
/// Usage alarm names start with `<stack>` and this, so the rule and the enricher tell them
/// from every other alarm.
pub const USAGE_ALARM_INFIX: &str = "-usage-";
