//! Amazon SQS: the enricher's dead-letter queue, and reading and deleting its messages.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};

use super::sdk_err;
use crate::ports::*;
use crate::spec::*;

/// Messages per ReceiveMessage call (SQS API reference: at most 10).
const RECEIVE_MAX: usize = 10;

#[derive(Debug, Clone)]
pub struct SqsAdapter {
    client: Client,
}

impl SqsAdapter {
    pub fn new(config: &SdkConfig) -> SqsAdapter {
        SqsAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> SqsAdapter {
        SqsAdapter { client }
    }
}

fn attributes(spec: &QueueSpec) -> HashMap<QueueAttributeName, String> {
    // An empty policy removes the queue's policy.
    let policy = spec
        .policy
        .as_ref()
        .map(|p| p.to_string())
        .unwrap_or_default();
    HashMap::from([
        (QueueAttributeName::Policy, policy),
        (
            QueueAttributeName::SqsManagedSseEnabled,
            spec.sqs_managed_sse.to_string(),
        ),
        (
            QueueAttributeName::MessageRetentionPeriod,
            spec.message_retention_seconds.to_string(),
        ),
    ])
}

fn hash_tags(tags: &Tags) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

impl SqsPort for SqsAdapter {
    async fn queue_url(&self, name: &str) -> PortResult<Option<String>> {
        match self.client.get_queue_url().queue_name(name).send().await {
            Ok(out) => Ok(Some(out.queue_url().unwrap_or_default().to_owned())),
            Err(err) => {
                let err = sdk_err!("GetQueueUrl", err);
                if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn receive(
        &self,
        url: &str,
        max: usize,
        visibility_timeout_s: i32,
        wait_s: i32,
    ) -> PortResult<Vec<Message>> {
        let received = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max.min(RECEIVE_MAX) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .visibility_timeout(visibility_timeout_s)
            .wait_time_seconds(wait_s)
            .send()
            .await
            .map_err(sdk_err!("ReceiveMessage"))?;
        Ok(received
            .messages()
            .iter()
            .map(|m| Message {
                id: m.message_id().unwrap_or_default().to_owned(),
                body: m.body().unwrap_or_default().to_owned(),
                receipt: m.receipt_handle().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    async fn delete_message(&self, url: &str, receipt: &str) -> PortResult<()> {
        self.client
            .delete_message()
            .queue_url(url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(sdk_err!("DeleteMessage"))?;
        Ok(())
    }

    async fn queue(&self, name: &str) -> PortResult<Option<Found<QueueSpec>>> {
        let Some(url) = self.queue_url(name).await? else {
            return Ok(None);
        };
        let attributes = self
            .client
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::SqsManagedSseEnabled)
            .attribute_names(QueueAttributeName::MessageRetentionPeriod)
            .attribute_names(QueueAttributeName::Policy)
            .send()
            .await
            .map_err(sdk_err!("GetQueueAttributes"))?;
        let attributes = attributes.attributes().cloned().unwrap_or_default();
        let tags = self
            .client
            .list_queue_tags()
            .queue_url(&url)
            .send()
            .await
            .map_err(sdk_err!("ListQueueTags"))?;
        Ok(Some(Found {
            spec: QueueSpec {
                sqs_managed_sse: attributes
                    .get(&QueueAttributeName::SqsManagedSseEnabled)
                    .is_some_and(|v| v == "true"),
                message_retention_seconds: attributes
                    .get(&QueueAttributeName::MessageRetentionPeriod)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_default(),
                policy: attributes
                    .get(&QueueAttributeName::Policy)
                    .filter(|p| !p.is_empty())
                    .and_then(|p| serde_json::from_str(p).ok())
                    .map(PolicyDocument::new),
                tags: tags
                    .tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            },
            id: url,
            extra: (),
        }))
    }

    async fn create_queue(&self, name: &str, spec: &QueueSpec) -> PortResult<String> {
        let out = self
            .client
            .create_queue()
            .queue_name(name)
            .set_attributes(Some(attributes(spec)))
            .set_tags(Some(hash_tags(&spec.tags)))
            .send()
            .await
            .map_err(sdk_err!("CreateQueue"))?;
        Ok(out.queue_url().unwrap_or_default().to_owned())
    }

    async fn set_queue_attributes(&self, url: &str, spec: &QueueSpec) -> PortResult<()> {
        self.client
            .set_queue_attributes()
            .queue_url(url)
            .set_attributes(Some(attributes(spec)))
            .send()
            .await
            .map_err(sdk_err!("SetQueueAttributes"))?;
        Ok(())
    }

    async fn tag_queue(&self, url: &str, tags: &Tags) -> PortResult<()> {
        self.client
            .tag_queue()
            .queue_url(url)
            .set_tags(Some(hash_tags(tags)))
            .send()
            .await
            .map_err(sdk_err!("TagQueue"))?;
        Ok(())
    }

    async fn delete_queue(&self, url: &str) -> PortResult<()> {
        self.client
            .delete_queue()
            .queue_url(url)
            .send()
            .await
            .map_err(sdk_err!("DeleteQueue"))?;
        Ok(())
    }
}
