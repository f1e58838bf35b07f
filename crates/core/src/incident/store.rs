//! Where incidents are kept: the calls [`super::join`] makes, each one conditional write or one
//! read (so that the alert-state table can answer each in one request), and an in-memory store
//! for replay and tests.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::{IncidentKind, IncidentRecord};

/// An incident a key leads to, and when its latest alert through that key joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    pub incident: String,
    pub last_at: i64,
}

/// What a finding update was told as, in which incident: kept so that a copy or a retry,
/// however late, is told the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    pub incident: String,
    pub kind: IncidentKind,
    /// The routes it was the incident's first alert on.
    pub first_for: Vec<String>,
}

/// The incident store's calls.
pub trait IncidentStore {
    type Error;

    /// What the finding update was told as, if it was.
    fn told(&self, member: &str) -> impl Future<Output = Result<Option<Told>, Self::Error>>;

    /// Keeps what the finding update is told as, unless it was told already; `false` then.
    fn tell(
        &self,
        member: &str,
        told: &Told,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, Self::Error>>;

    /// The incidents the key leads to, the latest first.
    fn indexed(&self, item_key: &str) -> impl Future<Output = Result<Vec<Indexed>, Self::Error>>;

    /// The incident, if it is kept.
    fn incident(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<IncidentRecord>, Self::Error>>;

    /// Writes the incident if the kept one is still at version `expected` (`None`: if there is
    /// none); `false` when it was not.
    fn save_incident(
        &self,
        record: &IncidentRecord,
        expected: Option<u64>,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, Self::Error>>;

    /// Adds incident `id` to those the key leads to (its latest alert through the key at
    /// `now`), keeping the latest [`INCIDENTS_PER_KEY`].
    fn add_to_key(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), Self::Error>>;

    /// Takes the key's opening lock for incident `id` (opened at `now`), unless it is held by
    /// another incident opened at or after `open_since` that is not among `closed` (incidents
    /// seen resolved): [`Lock::HeldBy`] that one then. Taken again by its incident, the lock
    /// keeps the time of the incident's latest alert. Of the alerts that open an incident
    /// under one key at once, one takes it: the others join the incident it opened.
    fn lock(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        open_since: i64,
        closed: &[String],
        expires_at: i64,
    ) -> impl Future<Output = Result<Lock, Self::Error>>;
}

/// Who holds a key's opening lock after [`IncidentStore::lock`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lock {
    Taken,
    HeldBy(String),
}

/// How many incidents a key leads to at most: its latest. A join reads no more, and a store
/// keeps no more, so that a key's item stays small however many incidents it saw.
pub const INCIDENTS_PER_KEY: usize = 20;

/// Incidents kept in memory: for replay and tests.
#[derive(Debug, Default)]
pub struct MemoryIncidents {
    inner: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    index: HashMap<String, BTreeMap<String, i64>>,
    locks: HashMap<String, Indexed>,
    incidents: HashMap<String, IncidentRecord>,
    told: HashMap<String, Told>,
}

impl MemoryIncidents {
    fn memory(&self) -> MutexGuard<'_, Memory> {
        // A panic elsewhere while holding it leaves nothing half-written: each call is one
        // change.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every incident kept, in no particular order.
    pub fn incidents(&self) -> Vec<IncidentRecord> {
        self.memory().incidents.values().cloned().collect()
    }

    /// The incidents a key leads to, the latest first.
    pub fn lookup(&self, item_key: &str) -> Vec<Indexed> {
        latest_first(self.memory().index.get(item_key))
    }
}

impl IncidentStore for MemoryIncidents {
    type Error = std::convert::Infallible;

    async fn told(&self, member: &str) -> Result<Option<Told>, Self::Error> {
        Ok(self.memory().told.get(member).cloned())
    }

    async fn tell(&self, member: &str, told: &Told, _expires_at: i64) -> Result<bool, Self::Error> {
        let mut inner = self.memory();
        if inner.told.contains_key(member) {
            return Ok(false);
        }
        inner.told.insert(member.to_owned(), told.clone());
        Ok(true)
    }

    async fn indexed(&self, item_key: &str) -> Result<Vec<Indexed>, Self::Error> {
        Ok(latest_first(self.memory().index.get(item_key)))
    }

    async fn incident(&self, id: &str) -> Result<Option<IncidentRecord>, Self::Error> {
        Ok(self.memory().incidents.get(id).cloned())
    }

    async fn save_incident(
        &self,
        record: &IncidentRecord,
        expected: Option<u64>,
        _expires_at: i64,
    ) -> Result<bool, Self::Error> {
        let mut inner = self.memory();
        let current = inner.incidents.get(&record.id).map(|r| r.version);
        if current != expected {
            return Ok(false);
        }
        inner.incidents.insert(record.id.clone(), record.clone());
        Ok(true)
    }

    async fn add_to_key(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        _expires_at: i64,
    ) -> Result<(), Self::Error> {
        let mut inner = self.memory();
        let incidents = inner.index.entry(item_key.to_owned()).or_default();
        let last_at = incidents.entry(id.to_owned()).or_insert(now);
        *last_at = (*last_at).max(now);
        // Only the latest are ever read: the others are forgotten.
        while incidents.len() > INCIDENTS_PER_KEY {
            let oldest = latest_first(Some(incidents))
                .pop()
                .map(|i| i.incident)
                .unwrap_or_default();
            incidents.remove(&oldest);
        }
        Ok(())
    }

    async fn lock(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        open_since: i64,
        closed: &[String],
        _expires_at: i64,
    ) -> Result<Lock, Self::Error> {
        let mut inner = self.memory();
        if let Some(held) = inner.locks.get(item_key)
            && held.incident != id
            && held.last_at >= open_since
            && !closed.contains(&held.incident)
        {
            return Ok(Lock::HeldBy(held.incident.clone()));
        }
        let now = inner
            .locks
            .get(item_key)
            .filter(|held| held.incident == id)
            .map_or(now, |held| held.last_at.max(now));
        inner.locks.insert(
            item_key.to_owned(),
            Indexed {
                incident: id.to_owned(),
                last_at: now,
            },
        );
        Ok(Lock::Taken)
    }
}

/// A key's incidents, the latest first (the incident id breaks ties, so the order is the same
/// for every reader).
fn latest_first(incidents: Option<&BTreeMap<String, i64>>) -> Vec<Indexed> {
    let mut list: Vec<Indexed> = incidents
        .into_iter()
        .flatten()
        .map(|(incident, last_at)| Indexed {
            incident: incident.clone(),
            last_at: *last_at,
        })
        .collect();
    list.sort_by(|a, b| b.last_at.cmp(&a.last_at).then(a.incident.cmp(&b.incident)));
    list
}

/// Runs a future that never waits on anything outside it (the in-memory store's) to its end.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}
