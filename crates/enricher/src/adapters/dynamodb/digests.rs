//! Digests in the alert-state table:
//!
//! - `digest#<route>#<finding update>`: one alert kept for the route's next digest (its entry
//!   as JSON), written once; the sweep lists a route's with a Scan of that prefix and deletes
//!   each once a digest carried it.
//! - `digest-sent#<route>`: the end of the last period whose digest was sent, and the sweep
//!   holding the route's digest (token and lease), taken with a conditional write.

use watchpost_contract::table::{PARTITION_KEY, TTL_ATTRIBUTE};
use watchpost_core::render::digest::DigestEntry;

use super::{DynamoStore, Item, corrupt, get_s, is_condition_failed, n, s};
use crate::adapters::port_error;
use crate::error::PortError;
use crate::ports::DigestStore;

const ENTRY_PREFIX: &str = "digest#";
const SENT_PREFIX: &str = "digest-sent#";

fn entry_key(route: &str, member: &str) -> String {
    format!("{ENTRY_PREFIX}{route}#{member}")
}

impl DigestStore for DynamoStore {
    async fn keep_for_digest(&self, entry: &DigestEntry, expires_at: i64) -> Result<(), PortError> {
        let json = serde_json::to_string(entry).map_err(|_| corrupt("digest entry: unwritable"))?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PARTITION_KEY, s(entry_key(&entry.route, &entry.member)))
            .item("entry", s(json))
            .item(TTL_ATTRIBUTE, n(expires_at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            // Kept already (a copy, a retry): once is enough.
            Ok(_) => Ok(()),
            Err(err) if is_condition_failed(&err) => Ok(()),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    async fn digest_entries(&self, route: &str) -> Result<Vec<DigestEntry>, PortError> {
        let prefix = format!("{ENTRY_PREFIX}{route}#");
        let mut entries = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(#pk, :prefix)")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_values(":prefix", s(prefix.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| port_error("dynamodb", err))?;
            for item in output.items() {
                let entry = get_s(item, "entry")
                    .and_then(|json| serde_json::from_str::<DigestEntry>(&json).ok())
                    .ok_or_else(|| corrupt("digest entry: unreadable"))?;
                entries.push(entry);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        entries.sort_by(|a, b| a.at.cmp(&b.at).then(a.member.cmp(&b.member)));
        Ok(entries)
    }

    async fn digest_routes(&self) -> Result<Vec<String>, PortError> {
        let mut routes = std::collections::BTreeSet::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(#pk, :prefix)")
                .projection_expression("#pk")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_values(":prefix", s(ENTRY_PREFIX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| port_error("dynamodb", err))?;
            for item in output.items() {
                // `digest#<route>#<member>`: route names hold no `#`.
                if let Some(route) = get_s(item, PARTITION_KEY)
                    .as_deref()
                    .and_then(|pk| pk.strip_prefix(ENTRY_PREFIX))
                    .and_then(|rest| rest.split('#').next())
                {
                    routes.insert(route.to_owned());
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(routes.into_iter().collect())
    }

    async fn claim_digest(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<bool, PortError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(format!("{SENT_PREFIX}{route}")))
            .update_expression("SET #token = :token, lease_until = :lease")
            .condition_expression(
                "(attribute_not_exists(last_period) OR last_period < :period) AND \
                 (attribute_not_exists(lease_until) OR lease_until <= :now OR #token = :token)",
            )
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":lease", n(lease_until))
            .expression_attribute_values(":period", n(period_end))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }

    async fn digest_sent(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        members: &[String],
    ) -> Result<(), PortError> {
        // The alerts first: should the run stop between, the period is claimed again and its
        // digest holds only what is left.
        for member in members {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key(PARTITION_KEY, s(entry_key(route, member)))
                .send()
                .await
                .map_err(|err| port_error("dynamodb", err))?;
        }
        // Another sweep that took the digest over after this one's lease records it.
        self.release(route, token, Some(period_end)).await
    }

    async fn digest_failed(&self, route: &str, token: &str) -> Result<(), PortError> {
        self.release(route, token, None).await
    }
}

impl DynamoStore {
    /// Releases this sweep's hold on the route's digest (`token`), recording `sent` as the
    /// last period sent when given; nothing when another sweep holds it now.
    async fn release(&self, route: &str, token: &str, sent: Option<i64>) -> Result<(), PortError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(format!("{SENT_PREFIX}{route}")))
            .condition_expression("#token = :token")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":token", s(token));
        let request = match sent {
            Some(period_end) => request
                .update_expression("SET last_period = :period REMOVE #token, lease_until")
                .expression_attribute_values(":period", n(period_end)),
            None => request.update_expression("REMOVE #token, lease_until"),
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failed(&err) => Ok(()),
            Err(err) => Err(port_error("dynamodb", err)),
        }
    }
}
