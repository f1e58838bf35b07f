//! Amazon SNS: the routes' topics and their subscriptions.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::Tag;
use serde_json::Value;

use super::{build_err, sdk_err};
use crate::ports::*;
use crate::spec::*;

/// What SNS lists instead of an ARN while a subscription awaits confirmation.
const PENDING: &str = "PendingConfirmation";

#[derive(Debug, Clone)]
pub struct SnsAdapter {
    client: Client,
}

impl SnsAdapter {
    pub fn new(config: &SdkConfig) -> SnsAdapter {
        SnsAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> SnsAdapter {
        SnsAdapter { client }
    }
}

fn tags(tags: &Tags) -> PortResult<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_err("TagResource"))
        })
        .collect()
}

fn is_pending(arn: &str) -> bool {
    arn.is_empty()
        || arn.eq_ignore_ascii_case(PENDING)
        || arn.eq_ignore_ascii_case("pending confirmation")
}

/// The filter policy scope SNS applies when none is set.
const DEFAULT_FILTER_POLICY_SCOPE: &str = "MessageAttributes";

fn subscription_attributes(spec: &SubscriptionSpec) -> HashMap<String, String> {
    let mut attributes = HashMap::new();
    if let Some(filter) = &spec.filter_policy {
        attributes.insert("FilterPolicy".to_owned(), filter.to_string());
        if let Some(scope) = &spec.filter_policy_scope {
            attributes.insert("FilterPolicyScope".to_owned(), scope.clone());
        }
    }
    if let Some(redrive) = &spec.redrive_policy {
        attributes.insert("RedrivePolicy".to_owned(), redrive.to_string());
    }
    if spec.raw_message_delivery {
        attributes.insert("RawMessageDelivery".to_owned(), "true".to_owned());
    }
    attributes
}

impl SnsPort for SnsAdapter {
    async fn list_topics(&self) -> PortResult<Vec<String>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_topics()
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("ListTopics"))?;
            out.extend(
                page.topics()
                    .iter()
                    .filter_map(|t| t.topic_arn().map(str::to_owned)),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn topic(&self, arn: &str) -> PortResult<Option<TopicSpec>> {
        let attributes = match self
            .client
            .get_topic_attributes()
            .topic_arn(arn)
            .send()
            .await
        {
            Ok(out) => out.attributes().cloned().unwrap_or_default(),
            Err(err) => {
                let err = sdk_err!("GetTopicAttributes", err);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let listed = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(sdk_err!("ListTagsForResource"))?;
        Ok(Some(TopicSpec {
            kms_master_key_id: attributes
                .get("KmsMasterKeyId")
                .filter(|k| !k.is_empty())
                .cloned(),
            policy: attributes
                .get("Policy")
                .and_then(|p| serde_json::from_str::<Value>(p).ok())
                .map(PolicyDocument::new),
            tags: listed
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        }))
    }

    async fn create_topic(&self, name: &str, spec: &TopicSpec) -> PortResult<String> {
        let mut attributes = HashMap::new();
        if let Some(policy) = &spec.policy {
            attributes.insert("Policy".to_owned(), policy.to_string());
        }
        if let Some(key) = &spec.kms_master_key_id {
            attributes.insert("KmsMasterKeyId".to_owned(), key.clone());
        }
        let out = self
            .client
            .create_topic()
            .name(name)
            .set_attributes(Some(attributes))
            .set_tags(Some(tags(&spec.tags)?))
            .send()
            .await
            .map_err(sdk_err!("CreateTopic"))?;
        Ok(out.topic_arn().unwrap_or_default().to_owned())
    }

    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> PortResult<()> {
        self.client
            .set_topic_attributes()
            .topic_arn(arn)
            .attribute_name(name)
            .attribute_value(value)
            .send()
            .await
            .map_err(sdk_err!("SetTopicAttributes"))?;
        Ok(())
    }

    async fn tag_topic(&self, arn: &str, tags_: &Tags) -> PortResult<()> {
        self.client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags(tags_)?))
            .send()
            .await
            .map_err(sdk_err!("TagResource"))?;
        Ok(())
    }

    async fn delete_topic(&self, arn: &str) -> PortResult<()> {
        self.client
            .delete_topic()
            .topic_arn(arn)
            .send()
            .await
            .map_err(sdk_err!("DeleteTopic"))?;
        Ok(())
    }

    async fn subscriptions(&self, topic_arn: &str) -> PortResult<Vec<SubscriptionState>> {
        let mut listed = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_subscriptions_by_topic()
                .topic_arn(topic_arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("ListSubscriptionsByTopic"))?;
            listed.extend(page.subscriptions().iter().map(|s| {
                (
                    s.subscription_arn().unwrap_or_default().to_owned(),
                    Protocol::from(s.protocol().unwrap_or_default()),
                    s.endpoint().unwrap_or_default().to_owned(),
                )
            }));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let mut out = Vec::new();
        for (arn, protocol, endpoint) in listed {
            let mut spec = SubscriptionSpec {
                topic_arn: topic_arn.to_owned(),
                protocol,
                endpoint,
                filter_policy: None,
                raw_message_delivery: false,
                filter_policy_scope: None,
                redrive_policy: None,
            };
            if is_pending(&arn) {
                out.push(SubscriptionState { arn: None, spec });
                continue;
            }
            let attributes = self
                .client
                .get_subscription_attributes()
                .subscription_arn(&arn)
                .send()
                .await
                .map_err(sdk_err!("GetSubscriptionAttributes"))?;
            let attributes = attributes.attributes().cloned().unwrap_or_default();
            if attributes
                .get("PendingConfirmation")
                .is_some_and(|p| p == "true")
            {
                out.push(SubscriptionState { arn: None, spec });
                continue;
            }
            spec.filter_policy = attributes
                .get("FilterPolicy")
                .filter(|p| !p.is_empty())
                .and_then(|p| serde_json::from_str(p).ok());
            spec.raw_message_delivery = attributes
                .get("RawMessageDelivery")
                .is_some_and(|r| r == "true");
            // SNS reports its default scope whenever a filter policy is set: only another one
            // is a difference.
            spec.filter_policy_scope = attributes
                .get("FilterPolicyScope")
                .filter(|s| !s.is_empty() && *s != DEFAULT_FILTER_POLICY_SCOPE)
                .cloned();
            spec.redrive_policy = attributes
                .get("RedrivePolicy")
                .filter(|p| !p.is_empty())
                .map(|p| serde_json::from_str(p).unwrap_or(Value::String(p.clone())));
            out.push(SubscriptionState {
                arn: Some(arn),
                spec,
            });
        }
        Ok(out)
    }

    async fn subscribe(&self, spec: &SubscriptionSpec) -> PortResult<Option<String>> {
        let out = self
            .client
            .subscribe()
            .topic_arn(&spec.topic_arn)
            .protocol(spec.protocol.as_str())
            .endpoint(&spec.endpoint)
            .set_attributes(Some(subscription_attributes(spec)))
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(sdk_err!("Subscribe"))?;
        // With ReturnSubscriptionArn, SNS returns the real ARN even while the subscription
        // waits for confirmation: the one ListSubscriptionsByTopic shows once it is confirmed,
        // so it can be recorded as the stack's now.
        Ok(out
            .subscription_arn()
            .filter(|a| !is_pending(a) && a.starts_with("arn:"))
            .map(str::to_owned))
    }

    async fn set_subscription_attributes(
        &self,
        arn: &str,
        spec: &SubscriptionSpec,
    ) -> PortResult<()> {
        let filter = spec
            .filter_policy
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default();
        let raw = if spec.raw_message_delivery {
            "true"
        } else {
            "false"
        };
        // The scope only exists with a filter policy, and is set after it: a policy written
        // for the message body may not be valid for attributes until it is replaced.
        let scope = spec.filter_policy.as_ref().map(|_| {
            spec.filter_policy_scope
                .as_deref()
                .unwrap_or(DEFAULT_FILTER_POLICY_SCOPE)
        });
        // An empty RedrivePolicy removes it; sent only to change one that is there.
        let redrive = match &spec.redrive_policy {
            Some(policy) => Some(policy.to_string()),
            None => {
                let current = self
                    .client
                    .get_subscription_attributes()
                    .subscription_arn(arn)
                    .send()
                    .await
                    .map_err(sdk_err!("GetSubscriptionAttributes"))?;
                current
                    .attributes()
                    .and_then(|a| a.get("RedrivePolicy"))
                    .filter(|p| !p.is_empty())
                    .map(|_| String::new())
            }
        };
        let mut attributes = vec![
            ("FilterPolicy", filter.as_str()),
            ("RawMessageDelivery", raw),
        ];
        if let Some(scope) = scope {
            attributes.push(("FilterPolicyScope", scope));
        }
        if let Some(redrive) = &redrive {
            attributes.push(("RedrivePolicy", redrive.as_str()));
        }
        for (name, value) in attributes {
            self.client
                .set_subscription_attributes()
                .subscription_arn(arn)
                .attribute_name(name)
                .attribute_value(value)
                .send()
                .await
                .map_err(sdk_err!("SetSubscriptionAttributes"))?;
        }
        Ok(())
    }

    async fn unsubscribe(&self, arn: &str) -> PortResult<()> {
        self.client
            .unsubscribe()
            .subscription_arn(arn)
            .send()
            .await
            .map_err(sdk_err!("Unsubscribe"))?;
        Ok(())
    }
}
