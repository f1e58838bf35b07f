//! In-memory ports: a recording SNS, metrics that accumulate, a scripted Detective, an alert
//! store with DynamoDB's conditional semantics, and a clock that only moves when told. For
//! tests and benchmarks; each can be told to fail the way the real service does. The traits are
//! implemented for references, so several handlers can share one store.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use watchpost_core::incident::{
    IncidentRecord, IncidentStore, Indexed, Lock, MemoryIncidents, Told,
};
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::digest::DigestEntry;

use crate::adapters::dynamodb;
use crate::error::PortError;
use crate::ports::{
    AlertStore, Claim, ClaimOutcome, Clock, DigestStore, InvestigationReport, Investigations,
    MetricsSink, Notifier, OpenInvestigation, PendingFollowUp, Publication, StoredAlert,
};

fn throttled(service: &'static str) -> PortError {
    PortError::Throttled {
        service,
        code: "Throttling".into(),
        message: "Rate exceeded".into(),
    }
}

/// SNS that records what was published; topics in `failing` answer with throttling.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    published: Mutex<Vec<Publication>>,
    failing: Mutex<HashSet<String>>,
    delay_ms: AtomicU64,
}

impl MemoryNotifier {
    pub fn published(&self) -> Vec<Publication> {
        self.published.lock().unwrap().clone()
    }
    pub fn fail_topic(&self, topic_arn: &str, fail: bool) {
        let mut failing = self.failing.lock().unwrap();
        if fail {
            failing.insert(topic_arn.to_owned());
        } else {
            failing.remove(topic_arn);
        }
    }
    pub fn clear(&self) {
        self.published.lock().unwrap().clear();
    }
    /// Every publish waits this long first (a slow or hanging SNS).
    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Notifier for &MemoryNotifier {
    async fn publish(&self, publication: &Publication) -> Result<String, PortError> {
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if self
            .failing
            .lock()
            .unwrap()
            .contains(&publication.topic_arn)
        {
            return Err(throttled("sns"));
        }
        let mut published = self.published.lock().unwrap();
        published.push(publication.clone());
        Ok(format!("message-{}", published.len()))
    }
}

/// Metrics that add up in memory.
#[derive(Debug, Default)]
pub struct MemoryMetrics {
    counts: Mutex<MetricCounts>,
}

impl MemoryMetrics {
    pub fn counts(&self) -> MetricCounts {
        self.counts.lock().unwrap().clone()
    }
    /// The total of a pipeline counter over its dimension values, read back from its EMF form.
    pub fn total(&self, metric: &str) -> u64 {
        self.counts()
            .to_emf("test", 0)
            .iter()
            .filter_map(|doc| doc.get(metric).and_then(serde_json::Value::as_u64))
            .sum()
    }
}

impl MetricsSink for &MemoryMetrics {
    async fn emit(&self, counts: &MetricCounts, _timestamp_ms: i64) -> Result<(), PortError> {
        self.counts.lock().unwrap().merge(counts);
        Ok(())
    }
}

/// Detective with investigations in memory; it can be slowed down or made to fail.
#[derive(Debug, Default)]
pub struct MemoryDetective {
    /// `(entity_arn, created_at, report)`.
    investigations: Mutex<Vec<(String, i64, InvestigationReport)>>,
    delay_ms: AtomicU64,
    failing: AtomicBool,
    started: AtomicU64,
}

impl MemoryDetective {
    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::SeqCst)
    }
    /// Sets the outcome of an investigation (e.g. finished, with indicators).
    pub fn complete(&self, report: InvestigationReport) {
        let mut all = self.investigations.lock().unwrap();
        if let Some(entry) = all.iter_mut().find(|(_, _, r)| r.id == report.id) {
            entry.2 = report;
        }
    }
    async fn gate(&self) -> Result<(), PortError> {
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if self.failing.load(Ordering::SeqCst) {
            return Err(PortError::AccessDenied {
                service: "detective",
                code: "AccessDeniedException".into(),
                message: "not authorized".into(),
            });
        }
        Ok(())
    }
}

impl Investigations for &MemoryDetective {
    async fn recent_investigation(
        &self,
        _graph: &str,
        entity_arn: &str,
        since: i64,
    ) -> Result<Option<String>, PortError> {
        self.gate().await?;
        let all = self.investigations.lock().unwrap();
        Ok(all
            .iter()
            .filter(|(entity, created, _)| entity == entity_arn && *created >= since)
            .max_by_key(|(_, created, _)| *created)
            .map(|(_, _, r)| r.id.clone()))
    }

    async fn start_investigation(
        &self,
        _graph: &str,
        entity_arn: &str,
        _start: i64,
        end: i64,
    ) -> Result<String, PortError> {
        self.gate().await?;
        let n = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let id = format!("{n:016}");
        let report = InvestigationReport {
            id: id.clone(),
            entity_arn: entity_arn.to_owned(),
            status: "RUNNING".into(),
            state: "ACTIVE".into(),
            severity: None,
            indicators: Vec::new(),
        };
        // Created "now", which is the end of the scope the handler asks for.
        self.investigations
            .lock()
            .unwrap()
            .push((entity_arn.to_owned(), end, report));
        Ok(id)
    }

    async fn investigation(
        &self,
        _graph: &str,
        id: &str,
    ) -> Result<InvestigationReport, PortError> {
        self.gate().await?;
        let all = self.investigations.lock().unwrap();
        all.iter()
            .find(|(_, _, r)| r.id == id)
            .map(|(_, _, r)| r.clone())
            .ok_or_else(|| PortError::NotFound {
                service: "detective",
                code: "ResourceNotFoundException".into(),
                message: format!("no investigation {id}"),
            })
    }
}

/// A sweep's hold on a follow-up: its token and the end of its lease (Unix seconds).
type Hold = (String, i64);

/// An open investigation as the store keeps it.
#[derive(Debug, Clone)]
struct Entry {
    open: OpenInvestigation,
    held: Option<Hold>,
    failing_since: Option<i64>,
}

/// Alert state with the conditional semantics of the DynamoDB adapter.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// Each alert's state and when DynamoDB's TTL may delete it (Unix seconds).
    alerts: Mutex<HashMap<String, (StoredAlert, i64)>>,
    /// Open investigations, with the sweep holding each, if any.
    open: Mutex<BTreeMap<String, Entry>>,
    /// How long after its start an open investigation may be deleted (0: the adapter's
    /// default).
    investigation_ttl: AtomicI64,
    failing: AtomicBool,
    failing_claims: AtomicBool,
    /// Incidents, kept as the core keeps them in memory.
    incidents: MemoryIncidents,
    /// Each route's digest: the alerts kept (by finding update), the last period sent, and
    /// the sweep holding it.
    digests: Mutex<BTreeMap<String, Digest>>,
}

#[derive(Debug, Default)]
struct Digest {
    entries: BTreeMap<String, DigestEntry>,
    last_period: Option<i64>,
    held: Option<Hold>,
}

impl MemoryStore {
    /// The incidents kept.
    pub fn incidents(&self) -> Vec<IncidentRecord> {
        self.incidents.incidents()
    }

    /// The alerts kept for a route's digest.
    pub fn digest(&self, route: &str) -> Vec<DigestEntry> {
        self.digests
            .lock()
            .unwrap()
            .get(route)
            .map(|d| d.entries.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Sets how long open investigations are kept at most, as the adapter's
    /// `with_investigation_ttl` does.
    pub fn set_investigation_ttl(&self, seconds: i64) {
        self.investigation_ttl.store(seconds, Ordering::SeqCst);
    }

    /// Deletes what DynamoDB's TTL may delete by `now` (Unix seconds): items whose TTL
    /// attribute is older.
    pub fn expire(&self, now: i64) {
        self.alerts
            .lock()
            .unwrap()
            .retain(|_, (_, expires_at)| *expires_at >= now);
        let ttl = match self.investigation_ttl.load(Ordering::SeqCst) {
            0 => dynamodb::DEFAULT_INVESTIGATION_TTL_SECONDS,
            ttl => ttl,
        };
        self.open
            .lock()
            .unwrap()
            .retain(|_, e| dynamodb::investigation_expires_at(e.open.started_at, ttl) >= now);
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
    pub fn get(&self, key: &str) -> Option<StoredAlert> {
        self.alerts
            .lock()
            .unwrap()
            .get(key)
            .map(|(stored, _)| stored.clone())
    }
    pub fn open(&self) -> Vec<OpenInvestigation> {
        self.open
            .lock()
            .unwrap()
            .values()
            .map(|e| e.open.clone())
            .collect()
    }
    /// Since when each open investigation's follow-up has been failing, by id.
    pub fn failing_since(&self, id: &str) -> Option<i64> {
        self.open.lock().unwrap().get(id)?.failing_since
    }
    /// Claims (only) fail with throttling, as when DynamoDB answers reads but not writes.
    pub fn set_failing_claims(&self, failing: bool) {
        self.failing_claims.store(failing, Ordering::SeqCst);
    }
    fn check(&self) -> Result<(), PortError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(PortError::Throttled {
                service: "dynamodb",
                code: "ProvisionedThroughputExceededException".into(),
                message:
                    "The level of configured provisioned throughput for the table was exceeded"
                        .into(),
            });
        }
        Ok(())
    }
}

/// The in-memory incidents' calls, failing as the rest of the store does.
impl IncidentStore for &MemoryStore {
    type Error = PortError;

    async fn told(&self, member: &str) -> Result<Option<Told>, PortError> {
        self.check()?;
        Ok(infallible(self.incidents.told(member).await))
    }

    async fn tell(&self, member: &str, told: &Told, expires_at: i64) -> Result<bool, PortError> {
        self.check()?;
        Ok(infallible(
            self.incidents.tell(member, told, expires_at).await,
        ))
    }

    async fn indexed(&self, item_key: &str) -> Result<Vec<Indexed>, PortError> {
        self.check()?;
        Ok(infallible(self.incidents.indexed(item_key).await))
    }

    async fn incident(&self, id: &str) -> Result<Option<IncidentRecord>, PortError> {
        self.check()?;
        Ok(infallible(self.incidents.incident(id).await))
    }

    async fn save_incident(
        &self,
        record: &IncidentRecord,
        expected: Option<u64>,
        expires_at: i64,
    ) -> Result<bool, PortError> {
        self.check()?;
        Ok(infallible(
            self.incidents
                .save_incident(record, expected, expires_at)
                .await,
        ))
    }

    async fn add_to_key(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), PortError> {
        self.check()?;
        infallible(
            self.incidents
                .add_to_key(item_key, id, now, expires_at)
                .await,
        );
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
        self.check()?;
        Ok(infallible(
            self.incidents
                .lock(item_key, id, now, open_since, closed, expires_at)
                .await,
        ))
    }
}

impl DigestStore for &MemoryStore {
    async fn keep_for_digest(
        &self,
        entry: &DigestEntry,
        _expires_at: i64,
    ) -> Result<(), PortError> {
        self.check()?;
        self.digests
            .lock()
            .unwrap()
            .entry(entry.route.clone())
            .or_default()
            .entries
            .entry(entry.member.clone())
            .or_insert_with(|| entry.clone());
        Ok(())
    }

    async fn digest_entries(&self, route: &str) -> Result<Vec<DigestEntry>, PortError> {
        self.check()?;
        Ok(self.digest(route))
    }

    async fn digest_routes(&self) -> Result<Vec<String>, PortError> {
        self.check()?;
        Ok(self
            .digests
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, digest)| !digest.entries.is_empty())
            .map(|(route, _)| route.clone())
            .collect())
    }

    async fn claim_digest(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<bool, PortError> {
        self.check()?;
        let mut digests = self.digests.lock().unwrap();
        let digest = digests.entry(route.to_owned()).or_default();
        if digest.last_period.is_some_and(|p| p >= period_end) {
            return Ok(false);
        }
        if let Some((holder, until)) = &digest.held
            && holder != token
            && *until > now
        {
            return Ok(false);
        }
        digest.held = Some((token.to_owned(), lease_until));
        Ok(true)
    }

    async fn digest_sent(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        members: &[String],
    ) -> Result<(), PortError> {
        self.check()?;
        let mut digests = self.digests.lock().unwrap();
        let digest = digests.entry(route.to_owned()).or_default();
        for member in members {
            digest.entries.remove(member);
        }
        if digest
            .held
            .as_ref()
            .is_some_and(|(holder, _)| holder == token)
        {
            digest.last_period = Some(period_end);
            digest.held = None;
        }
        Ok(())
    }

    async fn digest_failed(&self, route: &str, token: &str) -> Result<(), PortError> {
        self.check()?;
        let mut digests = self.digests.lock().unwrap();
        if let Some(digest) = digests.get_mut(route)
            && digest
                .held
                .as_ref()
                .is_some_and(|(holder, _)| holder == token)
        {
            digest.held = None;
        }
        Ok(())
    }
}

fn infallible<T>(result: Result<T, std::convert::Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

impl AlertStore for &MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<StoredAlert>, PortError> {
        self.check()?;
        Ok(self.get(key))
    }

    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, PortError> {
        self.check()?;
        if self.failing_claims.load(Ordering::SeqCst) {
            return Err(throttled("dynamodb"));
        }
        let mut alerts = self.alerts.lock().unwrap();
        let current = alerts
            .get(&claim.stored.record.key)
            .map(|(s, _)| s.token.clone());
        if current != claim.expected_token {
            return Ok(ClaimOutcome::AlreadyClaimed);
        }
        alerts.insert(
            claim.stored.record.key.clone(),
            (claim.stored.clone(), claim.expires_at),
        );
        Ok(ClaimOutcome::Claimed)
    }

    async fn delivered(&self, key: &str, token: &str, route: &str) -> Result<(), PortError> {
        self.check()?;
        let mut alerts = self.alerts.lock().unwrap();
        match alerts.get_mut(key) {
            Some((stored, _)) if stored.token == token => {
                if !stored.record.routes_delivered.iter().any(|r| r == route) {
                    stored.record.routes_delivered.push(route.to_owned());
                }
                Ok(())
            }
            _ => Err(PortError::Invalid {
                service: "dynamodb",
                code: "ConditionalCheckFailedException".into(),
                message: "claim lost".into(),
            }),
        }
    }

    async fn finish(
        &self,
        key: &str,
        token: &str,
        reached: &[String],
        complete: bool,
    ) -> Result<(), PortError> {
        self.check()?;
        let mut alerts = self.alerts.lock().unwrap();
        if let Some((stored, _)) = alerts.get_mut(key).filter(|(s, _)| s.token == token) {
            for route in reached {
                if !stored.record.routes_delivered.contains(route) {
                    stored.record.routes_delivered.push(route.clone());
                }
            }
            stored.complete = complete;
            if !complete {
                stored.lease_until = 0;
            }
        }
        Ok(())
    }

    async fn remember_investigation(&self, open: &OpenInvestigation) -> Result<(), PortError> {
        self.check()?;
        let mut entries = self.open.lock().unwrap();
        let entry = entries
            .entry(open.investigation_id.clone())
            .or_insert_with(|| Entry {
                open: OpenInvestigation {
                    routes: Vec::new(),
                    ..open.clone()
                },
                held: None,
                failing_since: None,
            });
        // A reused investigation: the routes of every alert that reused it, once each (a set,
        // as DynamoDB keeps them).
        add_routes(&mut entry.open.routes, &open.routes);
        Ok(())
    }

    async fn open_investigations(&self) -> Result<Vec<PendingFollowUp>, PortError> {
        self.check()?;
        Ok(self
            .open
            .lock()
            .unwrap()
            .values()
            .map(|e| PendingFollowUp {
                investigation: e.open.clone(),
                failing_since: e.failing_since,
            })
            .collect())
    }

    async fn claim_investigation(
        &self,
        id: &str,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Vec<String>>, PortError> {
        self.check()?;
        let mut open = self.open.lock().unwrap();
        match open.get_mut(id) {
            Some(e) if e.held.as_ref().is_none_or(|(_, until)| *until < now) => {
                e.held = Some((token.to_owned(), lease_until));
                Ok(Some(e.open.routes.clone()))
            }
            _ => Ok(None),
        }
    }

    async fn followed_up(
        &self,
        id: &str,
        token: &str,
        reached: &[String],
        failed_at: Option<i64>,
    ) -> Result<bool, PortError> {
        self.check()?;
        let mut open = self.open.lock().unwrap();
        let Some(e) = open
            .get_mut(id)
            .filter(|e| e.held.as_ref().is_some_and(|(t, _)| t == token))
        else {
            return Ok(false); // gone, or another sweep took it over
        };
        e.open.routes.retain(|r| !reached.contains(r));
        if let Some(at) = failed_at {
            e.failing_since.get_or_insert(at);
        }
        e.held = None;
        if e.open.routes.is_empty() {
            open.remove(id);
            return Ok(true);
        }
        Ok(false)
    }

    async fn follow_up_failed(&self, id: &str, now: i64) -> Result<(), PortError> {
        self.check()?;
        if let Some(e) = self.open.lock().unwrap().get_mut(id) {
            e.failing_since.get_or_insert(now);
        }
        Ok(())
    }

    async fn forget_investigation(&self, id: &str) -> Result<bool, PortError> {
        self.check()?;
        Ok(self.open.lock().unwrap().remove(id).is_some())
    }
}

/// Adds to a set of routes kept sorted, as a DynamoDB string set reads back.
fn add_routes(set: &mut Vec<String>, routes: &[String]) {
    for route in routes {
        if !set.contains(route) {
            set.push(route.clone());
        }
    }
    set.sort();
}

/// A clock that stands still unless moved.
#[derive(Debug, Default)]
pub struct FixedClock(pub AtomicI64);

impl FixedClock {
    pub fn at(seconds: i64) -> Self {
        FixedClock(AtomicI64::new(seconds * 1000))
    }
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds * 1000, Ordering::SeqCst);
    }
}

impl Clock for &FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Implements the incident and digest stores' calls for a test's wrapper around a
/// `&MemoryStore` (its field `$field`) by handing each to the store: wrappers change
/// alert-state calls, not these.
#[macro_export]
macro_rules! incidents_from_memory_store {
    ($wrapper:ty, $field:ident) => {
        impl $crate::ports::DigestStore for $wrapper {
            async fn keep_for_digest(
                &self,
                entry: &$crate::ports::DigestEntry,
                expires_at: i64,
            ) -> Result<(), $crate::PortError> {
                self.$field.keep_for_digest(entry, expires_at).await
            }
            async fn digest_entries(
                &self,
                route: &str,
            ) -> Result<Vec<$crate::ports::DigestEntry>, $crate::PortError> {
                self.$field.digest_entries(route).await
            }
            async fn digest_routes(&self) -> Result<Vec<String>, $crate::PortError> {
                self.$field.digest_routes().await
            }
            async fn claim_digest(
                &self,
                route: &str,
                period_end: i64,
                token: &str,
                now: i64,
                lease_until: i64,
            ) -> Result<bool, $crate::PortError> {
                self.$field
                    .claim_digest(route, period_end, token, now, lease_until)
                    .await
            }
            async fn digest_sent(
                &self,
                route: &str,
                period_end: i64,
                token: &str,
                members: &[String],
            ) -> Result<(), $crate::PortError> {
                self.$field
                    .digest_sent(route, period_end, token, members)
                    .await
            }
            async fn digest_failed(
                &self,
                route: &str,
                token: &str,
            ) -> Result<(), $crate::PortError> {
                self.$field.digest_failed(route, token).await
            }
        }
        impl $crate::ports::IncidentStore for $wrapper {
            type Error = $crate::PortError;
            async fn told(
                &self,
                member: &str,
            ) -> Result<Option<$crate::ports::Told>, $crate::PortError> {
                self.$field.told(member).await
            }
            async fn tell(
                &self,
                member: &str,
                told: &$crate::ports::Told,
                expires_at: i64,
            ) -> Result<bool, $crate::PortError> {
                self.$field.tell(member, told, expires_at).await
            }
            async fn indexed(
                &self,
                item_key: &str,
            ) -> Result<Vec<$crate::ports::Indexed>, $crate::PortError> {
                self.$field.indexed(item_key).await
            }
            async fn incident(
                &self,
                id: &str,
            ) -> Result<Option<$crate::ports::IncidentRecord>, $crate::PortError> {
                self.$field.incident(id).await
            }
            async fn save_incident(
                &self,
                record: &$crate::ports::IncidentRecord,
                expected: Option<u64>,
                expires_at: i64,
            ) -> Result<bool, $crate::PortError> {
                self.$field
                    .save_incident(record, expected, expires_at)
                    .await
            }
            async fn add_to_key(
                &self,
                item_key: &str,
                id: &str,
                now: i64,
                expires_at: i64,
            ) -> Result<(), $crate::PortError> {
                self.$field.add_to_key(item_key, id, now, expires_at).await
            }
            async fn lock(
                &self,
                item_key: &str,
                id: &str,
                now: i64,
                open_since: i64,
                closed: &[String],
                expires_at: i64,
            ) -> Result<$crate::ports::Lock, $crate::PortError> {
                self.$field
                    .lock(item_key, id, now, open_since, closed, expires_at)
                    .await
            }
        }
    };
}
