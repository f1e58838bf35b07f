//! Amazon DynamoDB: the enricher's alert-state table.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    SseSpecification, SseStatus, Tag, TimeToLiveSpecification, TimeToLiveStatus,
};

use super::{build_err, sdk_err};
use crate::ports::*;
use crate::spec::*;

#[derive(Debug, Clone)]
pub struct DynamodbAdapter {
    client: Client,
}

impl DynamodbAdapter {
    pub fn new(config: &SdkConfig) -> DynamodbAdapter {
        DynamodbAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> DynamodbAdapter {
        DynamodbAdapter { client }
    }
}

fn tags(call: &'static str, tags: &Tags) -> PortResult<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_err(call))
        })
        .collect()
}

impl DynamodbPort for DynamodbAdapter {
    async fn table(&self, name: &str) -> PortResult<Option<Found<TableSpec>>> {
        let described = match self.client.describe_table().table_name(name).send().await {
            Ok(out) => out,
            Err(err) => {
                let err = sdk_err!("DescribeTable", err);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let Some(table) = described.table() else {
            return Ok(None);
        };
        let arn = table.table_arn().unwrap_or_default().to_owned();
        let partition_key = table
            .key_schema()
            .iter()
            .find(|k| *k.key_type() == KeyType::Hash)
            .map(|k| k.attribute_name().to_owned())
            .unwrap_or_default();
        // Tables created without a billing mode report none: they are provisioned.
        let billing_mode = table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map_or(crate::spec::BillingMode::Provisioned, |b| {
                crate::spec::BillingMode::from(b.as_str())
            });
        let sse_enabled = table
            .sse_description()
            .and_then(|s| s.status())
            .is_some_and(|s| matches!(s, SseStatus::Enabled | SseStatus::Enabling));
        let ttl = self
            .client
            .describe_time_to_live()
            .table_name(name)
            .send()
            .await
            .map_err(sdk_err!("DescribeTimeToLive"))?;
        let ttl_attribute = ttl
            .time_to_live_description()
            .filter(|d| {
                matches!(
                    d.time_to_live_status(),
                    Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
                )
            })
            .and_then(|d| d.attribute_name())
            .map(str::to_owned);
        let mut tags = Tags::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_tags_of_resource()
                .resource_arn(&arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("ListTagsOfResource"))?;
            tags.extend(
                page.tags()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned())),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(Some(Found {
            id: arn,
            extra: (),
            spec: TableSpec {
                partition_key,
                billing_mode,
                sse_enabled,
                ttl_attribute,
                tags,
            },
        }))
    }

    async fn create_table(&self, name: &str, spec: &TableSpec) -> PortResult<String> {
        let out = self
            .client
            .create_table()
            .table_name(name)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&spec.partition_key)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(build_err("CreateTable"))?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(&spec.partition_key)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(build_err("CreateTable"))?,
            )
            .billing_mode(BillingMode::from(spec.billing_mode.as_str()))
            .sse_specification(
                SseSpecification::builder()
                    .enabled(spec.sse_enabled)
                    .build(),
            )
            .set_tags(Some(tags("CreateTable", &spec.tags)?))
            .send()
            .await
            .map_err(sdk_err!("CreateTable"))?;
        let arn = out
            .table_description()
            .and_then(|t| t.table_arn())
            .unwrap_or_default()
            .to_owned();
        if let Some(attribute) = &spec.ttl_attribute {
            self.set_ttl(name, attribute, true).await?;
        }
        Ok(arn)
    }

    async fn set_billing_mode(
        &self,
        name: &str,
        billing_mode: &crate::spec::BillingMode,
    ) -> PortResult<()> {
        self.client
            .update_table()
            .table_name(name)
            .billing_mode(BillingMode::from(billing_mode.as_str()))
            .send()
            .await
            .map_err(sdk_err!("UpdateTable"))?;
        Ok(())
    }

    async fn set_sse(&self, name: &str, enabled: bool) -> PortResult<()> {
        self.client
            .update_table()
            .table_name(name)
            .sse_specification(SseSpecification::builder().enabled(enabled).build())
            .send()
            .await
            .map_err(sdk_err!("UpdateTable"))?;
        Ok(())
    }

    async fn set_ttl(&self, name: &str, attribute: &str, enabled: bool) -> PortResult<()> {
        self.client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attribute)
                    .enabled(enabled)
                    .build()
                    .map_err(build_err("UpdateTimeToLive"))?,
            )
            .send()
            .await
            .map_err(sdk_err!("UpdateTimeToLive"))?;
        Ok(())
    }

    async fn tag_table(&self, arn: &str, tags_: &Tags) -> PortResult<()> {
        self.client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags("TagResource", tags_)?))
            .send()
            .await
            .map_err(sdk_err!("TagResource"))?;
        Ok(())
    }

    async fn delete_table(&self, name: &str) -> PortResult<()> {
        self.client
            .delete_table()
            .table_name(name)
            .send()
            .await
            .map_err(sdk_err!("DeleteTable"))?;
        Ok(())
    }
}
