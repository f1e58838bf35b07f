//! Amazon SQS: the enricher's dead-letter queue.

use super::common::{Found, PortResult};
use crate::spec::{QueueSpec, Tags};

pub trait SqsPort {
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
