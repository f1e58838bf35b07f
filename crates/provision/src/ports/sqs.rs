//! Amazon SQS: the enricher's dead-letter queue, and reading its messages (redrive).

use super::common::{Found, PortResult};
use crate::spec::{QueueSpec, Tags};

/// A message received from a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub body: String,
    /// What deleting it takes.
    pub receipt: String,
}

pub trait SqsPort {
    /// GetQueueUrl; `None` when there is no queue.
    async fn queue_url(&self, name: &str) -> PortResult<Option<String>>;
    /// ReceiveMessage: at most `max` messages (SQS gives at most 10 per call), hidden from
    /// other readers for `visibility_timeout_s` (0: not hidden), waiting up to `wait_s` for one.
    async fn receive(
        &self,
        url: &str,
        max: usize,
        visibility_timeout_s: i32,
        wait_s: i32,
    ) -> PortResult<Vec<Message>>;
    async fn delete_message(&self, url: &str, receipt: &str) -> PortResult<()>;
    /// GetQueueUrl, GetQueueAttributes and ListQueueTags; `None` when there is no queue. Its
    /// id is its URL.
    async fn queue(&self, name: &str) -> PortResult<Option<Found<QueueSpec>>>;
    /// Returns the queue URL.
    async fn create_queue(&self, name: &str, spec: &QueueSpec) -> PortResult<String>;
    /// Sets the spec's attributes (not its tags).
    async fn set_queue_attributes(&self, url: &str, spec: &QueueSpec) -> PortResult<()>;
    async fn tag_queue(&self, url: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_queue(&self, url: &str) -> PortResult<()>;
}
