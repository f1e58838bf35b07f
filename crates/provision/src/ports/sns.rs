//! Amazon SNS: topics and their subscriptions.

use super::common::PortResult;
use crate::spec::{SubscriptionSpec, Tags, TopicSpec};

/// A subscription as SNS lists it; `arn` is `None` while it waits for confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionState {
    pub arn: Option<String>,
    pub spec: SubscriptionSpec,
}

pub trait SnsPort {
    async fn list_topics(&self) -> PortResult<Vec<String>>;
    async fn topic(&self, arn: &str) -> PortResult<Option<TopicSpec>>;
    async fn create_topic(&self, name: &str, spec: &TopicSpec) -> PortResult<String>;
    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> PortResult<()>;
    async fn tag_topic(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_topic(&self, arn: &str) -> PortResult<()>;
    async fn subscriptions(&self, topic_arn: &str) -> PortResult<Vec<SubscriptionState>>;
    /// Returns the subscription ARN (which SNS gives even while it awaits confirmation, when
    /// asked to), or `None` when SNS did not say.
    async fn subscribe(&self, spec: &SubscriptionSpec) -> PortResult<Option<String>>;
    async fn set_subscription_attributes(
        &self,
        arn: &str,
        spec: &SubscriptionSpec,
    ) -> PortResult<()>;
    async fn unsubscribe(&self, arn: &str) -> PortResult<()>;
}
