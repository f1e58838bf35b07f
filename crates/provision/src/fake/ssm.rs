//! Parameter Store: Watchpost's records and the stack's lock.

use std::collections::BTreeMap;

use super::{FakeAccount, Thing};
use crate::ports::*;

impl ParametersPort for FakeAccount {
    async fn parameters(&self, path: &str) -> PortResult<BTreeMap<String, String>> {
        let s = self.call("GetParametersByPath");
        let prefix = format!("{}/", path.trim_end_matches('/'));
        Ok(s.parameters
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect())
    }
    async fn parameter(&self, name: &str) -> PortResult<Option<String>> {
        Ok(self.call("GetParameter").parameters.get(name).cloned())
    }
    async fn create_parameter(&self, name: &str, value: &str) -> PortResult<bool> {
        let mut s = self.call("PutParameter");
        if s.parameters.contains_key(name) {
            return Ok(false);
        }
        s.parameters.insert(name.to_owned(), value.to_owned());
        s.made(Thing::Parameter(name.to_owned()));
        Ok(true)
    }
    async fn delete_parameter(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteParameter");
        if s.parameters.remove(name).is_some() {
            s.deleted(Thing::Parameter(name.to_owned()));
        }
        Ok(())
    }
}
