//! Amazon EventBridge: rules on the default bus and their targets.

use super::common::{Found, PortResult};
use crate::spec::{RuleSpec, Tags, TargetSpec};

pub trait EventsPort {
    /// DescribeRule and its tags; `None` when there is no rule. Its id is its ARN.
    async fn rule(&self, name: &str) -> PortResult<Option<Found<RuleSpec>>>;
    /// PutRule (creates or updates); returns the ARN.
    async fn put_rule(&self, name: &str, spec: &RuleSpec) -> PortResult<String>;
    async fn tag_rule(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_rule(&self, name: &str) -> PortResult<()>;
    async fn targets(&self, rule: &str) -> PortResult<Vec<TargetSpec>>;
    async fn put_targets(&self, rule: &str, targets: &[TargetSpec]) -> PortResult<()>;
    async fn remove_targets(&self, rule: &str, ids: &[String]) -> PortResult<()>;
}
