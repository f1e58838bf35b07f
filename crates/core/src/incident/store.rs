//! Where incidents are kept: the calls [`super::join`] makes, each one conditional write or one
//! read (so that the alert-state table can answer each in one request), and an in-memory store
//! for replay and tests.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::{IncidentKind, IncidentRecord};

/// What a key's item says: the incident it leads to, and when that incident's latest alert
/// through this key joined.
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

    /// What the key's item says, if there is one.
    fn indexed(&self, item_key: &str) -> impl Future<Output = Result<Option<Indexed>, Self::Error>>;

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

    /// Points the key at incident `id` (its latest alert at `now`) unless the key leads to
    /// another incident whose latest alert through it is at or after `open_since` and that is
    /// not `closed` (an incident seen resolved); `false` then.
    fn point(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        open_since: i64,
        closed: Option<&str>,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, Self::Error>>;
}

/// Incidents kept in memory: for replay and tests.
#[derive(Debug, Default)]
pub struct MemoryIncidents {
    inner: RefCell<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    index: HashMap<String, Indexed>,
    incidents: HashMap<String, IncidentRecord>,
    told: HashMap<String, Told>,
}

impl MemoryIncidents {
    /// Every incident kept, in no particular order.
    pub fn incidents(&self) -> Vec<IncidentRecord> {
        self.inner.borrow().incidents.values().cloned().collect()
    }

    /// The incident a key's item leads to.
    pub fn lookup(&self, item_key: &str) -> Option<Indexed> {
        self.inner.borrow().index.get(item_key).cloned()
    }
}

impl IncidentStore for MemoryIncidents {
    type Error = std::convert::Infallible;

    async fn told(&self, member: &str) -> Result<Option<Told>, Self::Error> {
        Ok(self.inner.borrow().told.get(member).cloned())
    }

    async fn tell(&self, member: &str, told: &Told, _expires_at: i64) -> Result<bool, Self::Error> {
        let mut inner = self.inner.borrow_mut();
        if inner.told.contains_key(member) {
            return Ok(false);
        }
        inner.told.insert(member.to_owned(), told.clone());
        Ok(true)
    }

    async fn indexed(&self, item_key: &str) -> Result<Option<Indexed>, Self::Error> {
        Ok(self.inner.borrow().index.get(item_key).cloned())
    }

    async fn incident(&self, id: &str) -> Result<Option<IncidentRecord>, Self::Error> {
        Ok(self.inner.borrow().incidents.get(id).cloned())
    }

    async fn save_incident(
        &self,
        record: &IncidentRecord,
        expected: Option<u64>,
        _expires_at: i64,
    ) -> Result<bool, Self::Error> {
        let mut inner = self.inner.borrow_mut();
        let current = inner.incidents.get(&record.id).map(|r| r.version);
        if current != expected {
            return Ok(false);
        }
        inner.incidents.insert(record.id.clone(), record.clone());
        Ok(true)
    }

    async fn point(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        open_since: i64,
        closed: Option<&str>,
        _expires_at: i64,
    ) -> Result<bool, Self::Error> {
        let mut inner = self.inner.borrow_mut();
        let mut last_at = now;
        if let Some(current) = inner.index.get(item_key) {
            if current.incident == id {
                last_at = last_at.max(current.last_at);
            } else if current.last_at >= open_since && Some(current.incident.as_str()) != closed {
                return Ok(false);
            }
        }
        inner.index.insert(
            item_key.to_owned(),
            Indexed {
                incident: id.to_owned(),
                last_at,
            },
        );
        Ok(true)
    }
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
