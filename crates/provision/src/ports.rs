//! One narrow trait per AWS service, in Watchpost's vocabulary. The engine is generic over them;
//! the SDK adapters in [`crate::adapters`] and the in-memory [`crate::fake::FakeAccount`]
//! implement them. Spec types double as the resources' properties in a plan: what is desired
//! and what is observed are the same shape, so diffing them is comparing values.

// Native async fn in traits, statically dispatched: the engine awaits regions concurrently on
// one task, so the futures need no `Send` bound.
#![allow(async_fn_in_trait)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::Deferred;

/// Tags, sorted.
pub type Tags = BTreeMap<String, String>;

/// A resource a port found: what its service calls it (`id`: an ARN, a queue URL, a detector
/// id), its properties (the same spec a plan desires), and what a kind needs beyond them
/// (`extra`: nothing for most).
#[derive(Debug, Clone, PartialEq)]
pub struct Found<S, X = ()> {
    pub id: String,
    pub spec: S,
    pub extra: X,
}

impl<S> Found<S> {
    pub fn new(id: impl Into<String>, spec: S) -> Self {
        Found {
            id: id.into(),
            spec,
            extra: (),
        }
    }
}

/// Errors from any port, by what the caller does about them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PortError {
    #[error("{call}: not found: {code}: {message}")]
    NotFound {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: already exists: {code}: {message}")]
    AlreadyExists {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: throttled: {code}: {message}")]
    Throttled {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: {code}: {message}")]
    Invalid {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: {code}: {message}")]
    Other {
        call: &'static str,
        code: String,
        message: String,
    },
}

impl PortError {
    pub fn code(&self) -> &str {
        match self {
            PortError::NotFound { code, .. }
            | PortError::AlreadyExists { code, .. }
            | PortError::Throttled { code, .. }
            | PortError::Invalid { code, .. }
            | PortError::Other { code, .. } => code,
        }
    }
    pub fn message(&self) -> &str {
        match self {
            PortError::NotFound { message, .. }
            | PortError::AlreadyExists { message, .. }
            | PortError::Throttled { message, .. }
            | PortError::Invalid { message, .. }
            | PortError::Other { message, .. } => message,
        }
    }
    pub fn is_not_found(&self) -> bool {
        matches!(self, PortError::NotFound { .. })
    }
    /// An SDK error, read as the enricher's adapters read it (`Unknown` when no answer came).
    pub fn from_aws(call: &'static str, err: watchpost_aws_error::AwsError) -> PortError {
        use watchpost_aws_error::ErrorClass;
        let class = err.class().unwrap_or(ErrorClass::Other);
        let code = err.code.unwrap_or_else(|| "Unknown".to_owned());
        PortError::of_class(call, class, code, err.message)
    }

    /// An error an answer reports for one entry of a batch (no HTTP status of its own).
    pub fn classify(call: &'static str, code: &str, message: &str) -> PortError {
        let class = watchpost_aws_error::classify(code, None);
        PortError::of_class(call, class, code.to_owned(), message.to_owned())
    }

    /// Sorts an AWS error into a variant, by the classifier the enricher uses too. Access
    /// denied and server errors stay `Other`: the engine stops on them either way, and the
    /// SDK has already retried what it could.
    fn of_class(
        call: &'static str,
        class: watchpost_aws_error::ErrorClass,
        code: String,
        message: String,
    ) -> PortError {
        use watchpost_aws_error::ErrorClass;
        match class {
            ErrorClass::NotFound => PortError::NotFound {
                call,
                code,
                message,
            },
            ErrorClass::AlreadyExists => PortError::AlreadyExists {
                call,
                code,
                message,
            },
            ErrorClass::RetryLater => PortError::Throttled {
                call,
                code,
                message,
            },
            ErrorClass::Invalid => PortError::Invalid {
                call,
                code,
                message,
            },
            ErrorClass::AccessDenied | ErrorClass::ServerError | ErrorClass::Other => {
                PortError::Other {
                    call,
                    code,
                    message,
                }
            }
        }
    }
}

pub type PortResult<T> = Result<T, PortError>;

// ---------------------------------------------------------------- STS

/// Who the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: from the caller's ARN.
    pub partition: String,
    /// The caller's ARN (who holds the stack's lock).
    pub arn: String,
}

pub trait StsPort {
    async fn identity(&self) -> PortResult<Identity>;
}

// ---------------------------------------------------------------- Detective

/// A behavior graph's properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphSpec {
    pub tags: Tags,
}

/// A member account's properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSpec {
    pub email: String,
}

/// A member as Detective lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    pub account_id: String,
    pub email: String,
    pub status: String,
    /// `INVITATION` (invited by the administrator) or `ORGANIZATION` (enabled through the
    /// organization, e.g. by auto-enable).
    pub invitation_type: String,
}

/// An invitation to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub account_id: String,
    pub email: String,
}

/// An account a batch call could not process, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprocessed {
    pub account_id: String,
    pub reason: String,
}

/// The optional data source packages enabled on the graph (of those the config names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasourcesSpec {
    pub enabled: Vec<String>,
}

/// Organization mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationSpec {
    pub admin_account_id: String,
    pub auto_enable: bool,
}

pub trait DetectivePort {
    /// The graphs this account administers in the region (at most one in practice).
    async fn list_graphs(&self) -> PortResult<Vec<String>>;
    async fn create_graph(&self, tags: &Tags) -> PortResult<String>;
    async fn delete_graph(&self, graph_arn: &str) -> PortResult<()>;
    async fn graph_tags(&self, graph_arn: &str) -> PortResult<Tags>;
    async fn tag_graph(&self, graph_arn: &str, tags: &Tags) -> PortResult<()>;
    async fn untag_graph(&self, graph_arn: &str, keys: &[String]) -> PortResult<()>;
    async fn list_members(&self, graph_arn: &str) -> PortResult<Vec<MemberState>>;
    /// At most [`crate::limits::CREATE_MEMBERS_MAX`] invites.
    async fn create_members(
        &self,
        graph_arn: &str,
        invites: &[Invite],
        message: Option<&str>,
        disable_email_notification: bool,
    ) -> PortResult<Vec<Unprocessed>>;
    /// At most [`crate::limits::DELETE_MEMBERS_MAX`] accounts.
    async fn delete_members(
        &self,
        graph_arn: &str,
        account_ids: &[String],
    ) -> PortResult<Vec<Unprocessed>>;
    /// Data source package → ingest state (`STARTED`, `STOPPED`, `DISABLED`).
    async fn datasource_packages(&self, graph_arn: &str) -> PortResult<BTreeMap<String, String>>;
    async fn enable_datasource_packages(
        &self,
        graph_arn: &str,
        packages: &[String],
    ) -> PortResult<()>;
    /// The organization's delegated administrator accounts.
    async fn organization_admins(&self) -> PortResult<Vec<String>>;
    async fn enable_organization_admin(&self, account_id: &str) -> PortResult<()>;
    async fn disable_organization_admin(&self) -> PortResult<()>;
    async fn auto_enable(&self, graph_arn: &str) -> PortResult<bool>;
    async fn set_auto_enable(&self, graph_arn: &str, auto_enable: bool) -> PortResult<()>;
}

// ---------------------------------------------------------------- KMS

/// The key encrypting Watchpost's topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeySpec {
    pub description: String,
    pub policy: Value,
    pub tags: Tags,
    /// Whether the key is enabled (a disabled key makes every encrypted publish fail). Shown in
    /// plans only when it is not.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// Whether the stack's alias points at the key: not for a key of the stack found by its tag
    /// alone (an apply stopped between CreateKey and CreateAlias). Shown only when it does not.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub aliased: bool,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// What a key needs beyond its ARN and spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// The id the key's calls take.
    pub key_id: String,
    /// Scheduled for deletion: treated as absent, its alias is reused.
    pub pending_deletion: bool,
}

/// A key (its ARN is the id).
pub type FoundKey = Found<KeySpec, KeyRef>;

pub trait KmsPort {
    async fn key_by_alias(&self, alias: &str) -> PortResult<Option<FoundKey>>;
    /// The keys (not scheduled for deletion) tagged `tag_key=tag_value`, whatever their alias.
    async fn keys_by_tag(&self, tag_key: &str, tag_value: &str) -> PortResult<Vec<FoundKey>>;
    /// Creates the key and points `alias` at it; returns the key ARN.
    async fn create_key(&self, alias: &str, spec: &KeySpec) -> PortResult<String>;
    /// Points `alias` (which does not exist) at the key.
    async fn create_alias(&self, alias: &str, key_id: &str) -> PortResult<()>;
    async fn enable_key(&self, key_id: &str) -> PortResult<()>;
    async fn put_key_policy(&self, key_id: &str, policy: &Value) -> PortResult<()>;
    async fn tag_key(&self, key_id: &str, tags: &Tags) -> PortResult<()>;
    /// Removes the alias and schedules the key's deletion (the shortest waiting period).
    async fn delete_key(&self, alias: &str, key_id: &str) -> PortResult<()>;
}

// ---------------------------------------------------------------- SNS

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSpec {
    /// Key id, ARN or alias encrypting the topic.
    pub kms_master_key_id: Option<String>,
    pub policy: Option<Value>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionSpec {
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
    pub filter_policy: Option<Value>,
    pub raw_message_delivery: bool,
    /// What the filter policy matches when it is not SNS's default (`MessageAttributes`, which
    /// Watchpost's filter policies are written for): `MessageBody`. Shown only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_policy_scope: Option<String>,
    /// A dead-letter queue for what SNS could not deliver; Watchpost sets none. Shown only
    /// when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_policy: Option<Value>,
}

/// A subscription as SNS lists it; `arn` is `None` while it waits for confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionState {
    pub arn: Option<String>,
    pub spec: SubscriptionSpec,
}

pub trait SnsPort {
    async fn list_topics(&self) -> PortResult<Vec<String>>;
    async fn topic(&self, arn: &str) -> PortResult<Option<TopicSpec>>;
    async fn create_topic(&self, name: &str, spec: &TopicSpec) -> PortResult<String>;
    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> PortResult<()>;
    async fn tag_topic(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_topic(&self, arn: &str) -> PortResult<()>;
    async fn subscriptions(&self, topic_arn: &str) -> PortResult<Vec<SubscriptionState>>;
    /// Returns the subscription ARN (which SNS gives even while it awaits confirmation, when
    /// asked to), or `None` when SNS did not say.
    async fn subscribe(&self, spec: &SubscriptionSpec) -> PortResult<Option<String>>;
    async fn set_subscription_attributes(
        &self,
        arn: &str,
        spec: &SubscriptionSpec,
    ) -> PortResult<()>;
    async fn unsubscribe(&self, arn: &str) -> PortResult<()>;
}

// ---------------------------------------------------------------- DynamoDB

/// The enricher's alert-state table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    /// The partition key's name; its type is always string (`S`), and there is no sort key.
    pub partition_key: String,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    pub billing_mode: String,
    pub sse_enabled: bool,
    /// The attribute TTL is enabled on, if any.
    pub ttl_attribute: Option<String>,
    pub tags: Tags,
}

pub trait DynamodbPort {
    /// DescribeTable, DescribeTimeToLive and ListTagsOfResource; `None` when there is no table.
    /// Its id is its ARN.
    async fn table(&self, name: &str) -> PortResult<Option<Found<TableSpec>>>;
    /// Creates the table and enables its TTL; returns the table ARN.
    async fn create_table(&self, name: &str, spec: &TableSpec) -> PortResult<String>;
    async fn set_billing_mode(&self, name: &str, billing_mode: &str) -> PortResult<()>;
    async fn set_sse(&self, name: &str, enabled: bool) -> PortResult<()>;
    /// UpdateTimeToLive on `attribute`.
    async fn set_ttl(&self, name: &str, attribute: &str, enabled: bool) -> PortResult<()>;
    async fn tag_table(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_table(&self, name: &str) -> PortResult<()>;
}

// ---------------------------------------------------------------- SQS

/// The enricher's dead-letter queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSpec {
    pub sqs_managed_sse: bool,
    pub message_retention_seconds: u32,
    /// The queue's access policy.
    pub policy: Option<Value>,
    pub tags: Tags,
}

pub trait SqsPort {
    /// GetQueueUrl, GetQueueAttributes and ListQueueTags; `None` when there is no queue. Its
    /// id is its URL.
    async fn queue(&self, name: &str) -> PortResult<Option<Found<QueueSpec>>>;
    /// Returns the queue URL.
    async fn create_queue(&self, name: &str, spec: &QueueSpec) -> PortResult<String>;
    /// Sets the spec's attributes (not its tags).
    async fn set_queue_attributes(&self, url: &str, spec: &QueueSpec) -> PortResult<()>;
    async fn tag_queue(&self, url: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_queue(&self, url: &str) -> PortResult<()>;
}

// ---------------------------------------------------------------- IAM

/// The enricher's execution role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSpec {
    pub description: String,
    pub trust_policy: Value,
    pub tags: Tags,
    /// The managed policies attached to the role (ARNs, sorted): none in what Watchpost
    /// creates (its permissions are the inline policy). Shown only when there are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
}

/// An inline policy on a role.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolePolicySpec {
    pub role: String,
    /// Unknown until what it names exists (see [`crate::desired::role_policy`]).
    pub policy: Deferred<Value>,
}

pub trait IamPort {
    /// GetRole and ListRoleTags; `None` when there is no role. Its id is its ARN.
    async fn role(&self, name: &str) -> PortResult<Option<Found<RoleSpec>>>;
    /// Returns the role's ARN.
    async fn create_role(&self, name: &str, spec: &RoleSpec) -> PortResult<String>;
    async fn update_trust_policy(&self, name: &str, policy: &Value) -> PortResult<()>;
    async fn update_description(&self, name: &str, description: &str) -> PortResult<()>;
    async fn tag_role(&self, name: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_role(&self, name: &str) -> PortResult<()>;
    /// DetachRolePolicy.
    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> PortResult<()>;
    /// The inline policy `policy_name` of `role`, if any.
    async fn role_policy(&self, role: &str, policy_name: &str) -> PortResult<Option<Value>>;
    async fn put_role_policy(
        &self,
        role: &str,
        policy_name: &str,
        policy: &Value,
    ) -> PortResult<()>;
    async fn delete_role_policy(&self, role: &str, policy_name: &str) -> PortResult<()>;
}

// ---------------------------------------------------------------- Lambda

/// The enricher function's configuration. `code_sha256` is the package's (base64 SHA-256, as
/// Lambda reports it): a different package is a code update. Observed values are always
/// known; desired ones may wait for the graph (the environment) or a package (the code).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionSpec {
    pub role_arn: String,
    pub runtime: String,
    pub handler: String,
    pub architecture: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub environment: BTreeMap<String, Deferred<String>>,
    pub code_sha256: Deferred<String>,
    pub tags: Tags,
}

impl FunctionSpec {
    /// The environment as Lambda takes it. The engine never hands a port a spec with unknown
    /// values; were it to, they would show as their description rather than vanish.
    pub fn environment_values(&self) -> BTreeMap<String, String> {
        self.environment
            .iter()
            .map(|(name, value)| (name.clone(), value.to_string()))
            .collect()
    }
}

/// Asynchronous invocation: retries, event age, and where failed events go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvokeConfigSpec {
    pub maximum_retry_attempts: u32,
    pub maximum_event_age_s: u32,
    pub on_failure_arn: String,
}

/// A statement of the function's resource policy letting a service invoke it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSpec {
    pub principal: String,
    pub source_arn: String,
    pub source_account: String,
    /// What the statement says beyond those (another effect or action, another principal,
    /// more conditions): nothing in the statements Watchpost adds. Shown only when there is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<Value>,
}

pub trait LambdaPort {
    /// GetFunction (configuration, code hash, tags); `None` when there is no function. Its id
    /// is its ARN.
    async fn function(&self, name: &str) -> PortResult<Option<Found<FunctionSpec>>>;
    /// Returns the function's ARN.
    async fn create_function(
        &self,
        name: &str,
        spec: &FunctionSpec,
        zip: &[u8],
    ) -> PortResult<String>;
    async fn update_code(&self, name: &str, zip: &[u8]) -> PortResult<()>;
    /// Everything of the spec but code and tags.
    async fn update_configuration(&self, name: &str, spec: &FunctionSpec) -> PortResult<()>;
    async fn tag_function(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_function(&self, name: &str) -> PortResult<()>;
    async fn invoke_config(&self, name: &str) -> PortResult<Option<InvokeConfigSpec>>;
    async fn put_invoke_config(&self, name: &str, spec: &InvokeConfigSpec) -> PortResult<()>;
    async fn delete_invoke_config(&self, name: &str) -> PortResult<()>;
    /// The resource policy's statements by id (GetPolicy); empty when there is none.
    async fn permissions(&self, name: &str) -> PortResult<BTreeMap<String, PermissionSpec>>;
    async fn add_permission(&self, name: &str, sid: &str, spec: &PermissionSpec) -> PortResult<()>;
    async fn remove_permission(&self, name: &str, sid: &str) -> PortResult<()>;
}

// ---------------------------------------------------------------- EventBridge

/// A rule on the default bus: an event pattern or a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub description: String,
    pub event_pattern: Option<Value>,
    pub schedule_expression: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub state: String,
    pub tags: Tags,
}

impl RuleSpec {
    /// An enabled rule matching `pattern`: how Watchpost's own event rules are made.
    pub fn on_events(description: String, pattern: Value, tags: Tags) -> Self {
        Self::enabled(description, Some(pattern), None, tags)
    }

    /// An enabled rule on a schedule (`rate(…)` or `cron(…)`).
    pub fn on_schedule(description: String, schedule: String, tags: Tags) -> Self {
        Self::enabled(description, None, Some(schedule), tags)
    }

    fn enabled(
        description: String,
        event_pattern: Option<Value>,
        schedule_expression: Option<String>,
        tags: Tags,
    ) -> Self {
        RuleSpec {
            description,
            event_pattern,
            schedule_expression,
            state: "ENABLED".to_owned(),
            tags,
        }
    }
}

/// One target of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSpec {
    pub id: String,
    pub arn: String,
    pub maximum_retry_attempts: u32,
    pub maximum_event_age_s: u32,
    pub dead_letter_arn: Option<String>,
}

/// Every target of a rule: the targets are managed as one resource, so a target someone added
/// by hand shows up as drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetsSpec {
    pub targets: Vec<TargetSpec>,
}

pub trait EventsPort {
    /// DescribeRule and its tags; `None` when there is no rule. Its id is its ARN.
    async fn rule(&self, name: &str) -> PortResult<Option<Found<RuleSpec>>>;
    /// PutRule (creates or updates); returns the ARN.
    async fn put_rule(&self, name: &str, spec: &RuleSpec) -> PortResult<String>;
    async fn tag_rule(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_rule(&self, name: &str) -> PortResult<()>;
    async fn targets(&self, rule: &str) -> PortResult<Vec<TargetSpec>>;
    async fn put_targets(&self, rule: &str, targets: &[TargetSpec]) -> PortResult<()>;
    async fn remove_targets(&self, rule: &str, ids: &[String]) -> PortResult<()>;
}

// ---------------------------------------------------------------- CloudWatch

/// An alarm, always in the metric-math form (`metrics` are MetricDataQuery documents as the
/// API spells them), so plain and anomaly-detection alarms share one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmSpec {
    pub description: String,
    pub metrics: Vec<Value>,
    pub comparison_operator: String,
    pub threshold: Option<f64>,
    pub threshold_metric_id: Option<String>,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub treat_missing_data: String,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub tags: Tags,
}

/// A dashboard's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardSpec {
    pub body: Value,
}

pub trait CloudwatchPort {
    /// The alarms whose names start with `prefix`, with their tags, by name (their ids are
    /// their ARNs).
    async fn alarms(&self, prefix: &str) -> PortResult<BTreeMap<String, Found<AlarmSpec>>>;
    /// PutMetricAlarm (creates or replaces). Its tags apply only when it creates the alarm:
    /// CloudWatch ignores them on an existing one (see `tag_alarm`).
    async fn put_alarm(&self, name: &str, spec: &AlarmSpec) -> PortResult<()>;
    /// Tags an existing alarm (TagResource).
    async fn tag_alarm(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_alarms(&self, names: &[String]) -> PortResult<()>;
    async fn dashboard(&self, name: &str) -> PortResult<Option<DashboardSpec>>;
    async fn put_dashboard(&self, name: &str, spec: &DashboardSpec) -> PortResult<()>;
    async fn delete_dashboard(&self, name: &str) -> PortResult<()>;
    /// ListMetrics: the dimension sets (name → value) of `metric` in `namespace` that had data
    /// in the last two weeks.
    async fn list_metrics(
        &self,
        namespace: &str,
        metric: &str,
    ) -> PortResult<Vec<BTreeMap<String, String>>>;
}

// ---------------------------------------------------------------- GuardDuty

/// The region's GuardDuty detector. Tags are set when Watchpost creates a detector and are not
/// part of the spec: a detector that existed before is managed but never tagged, so destroy
/// never deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectorSpec {
    pub finding_publishing_frequency: String,
    /// The features enabled, of those the config names (sorted).
    pub features: Vec<String>,
}

/// The detector as GuardDuty shows it: its id, its spec, and (as `extra`) its tags.
pub type FoundDetector = Found<DetectorSpec, Tags>;

pub trait GuarddutyPort {
    /// The region's detector (there is at most one), with the state of `features`.
    async fn detector(&self, features: &[String]) -> PortResult<Option<FoundDetector>>;
    /// Returns the detector id.
    async fn create_detector(&self, spec: &DetectorSpec, tags: &Tags) -> PortResult<String>;
    async fn update_detector(&self, id: &str, spec: &DetectorSpec) -> PortResult<()>;
    async fn delete_detector(&self, id: &str) -> PortResult<()>;
}

// ---------------------------------------------------------------- SSM Parameter Store

/// Watchpost's own records in the account, as Parameter Store standard parameters under
/// `/watchpost/<stack>/`: the subscriptions it created (SNS cannot tag a subscription), the
/// organization administrator it enabled, and the stack's lock (see [`crate::records`] and
/// [`crate::lock`] for why Parameter Store).
pub trait ParametersPort {
    /// Every parameter under `path`, recursively: name → value.
    async fn parameters(&self, path: &str) -> PortResult<BTreeMap<String, String>>;
    async fn parameter(&self, name: &str) -> PortResult<Option<String>>;
    /// Writes `name` only when it does not exist yet (PutParameter without overwrite, a
    /// conditional write); `false` when it already does.
    async fn create_parameter(&self, name: &str, value: &str) -> PortResult<bool>;
    /// Removes `name`; one already gone is not an error.
    async fn delete_parameter(&self, name: &str) -> PortResult<()>;
}
