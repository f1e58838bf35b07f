//! Alert state in DynamoDB. One table, partition key `pk` (string), TTL attribute `expires_at`.
//!
//! - `alert#<alert key>`: the alert's record, the claim token every write is conditional on,
//!   the routes it goes to and has reached (those of the claim's start in `routes_delivered`,
//!   each reached since as `delivered:<route>`), its lease, and the record before the claim.
//! - `investigation#<id>`: one item per open investigation (DynamoDB's 400 KB item limit would
//!   cap how many could be open if they shared one), with the routes still to hear its
//!   follow-up as a string set (alerts that reuse it add to the set, a sweep takes away the
//!   routes it reached: neither can undo the other), the sweep's claim on its follow-up, and
//!   since when it has been failing. The sweep lists them with a Scan of that prefix: the table
//!   holds only alert state that expires, so the Scan stays small.
//! - incidents, their keys, their opening locks and what each finding update was told as
//!   ([`incidents`]); the alerts kept for routes' digests ([`digests`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use watchpost_contract::table::{PARTITION_KEY, TTL_ATTRIBUTE};
use watchpost_core::state::AlertRecord;

mod digests;
mod incidents;

use super::port_error;
use crate::error::PortError;
use crate::ports::{
    AlertStore, Claim, ClaimOutcome, OpenInvestigation, PendingFollowUp, StoredAlert,
};

const ALERT_PREFIX: &str = "alert#";
const INVESTIGATION_PREFIX: &str = "investigation#";
/// Attribute `delivered:<route>` marks a route the claimed alert has reached.
const DELIVERED_PREFIX: &str = "delivered:";
/// An open investigation's routes still to hear its follow-up (a string set).
const ROUTES: &str = "routes";
/// Since when an open investigation's follow-up has been failing.
const FAILING_SINCE: &str = "failing_since";
/// The message attributes of the alert an open investigation belongs to, for its follow-up.
const ALERT_ATTRIBUTES: &str = "alert_attributes";

/// [`AlertStore`] over DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// How long after its start an open investigation's item may be expired by DynamoDB.
    investigation_ttl: i64,
}

/// Open investigations expire this long after they started unless the store is told otherwise
/// (the sweep gives a failing follow-up up long before: [`crate::sweep::GIVE_UP_AFTER_SECONDS`]).
pub const DEFAULT_INVESTIGATION_TTL_SECONDS: i64 = 30 * 86_400;
/// How much longer than the TTL an open investigation's item is kept. The sweep gives up an
/// investigation still running after the TTL and counts it in `FollowUpsAbandoned`; DynamoDB
/// deletes expired items at any time after they expire, so an item expiring with the TTL
/// could vanish before the sweep had counted it.
const INVESTIGATION_GRACE_SECONDS: i64 = 86_400;

/// When DynamoDB may delete an open investigation's item (the item's TTL attribute).
pub fn investigation_expires_at(started_at: i64, ttl: i64) -> i64 {
    started_at + ttl + INVESTIGATION_GRACE_SECONDS
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            investigation_ttl: DEFAULT_INVESTIGATION_TTL_SECONDS,
        }
    }

    /// Sets how long open investigations are kept at most (the config's `state_ttl`).
    pub fn with_investigation_ttl(mut self, seconds: i64) -> Self {
        self.investigation_ttl = seconds;
        self
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
fn set(values: &[String]) -> AttributeValue {
    AttributeValue::Ss(values.to_vec())
}
/// A string set, sorted (DynamoDB keeps no order); a list, as items written before the
/// routes were a set kept them.
fn get_set(item: &Item, name: &str) -> Vec<String> {
    let mut values = match item.get(name) {
        Some(AttributeValue::Ss(values)) => values.clone(),
        _ => get_list(item, name),
    };
    values.sort();
    values.dedup();
    values
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

/// The record before a claim, with the routes it reached: a retry of a claim that completes
/// an earlier copy's routes must know which those were.
fn previous_item(record: &AlertRecord) -> Item {
    let mut item = record_item(record);
    item.insert("routes_delivered".into(), list(&record.routes_delivered));
    item
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

impl ConditionFailed for DeleteItemError {
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

fn investigation_key(id: &str) -> AttributeValue {
    // Ids are Detective's (digits); kept tidy anyway, as they become part of the key.
    let clean: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    s(format!("{INVESTIGATION_PREFIX}{clean}"))
}

fn investigation_of(item: &Item) -> Option<PendingFollowUp> {
    Some(PendingFollowUp {
        investigation: OpenInvestigation {
            investigation_id: get_s(item, "investigation_id")?,
            graph_arn: get_s(item, "graph_arn").unwrap_or_default(),
            entity_arn: get_s(item, "entity_arn").unwrap_or_default(),
            alert_key: get_s(item, "alert_key").unwrap_or_default(),
            subject: get_s(item, "subject").unwrap_or_default(),
            routes: get_set(item, ROUTES),
            started_at: get_n(item, "started_at").unwrap_or(0),
            alert_attributes: item
                .get(ALERT_ATTRIBUTES)
                .and_then(|v| v.as_m().ok())
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
                        .collect()
                })
                .unwrap_or_default(),
        },
        failing_since: get_n(item, FAILING_SINCE),
    })
}

impl DynamoStore {
    /// Adds `routes` to a remembered investigation's set; `false` when the entry is gone.
    async fn add_routes(
        &self,
        investigation_id: &str,
        routes: &[String],
    ) -> Result<bool, PortError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, investigation_key(investigation_id))
            .update_expression("ADD #routes :routes")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#routes", ROUTES)
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_values(":routes", set(routes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    /// Deletes a followed-up investigation once no route is left in its set: an alert that
    /// added one meanwhile keeps it. `true` when it was deleted.
    async fn forget_if_done(&self, investigation_id: &str) -> Result<bool, PortError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, investigation_key(investigation_id))
            .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#routes)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#routes", ROUTES)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }
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
        // The routes the claim started with, then each one reached since.
        let mut reached = get_list(&item, "routes_delivered");
        let mut since: Vec<&str> = item
            .keys()
            .filter_map(|name| name.strip_prefix(DELIVERED_PREFIX))
            .collect();
        since.sort_unstable();
        for route in since {
            if !reached.iter().any(|r| r == route) {
                reached.push(route.to_owned());
            }
        }
        let record = record_of(key, &item, reached)?;
        let previous = match item.get("previous").and_then(|v| v.as_m().ok()) {
            Some(prev) => Some(record_of(key, prev, get_list(prev, "routes_delivered"))?),
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
            item.insert(
                "previous".into(),
                AttributeValue::M(previous_item(previous)),
            );
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
        // One attribute per route reached, rather than appending to one list: routes are
        // published in parallel, and updates of distinct attributes cannot lose one another
        // wherever an update is not atomic.
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(format!("{ALERT_PREFIX}{key}")))
            .update_expression("SET #route = :reached")
            .condition_expression("#token = :token")
            .expression_attribute_names("#route", format!("{DELIVERED_PREFIX}{route}"))
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":reached", AttributeValue::Bool(true))
            .expression_attribute_values(":token", s(token))
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        Ok(())
    }

    async fn finish(
        &self,
        key: &str,
        token: &str,
        reached: &[String],
        complete: bool,
    ) -> Result<(), PortError> {
        // Every route reached so far, written whole: under the claim's token no other
        // invocation writes this alert, and this invocation's own records are done.
        let update = if complete {
            "SET #complete = :complete, #reached = :reached"
        } else {
            "SET #complete = :complete, #reached = :reached, #lease = :zero"
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
            .expression_attribute_names("#reached", "routes_delivered")
            .expression_attribute_values(":complete", AttributeValue::Bool(complete))
            .expression_attribute_values(":reached", list(reached))
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
        let item: Item = HashMap::from([
            (
                PARTITION_KEY.to_owned(),
                investigation_key(&open.investigation_id),
            ),
            (
                "investigation_id".to_owned(),
                s(open.investigation_id.clone()),
            ),
            ("graph_arn".to_owned(), s(open.graph_arn.clone())),
            ("entity_arn".to_owned(), s(open.entity_arn.clone())),
            ("alert_key".to_owned(), s(open.alert_key.clone())),
            ("subject".to_owned(), s(open.subject.clone())),
            (ROUTES.to_owned(), set(&open.routes)),
            ("started_at".to_owned(), n(open.started_at)),
            (
                ALERT_ATTRIBUTES.to_owned(),
                AttributeValue::M(
                    open.alert_attributes
                        .iter()
                        .map(|(k, v)| (k.clone(), s(v.clone())))
                        .collect(),
                ),
            ),
            (
                TTL_ATTRIBUTE.to_owned(),
                n(investigation_expires_at(
                    open.started_at,
                    self.investigation_ttl,
                )),
            ),
        ]);
        // Twice at most: an entry that exists when put but is forgotten (followed up) before
        // its routes are added is put again, for a follow-up of its own.
        for _ in 0..2 {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                // Already remembered: a reused investigation. Another alert may have reached
                // other routes; they are added, so that each hears how it ended.
                Err(err) if is_condition_failed(&err) => {
                    if self
                        .add_routes(&open.investigation_id, &open.routes)
                        .await?
                    {
                        return Ok(());
                    }
                }
                Err(err) => return Err(port_error("dynamodb", err)),
            }
        }
        Ok(())
    }

    async fn open_investigations(&self) -> Result<Vec<PendingFollowUp>, PortError> {
        let mut open = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(#pk, :prefix)")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_values(":prefix", s(INVESTIGATION_PREFIX))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| port_error("dynamodb", err))?;
            open.extend(output.items().iter().filter_map(investigation_of));
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        open.sort_by(|a, b| {
            a.investigation
                .investigation_id
                .cmp(&b.investigation.investigation_id)
        });
        Ok(open)
    }

    async fn claim_investigation(
        &self,
        investigation_id: &str,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Vec<String>>, PortError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, investigation_key(investigation_id))
            .update_expression("SET #lease = :until, #token = :token")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#lease) OR #lease < :now)",
            )
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#lease", "lease_until")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":until", n(lease_until))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":token", s(token))
            // The routes as they are now: an alert may have added one since the Scan.
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some(
                output
                    .attributes
                    .map(|item| get_set(&item, ROUTES))
                    .unwrap_or_default(),
            )),
            Err(err) if is_condition_failed(&err) => Ok(None),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    async fn followed_up(
        &self,
        investigation_id: &str,
        token: &str,
        reached: &[String],
        failed_at: Option<i64>,
    ) -> Result<bool, PortError> {
        let mut sets = Vec::new();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, investigation_key(investigation_id))
            .condition_expression("attribute_exists(#pk) AND #token = :token")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#token", "token")
            .expression_attribute_names("#lease", "lease_until")
            .expression_attribute_values(":token", s(token))
            .return_values(ReturnValue::AllNew);
        if let Some(at) = failed_at {
            sets.push("#failing = if_not_exists(#failing, :at)");
            request = request
                .expression_attribute_names("#failing", FAILING_SINCE)
                .expression_attribute_values(":at", n(at));
        }
        let mut update = String::new();
        if !sets.is_empty() {
            update.push_str(&format!("SET {} ", sets.join(", ")));
        }
        update.push_str("REMOVE #lease, #token");
        // Taking the routes reached out of the set (DynamoDB drops a set left empty), rather
        // than writing what is left: an alert may add a route at any moment.
        if !reached.is_empty() {
            update.push_str(" DELETE #routes :reached");
            request = request
                .expression_attribute_names("#routes", ROUTES)
                .expression_attribute_values(":reached", set(reached));
        }
        let output = match request.update_expression(update).send().await {
            Ok(output) => output,
            // Gone, or taken over by another sweep: nothing of ours to record.
            Err(err) if is_condition_failed(&err) => return Ok(false),
            Err(err) => return Err(port_error("dynamodb", err)),
        };
        let left = output
            .attributes
            .map(|item| get_set(&item, ROUTES))
            .unwrap_or_default();
        if left.is_empty() {
            return self.forget_if_done(investigation_id).await;
        }
        Ok(false)
    }

    async fn follow_up_failed(&self, investigation_id: &str, now: i64) -> Result<(), PortError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, investigation_key(investigation_id))
            .update_expression("SET #failing = if_not_exists(#failing, :now)")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#failing", FAILING_SINCE)
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            // Gone: nothing to record.
            Err(err) if is_condition_failed(&err) => Ok(()),
            Err(err) => Err(port_error("dynamodb", err)),
            Ok(_) => Ok(()),
        }
    }

    async fn forget_investigation(&self, investigation_id: &str) -> Result<bool, PortError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, investigation_key(investigation_id))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }
}
