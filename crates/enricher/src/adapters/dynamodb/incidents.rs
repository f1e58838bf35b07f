//! Incidents in the alert-state table, each call one request:
//!
//! - `incident#<id>`: the incident (its record as JSON) and its `version`; a save is
//!   conditional on the version read.
//! - the key's item (`incident-key/<kind>/<value>`): one attribute `i:<id>` per incident the
//!   key leads to, with when its latest alert through the key joined (attributes of their own,
//!   so that two alerts adding incidents to one key never lose one another).
//! - `incident-lock#<key>`: which incident opened under the key, and when; taken with a
//!   conditional write.
//! - `incident-told#<member>`: what a finding update was told as, written once.

use aws_sdk_dynamodb::types::ReturnValue;
use watchpost_contract::table::{PARTITION_KEY, TTL_ATTRIBUTE};
use watchpost_core::incident::{
    INCIDENTS_PER_KEY, IncidentKind, IncidentRecord, IncidentStore, Indexed, Lock, Told,
};

use super::{DynamoStore, Item, corrupt, get_n, get_s, is_condition_failed, n, s};
use crate::adapters::port_error;
use crate::error::PortError;

const INCIDENT_PREFIX: &str = "incident#";
const LOCK_PREFIX: &str = "incident-lock#";
const TOLD_PREFIX: &str = "incident-told#";
/// A key item's attribute per incident: `i:<id>`.
const KEY_INCIDENT_PREFIX: &str = "i:";
/// The most closed incidents a lock's condition names (DynamoDB's `IN` takes up to 100).
const CLOSED_MAX: usize = 50;

impl DynamoStore {
    async fn get(&self, pk: String) -> Result<Option<Item>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        Ok(output.item)
    }
}

fn kind_of(text: &str) -> Option<IncidentKind> {
    [
        IncidentKind::New,
        IncidentKind::Update,
        IncidentKind::Escalation,
        IncidentKind::Resolved,
    ]
    .into_iter()
    .find(|k| k.as_str() == text)
}

impl IncidentStore for DynamoStore {
    type Error = PortError;

    async fn told(&self, member: &str) -> Result<Option<Told>, PortError> {
        let Some(item) = self.get(format!("{TOLD_PREFIX}{member}")).await? else {
            return Ok(None);
        };
        let incident = get_s(&item, "incident").ok_or_else(|| corrupt("told: no incident"))?;
        let kind = get_s(&item, "kind")
            .as_deref()
            .and_then(kind_of)
            .ok_or_else(|| corrupt("told: no kind"))?;
        let first_for = super::get_list(&item, "first_for");
        Ok(Some(Told {
            incident,
            kind,
            first_for,
        }))
    }

    async fn tell(&self, member: &str, told: &Told, expires_at: i64) -> Result<bool, PortError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PARTITION_KEY, s(format!("{TOLD_PREFIX}{member}")))
            .item("incident", s(told.incident.clone()))
            .item("kind", s(told.kind.as_str()))
            .item("first_for", super::list(&told.first_for))
            .item(TTL_ATTRIBUTE, n(expires_at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    async fn indexed(&self, item_key: &str) -> Result<Vec<Indexed>, PortError> {
        let Some(item) = self.get(item_key.to_owned()).await? else {
            return Ok(Vec::new());
        };
        let mut list: Vec<Indexed> = item
            .iter()
            .filter_map(|(name, value)| {
                let incident = name.strip_prefix(KEY_INCIDENT_PREFIX)?;
                let last_at = value.as_n().ok()?.parse().ok()?;
                Some(Indexed {
                    incident: incident.to_owned(),
                    last_at,
                })
            })
            .collect();
        list.sort_by(|a, b| b.last_at.cmp(&a.last_at).then(a.incident.cmp(&b.incident)));
        Ok(list)
    }

    async fn incident(&self, id: &str) -> Result<Option<IncidentRecord>, PortError> {
        let Some(item) = self.get(format!("{INCIDENT_PREFIX}{id}")).await? else {
            return Ok(None);
        };
        let json = get_s(&item, "record").ok_or_else(|| corrupt("incident: no record"))?;
        let mut record: IncidentRecord =
            serde_json::from_str(&json).map_err(|_| corrupt("incident: unreadable record"))?;
        record.version = get_n(&item, "version").unwrap_or(0) as u64;
        Ok(Some(record))
    }

    async fn save_incident(
        &self,
        record: &IncidentRecord,
        expected: Option<u64>,
        expires_at: i64,
    ) -> Result<bool, PortError> {
        let json = serde_json::to_string(record).map_err(|_| corrupt("incident: unwritable"))?;
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PARTITION_KEY, s(format!("{INCIDENT_PREFIX}{}", record.id)))
            .item("record", s(json))
            .item("version", n(record.version as i64))
            .item(TTL_ATTRIBUTE, n(expires_at));
        let request = match expected {
            None => request.condition_expression("attribute_not_exists(pk)"),
            Some(version) => request
                .condition_expression("#version = :expected")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":expected", n(version as i64)),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    async fn add_to_key(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), PortError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(item_key))
            .update_expression("SET #incident = :now, #ttl = :expires")
            .expression_attribute_names("#incident", format!("{KEY_INCIDENT_PREFIX}{id}"))
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":expires", n(expires_at))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        // Only the latest are ever read: the others are forgotten, so that the item stays
        // small however many incidents the key saw.
        let mut listed: Vec<(i64, String)> = output
            .attributes()
            .into_iter()
            .flatten()
            .filter(|(name, _)| name.starts_with(KEY_INCIDENT_PREFIX))
            .filter_map(|(name, value)| Some((value.as_n().ok()?.parse().ok()?, name.clone())))
            .collect();
        if listed.len() <= INCIDENTS_PER_KEY {
            return Ok(());
        }
        listed.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let stale = &listed[INCIDENTS_PER_KEY..];
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(item_key));
        let mut names = Vec::new();
        for (i, (_, attribute)) in stale.iter().enumerate() {
            let name = format!("#stale{i}");
            request = request.expression_attribute_names(&name, attribute);
            names.push(name);
        }
        request
            .update_expression(format!("REMOVE {}", names.join(", ")))
            .send()
            .await
            .map_err(|err| port_error("dynamodb", err))?;
        Ok(())
    }

    async fn lock(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        open_since: i64,
        closed: &[String],
        expires_at: i64,
    ) -> Result<Lock, PortError> {
        let pk = format!("{LOCK_PREFIX}{item_key}");
        let mut condition =
            "attribute_not_exists(pk) OR incident = :id OR last_at < :open_since".to_owned();
        let closed = &closed[..closed.len().min(CLOSED_MAX)];
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PARTITION_KEY, s(pk.clone()))
            .item("incident", s(id))
            .item("last_at", n(now))
            .item(TTL_ATTRIBUTE, n(expires_at))
            .expression_attribute_values(":id", s(id))
            .expression_attribute_values(":open_since", n(open_since));
        if !closed.is_empty() {
            let names: Vec<String> = (0..closed.len()).map(|i| format!(":closed{i}")).collect();
            condition.push_str(&format!(" OR incident IN ({})", names.join(", ")));
            for (name, incident) in names.iter().zip(closed) {
                request = request.expression_attribute_values(name, s(incident.clone()));
            }
        }
        match request.condition_expression(condition).send().await {
            Ok(_) => Ok(Lock::Taken),
            Err(err) if is_condition_failed(&err) => {
                let held = self.get(pk).await?;
                match held.as_ref().and_then(|item| get_s(item, "incident")) {
                    Some(holder) => Ok(Lock::HeldBy(holder)),
                    // Gone since (expired): the next attempt takes it.
                    None => Ok(Lock::HeldBy(String::new())),
                }
            }
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }
}
