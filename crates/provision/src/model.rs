//! The plan's vocabulary: resources (desired or observed), changes between them, and the plan.
//! Properties are typed: a resource carries its kind's [`Spec`], a change a [`SpecChange`] with
//! both sides (see [`crate::spec`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::spec::{Spec, SpecChange};

/// The kinds of resources Watchpost manages, in the order they are created. Deletion runs in
/// the reverse order, so everything is removed before what it depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The enricher's execution role (trust policy and tags; its policies come later, once
    /// what they name exists).
    IamRole,
    KmsKey,
    SnsTopic,
    SnsSubscription,
    DetectiveGraph,
    DetectiveMember,
    DetectiveDatasources,
    DetectiveOrganization,
    SqsQueue,
    DynamodbTable,
    IamRolePolicy,
    LambdaFunction,
    LambdaInvokeConfig,
    EventsRule,
    EventsTargets,
    LambdaPermission,
    CloudwatchAlarm,
    CloudwatchDashboard,
    GuarddutyDetector,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IamRole => "iam-role",
            Kind::KmsKey => "kms-key",
            Kind::SnsTopic => "sns-topic",
            Kind::SnsSubscription => "sns-subscription",
            Kind::DetectiveGraph => "detective-graph",
            Kind::DetectiveMember => "detective-member",
            Kind::DetectiveDatasources => "detective-datasources",
            Kind::DetectiveOrganization => "detective-organization",
            Kind::SqsQueue => "sqs-queue",
            Kind::DynamodbTable => "dynamodb-table",
            Kind::IamRolePolicy => "iam-role-policy",
            Kind::LambdaFunction => "lambda-function",
            Kind::LambdaInvokeConfig => "lambda-invoke-config",
            Kind::EventsRule => "events-rule",
            Kind::EventsTargets => "events-targets",
            Kind::LambdaPermission => "lambda-permission",
            Kind::CloudwatchAlarm => "cloudwatch-alarm",
            Kind::CloudwatchDashboard => "cloudwatch-dashboard",
            Kind::GuarddutyDetector => "guardduty-detector",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which resource: unique within a plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResourceId {
    pub region: String,
    pub kind: Kind,
    /// The resource's name as Watchpost knows it (deterministic: `<stack>-…`, an account id,
    /// `<topic>/<protocol>:<endpoint>` for a subscription).
    pub name: String,
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.region, self.kind, self.name)
    }
}

/// A resource as desired or as observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Its region, kind (always its spec's) and name.
    pub id: ResourceId,
    /// What the resource is identified by in AWS once it exists (ARN, URL, key id, …).
    pub physical_id: Option<String>,
    pub spec: Spec,
    /// Whether Watchpost owns it (tagged `watchpost:stack=<stack>` or named by the stack).
    /// Only owned resources are ever deleted.
    pub owned: bool,
}

impl Resource {
    /// A resource named `name` in `region`, of its spec's kind.
    pub fn new(
        region: &str,
        name: &str,
        physical_id: Option<String>,
        spec: impl Into<Spec>,
        owned: bool,
    ) -> Resource {
        let spec = spec.into();
        Resource {
            id: ResourceId {
                region: region.to_owned(),
                kind: spec.kind(),
                name: name.to_owned(),
            },
            physical_id,
            spec,
            owned,
        }
    }
}

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    /// Delete the resource, then create it anew: AWS cannot make the change in place.
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub id: ResourceId,
    pub action: Action,
    pub physical_id: Option<String>,
    /// The properties before (observed) and after (desired), typed by kind.
    pub spec: SpecChange,
    /// Why, for people; never read by the apply.
    pub reason: String,
}

/// A plan: the changes, in the order apply runs them, and notes for the reader (missing
/// inputs, pending confirmations) that are not changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many creates, updates and deletes; a replacement is one delete and one create.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |a| self.changes.iter().filter(|c| c.action == a).count();
        let replace = n(Action::Replace);
        (
            n(Action::Create) + replace,
            n(Action::Update),
            n(Action::Delete) + replace,
        )
    }

    /// The changes per region, each in apply order.
    pub fn by_region(&self) -> BTreeMap<String, Vec<Change>> {
        let mut out: BTreeMap<String, Vec<Change>> = BTreeMap::new();
        for change in &self.changes {
            out.entry(change.id.region.clone())
                .or_default()
                .push(change.clone());
        }
        out
    }
}

/// Planning mode: converge on the config, or remove what Watchpost owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    Destroy,
}
