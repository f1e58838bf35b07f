//! Typed properties: one [`Spec`] variant per kind of resource (the spec types themselves are
//! the ports' vocabulary, in [`crate::ports`]), a [`SpecChange`] that carries a change's typed
//! before and after, and [`Deferred`] for what is only known once apply has created what it
//! comes from. Diffing compares values of these types and apply matches on them exhaustively:
//! adding a kind is a new variant, and the compiler lists every place that must handle it.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::model::Kind;
use crate::ports::*;

/// What a value stands for until apply knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unknown {
    /// A Detective graph the same apply creates.
    GraphArn,
    /// The topics' KMS key, which the same apply creates.
    KeyArn,
    /// The enricher's package, which is missing (apply then says what to build).
    Package,
}

impl Unknown {
    /// Whether apply can learn it from a resource it creates earlier in the same run.
    pub fn known_after_apply(self) -> bool {
        matches!(self, Unknown::GraphArn | Unknown::KeyArn)
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unknown::GraphArn => "(known after apply: detective graph ARN)",
            Unknown::KeyArn => "(known after apply: KMS key ARN)",
            Unknown::Package => "(unknown: the enricher's zip is missing)",
        })
    }
}

/// A value known when planning, or [`Unknown`] until apply. Shown in plans as the value or the
/// placeholder's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deferred<T> {
    Known(T),
    Unknown(Unknown),
}

impl<T> Deferred<T> {
    /// `Known(value)` when there is one, else `Unknown(unknown)`.
    pub fn from_option(value: Option<T>, unknown: Unknown) -> Deferred<T> {
        value.map_or(Deferred::Unknown(unknown), Deferred::Known)
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Deferred::Known(value) => Some(value),
            Deferred::Unknown(_) => None,
        }
    }

    pub fn unknown(&self) -> Option<Unknown> {
        match self {
            Deferred::Known(_) => None,
            Deferred::Unknown(unknown) => Some(*unknown),
        }
    }
}

/// A known string equals the same text; an unknown one equals nothing.
impl PartialEq<&str> for Deferred<String> {
    fn eq(&self, other: &&str) -> bool {
        self.known().is_some_and(|value| value == other)
    }
}

impl PartialEq<String> for Deferred<String> {
    fn eq(&self, other: &String) -> bool {
        self.known() == Some(other)
    }
}

impl<T: fmt::Display> fmt::Display for Deferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deferred::Known(value) => value.fmt(f),
            Deferred::Unknown(unknown) => unknown.fmt(f),
        }
    }
}

impl<T: Serialize> Serialize for Deferred<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Deferred::Known(value) => value.serialize(serializer),
            Deferred::Unknown(unknown) => serializer.collect_str(unknown),
        }
    }
}

/// Declares [`Spec`] and [`SpecChange`] from one list of `Kind variant => spec type`, so the
/// two enums, [`Spec::kind`] and [`SpecChange::new`] cannot disagree.
macro_rules! specs {
    ($($kind:ident => $ty:ty),* $(,)?) => {
        /// A resource's properties, desired or observed: one variant per [`Kind`].
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Spec {
            $($kind($ty)),*
        }

        $(impl From<$ty> for Spec {
            fn from(spec: $ty) -> Spec {
                Spec::$kind(spec)
            }
        })*

        impl Spec {
            pub fn kind(&self) -> Kind {
                match self {
                    $(Spec::$kind(_) => Kind::$kind),*
                }
            }
        }

        /// One change's properties, typed by kind.
        #[derive(Debug, Clone, PartialEq)]
        pub enum SpecChange {
            $($kind(Diff<$ty>)),*
        }

        impl SpecChange {
            /// The change from `before` to `after`, which are specs of one kind (a resource's
            /// id names its kind, so a desired and an observed spec of one id always agree).
            pub fn new(before: Option<Spec>, after: Option<Spec>) -> SpecChange {
                let kind = before
                    .as_ref()
                    .or(after.as_ref())
                    .map(Spec::kind)
                    .expect("a change has a before or an after");
                match kind {
                    $(Kind::$kind => SpecChange::$kind(Diff {
                        before: before.map(|s| match s {
                            Spec::$kind(spec) => spec,
                            other => unreachable!("a {} spec in a {} change", other.kind(), kind),
                        }),
                        after: after.map(|s| match s {
                            Spec::$kind(spec) => spec,
                            other => unreachable!("a {} spec in a {} change", other.kind(), kind),
                        }),
                    })),*
                }
            }

            fn sides(&self) -> (Option<Spec>, Option<Spec>) {
                match self {
                    $(SpecChange::$kind(diff) => (
                        diff.before.clone().map(Spec::$kind),
                        diff.after.clone().map(Spec::$kind),
                    )),*
                }
            }
        }
    };
}

specs! {
    IamRole => RoleSpec,
    KmsKey => KeySpec,
    SnsTopic => TopicSpec,
    SnsSubscription => SubscriptionSpec,
    DetectiveGraph => GraphSpec,
    DetectiveMember => MemberSpec,
    DetectiveDatasources => DatasourcesSpec,
    DetectiveOrganization => OrganizationSpec,
    SqsQueue => QueueSpec,
    DynamodbTable => TableSpec,
    IamRolePolicy => RolePolicySpec,
    LambdaFunction => FunctionSpec,
    LambdaInvokeConfig => InvokeConfigSpec,
    EventsRule => RuleSpec,
    EventsTargets => TargetsSpec,
    LambdaPermission => PermissionSpec,
    CloudwatchAlarm => AlarmSpec,
    CloudwatchDashboard => DashboardSpec,
    GuarddutyDetector => DetectorSpec,
}

impl Spec {
    /// The properties as JSON, for showing them (plans, reasons); never read back.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("specs serialize")
    }

    /// The first value that is not known yet, if any.
    pub fn unknown(&self) -> Option<Unknown> {
        match self {
            Spec::IamRolePolicy(spec) => spec.policy.unknown(),
            Spec::LambdaFunction(spec) => spec
                .environment
                .values()
                .find_map(Deferred::unknown)
                .or(spec.code_sha256.unknown()),
            _ => None,
        }
    }

    /// Why going from `self` to `want` needs a new resource, when AWS cannot make the change
    /// in place: a DynamoDB table's key schema is fixed at creation.
    pub fn replacement_reason(&self, want: &Spec) -> Option<String> {
        match (self, want) {
            (Spec::DynamodbTable(had), Spec::DynamodbTable(want))
                if had.partition_key != want.partition_key =>
            {
                Some(format!(
                    "partition_key changed ({} -> {}): DynamoDB cannot change a table's key, so the table is replaced and its items are lost",
                    had.partition_key, want.partition_key
                ))
            }
            _ => None,
        }
    }
}

/// A change's typed properties: `before` as observed (absent for a create), `after` as desired
/// (absent for a delete).
#[derive(Debug, Clone, PartialEq)]
pub struct Diff<T> {
    pub before: Option<T>,
    pub after: Option<T>,
}

impl<T> Diff<T> {
    /// The desired properties; a plan always has them for creates, updates and replacements.
    pub fn want(&self) -> Result<&T, String> {
        self.after
            .as_ref()
            .ok_or_else(|| "the plan has no properties for it".to_owned())
    }

    /// The observed properties; a plan always has them for updates, replacements and deletes.
    pub fn had(&self) -> Result<&T, String> {
        self.before
            .as_ref()
            .ok_or_else(|| "the plan has no observed properties for it".to_owned())
    }
}

impl SpecChange {
    pub fn before(&self) -> Option<Spec> {
        self.sides().0
    }

    pub fn after(&self) -> Option<Spec> {
        self.sides().1
    }

    pub fn before_json(&self) -> Option<Value> {
        self.before().map(|s| s.to_json())
    }

    pub fn after_json(&self) -> Option<Value> {
        self.after().map(|s| s.to_json())
    }
}
