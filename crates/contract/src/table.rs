//! The alert-state table's schema as both sides need it: the deployer creates the table with
//! this key and TTL, the enricher reads and writes items by them. DynamoDB cannot change a
//! table's key, so a table with another key has to be replaced.

/// The table's partition key (type string, no sort key).
pub const PARTITION_KEY: &str = "pk";
/// The table's TTL attribute (Unix seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";
