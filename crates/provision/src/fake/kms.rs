//! KMS: the topics' key, its alias, policy and tags.

use serde_json::Value;

use super::{FakeAccount, not_found};
use crate::ports::*;

impl KmsPort for FakeAccount {
    async fn key_by_alias(&self, alias: &str) -> PortResult<Option<KeyState>> {
        let s = self.call("ListAliases");
        let Some(key_id) = s.aliases.get(alias) else {
            return Ok(None);
        };
        Ok(s.keys.get(key_id).map(|(arn, spec, pending)| KeyState {
            arn: arn.clone(),
            key_id: key_id.clone(),
            spec: spec.clone(),
            pending_deletion: *pending,
        }))
    }
    async fn create_key(&self, alias: &str, spec: &KeySpec) -> PortResult<String> {
        let mut s = self.call("CreateKey");
        s.next_id += 1;
        let key_id = format!("00000000-0000-0000-0000-{:012}", s.next_id);
        let arn = self.arn("kms", &format!("key/{key_id}"));
        s.keys
            .insert(key_id.clone(), (arn.clone(), spec.clone(), false));
        s.calls.push("CreateAlias");
        s.aliases.insert(alias.to_owned(), key_id);
        Ok(arn)
    }
    async fn put_key_policy(&self, key_id: &str, policy: &Value) -> PortResult<()> {
        let mut s = self.call("PutKeyPolicy");
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("PutKeyPolicy", key_id))?;
        key.1.policy = policy.clone();
        Ok(())
    }
    async fn tag_key(&self, key_id: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("TagResource", key_id))?;
        key.1.tags.extend(tags.clone());
        Ok(())
    }
    async fn delete_key(&self, alias: &str, key_id: &str) -> PortResult<()> {
        let mut s = self.call("ScheduleKeyDeletion");
        s.aliases.remove(alias);
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("ScheduleKeyDeletion", key_id))?;
        key.2 = true;
        Ok(())
    }
}
