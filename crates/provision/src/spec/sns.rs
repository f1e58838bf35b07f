//! Amazon SNS's kinds: a topic and a subscription.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::value::{PolicyDocument, Tags, closed_set};

closed_set! {
    /// How SNS delivers to a subscription (SNS API reference, Subscribe: Protocol).
    Protocol {
        Http = "http",
        Https = "https",
        Email = "email",
        EmailJson = "email-json",
        Sms = "sms",
        Sqs = "sqs",
        Lambda = "lambda",
        Application = "application",
        Firehose = "firehose",
    }
}

impl Protocol {
    /// Whether SNS waits for the recipient to confirm the subscription (email, email-json).
    pub fn needs_confirmation(&self) -> bool {
        matches!(self, Protocol::Email | Protocol::EmailJson)
    }
}

/// The config's protocols are SNS's.
impl From<watchpost_core::config::Protocol> for Protocol {
    fn from(protocol: watchpost_core::config::Protocol) -> Protocol {
        Protocol::from(protocol.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSpec {
    /// Key id, ARN or alias encrypting the topic.
    pub kms_master_key_id: Option<String>,
    pub policy: Option<PolicyDocument>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionSpec {
    pub topic_arn: String,
    pub protocol: Protocol,
    pub endpoint: String,
    pub filter_policy: Option<Value>,
    pub raw_message_delivery: bool,
    /// What the filter policy matches when it is not SNS's default (`MessageAttributes`, which
    /// Watchpost's filter policies are written for): `MessageBody`. Shown only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_policy_scope: Option<String>,
    /// A dead-letter queue for what SNS could not deliver; Watchpost sets none. Shown only
    /// when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_policy: Option<Value>,
}
