//! Amazon DynamoDB's kind: the enricher's alert-state table.

use serde::{Deserialize, Serialize};

use super::value::{Tags, closed_set};

closed_set! {
    /// How the table is billed (DynamoDB API reference, BillingModeSummary).
    BillingMode {
        PayPerRequest = "PAY_PER_REQUEST",
        Provisioned = "PROVISIONED",
    }
}

/// The enricher's alert-state table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    /// The partition key's name; its type is always string (`S`), and there is no sort key.
    pub partition_key: String,
    pub billing_mode: BillingMode,
    pub sse_enabled: bool,
    /// The attribute TTL is enabled on, if any.
    pub ttl_attribute: Option<String>,
    pub tags: Tags,
}
