//! AWS KMS's kind: the key encrypting Watchpost's topics.

use serde::{Deserialize, Serialize};

use super::value::{PolicyDocument, Tags};

/// The key encrypting Watchpost's topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeySpec {
    pub description: String,
    pub policy: PolicyDocument,
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
