//! AWS IAM: the enricher's execution role and its inline policy.

use super::common::{Found, PortResult};
use crate::spec::{PolicyDocument, RoleSpec, Tags};

pub trait IamPort {
    /// GetRole and ListRoleTags; `None` when there is no role. Its id is its ARN.
    async fn role(&self, name: &str) -> PortResult<Option<Found<RoleSpec>>>;
    /// Returns the role's ARN.
    async fn create_role(&self, name: &str, spec: &RoleSpec) -> PortResult<String>;
    async fn update_trust_policy(&self, name: &str, policy: &PolicyDocument) -> PortResult<()>;
    async fn update_description(&self, name: &str, description: &str) -> PortResult<()>;
    async fn tag_role(&self, name: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_role(&self, name: &str) -> PortResult<()>;
    /// DetachRolePolicy.
    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> PortResult<()>;
    /// The inline policy `policy_name` of `role`, if any.
    async fn role_policy(
        &self,
        role: &str,
        policy_name: &str,
    ) -> PortResult<Option<PolicyDocument>>;
    async fn put_role_policy(
        &self,
        role: &str,
        policy_name: &str,
        policy: &PolicyDocument,
    ) -> PortResult<()>;
    async fn delete_role_policy(&self, role: &str, policy_name: &str) -> PortResult<()>;
}
