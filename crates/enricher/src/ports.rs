//! The enricher's boundaries with AWS, one narrow trait per service, in Watchpost's vocabulary.
//! The handler is generic over them (static dispatch); [`crate::adapters`] implements them over
//! the AWS SDK and `memory` (the `memory` feature) in memory, for tests and benchmarks. No type
//! here names the SDK.

use std::collections::BTreeMap;
use std::future::Future;

use watchpost_core::metrics::MetricCounts;
pub use watchpost_core::render::digest::DigestEntry;
// What Detective reports and what the sweep remembers are the follow-up's inputs, rendered by
// the core.
pub use watchpost_core::incident::{IncidentRecord, IncidentStore, Indexed, Lock, Told};
pub use watchpost_core::render::followup::{Indicator, InvestigationReport, OpenInvestigation};
use watchpost_core::state::AlertRecord;

use crate::error::PortError;

/// One message for one SNS topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub topic_arn: String,
    /// Only for formats people read in email; JSON and chat subscribers get none.
    pub subject: Option<String>,
    pub message: String,
    /// Message attributes, all of `String` data type.
    pub attributes: BTreeMap<String, String>,
}

/// Alerts out: SNS Publish.
pub trait Notifier {
    /// Publishes one message; returns the message id.
    fn publish(&self, publication: &Publication)
    -> impl Future<Output = Result<String, PortError>>;
}

/// Metrics out: EMF lines or PutMetricData.
pub trait MetricsSink {
    fn emit(
        &self,
        counts: &MetricCounts,
        timestamp_ms: i64,
    ) -> impl Future<Output = Result<(), PortError>>;
}

/// Detective: investigations of IAM principals.
pub trait Investigations {
    /// The newest investigation of `entity_arn` created at or after `since` (Unix seconds).
    fn recent_investigation(
        &self,
        graph_arn: &str,
        entity_arn: &str,
        since: i64,
    ) -> impl Future<Output = Result<Option<String>, PortError>>;

    /// Starts an investigation of `entity_arn` over the scope (Unix seconds); returns its id.
    fn start_investigation(
        &self,
        graph_arn: &str,
        entity_arn: &str,
        scope_start: i64,
        scope_end: i64,
    ) -> impl Future<Output = Result<String, PortError>>;

    /// The investigation and its indicators.
    fn investigation(
        &self,
        graph_arn: &str,
        investigation_id: &str,
    ) -> impl Future<Output = Result<InvestigationReport, PortError>>;
}

/// The stored state of one alert, with what a retry or a concurrent delivery needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    /// The alert as last claimed (count, band, when, routes reached so far).
    pub record: AlertRecord,
    /// The record before that claim, so a retry decides exactly as the first attempt did.
    pub previous: Option<AlertRecord>,
    /// The routes the claimed alert goes to.
    pub routes: Vec<String>,
    /// Whether every route has been reached.
    pub complete: bool,
    /// Until when (Unix seconds) the claiming invocation may still be delivering.
    pub lease_until: i64,
    /// The claim's token; claims and updates are conditional on it.
    pub token: String,
}

/// A claim to deliver an alert: written only if the stored state is still `expected_token`
/// (`None`: no state at all), so two invocations cannot both deliver it.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub stored: StoredAlert,
    pub expected_token: Option<String>,
    /// When DynamoDB may forget it (Unix seconds, the table's TTL attribute).
    pub expires_at: i64,
}

/// Whether a claim was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    Claimed,
    /// Another invocation changed the state first.
    AlreadyClaimed,
}

/// Alerts kept for routes' digests, in the alert-state table.
pub trait DigestStore {
    /// Keeps the alert for its route's next digest: once per finding update and route, however
    /// often it is kept.
    fn keep_for_digest(
        &self,
        entry: &DigestEntry,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), PortError>>;

    /// The alerts kept for the route's digest.
    fn digest_entries(
        &self,
        route: &str,
    ) -> impl Future<Output = Result<Vec<DigestEntry>, PortError>>;

    /// The routes some alert is kept for.
    fn digest_routes(&self) -> impl Future<Output = Result<Vec<String>, PortError>>;

    /// Takes the route's digest of the period that ended at `period_end` (Unix seconds) for
    /// this sweep until `lease_until`, unless that digest was sent or another sweep holds it.
    fn claim_digest(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> impl Future<Output = Result<bool, PortError>>;

    /// Forgets the alerts a sent digest carried (`members`), then records the period's digest
    /// as sent and releases the hold.
    fn digest_sent(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        members: &[String],
    ) -> impl Future<Output = Result<(), PortError>>;

    /// Releases the hold on a digest that could not be sent: its alerts stay for the next
    /// sweep.
    fn digest_failed(
        &self,
        route: &str,
        token: &str,
    ) -> impl Future<Output = Result<(), PortError>>;
}

/// Alert state in DynamoDB: deduplication, re-notify, routes reached, open investigations,
/// incidents (the core's [`IncidentStore`] calls) and digests ([`DigestStore`]), in one table.
pub trait AlertStore: IncidentStore<Error = PortError> + DigestStore {
    fn load(&self, key: &str) -> impl Future<Output = Result<Option<StoredAlert>, PortError>>;
    fn claim(&self, claim: &Claim) -> impl Future<Output = Result<ClaimOutcome, PortError>>;
    /// Adds `route` to the routes the claimed alert has reached.
    fn delivered(
        &self,
        key: &str,
        token: &str,
        route: &str,
    ) -> impl Future<Output = Result<(), PortError>>;
    /// Records every route the claimed alert has reached (`reached`, those of each
    /// [`AlertStore::delivered`] that may have failed included) and marks it complete (`true`)
    /// or hands it to a retry (`false`: the lease ends now).
    fn finish(
        &self,
        key: &str,
        token: &str,
        reached: &[String],
        complete: bool,
    ) -> impl Future<Output = Result<(), PortError>>;
    /// Remembers an investigation for the sweep. An existing entry (a reused investigation)
    /// keeps its alert and gains the routes it did not have: every route an alert on the
    /// investigation reached hears how it ended. Each open investigation is an item of its
    /// own: no item limit on how many can be open.
    fn remember_investigation(
        &self,
        open: &OpenInvestigation,
    ) -> impl Future<Output = Result<(), PortError>>;
    fn open_investigations(&self) -> impl Future<Output = Result<Vec<PendingFollowUp>, PortError>>;
    /// Takes the investigation's follow-up for this sweep until `lease_until` (Unix seconds),
    /// unless another sweep holds it: the routes still to hear it, or `None` when another sweep
    /// holds it (or the entry is gone).
    fn claim_investigation(
        &self,
        investigation_id: &str,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> impl Future<Output = Result<Option<Vec<String>>, PortError>>;
    /// Records what the sweep holding the follow-up with `token` did: the routes in `reached`
    /// heard it; when a route was missed, the follow-up has been failing since `failed_at`
    /// (unless it already was). Releases the hold, and forgets the investigation once no route
    /// is left to hear it: routes an alert added meanwhile keep it for the next sweep. `true`
    /// when it was forgotten; `false` too when another sweep had taken the follow-up over.
    fn followed_up(
        &self,
        investigation_id: &str,
        token: &str,
        reached: &[String],
        failed_at: Option<i64>,
    ) -> impl Future<Output = Result<bool, PortError>>;
    /// Detective could not say how the investigation stands: its follow-up has been failing
    /// since `now`, unless it already was.
    fn follow_up_failed(
        &self,
        investigation_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<(), PortError>>;
    /// Forgets an investigation whose follow-up was given up; `false` when it was already gone.
    fn forget_investigation(
        &self,
        investigation_id: &str,
    ) -> impl Future<Output = Result<bool, PortError>>;
}

/// An open investigation as the sweep finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingFollowUp {
    pub investigation: OpenInvestigation,
    /// When its follow-up first failed (Unix seconds), while it is failing: the sweep gives it
    /// up an hour later.
    pub failing_since: Option<i64>,
}

/// The time, injected so that tests are deterministic.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }
}
