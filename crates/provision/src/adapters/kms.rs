//! AWS KMS: the key that encrypts Watchpost's topics, found by its alias.

use aws_config::SdkConfig;
use aws_sdk_kms::Client;
use aws_sdk_kms::types::{KeyState as SdkKeyState, Tag};
use serde_json::Value;

use super::{build_err, sdk_err};
use crate::limits;
use crate::ports::*;
use crate::spec::*;

/// The only key policy name KMS supports.
const POLICY_NAME: &str = "default";

#[derive(Debug, Clone)]
pub struct KmsAdapter {
    client: Client,
}

impl KmsAdapter {
    pub fn new(config: &SdkConfig) -> KmsAdapter {
        KmsAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> KmsAdapter {
        KmsAdapter { client }
    }
}

fn tags(tags: &Tags) -> PortResult<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(build_err("TagResource"))
        })
        .collect()
}

impl KmsPort for KmsAdapter {
    async fn key_by_alias(&self, alias: &str) -> PortResult<Option<FoundKey>> {
        self.describe(alias, true).await
    }

    async fn keys_by_tag(&self, tag_key: &str, tag_value: &str) -> PortResult<Vec<FoundKey>> {
        let mut found = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .client
                .list_keys()
                .set_marker(marker)
                .send()
                .await
                .map_err(sdk_err!("ListKeys"))?;
            for key in page.keys() {
                let Some(key_id) = key.key_id() else {
                    continue;
                };
                // AWS managed keys refuse ListResourceTags to some callers: not ours anyway.
                let tagged = match self.client.list_resource_tags().key_id(key_id).send().await {
                    Ok(out) => out
                        .tags()
                        .iter()
                        .any(|t| t.tag_key() == tag_key && t.tag_value() == tag_value),
                    Err(_) => false,
                };
                if tagged
                    && let Some(state) = self.describe(key_id, false).await?
                    && !state.extra.pending_deletion
                {
                    found.push(state);
                }
            }
            marker = page.next_marker().map(str::to_owned);
            if !page.truncated() || marker.is_none() {
                return Ok(found);
            }
        }
    }

    async fn create_alias(&self, alias: &str, key_id: &str) -> PortResult<()> {
        self.client
            .create_alias()
            .alias_name(alias)
            .target_key_id(key_id)
            .send()
            .await
            .map_err(sdk_err!("CreateAlias"))?;
        Ok(())
    }

    async fn enable_key(&self, key_id: &str) -> PortResult<()> {
        self.client
            .enable_key()
            .key_id(key_id)
            .send()
            .await
            .map_err(sdk_err!("EnableKey"))?;
        Ok(())
    }

    async fn create_key(&self, alias: &str, spec: &KeySpec) -> PortResult<String> {
        let out = self
            .client
            .create_key()
            .description(&spec.description)
            .policy(spec.policy.to_string())
            .set_tags(Some(tags(&spec.tags)?))
            .send()
            .await
            .map_err(sdk_err!("CreateKey"))?;
        let meta = out.key_metadata().ok_or_else(|| PortError::Other {
            call: "CreateKey",
            code: "NoMetadata".into(),
            message: "CreateKey answered without the key's metadata".into(),
        })?;
        self.client
            .create_alias()
            .alias_name(alias)
            .target_key_id(meta.key_id())
            .send()
            .await
            .map_err(sdk_err!("CreateAlias"))?;
        Ok(meta.arn().unwrap_or_default().to_owned())
    }

    async fn put_key_policy(&self, key_id: &str, policy: &PolicyDocument) -> PortResult<()> {
        self.client
            .put_key_policy()
            .key_id(key_id)
            .policy_name(POLICY_NAME)
            .policy(policy.to_string())
            .send()
            .await
            .map_err(sdk_err!("PutKeyPolicy"))?;
        Ok(())
    }

    async fn tag_key(&self, key_id: &str, tags_: &Tags) -> PortResult<()> {
        self.client
            .tag_resource()
            .key_id(key_id)
            .set_tags(Some(tags(tags_)?))
            .send()
            .await
            .map_err(sdk_err!("TagResource"))?;
        Ok(())
    }

    async fn delete_key(&self, alias: Option<&str>, key_id: &str) -> PortResult<()> {
        if let Some(alias) = alias {
            match self.client.delete_alias().alias_name(alias).send().await {
                Ok(_) => {}
                Err(err) => {
                    let err = sdk_err!("DeleteAlias", err);
                    if !err.is_not_found() {
                        return Err(err);
                    }
                }
            }
        }
        self.client
            .schedule_key_deletion()
            .key_id(key_id)
            .pending_window_in_days(limits::KEY_DELETION_WINDOW_DAYS)
            .send()
            .await
            .map_err(sdk_err!("ScheduleKeyDeletion"))?;
        Ok(())
    }
}

impl KmsAdapter {
    /// The key `key` (an alias, id or ARN) with its policy and tags; `aliased` says whether it
    /// was found through the stack's alias.
    async fn describe(&self, key: &str, aliased: bool) -> PortResult<Option<FoundKey>> {
        let described = match self.client.describe_key().key_id(key).send().await {
            Ok(out) => out,
            Err(err) => {
                let err = sdk_err!("DescribeKey", err);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let Some(meta) = described.key_metadata() else {
            return Ok(None);
        };
        let key_id = meta.key_id().to_owned();
        let pending_deletion = matches!(
            meta.key_state(),
            Some(SdkKeyState::PendingDeletion | SdkKeyState::PendingReplicaDeletion)
        );
        let policy = self
            .client
            .get_key_policy()
            .key_id(&key_id)
            .policy_name(POLICY_NAME)
            .send()
            .await
            .map_err(sdk_err!("GetKeyPolicy"))?;
        let policy = PolicyDocument::new(
            policy
                .policy()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(Value::Null),
        );
        let listed = self
            .client
            .list_resource_tags()
            .key_id(&key_id)
            .send()
            .await
            .map_err(sdk_err!("ListResourceTags"))?;
        let tags = listed
            .tags()
            .iter()
            .map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned()))
            .collect();
        Ok(Some(Found {
            id: meta.arn().unwrap_or_default().to_owned(),
            extra: KeyRef {
                key_id,
                pending_deletion,
            },
            spec: KeySpec {
                description: meta.description().unwrap_or_default().to_owned(),
                policy,
                tags,
                enabled: meta.enabled(),
                aliased,
            },
        }))
    }
}
