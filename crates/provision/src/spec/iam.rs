//! AWS IAM's kinds: the enricher's execution role and its inline policy.

use serde::{Deserialize, Serialize};

use super::value::{Deferred, PolicyDocument, Tags};

/// The enricher's execution role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSpec {
    pub description: String,
    pub trust_policy: PolicyDocument,
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
    /// Unknown until what it names exists (see `desired::role_policy`).
    pub policy: Deferred<PolicyDocument>,
}
