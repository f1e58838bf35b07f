//! Amazon DynamoDB: the enricher's alert-state table.

use super::common::{Found, PortResult};
use crate::spec::{BillingMode, TableSpec, Tags};

pub trait DynamodbPort {
    /// DescribeTable, DescribeTimeToLive and ListTagsOfResource; `None` when there is no table.
    /// Its id is its ARN.
    async fn table(&self, name: &str) -> PortResult<Option<Found<TableSpec>>>;
    /// Creates the table and enables its TTL; returns the table ARN.
    async fn create_table(&self, name: &str, spec: &TableSpec) -> PortResult<String>;
    async fn set_billing_mode(&self, name: &str, billing_mode: &BillingMode) -> PortResult<()>;
    async fn set_sse(&self, name: &str, enabled: bool) -> PortResult<()>;
    /// UpdateTimeToLive on `attribute`.
    async fn set_ttl(&self, name: &str, attribute: &str, enabled: bool) -> PortResult<()>;
    async fn tag_table(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_table(&self, name: &str) -> PortResult<()>;
}
