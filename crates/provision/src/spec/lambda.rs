//! AWS Lambda's kinds: the enricher function, its asynchronous invocation config, and a
//! statement of its resource policy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use watchpost_core::config::Architecture;

use super::value::{Deferred, Tags, Unknown};

/// The enricher function's configuration. `code_sha256` is the package's (base64 SHA-256, as
/// Lambda reports it): a different package is a code update. Observed values are always
/// known; desired ones may wait for the graph (the environment) or a package (the code).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionSpec {
    pub role_arn: String,
    pub runtime: String,
    pub handler: String,
    pub architecture: Architecture,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub environment: BTreeMap<String, Deferred<String>>,
    pub code_sha256: Deferred<String>,
    pub tags: Tags,
}

impl FunctionSpec {
    /// The first value that is not known yet (the graph in the environment, the package's
    /// hash), if any.
    pub fn unknown(&self) -> Option<Unknown> {
        self.environment
            .values()
            .find_map(Deferred::unknown)
            .or(self.code_sha256.unknown())
    }

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
