//! Typed properties: one [`Spec`] variant per kind of resource, a [`SpecChange`] that carries a
//! change in its action's shape ([`Diff`]), and [`Deferred`] for what is only known once apply has
//! created what it comes from. One table (`kinds!`, below) lists every kind with its name, its
//! spec type and how Watchpost knows one is the stack's ([`Ownership`]), and generates [`Kind`], [`Spec`] and [`SpecChange`]
//! from it. Diffing compares values of these types and apply matches on them exhaustively:
//! adding a kind is a row of the table and a spec type, and the compiler lists every place that
//! must handle it. The spec types are grouped by AWS service, one module each.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod cloudwatch;
pub mod detective;
pub mod dynamodb;
pub mod events;
pub mod guardduty;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod value;

mod change;

pub use change::{Action, Diff, Replacement};
pub use cloudwatch::{AlarmSpec, DashboardSpec};
pub use detective::{DatasourcesSpec, GraphSpec, MemberSpec, OrganizationSpec};
pub use dynamodb::{BillingMode, TableSpec};
pub use events::{RuleSpec, RuleState, TargetInput, TargetSpec, TargetsSpec};
pub use guardduty::DetectorSpec;
pub use iam::{RolePolicySpec, RoleSpec};
pub use kms::KeySpec;
pub use lambda::{FunctionSpec, InvokeConfigSpec, PermissionSpec};
pub use sns::{Protocol, SubscriptionSpec, TopicSpec};
pub use sqs::QueueSpec;
pub use ssm::RecordSpec;
pub use value::{Deferred, PolicyDocument, Tags, Unknown};

/// Declares [`Kind`], [`Spec`] and [`SpecChange`] from one table of `variant => name, spec
/// type, ownership`, so the three enums, the names and the conversions between them cannot
/// disagree.
macro_rules! kinds {
    ($($(#[$doc:meta])* $kind:ident => $name:literal, $ty:ty, $ownership:ident;)*) => {
        /// The kinds of resources Watchpost manages, in the order they are created. Deletion
        /// runs in the reverse order, so everything is removed before what it depends on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Kind {
            $($(#[$doc])* #[serde(rename = $name)] $kind,)*
        }

        impl Kind {
            /// Every kind, in creation order.
            pub const ALL: &[Kind] = &[$(Kind::$kind),*];

            /// The kind's name, as plans and `[watchpost] adopt` spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$kind => $name),*
                }
            }

            /// How Watchpost knows a resource of this kind is the stack's, and what it does to
            /// one that is not.
            pub fn ownership(self) -> Ownership {
                match self {
                    $(Kind::$kind => Ownership::$ownership),*
                }
            }

            /// Whether one of this kind that is not the stack's may be taken over by naming it
            /// in `[watchpost] adopt`: the kinds found by name and owned by tag.
            pub fn adoptable(self) -> bool {
                self.ownership() == Ownership::Tagged
            }
        }

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

        /// One change's properties, typed by kind, in its action's shape.
        #[derive(Debug, Clone, PartialEq)]
        pub enum SpecChange {
            $($kind(Diff<$ty>)),*
        }

        impl SpecChange {
            /// A create of `want`.
            pub fn create(want: Spec) -> SpecChange {
                match want {
                    $(Spec::$kind(want) => SpecChange::$kind(Diff::Create { want })),*
                }
            }

            /// A delete of `had`, which AWS knows as `id`.
            pub fn delete(had: Spec, id: String) -> SpecChange {
                match had {
                    $(Spec::$kind(had) => SpecChange::$kind(Diff::Delete { had, id })),*
                }
            }

            /// An update (or, with `replace`, a replacement) from `had` to `want`, which are
            /// specs of one kind: a resource's id names its kind, so the desired and the
            /// observed spec of one id always agree.
            pub fn update(had: Spec, want: Spec, id: String, replace: bool) -> SpecChange {
                match (had, want) {
                    $((Spec::$kind(had), Spec::$kind(want)) => SpecChange::$kind(if replace {
                        Diff::Replace { had, want, id }
                    } else {
                        Diff::Update { had, want, id }
                    }),)*
                    (had, want) => unreachable!("a {} spec changing into a {} spec", had.kind(), want.kind()),
                }
            }

            pub fn action(&self) -> Action {
                match self {
                    $(SpecChange::$kind(diff) => diff.action()),*
                }
            }

            /// The resource's id in AWS; none for a create.
            pub fn id(&self) -> Option<&str> {
                match self {
                    $(SpecChange::$kind(diff) => diff.id()),*
                }
            }

            /// What is there, as observed; none for a create.
            pub fn had(&self) -> Option<Spec> {
                match self {
                    $(SpecChange::$kind(diff) => diff.had().cloned().map(Spec::$kind)),*
                }
            }

            /// What is wanted, as desired; none for a delete.
            pub fn want(&self) -> Option<Spec> {
                match self {
                    $(SpecChange::$kind(diff) => diff.want().cloned().map(Spec::$kind)),*
                }
            }
        }
    };
}

/// How Watchpost knows a resource is the stack's, and what it does to one that is not: the
/// table docs/operating.md shows ("What the stack owns").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Found by its configured or derived name; the stack's by the stack's tag (a dashboard,
    /// which takes no tags, by its title). One that is not stops the plan until `[watchpost]
    /// adopt` names it.
    Tagged,
    /// The stack's when Watchpost recorded creating it in Parameter Store. One that is not is
    /// left alone: it counts as what the config asks for and is never changed or deleted.
    Recorded,
    /// The stack's by the stack's tag (a graph, a detector) or a record (the organization
    /// administrator). One that is not is used: Watchpost sets only what the config names in it
    /// (tags, features, auto-enable, data sources) and never deletes it.
    Used,
    /// Part of another resource (a role's policy, a rule's targets, a function's invoke config
    /// and permissions): the stack's when that resource is.
    Part,
}

kinds! {
    // kind                  name                        spec type                      owner
    /// The enricher's execution role (trust policy and tags; its policies come later, once
    /// what they name exists).
    IamRole               => "iam-role",               iam::RoleSpec,                 Tagged;
    KmsKey                => "kms-key",                kms::KeySpec,                  Tagged;
    SnsTopic              => "sns-topic",              sns::TopicSpec,                Tagged;
    SnsSubscription       => "sns-subscription",       sns::SubscriptionSpec,         Recorded;
    DetectiveGraph        => "detective-graph",        detective::GraphSpec,          Used;
    DetectiveMember       => "detective-member",       detective::MemberSpec,         Recorded;
    DetectiveDatasources  => "detective-datasources",  detective::DatasourcesSpec,    Used;
    DetectiveOrganization => "detective-organization", detective::OrganizationSpec,   Used;
    SqsQueue              => "sqs-queue",              sqs::QueueSpec,                Tagged;
    DynamodbTable         => "dynamodb-table",         dynamodb::TableSpec,           Tagged;
    IamRolePolicy         => "iam-role-policy",        iam::RolePolicySpec,           Part;
    LambdaFunction        => "lambda-function",        lambda::FunctionSpec,          Tagged;
    LambdaInvokeConfig    => "lambda-invoke-config",   lambda::InvokeConfigSpec,      Part;
    EventsRule            => "events-rule",            events::RuleSpec,              Tagged;
    EventsTargets         => "events-targets",         events::TargetsSpec,           Part;
    LambdaPermission      => "lambda-permission",      lambda::PermissionSpec,        Part;
    CloudwatchAlarm       => "cloudwatch-alarm",       cloudwatch::AlarmSpec,         Tagged;
    CloudwatchDashboard   => "cloudwatch-dashboard",   cloudwatch::DashboardSpec,     Tagged;
    GuarddutyDetector     => "guardduty-detector",     guardduty::DetectorSpec,       Used;
    /// A record of the stack's whose subject is gone: only ever removed.
    StackRecord           => "stack-record",           ssm::RecordSpec,               Recorded;
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Spec {
    /// The properties as JSON, for showing them (plans, reasons); never read back.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("specs serialize")
    }

    /// The tags, for the kinds that take them.
    pub fn tags(&self) -> Option<&Tags> {
        match self {
            Spec::IamRole(s) => Some(&s.tags),
            Spec::KmsKey(s) => Some(&s.tags),
            Spec::SnsTopic(s) => Some(&s.tags),
            Spec::DetectiveGraph(s) => Some(&s.tags),
            Spec::SqsQueue(s) => Some(&s.tags),
            Spec::DynamodbTable(s) => Some(&s.tags),
            Spec::LambdaFunction(s) => Some(&s.tags),
            Spec::EventsRule(s) => Some(&s.tags),
            Spec::CloudwatchAlarm(s) => Some(&s.tags),
            _ => None,
        }
    }

    fn tags_mut(&mut self) -> Option<&mut Tags> {
        match self {
            Spec::IamRole(s) => Some(&mut s.tags),
            Spec::KmsKey(s) => Some(&mut s.tags),
            Spec::SnsTopic(s) => Some(&mut s.tags),
            Spec::DetectiveGraph(s) => Some(&mut s.tags),
            Spec::SqsQueue(s) => Some(&mut s.tags),
            Spec::DynamodbTable(s) => Some(&mut s.tags),
            Spec::LambdaFunction(s) => Some(&mut s.tags),
            Spec::EventsRule(s) => Some(&mut s.tags),
            Spec::CloudwatchAlarm(s) => Some(&mut s.tags),
            _ => None,
        }
    }

    /// `self` with only the tags `want` sets: Watchpost adds and updates its keys, and never
    /// removes a tag someone else set (on an adopted resource, or one added by hand).
    pub fn tags_as_in(&self, want: &Spec) -> Cow<'_, Spec> {
        let (Some(tags), Some(wanted)) = (self.tags(), want.tags()) else {
            return Cow::Borrowed(self);
        };
        if tags.keys().all(|key| wanted.contains_key(key)) {
            return Cow::Borrowed(self);
        }
        let mut had = self.clone();
        if let Some(tags) = had.tags_mut() {
            tags.retain(|key, _| wanted.contains_key(key));
        }
        Cow::Owned(had)
    }

    /// The first value that is not known yet, if any.
    pub fn unknown(&self) -> Option<Unknown> {
        match self {
            Spec::IamRolePolicy(spec) => spec.policy.unknown(),
            Spec::LambdaFunction(spec) => spec.unknown(),
            _ => None,
        }
    }

    /// Why going from `self` to `want` needs a new resource, when AWS cannot make the change
    /// in place: a DynamoDB table's key schema is fixed at creation.
    pub fn replacement(&self, want: &Spec) -> Option<Replacement> {
        match (self, want) {
            (Spec::DynamodbTable(had), Spec::DynamodbTable(want))
                if had.partition_key != want.partition_key =>
            {
                Some(Replacement {
                    field: "partition_key",
                    had: had.partition_key.clone(),
                    want: want.partition_key.clone(),
                    consequence: "DynamoDB cannot change a table's key, so the table is replaced and its items are lost",
                })
            }
            _ => None,
        }
    }
}

impl SpecChange {
    /// What is there, as JSON for showing.
    pub fn had_json(&self) -> Option<Value> {
        self.had().map(|s| s.to_json())
    }

    /// What is wanted, as JSON for showing.
    pub fn want_json(&self) -> Option<Value> {
        self.want().map(|s| s.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    /// The contract's list of adoptable kinds (what the config accepts in `[watchpost] adopt`)
    /// is exactly the kinds this table marks adoptable, by the names plans show, in its order.
    #[test]
    fn the_contracts_adoptable_kinds_are_the_tables() {
        let table: Vec<&str> = Kind::ALL
            .iter()
            .filter(|kind| kind.adoptable())
            .map(|kind| kind.as_str())
            .collect();
        assert_eq!(table, watchpost_contract::stack::ADOPTABLE_KINDS);
    }

    /// And the config accepts exactly those.
    #[test]
    fn the_config_adopts_exactly_the_kinds_the_table_marks_adoptable() {
        for kind in Kind::ALL {
            let text = format!(
                "[watchpost]\nstack = \"wp\"\nadopt = [\"{kind}:wp-x\"]\n[alarms]\nenabled = false\n"
            );
            let accepted = watchpost_core::Config::from_toml(&text, "adopt.toml");
            assert_eq!(
                accepted.is_ok(),
                kind.adoptable(),
                "{kind}: {:?}",
                accepted.err().map(|e| e.to_string())
            );
        }
    }

    /// docs/operating.md says, kind by kind, how Watchpost knows one is the stack's and what it
    /// does to one that is not: every kind is in that table, in a row that says what this one
    /// does.
    #[test]
    fn the_docs_ownership_table_covers_every_kind_as_the_table_owns_it() {
        let docs = include_str!("../../../../docs/operating.md");
        let start = docs
            .find("| kind | the stack's when |")
            .expect("the ownership table");
        let table = &docs[start..];
        let table = &table[..table.find("\n\n").unwrap_or(table.len())];
        for kind in Kind::ALL {
            let row = table
                .lines()
                .find(|row| row.contains(&format!("`{kind}`")))
                .unwrap_or_else(|| panic!("{kind} is not in the docs' ownership table"));
            let says = match kind.ownership() {
                super::Ownership::Tagged => "tag",
                super::Ownership::Recorded => "record:",
                super::Ownership::Used => "used",
                super::Ownership::Part => "part:",
            };
            assert!(row.contains(says), "{kind}: {row}");
        }
    }

    #[test]
    fn every_kind_has_its_own_name_and_serializes_as_it() {
        let mut names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        for kind in Kind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }
}
