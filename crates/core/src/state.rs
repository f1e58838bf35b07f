//! Alert state: what has been alerted already, so duplicates are dropped and updates re-alert
//! only when they should. The core only defines the record and an in-memory store; the enricher
//! keeps the same record in DynamoDB.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::guardduty::Finding;
use crate::severity::SeverityLabel;

/// What Watchpost remembers of an alerted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// [`alert_key`] of the finding.
    pub key: String,
    /// `service.count` when last alerted.
    pub count: i64,
    /// Severity band when last alerted.
    pub band: SeverityLabel,
    /// When it was last alerted (Unix seconds).
    pub notified_at: i64,
    /// Routes the latest alert has reached (so a retry sends only the rest).
    pub routes_delivered: Vec<String>,
}

/// The key a finding's alert state is kept under. GuardDuty's finding ids are unique within an
/// account and region; Security Hub's copy normalises to the same id, so it finds the original.
pub fn alert_key(finding: &Finding) -> String {
    format!("{}/{}/{}", finding.account_id, finding.region, finding.id)
}

/// Alert state kept in memory: for replay and tests.
#[derive(Debug, Default, Clone)]
pub struct MemoryAlertState {
    records: HashMap<String, AlertRecord>,
}

impl MemoryAlertState {
    pub fn get(&self, key: &str) -> Option<&AlertRecord> {
        self.records.get(key)
    }

    pub fn put(&mut self, record: AlertRecord) {
        self.records.insert(record.key.clone(), record);
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
