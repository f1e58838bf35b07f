//! SNS: topics, their attributes and tags, subscriptions (email ones stay pending, as they do
//! until someone confirms).

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl SnsPort for FakeAccount {
    async fn list_topics(&self) -> PortResult<Vec<String>> {
        Ok(self.call("ListTopics").topics.keys().cloned().collect())
    }
    async fn topic(&self, arn: &str) -> PortResult<Option<TopicSpec>> {
        Ok(self.call("GetTopicAttributes").topics.get(arn).cloned())
    }
    async fn create_topic(&self, name: &str, spec: &TopicSpec) -> PortResult<String> {
        let mut s = self.call("CreateTopic");
        let arn = self.arn("sns", name);
        // As SNS does: creating a topic that exists returns it (its attributes and tags as
        // they were).
        if !s.topics.contains_key(&arn) {
            s.topics.insert(arn.clone(), spec.clone());
            s.made(Thing::Topic(arn.clone()));
        }
        Ok(arn)
    }
    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> PortResult<()> {
        let mut s = self.call("SetTopicAttributes");
        let topic = s
            .topics
            .get_mut(arn)
            .ok_or_else(|| not_found("SetTopicAttributes", arn))?;
        match name {
            "Policy" => topic.policy = serde_json::from_str(value).ok().map(PolicyDocument::new),
            "KmsMasterKeyId" => topic.kms_master_key_id = Some(value.to_owned()),
            _ => {}
        }
        s.changed(Thing::Topic(arn.to_owned()));
        Ok(())
    }
    async fn tag_topic(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let topic = s
            .topics
            .get_mut(arn)
            .ok_or_else(|| not_found("TagResource", arn))?;
        topic.tags.extend(tags.clone());
        s.changed(Thing::Topic(arn.to_owned()));
        Ok(())
    }
    async fn delete_topic(&self, arn: &str) -> PortResult<()> {
        let mut s = self.call("DeleteTopic");
        if s.topics.remove(arn).is_some() {
            // With the topic go its subscriptions.
            s.subscriptions.retain(|_, sub| sub.topic_arn != arn);
            s.deleted(Thing::Topic(arn.to_owned()));
        }
        Ok(())
    }
    async fn subscriptions(&self, topic_arn: &str) -> PortResult<Vec<SubscriptionState>> {
        let s = self.call("ListSubscriptionsByTopic");
        if !s.topics.contains_key(topic_arn) {
            return Err(not_found("ListSubscriptionsByTopic", topic_arn));
        }
        Ok(s.subscriptions
            .iter()
            .filter(|(_, sub)| sub.topic_arn == topic_arn)
            .map(|(arn, sub)| {
                let pending = arn.starts_with("pending:");
                SubscriptionState {
                    arn: (!pending).then(|| arn.clone()),
                    spec: if pending {
                        SubscriptionSpec {
                            filter_policy: None,
                            raw_message_delivery: false,
                            ..sub.clone()
                        }
                    } else {
                        sub.clone()
                    },
                }
            })
            .collect())
    }
    async fn subscribe(&self, spec: &SubscriptionSpec) -> PortResult<Option<String>> {
        let mut s = self.call("Subscribe");
        if !s.topics.contains_key(&spec.topic_arn) {
            return Err(not_found("Subscribe", &spec.topic_arn));
        }
        s.next_id += 1;
        // Email subscriptions wait for the recipient to confirm.
        let pending = spec.protocol.needs_confirmation();
        let arn = if pending {
            format!("pending:{}", s.next_id)
        } else {
            format!("{}:{:08}", spec.topic_arn, s.next_id)
        };
        // As SNS does: subscribing an endpoint that is subscribed already returns that
        // subscription.
        if let Some((existing, _)) = s.subscriptions.iter().find(|(_, sub)| {
            sub.topic_arn == spec.topic_arn
                && sub.protocol == spec.protocol
                && sub.endpoint == spec.endpoint
        }) {
            let existing = existing.clone();
            return Ok((!existing.starts_with("pending:")).then_some(existing));
        }
        s.subscriptions.insert(arn.clone(), spec.clone());
        s.made(Thing::Subscription(arn.clone()));
        Ok((!pending).then_some(arn))
    }
    async fn set_subscription_attributes(
        &self,
        arn: &str,
        spec: &SubscriptionSpec,
    ) -> PortResult<()> {
        let mut s = self.call("SetSubscriptionAttributes");
        let sub = s
            .subscriptions
            .get_mut(arn)
            .ok_or_else(|| not_found("SetSubscriptionAttributes", arn))?;
        sub.filter_policy = spec.filter_policy.clone();
        sub.raw_message_delivery = spec.raw_message_delivery;
        sub.filter_policy_scope = spec.filter_policy_scope.clone();
        sub.redrive_policy = spec.redrive_policy.clone();
        s.changed(Thing::Subscription(arn.to_owned()));
        Ok(())
    }
    async fn unsubscribe(&self, arn: &str) -> PortResult<()> {
        let mut s = self.call("Unsubscribe");
        if s.subscriptions.remove(arn).is_some() {
            s.deleted(Thing::Subscription(arn.to_owned()));
        }
        Ok(())
    }
}
