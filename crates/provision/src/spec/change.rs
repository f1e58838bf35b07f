//! What a change does to one resource, typed: [`Action`], and the per-action shape [`Diff`]
//! that carries exactly what applying it needs (a create has only what is wanted; an update
//! what was there, what is wanted and the resource's id; a delete what was there and its id).
//! A change whose spec is wrong for its action cannot be written down.

use serde::{Deserialize, Serialize};

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

/// One resource's change, typed by its kind: `had` as observed, `want` as desired, `id` what
/// AWS knows the resource by (an ARN, a URL, a key id).
#[derive(Debug, Clone, PartialEq)]
pub enum Diff<T> {
    Create {
        want: T,
    },
    Update {
        had: T,
        want: T,
        id: String,
    },
    /// AWS cannot make the change in place: delete what is there, then create it anew.
    Replace {
        had: T,
        want: T,
        id: String,
    },
    Delete {
        had: T,
        id: String,
    },
}

impl<T> Diff<T> {
    pub fn action(&self) -> Action {
        match self {
            Diff::Create { .. } => Action::Create,
            Diff::Update { .. } => Action::Update,
            Diff::Replace { .. } => Action::Replace,
            Diff::Delete { .. } => Action::Delete,
        }
    }

    /// The resource's id in AWS; none before it is created.
    pub fn id(&self) -> Option<&str> {
        match self {
            Diff::Create { .. } => None,
            Diff::Update { id, .. } | Diff::Replace { id, .. } | Diff::Delete { id, .. } => {
                Some(id)
            }
        }
    }

    /// What is there now, as observed; nothing for a create.
    pub fn had(&self) -> Option<&T> {
        match self {
            Diff::Create { .. } => None,
            Diff::Update { had, .. } | Diff::Replace { had, .. } | Diff::Delete { had, .. } => {
                Some(had)
            }
        }
    }

    /// What is wanted, as desired; nothing for a delete.
    pub fn want(&self) -> Option<&T> {
        match self {
            Diff::Create { want } | Diff::Update { want, .. } | Diff::Replace { want, .. } => {
                Some(want)
            }
            Diff::Delete { .. } => None,
        }
    }

    /// The same change with what is wanted replaced by `f`'s result (apply derives values
    /// that were unknown when planning); a delete is returned as it is.
    pub fn try_map_want<E>(&self, f: impl FnOnce(&T) -> Result<T, E>) -> Result<Diff<T>, E>
    where
        T: Clone,
    {
        Ok(match self {
            Diff::Create { want } => Diff::Create { want: f(want)? },
            Diff::Update { had, want, id } => Diff::Update {
                had: had.clone(),
                want: f(want)?,
                id: id.clone(),
            },
            Diff::Replace { had, want, id } => Diff::Replace {
                had: had.clone(),
                want: f(want)?,
                id: id.clone(),
            },
            Diff::Delete { had, id } => Diff::Delete {
                had: had.clone(),
                id: id.clone(),
            },
        })
    }
}

/// Why a resource must be replaced: a property AWS cannot change in place, its old and new
/// values, and what replacing it costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub field: &'static str,
    pub had: String,
    pub want: String,
    pub consequence: &'static str,
}

impl std::fmt::Display for Replacement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} changed ({} -> {}): {}",
            self.field, self.had, self.want, self.consequence
        )
    }
}
