//! Amazon SQS's kind: the enricher's dead-letter queue.

use serde::{Deserialize, Serialize};

use super::value::{PolicyDocument, Tags};

/// The enricher's dead-letter queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSpec {
    pub sqs_managed_sse: bool,
    pub message_retention_seconds: u32,
    /// The queue's access policy.
    pub policy: Option<PolicyDocument>,
    pub tags: Tags,
}
