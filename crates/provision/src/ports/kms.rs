//! AWS KMS: the key encrypting the stack's topics, by its alias or the stack's tag.

use super::common::{Found, PortResult};
use crate::spec::{KeySpec, PolicyDocument, Tags};

/// What a key needs beyond its ARN and spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// The id the key's calls take.
    pub key_id: String,
    /// Scheduled for deletion: treated as absent, its alias is reused.
    pub pending_deletion: bool,
}

/// A key (its ARN is the id).
pub type FoundKey = Found<KeySpec, KeyRef>;

pub trait KmsPort {
    async fn key_by_alias(&self, alias: &str) -> PortResult<Option<FoundKey>>;
    /// The keys (not scheduled for deletion) tagged `tag_key=tag_value`, whatever their alias.
    async fn keys_by_tag(&self, tag_key: &str, tag_value: &str) -> PortResult<Vec<FoundKey>>;
    /// Creates the key and points `alias` at it; returns the key ARN.
    async fn create_key(&self, alias: &str, spec: &KeySpec) -> PortResult<String>;
    /// Points `alias` (which does not exist) at the key.
    async fn create_alias(&self, alias: &str, key_id: &str) -> PortResult<()>;
    async fn enable_key(&self, key_id: &str) -> PortResult<()>;
    async fn put_key_policy(&self, key_id: &str, policy: &PolicyDocument) -> PortResult<()>;
    async fn tag_key(&self, key_id: &str, tags: &Tags) -> PortResult<()>;
    /// Removes the alias (when the key has it) and schedules the key's deletion (the shortest
    /// waiting period).
    async fn delete_key(&self, alias: Option<&str>, key_id: &str) -> PortResult<()>;
}
