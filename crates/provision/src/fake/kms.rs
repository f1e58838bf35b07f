//! KMS: the topics' key, its alias, policy and tags.

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

/// KMS's answer to a key policy naming a role IAM has not propagated yet.
fn policy_principal_not_ready(call: &'static str) -> PortError {
    PortError::Invalid {
        call,
        code: "MalformedPolicyDocumentException".into(),
        message: "Policy contains a statement with one or more invalid principals.".into(),
    }
}

impl KmsPort for FakeAccount {
    async fn key_by_alias(&self, alias: &str) -> PortResult<Option<FoundKey>> {
        let s = self.call("ListAliases");
        let Some(key_id) = s.aliases.get(alias) else {
            return Ok(None);
        };
        Ok(s.keys.get(key_id).map(|(arn, spec, pending)| Found {
            id: arn.clone(),
            spec: KeySpec {
                aliased: true,
                ..spec.clone()
            },
            extra: KeyRef {
                key_id: key_id.clone(),
                pending_deletion: *pending,
            },
        }))
    }
    async fn keys_by_tag(&self, tag_key: &str, tag_value: &str) -> PortResult<Vec<FoundKey>> {
        let s = self.call("ListKeys");
        Ok(s.keys
            .iter()
            .filter(|(_, (_, spec, pending))| {
                !pending && spec.tags.get(tag_key).is_some_and(|v| v == tag_value)
            })
            .map(|(key_id, (arn, spec, _))| Found {
                id: arn.clone(),
                spec: KeySpec {
                    aliased: false,
                    ..spec.clone()
                },
                extra: KeyRef {
                    key_id: key_id.clone(),
                    pending_deletion: false,
                },
            })
            .collect())
    }
    async fn create_alias(&self, alias: &str, key_id: &str) -> PortResult<()> {
        let mut s = self.call("CreateAlias");
        if s.aliases.contains_key(alias) {
            return Err(PortError::AlreadyExists {
                call: "CreateAlias",
                code: "AlreadyExistsException".into(),
                message: format!("{alias} already exists"),
            });
        }
        s.aliases.insert(alias.to_owned(), key_id.to_owned());
        s.made(Thing::Alias(alias.to_owned()));
        Ok(())
    }
    async fn enable_key(&self, key_id: &str) -> PortResult<()> {
        let mut s = self.call("EnableKey");
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("EnableKey", key_id))?;
        key.1.enabled = true;
        s.changed(Thing::Key(key_id.to_owned()));
        Ok(())
    }
    async fn create_key(&self, alias: &str, spec: &KeySpec) -> PortResult<String> {
        let mut s = self.call("CreateKey");
        if s.key_policy_propagation_failures > 0 {
            s.key_policy_propagation_failures -= 1;
            return Err(policy_principal_not_ready("CreateKey"));
        }
        s.next_id += 1;
        let key_id = format!("00000000-0000-0000-0000-{:012}", s.next_id);
        let arn = self.arn("kms", &format!("key/{key_id}"));
        s.keys
            .insert(key_id.clone(), (arn.clone(), spec.clone(), false));
        s.made(Thing::Key(key_id.clone()));
        s.calls.push("CreateAlias");
        if s.aliases.contains_key(alias) {
            return Err(PortError::AlreadyExists {
                call: "CreateAlias",
                code: "AlreadyExistsException".into(),
                message: format!("{alias} already exists"),
            });
        }
        s.aliases.insert(alias.to_owned(), key_id);
        s.made(Thing::Alias(alias.to_owned()));
        Ok(arn)
    }
    async fn put_key_policy(&self, key_id: &str, policy: &PolicyDocument) -> PortResult<()> {
        let mut s = self.call("PutKeyPolicy");
        if s.key_policy_propagation_failures > 0 {
            s.key_policy_propagation_failures -= 1;
            return Err(policy_principal_not_ready("PutKeyPolicy"));
        }
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("PutKeyPolicy", key_id))?;
        key.1.policy = policy.clone();
        s.changed(Thing::Key(key_id.to_owned()));
        Ok(())
    }
    async fn tag_key(&self, key_id: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("TagResource", key_id))?;
        key.1.tags.extend(tags.clone());
        s.changed(Thing::Key(key_id.to_owned()));
        Ok(())
    }
    async fn delete_key(&self, alias: Option<&str>, key_id: &str) -> PortResult<()> {
        let mut s = self.call("ScheduleKeyDeletion");
        if let Some(alias) = alias
            && s.aliases.get(alias).is_some_and(|k| k == key_id)
        {
            s.aliases.remove(alias);
            s.deleted(Thing::Alias(alias.to_owned()));
        }
        let key = s
            .keys
            .get_mut(key_id)
            .ok_or_else(|| not_found("ScheduleKeyDeletion", key_id))?;
        key.2 = true;
        s.deleted(Thing::Key(key_id.to_owned()));
        Ok(())
    }
}
