//! The values specs are made of, beyond plain text and numbers: tags, policy documents, the
//! closed sets of values AWS documents for a setting ([`closed_set!`]), and a value that is
//! [`Deferred`] until apply has created what it comes from.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// Tags, sorted.
pub type Tags = BTreeMap<String, String>;

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

/// An IAM policy document (a key policy, a topic's or queue's access policy, a role's trust
/// or inline policy), as the JSON value it is: compared as values, so the order of its keys
/// and its whitespace do not matter. Shown and sent as compact JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PolicyDocument(Value);

impl PolicyDocument {
    pub fn new(document: Value) -> PolicyDocument {
        PolicyDocument(document)
    }

    pub fn as_value(&self) -> &Value {
        &self.0
    }
}

impl From<Value> for PolicyDocument {
    fn from(document: Value) -> PolicyDocument {
        PolicyDocument(document)
    }
}

/// Read access to the document's JSON (`policy["Statement"]`).
impl std::ops::Deref for PolicyDocument {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.0
    }
}

impl fmt::Display for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Declares an enum of the values AWS documents for a setting, each spelled as AWS spells it
/// (in plans too), and `Other` for a value AWS reports that the list does not name: it is
/// shown as it is and compares unequal to every value Watchpost sets.
macro_rules! closed_set {
    (
        $(#[$doc:meta])*
        $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value AWS reported that is none of the above.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> $name {
                match text {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok($name::from(text.as_str()))
            }
        }
    };
}
pub(crate) use closed_set;
