//! The plan's vocabulary: resources desired and observed, the changes between them with why,
//! and the plan. Properties are typed: a resource carries its kind's [`Spec`], a change a
//! [`SpecChange`] in its action's shape (see [`crate::spec`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::spec::Action;
use crate::spec::{Kind, Replacement, Spec, SpecChange};

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

/// A resource as the config wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Its region, kind (always its spec's) and name.
    pub id: ResourceId,
    pub spec: Spec,
}

impl Resource {
    /// A resource named `name` in `region`, of its spec's kind.
    pub fn new(region: &str, name: &str, spec: impl Into<Spec>) -> Resource {
        let spec = spec.into();
        Resource {
            id: ResourceId {
                region: region.to_owned(),
                kind: spec.kind(),
                name: name.to_owned(),
            },
            spec,
        }
    }
}

/// A resource as found in the account.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Its region, kind (always its spec's) and name.
    pub id: ResourceId,
    /// What the resource is identified by in AWS (ARN, URL, key id, …).
    pub physical_id: String,
    pub spec: Spec,
    /// Whether Watchpost owns it (tagged `watchpost:stack=<stack>`, named by the stack, or
    /// recorded as created by it). Only owned resources are ever deleted.
    pub owned: bool,
}

impl Observed {
    /// A resource named `name` in `region`, of its spec's kind, that AWS knows as `physical_id`.
    pub fn new(
        region: &str,
        name: &str,
        physical_id: impl Into<String>,
        spec: impl Into<Spec>,
        owned: bool,
    ) -> Observed {
        let Resource { id, spec } = Resource::new(region, name, spec);
        Observed {
            id,
            physical_id: physical_id.into(),
            spec,
            owned,
        }
    }
}

/// Why a change is in the plan. Shown to people; never read by apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The config asks for it and nothing exists under its name.
    Missing,
    /// It exists and differs from the config in these properties (its spec's fields).
    Drift { fields: Vec<String> },
    /// It exists, and AWS cannot make the change in place.
    CannotUpdateInPlace(Replacement),
    /// The stack's, and the config no longer asks for it.
    NotInConfig,
    /// Destroy removes everything the stack owns.
    Destroy,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Missing => f.write_str("not found"),
            Reason::Drift { fields } if fields.is_empty() => f.write_str("changed"),
            Reason::Drift { fields } => write!(f, "{} changed", fields.join(", ")),
            Reason::CannotUpdateInPlace(replacement) => replacement.fmt(f),
            Reason::NotInConfig => f.write_str("no longer in the config"),
            Reason::Destroy => f.write_str("destroy"),
        }
    }
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub id: ResourceId,
    /// What it does, with the properties its action needs, typed by kind.
    pub spec: SpecChange,
    pub reason: Reason,
}

impl Change {
    pub fn action(&self) -> Action {
        self.spec.action()
    }

    /// The resource AWS knows, for updates, replacements and deletes.
    pub fn physical_id(&self) -> Option<&str> {
        self.spec.id()
    }
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
        let n = |a| self.changes.iter().filter(|c| c.action() == a).count();
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
