//! An in-memory AWS account implementing every port, for engine tests: apply, re-plan, tamper
//! with it (drift), destroy. Deterministic ids; every call is logged by operation name. One
//! module per service, like the adapters; this one holds the account's state and `Ports`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use crate::ports::*;
use crate::spec::*;
pub use record::{Actor, Thing, Touch, Touched};

/// `Ports` for a type that is every port itself (the fake account, and the faults around any
/// such type): each port is the type.
macro_rules! ports_are_self {
    (impl[$($generics:tt)*] for $ty:ty $(where $($bounds:tt)*)?) => {
        impl<$($generics)*> crate::ports::Ports for $ty $(where $($bounds)*)? {
            type Sts = Self;
            type Detective = Self;
            type Kms = Self;
            type Sns = Self;
            type Dynamodb = Self;
            type Sqs = Self;
            type Iam = Self;
            type Lambda = Self;
            type Events = Self;
            type Cloudwatch = Self;
            type Guardduty = Self;
            type Ssm = Self;
            fn sts(&self) -> &Self {
                self
            }
            fn detective(&self) -> &Self {
                self
            }
            fn kms(&self) -> &Self {
                self
            }
            fn sns(&self) -> &Self {
                self
            }
            fn dynamodb(&self) -> &Self {
                self
            }
            fn sqs(&self) -> &Self {
                self
            }
            fn iam(&self) -> &Self {
                self
            }
            fn lambda(&self) -> &Self {
                self
            }
            fn events(&self) -> &Self {
                self
            }
            fn cloudwatch(&self) -> &Self {
                self
            }
            fn guardduty(&self) -> &Self {
                self
            }
            fn ssm(&self) -> &Self {
                self
            }
        }
    };
}

mod cloudwatch;
mod detective;
mod dynamodb;
mod events;
pub mod faults;
mod guardduty;
mod iam;
mod kms;
mod lambda;
pub mod record;
mod sns;
mod sqs;
mod ssm;
mod sts;

/// The account's state; tests may read and change it through [`FakeAccount::state`].
#[derive(Debug, Default)]
pub struct FakeState {
    pub calls: Vec<&'static str>,
    pub next_id: u32,
    pub graphs: BTreeMap<String, Tags>,
    /// Graph → account → member.
    pub members: BTreeMap<String, BTreeMap<String, MemberState>>,
    pub datasources: BTreeMap<String, BTreeMap<String, String>>,
    pub org_admins: Vec<String>,
    pub auto_enable: BTreeMap<String, bool>,
    /// Key id → (arn, spec, pending deletion).
    pub keys: BTreeMap<String, (String, KeySpec, bool)>,
    pub aliases: BTreeMap<String, String>,
    pub topics: BTreeMap<String, TopicSpec>,
    /// Subscription ARN (or `pending:n`) → spec.
    pub subscriptions: BTreeMap<String, SubscriptionSpec>,
    /// Table name → (ARN, spec).
    pub tables: BTreeMap<String, (String, TableSpec)>,
    /// Queue name → (URL, spec).
    pub queues: BTreeMap<String, (String, QueueSpec)>,
    /// Queue URL → its messages (id, body), oldest first.
    pub messages: BTreeMap<String, Vec<(String, String)>>,
    /// Asynchronous invocations Lambda accepted: (function, payload).
    pub invocations: Vec<(String, String)>,
    /// Role name → spec.
    pub roles: BTreeMap<String, RoleSpec>,
    /// (role, policy name) → policy.
    pub role_policies: BTreeMap<(String, String), PolicyDocument>,
    /// How many more CreateFunction calls fail as if IAM had not propagated the role yet.
    pub role_propagation_failures: u32,
    /// How many more CreateKey and PutKeyPolicy calls fail as if IAM had not propagated the
    /// role the key policy names yet.
    pub key_policy_propagation_failures: u32,
    /// Function name → spec (its `code_sha256` is computed from the zip it got).
    pub functions: BTreeMap<String, FunctionSpec>,
    pub invoke_configs: BTreeMap<String, InvokeConfigSpec>,
    /// Function → statement id → permission.
    pub permissions: BTreeMap<String, BTreeMap<String, PermissionSpec>>,
    pub rules: BTreeMap<String, RuleSpec>,
    /// Rule → targets by id.
    pub targets: BTreeMap<String, BTreeMap<String, TargetSpec>>,
    pub alarms: BTreeMap<String, AlarmSpec>,
    pub dashboards: BTreeMap<String, DashboardSpec>,
    /// Metrics that have data, for ListMetrics: (namespace, metric name, dimensions).
    pub metrics: Vec<(String, String, BTreeMap<String, String>)>,
    /// The detector: id, spec, tags.
    pub detector: Option<FoundDetector>,
    /// Parameter Store: name → value.
    pub parameters: BTreeMap<String, String>,
    /// Who the calls are from now.
    pub actor: Actor,
    /// What Watchpost made (and no one else made again since).
    pub made_by_watchpost: BTreeSet<Thing>,
    /// Every effect of every mutating call, in order.
    pub touches: Vec<Touched>,
}

/// An account in one region.
#[derive(Debug)]
pub struct FakeAccount {
    pub account_id: String,
    pub region: String,
    state: Mutex<FakeState>,
}

impl FakeAccount {
    pub fn new(account_id: &str, region: &str) -> FakeAccount {
        FakeAccount {
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            state: Mutex::new(FakeState::default()),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().expect("fake state")
    }

    fn call(&self, name: &'static str) -> MutexGuard<'_, FakeState> {
        let mut state = self.state();
        state.calls.push(name);
        state
    }

    /// Runs `f` as someone else: what its calls make is not Watchpost's.
    pub async fn by_hand<T>(&self, f: impl AsyncFnOnce(&Self) -> T) -> T {
        self.state().actor = Actor::Someone;
        let out = f(self).await;
        self.state().actor = Actor::Watchpost;
        out
    }

    /// How many times `operation` was called.
    pub fn count(&self, operation: &str) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|c| **c == operation)
            .count()
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account_id
        )
    }
}

fn not_found(call: &'static str, what: &str) -> PortError {
    PortError::NotFound {
        call,
        code: "ResourceNotFoundException".into(),
        message: format!("{what} does not exist"),
    }
}

ports_are_self!(impl[] for FakeAccount);
