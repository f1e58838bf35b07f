//! Alert state in DynamoDB. One table, partition key `pk` (string), TTL attribute `expires_at`.
//!
//! - `alert#<alert key>`: the alert's record, the claim token every write is conditional on,
//!   the routes it goes to and has reached, its lease, and the record before the claim.
//! - `investigations#open`: one attribute `inv_<id>` per open investigation, so the sweep reads
//!   them with one GetItem and forgets one with a conditional REMOVE (no Scan).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use watchpost_core::state::AlertRecord;

use super::port_error;
use crate::error::PortError;
use crate::ports::{AlertStore, Claim, ClaimOutcome, OpenInvestigation, StoredAlert};

/// The table's partition key.
pub const PARTITION_KEY: &str = "pk";
/// The table's TTL attribute (Unix seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";
const ALERT_PREFIX: &str = "alert#";
const INVESTIGATIONS_PK: &str = "investigations#open";
const INVESTIGATION_PREFIX: &str = "inv_";

/// [`AlertStore`] over DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }
}

type Item = HashMap<String, AttributeValue>;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}
fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
fn list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(|v| s(v.clone())).collect())
}
fn get_s(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}
fn get_n(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}
fn get_list(item: &Item, name: &str) -> Vec<String> {
    let mut out: Vec<String> = item
        .get(name)
        .and_then(|v| v.as_l().ok())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_s().ok().cloned())
        .collect();
    let mut seen = std::collections::HashSet::new();
    out.retain(|v| seen.insert(v.clone()));
    out
}

fn corrupt(what: &str) -> PortError {
    PortError::Invalid {
        service: "dynamodb",
        code: "UnreadableItem".into(),
        message: format!("alert state item: {what}"),
    }
}

fn record_item(record: &AlertRecord) -> Item {
    HashMap::from([
        ("count".to_owned(), n(record.count)),
        ("band".to_owned(), s(record.band.as_str())),
        ("notified_at".to_owned(), n(record.notified_at)),
    ])
}

fn record_of(
    key: &str,
    item: &Item,
    routes_delivered: Vec<String>,
) -> Result<AlertRecord, PortError> {
    Ok(AlertRecord {
        key: key.to_owned(),
        count: get_n(item, "count").ok_or_else(|| corrupt("count"))?,
        band: get_s(item, "band")
            .and_then(|b| b.parse().ok())
            .ok_or_else(|| corrupt("band"))?,
        notified_at: get_n(item, "notified_at").ok_or_else(|| corrupt("notified_at"))?,
        routes_delivered,
    })
}

/// Operation errors that can say "the condition did not hold".
trait ConditionFailed {
    fn condition_failed(&self) -> bool;
}

impl ConditionFailed for PutItemError {
    fn condition_failed(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }
}

impl ConditionFailed for UpdateItemError {
    fn condition_failed(&self) -> bool {
        self.is_conditional_check_failed_exception()
    }
}

/// Whether an SDK error is DynamoDB's ConditionalCheckFailedException.
fn is_condition_failed<E: ConditionFailed, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error()
        .is_some_and(ConditionFailed::condition_failed)
}

fn open_item(open: &OpenInvestigation) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("graph_arn".to_owned(), s(open.graph_arn.clone())),
        ("entity_arn".to_owned(), s(open.entity_arn.clone())),
        ("alert_key".to_owned(), s(open.alert_key.clone())),
        ("subject".to_owned(), s(open.subject.clone())),
        ("routes".to_owned(), list(&open.routes)),
        ("started_at".to_owned(), n(open.started_at)),
    ]))
}

/// Attribute names allow any characters through expression names; ids are kept tidy anyway.
fn investigation_attribute(id: &str) -> String {
    let clean: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("{INVESTIGATION_PREFIX}{clean}")
}

impl AlertStore for DynamoStore {
    async fn load(&self, key: &str) -> Result<Option<StoredAlert>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(format!("{ALERT_PREFIX}{key}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let record = record_of(key, &item, get_list(&item, "routes_delivered"))?;
        let previous = match item.get("previous").and_then(|v| v.as_m().ok()) {
            Some(prev) => Some(record_of(key, prev, Vec::new())?),
            None => None,
        };
        Ok(Some(StoredAlert {
            record,
            previous,
            routes: get_list(&item, "routes"),
            complete: item
                .get("complete")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(true),
            lease_until: get_n(&item, "lease_until").unwrap_or(0),
            token: get_s(&item, "token").unwrap_or_default(),
        }))
    }

    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, PortError> {
        let stored = &claim.stored;
        let mut item = record_item(&stored.record);
        item.insert(
            PARTITION_KEY.into(),
            s(format!("{ALERT_PREFIX}{}", stored.record.key)),
        );
        item.insert(
            "routes_delivered".into(),
            list(&stored.record.routes_delivered),
        );
        item.insert("routes".into(), list(&stored.routes));
        item.insert("complete".into(), AttributeValue::Bool(stored.complete));
        item.insert("lease_until".into(), n(stored.lease_until));
        item.insert("token".into(), s(stored.token.clone()));
        item.insert(TTL_ATTRIBUTE.into(), n(claim.expires_at));
        if let Some(previous) = &stored.previous {
            item.insert("previous".into(), AttributeValue::M(record_item(previous)));
        }
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = match &claim.expected_token {
            None => request.condition_expression("attribute_not_exists(pk)"),
            Some(token) => request
                .condition_expression("#token = :expected")
                .expression_attribute_names("#token", "token")
                .expression_attribute_values(":expected", s(token.clone())),
        };
        match request.send().await {
            Ok(_) => Ok(ClaimOutcome::Claimed),
            Err(err) if is_condition_failed(&err) => Ok(ClaimOutcome::AlreadyClaimed),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    async fn delivered(&self, key: &str, token: &str, route: &str) -> Result<(), PortError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(format!("{ALERT_PREFIX}{key}")))
            .update_expression("SET #routes = list_append(if_not_exists(#routes, :empty), :route)")
            .condition_expression("#token = :token")
            .expression_attribute_names("#routes", "routes_delivered")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":empty", AttributeValue::L(Vec::new()))
            .expression_attribute_values(":route", list(&[route.to_owned()]))
            .expression_attribute_values(":token", s(token))
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        Ok(())
    }

    async fn finish(&self, key: &str, token: &str, complete: bool) -> Result<(), PortError> {
        let update = if complete {
            "SET #complete = :complete"
        } else {
            "SET #complete = :complete, #lease = :zero"
        };
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(format!("{ALERT_PREFIX}{key}")))
            .update_expression(update)
            .condition_expression("#token = :token")
            .expression_attribute_names("#complete", "complete")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":complete", AttributeValue::Bool(complete))
            .expression_attribute_values(":token", s(token));
        if !complete {
            request = request
                .expression_attribute_names("#lease", "lease_until")
                .expression_attribute_values(":zero", n(0));
        }
        match request.send().await {
            Ok(_) => Ok(()),
            // Another invocation took the alert over: it is its to finish.
            Err(err) if is_condition_failed(&err) => Ok(()),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    async fn remember_investigation(&self, open: &OpenInvestigation) -> Result<(), PortError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(INVESTIGATIONS_PK))
            .update_expression("SET #inv = if_not_exists(#inv, :inv)")
            .expression_attribute_names("#inv", investigation_attribute(&open.investigation_id))
            .expression_attribute_values(":inv", open_item(open))
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        Ok(())
    }

    async fn open_investigations(&self) -> Result<Vec<OpenInvestigation>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(INVESTIGATIONS_PK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        let mut open = Vec::new();
        for (name, value) in output.item.unwrap_or_default() {
            let (Some(id), Ok(entry)) = (name.strip_prefix(INVESTIGATION_PREFIX), value.as_m())
            else {
                continue;
            };
            open.push(OpenInvestigation {
                investigation_id: id.to_owned(),
                graph_arn: get_s(entry, "graph_arn").unwrap_or_default(),
                entity_arn: get_s(entry, "entity_arn").unwrap_or_default(),
                alert_key: get_s(entry, "alert_key").unwrap_or_default(),
                subject: get_s(entry, "subject").unwrap_or_default(),
                routes: get_list(entry, "routes"),
                started_at: get_n(entry, "started_at").unwrap_or(0),
            });
        }
        open.sort_by(|a, b| a.investigation_id.cmp(&b.investigation_id));
        Ok(open)
    }

    async fn forget_investigation(&self, investigation_id: &str) -> Result<bool, PortError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(INVESTIGATIONS_PK))
            .update_expression("REMOVE #inv")
            .condition_expression("attribute_exists(#inv)")
            .expression_attribute_names("#inv", investigation_attribute(investigation_id))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }
}
