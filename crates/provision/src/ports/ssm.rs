//! SSM Parameter Store: Watchpost's own records in the account and the stack's lock.

use std::collections::BTreeMap;

use super::common::PortResult;

/// Watchpost's own records in the account, as Parameter Store standard parameters under
/// `/watchpost/<stack>/`: the subscriptions it created (SNS cannot tag a subscription), the
/// organization administrator it enabled, and the stack's lock (see [`crate::records`] and
/// [`crate::lock`] for why Parameter Store).
pub trait ParametersPort {
    /// Every parameter under `path`, recursively: name → value.
    async fn parameters(&self, path: &str) -> PortResult<BTreeMap<String, String>>;
    async fn parameter(&self, name: &str) -> PortResult<Option<String>>;
    /// Writes `name` only when it does not exist yet (PutParameter without overwrite, a
    /// conditional write); `false` when it already does.
    async fn create_parameter(&self, name: &str, value: &str) -> PortResult<bool>;
    /// Removes `name`; one already gone is not an error.
    async fn delete_parameter(&self, name: &str) -> PortResult<()>;
}
