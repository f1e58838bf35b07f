//! AWS Lambda: the enricher function, its asynchronous invocation config and its resource
//! policy's statements.

use std::collections::BTreeMap;

use super::common::{Found, PortResult};
use crate::spec::{FunctionSpec, InvokeConfigSpec, PermissionSpec, Tags};

pub trait LambdaPort {
    /// Invoke with InvocationType `Event`: Lambda queues `payload` for the function; `Ok` once
    /// it accepted it (202).
    async fn invoke_async(&self, name: &str, payload: &str) -> PortResult<()>;
    /// GetFunction (configuration, code hash, tags); `None` when there is no function. Its id
    /// is its ARN.
    async fn function(&self, name: &str) -> PortResult<Option<Found<FunctionSpec>>>;
    /// Returns the function's ARN.
    async fn create_function(
        &self,
        name: &str,
        spec: &FunctionSpec,
        zip: &[u8],
    ) -> PortResult<String>;
    async fn update_code(&self, name: &str, zip: &[u8]) -> PortResult<()>;
    /// Everything of the spec but code and tags.
    async fn update_configuration(&self, name: &str, spec: &FunctionSpec) -> PortResult<()>;
    async fn tag_function(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_function(&self, name: &str) -> PortResult<()>;
    async fn invoke_config(&self, name: &str) -> PortResult<Option<InvokeConfigSpec>>;
    async fn put_invoke_config(&self, name: &str, spec: &InvokeConfigSpec) -> PortResult<()>;
    async fn delete_invoke_config(&self, name: &str) -> PortResult<()>;
    /// The resource policy's statements by id (GetPolicy); empty when there is none.
    async fn permissions(&self, name: &str) -> PortResult<BTreeMap<String, PermissionSpec>>;
    async fn add_permission(&self, name: &str, sid: &str, spec: &PermissionSpec) -> PortResult<()>;
    async fn remove_permission(&self, name: &str, sid: &str) -> PortResult<()>;
}
