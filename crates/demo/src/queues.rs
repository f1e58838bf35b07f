//! The SQS queues of the demo: the subscriber inboxes the config subscribes to its routes
//! (derived from its `sqs` subscriptions, so the demo follows the config), the tap queue, and
//! reading a queue empty.

use std::collections::BTreeMap;

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use watchpost_core::Config;
use watchpost_core::config::{Format, Protocol};

use crate::error::{DemoError, aws};

/// SQS returns at most 10 messages per ReceiveMessage (SQS API reference, MaxNumberOfMessages).
const RECEIVE_MAX_MESSAGES: i32 = 10;

/// A queue the config subscribes to one of its routes.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxSpec {
    pub route: String,
    pub format: Format,
    /// The queue's name, from the subscription's endpoint ARN.
    pub queue: String,
    pub arn: String,
    pub raw_message_delivery: bool,
    /// The subscription's filter policy, as JSON, when it has one.
    pub filter_policy: Option<String>,
}

/// Every `sqs` subscription of the config's routes, in config order. Endpoints must be queues
/// of the local account and region: those are the only ones the demo can create.
pub fn inbox_specs(
    config: &Config,
    region: &str,
    account: &str,
) -> Result<Vec<InboxSpec>, DemoError> {
    let mut out = Vec::new();
    for route in &config.routes {
        for subscription in &route.subscriptions {
            if subscription.protocol != Protocol::Sqs {
                continue;
            }
            let arn = &subscription.endpoint;
            let parts: Vec<&str> = arn.split(':').collect();
            let [_, _, "sqs", queue_region, queue_account, queue] = parts[..] else {
                return Err(DemoError::Input(format!(
                    "route `{}`: the sqs endpoint `{arn}` is not a queue ARN",
                    route.name
                )));
            };
            if queue_region != region || queue_account != account {
                return Err(DemoError::Input(format!(
                    "route `{}`: the queue `{arn}` is not in the local account {account} and region {region}, where the demo runs",
                    route.name
                )));
            }
            out.push(InboxSpec {
                route: route.name.clone(),
                format: route.format,
                queue: queue.to_owned(),
                arn: arn.clone(),
                raw_message_delivery: subscription.raw_message_delivery,
                filter_policy: subscription
                    .filter_policy
                    .as_ref()
                    .map(|p| serde_json::to_string(p).unwrap_or_default()),
            });
        }
    }
    Ok(out)
}

/// Creates a queue (or finds it) and returns its URL and ARN.
pub async fn create(sqs: &aws_sdk_sqs::Client, name: &str) -> Result<(String, String), DemoError> {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(aws("SQS CreateQueue"))?
        .queue_url
        .ok_or_else(|| DemoError::Pipeline(format!("CreateQueue {name} returned no URL")))?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(aws("SQS GetQueueAttributes"))?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| DemoError::Pipeline(format!("queue {name} has no ARN")))?;
    Ok((url, arn))
}

/// A message as a subscriber reads it: the body and the message attributes (with raw message
/// delivery, SNS's message attributes become the SQS message's).
#[derive(Debug, Clone, PartialEq)]
pub struct RawMessage {
    pub body: String,
    pub attributes: BTreeMap<String, String>,
    /// When SQS received it (milliseconds since the epoch), for ordering.
    pub sent_ms: u64,
}

/// Reads the queue until it is empty, deleting what it read; messages in the order SQS
/// received them. Everything here was sent before (moto delivers SNS and EventBridge messages
/// within the publishing call), so an empty answer means empty.
pub async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<Vec<RawMessage>, DemoError> {
    let mut out = Vec::new();
    loop {
        let answer = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(RECEIVE_MAX_MESSAGES)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(aws("SQS ReceiveMessage"))?;
        let messages = answer.messages();
        if messages.is_empty() {
            break;
        }
        for message in messages {
            let attributes = message
                .message_attributes()
                .map(|attributes| {
                    attributes
                        .iter()
                        .map(|(k, v)| (k.clone(), v.string_value().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let sent_ms = message
                .attributes()
                .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                .and_then(|t| t.parse().ok())
                .unwrap_or_default();
            out.push(RawMessage {
                body: message.body().unwrap_or_default().to_owned(),
                attributes,
                sent_ms,
            });
            if let Some(handle) = message.receipt_handle() {
                sqs.delete_message()
                    .queue_url(url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .map_err(aws("SQS DeleteMessage"))?;
            }
        }
    }
    // Stable: equal timestamps keep the order SQS answered in.
    out.sort_by_key(|m| m.sent_ms);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGION: &str = "us-east-1";
    const ACCOUNT: &str = "123456789012";

    fn config(text: &str) -> Config {
        Config::from_toml(text, "demo.toml").unwrap()
    }

    #[test]
    fn inboxes_are_the_sqs_subscriptions_in_config_order() {
        let config = config(
            r#"
[[routes]]
name = "pager"
  [[routes.subscriptions]]
  protocol = "email"
  endpoint = "oncall@example.com"
  [[routes.subscriptions]]
  protocol = "sqs"
  endpoint = "arn:aws:sqs:us-east-1:123456789012:pager-inbox"
  raw_message_delivery = true
[[routes]]
name = "siem"
format = "json"
  [[routes.subscriptions]]
  protocol = "sqs"
  endpoint = "arn:aws:sqs:us-east-1:123456789012:siem-inbox"
  filter_policy = { sample = ["false"] }
"#,
        );
        let specs = inbox_specs(&config, REGION, ACCOUNT).unwrap();
        let names: Vec<(&str, &str)> = specs
            .iter()
            .map(|s| (s.route.as_str(), s.queue.as_str()))
            .collect();
        assert_eq!(names, [("pager", "pager-inbox"), ("siem", "siem-inbox")]);
        assert!(specs[0].raw_message_delivery);
        assert_eq!(specs[1].format, Format::Json);
        assert_eq!(
            specs[1].filter_policy.as_deref(),
            Some(r#"{"sample":["false"]}"#)
        );
    }

    #[test]
    fn a_queue_elsewhere_is_refused_naming_the_route() {
        let config = config(
            "[[routes]]\nname = \"pager\"\n[[routes.subscriptions]]\nprotocol = \"sqs\"\nendpoint = \"arn:aws:sqs:eu-west-1:123456789012:q\"\n",
        );
        let err = inbox_specs(&config, REGION, ACCOUNT).unwrap_err();
        assert!(err.to_string().contains("route `pager`"), "{err}");
        assert!(err.to_string().contains("eu-west-1"), "{err}");
    }

    #[test]
    fn the_demo_config_subscribes_four_inboxes() {
        let text = std::fs::read_to_string(
            watchpost_localaws::workspace_root().join("infra/watchpost.demo.toml"),
        )
        .unwrap();
        let specs = inbox_specs(&config(&text), REGION, ACCOUNT).unwrap();
        let queues: Vec<&str> = specs.iter().map(|s| s.queue.as_str()).collect();
        assert_eq!(
            queues,
            [
                "watchpost-demo-pager-inbox",
                "watchpost-demo-email-inbox",
                "watchpost-demo-chat-inbox",
                "watchpost-demo-siem-inbox"
            ]
        );
    }
}
