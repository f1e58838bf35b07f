//! The AWS around the function, simulated: the enricher's ports over the crate's in-memory
//! store and Detective, behind a fault plan that can make any call fail retryably, fail for good,
//! throttle, time out before its effect, time out after it (the ambiguous case), or take its
//! effect twice (the SDK retrying a write whose answer was lost), each after a seed-drawn
//! latency on the runtime's paused clock. Every call is a point where other invocations run.
//! What happened is written down as facts for the checker (and, when replaying, as a trace).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::FutureExt;
use watchpost_core::incident::{IncidentRecord, IncidentStore, Indexed, Lock, Told};
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::digest::DigestEntry;
use watchpost_enricher::PortError;
use watchpost_enricher::memory::{MemoryDetective, MemoryStore};
use watchpost_enricher::ports::{
    AlertStore, Claim, ClaimOutcome, Clock, DigestStore, InvestigationReport, Investigations,
    MetricsSink, Notifier, OpenInvestigation, PendingFollowUp, Publication, StoredAlert,
};

use crate::faults::{Fault, FaultPlan, Service};
use crate::rng::Rng;
use crate::scenario::{EPOCH, Scenario};

/// Which invocation a port call belongs to: set before each poll of an invocation.
pub type Inv = usize;

/// What the checker needs of one publish.
#[derive(Debug, Clone)]
pub struct Publish {
    pub inv: Inv,
    pub route: String,
    pub started_ms: i64,
    /// How many times SNS took it (twice when the SDK retried a publish SNS had taken).
    pub effects: u32,
    /// Whether the invocation heard that it did.
    pub answered: bool,
    pub followup: bool,
    pub message: String,
    /// The incident it carries, and what it is to it (`alert_kind`).
    pub incident: String,
    pub kind: String,
}

/// One write of the alert state that took effect.
#[derive(Debug, Clone)]
pub enum Write {
    Claim {
        key: String,
        token: String,
        lease_until: i64,
    },
    Delivered {
        key: String,
        route: String,
    },
    ClaimInvestigation {
        id: String,
        lease_until: i64,
    },
}

/// A store call and how it ended for the caller.
#[derive(Debug, Clone)]
pub struct StoreCall {
    pub inv: Inv,
    pub op: &'static str,
    /// The alert key or investigation id it was about.
    pub subject: String,
    /// Whether it answered, and well: `None` while it has not (or never did, its invocation
    /// stopped first).
    pub ok: Option<bool>,
    /// For a read that answered: the claim token it read.
    pub token_read: Option<String>,
}

/// A fault the plan injected.
#[derive(Debug, Clone)]
pub struct Injected {
    pub service: Service,
    pub at_ms: i64,
}

/// Facts, in the order they happened.
#[derive(Debug, Default)]
pub struct Facts {
    pub publishes: Vec<Publish>,
    pub writes: Vec<(Inv, i64, Write)>,
    pub store_calls: Vec<StoreCall>,
    pub faults: Vec<Injected>,
    /// Detective's answers about an investigation to a sweep: (inv, id, at, ok).
    pub reports: Vec<(Inv, String, i64, bool)>,
    /// Investigations forgotten: (inv, id, at).
    pub forgotten: Vec<(Inv, String, i64)>,
    /// Metrics each invocation emitted.
    pub metrics: BTreeMap<Inv, MetricCounts>,
    /// Investigations started: (id, at).
    pub started: Vec<(String, i64)>,
    /// Investigations remembered for the sweep: (id, the `started_at` it was given).
    pub remembered: Vec<(String, i64)>,
    /// The trace, when asked for.
    pub trace: Vec<String>,
}

/// The simulated AWS of one schedule.
pub struct World {
    pub scenario: Scenario,
    pub store: MemoryStore,
    pub detective: MemoryDetective,
    rng: RefCell<Rng>,
    faults: FaultPlan,
    current: Cell<Inv>,
    start: tokio::time::Instant,
    /// Topic ARN → route name.
    routes: BTreeMap<String, String>,
    /// When each investigation finishes (Unix ms), `None`: never.
    finishes: RefCell<BTreeMap<String, Option<i64>>>,
    pub facts: RefCell<Facts>,
    pub tracing: bool,
    /// Labels of invocations, for the trace.
    pub labels: RefCell<Vec<String>>,
}

impl World {
    pub fn new(scenario: Scenario, routes: BTreeMap<String, String>, tracing: bool) -> World {
        let mut rng = Rng::new(scenario.seed ^ 0x00c0_ffee);
        let faults = FaultPlan::draw(&mut rng, &scenario);
        World {
            scenario,
            store: MemoryStore::default(),
            detective: MemoryDetective::default(),
            rng: RefCell::new(rng),
            faults,
            current: Cell::new(0),
            start: tokio::time::Instant::now(),
            routes,
            finishes: RefCell::new(BTreeMap::new()),
            facts: RefCell::new(Facts::default()),
            tracing,
            labels: RefCell::new(Vec::new()),
        }
    }

    pub fn set_current(&self, inv: Inv) {
        self.current.set(inv);
    }

    /// Milliseconds since the Unix epoch, on the runtime's paused clock.
    pub fn now_ms(&self) -> i64 {
        EPOCH * 1000 + self.start.elapsed().as_millis() as i64
    }

    pub fn rng(&self) -> std::cell::RefMut<'_, Rng> {
        self.rng.borrow_mut()
    }

    pub fn fault_summary(&self) -> String {
        self.faults.describe()
    }

    pub fn trace(&self, line: impl FnOnce() -> String) {
        if self.tracing {
            let at = self.now_ms() - EPOCH * 1000;
            let inv = self.current.get();
            let label = self.labels.borrow().get(inv).cloned().unwrap_or_default();
            let text = format!(
                "{:>9.3}s  #{inv:<3} {label:<34} {}",
                at as f64 / 1000.0,
                line()
            );
            self.facts.borrow_mut().trace.push(text);
        }
    }

    /// A port call: latency, then the effect and the answer as the fault plan has it.
    async fn call<T: std::fmt::Debug>(
        &self,
        service: Service,
        op: &'static str,
        effect: impl Fn(&World) -> Result<T, PortError>,
    ) -> Result<T, PortError> {
        let (fault, before, after) = {
            let mut rng = self.rng.borrow_mut();
            let fault = self.faults.draw_fault(&mut rng, service, self.now_ms());
            (fault, latency(&mut rng), latency(&mut rng))
        };
        if fault != Fault::None {
            self.facts.borrow_mut().faults.push(Injected {
                service,
                at_ms: self.now_ms(),
            });
        }
        self.trace(|| format!("{op} → {fault:?}"));
        tokio::time::sleep(before).await;
        let result = match fault {
            Fault::None => {
                let result = effect(self);
                tokio::time::sleep(after).await;
                result
            }
            Fault::Slow(delay) => {
                tokio::time::sleep(delay).await;
                effect(self)
            }
            Fault::Throttled(backoff) => {
                tokio::time::sleep(backoff).await;
                Err(PortError::Throttled {
                    service: service.name(),
                    code: "ThrottlingException".into(),
                    message: "Rate exceeded".into(),
                })
            }
            Fault::Unavailable => Err(PortError::Unavailable {
                service: service.name(),
                message: "InternalServerError: 500".into(),
            }),
            Fault::Denied => Err(PortError::AccessDenied {
                service: service.name(),
                code: "AccessDeniedException".into(),
                message: "not authorized".into(),
            }),
            Fault::TimeoutBefore(wait) => {
                tokio::time::sleep(wait).await;
                Err(timed_out(service))
            }
            Fault::TimeoutAfter(wait) => {
                let _ = effect(self);
                tokio::time::sleep(wait).await;
                Err(timed_out(service))
            }
            Fault::AppliedTwice(backoff) => {
                let _ = effect(self);
                tokio::time::sleep(backoff).await;
                effect(self)
            }
        };
        self.trace(|| format!("{op} ← {result:?}"));
        result
    }

    /// Deletes what DynamoDB's TTL may have deleted by now.
    fn expire(&self) {
        let now = self.now_ms() / 1000;
        self.store.expire(now - self.scenario.ttl_deletion_delay_s);
    }

    /// Notes a store call's start; its answer is filled in by the index returned.
    fn store_call(&self, op: &'static str, subject: &str) -> usize {
        let mut facts = self.facts.borrow_mut();
        facts.store_calls.push(StoreCall {
            inv: self.current.get(),
            op,
            subject: subject.to_owned(),
            ok: None,
            token_read: None,
        });
        facts.store_calls.len() - 1
    }

    fn forgot(&self, investigation_id: &str) {
        let inv = self.current.get();
        let at = self.now_ms();
        self.facts
            .borrow_mut()
            .forgotten
            .push((inv, investigation_id.to_owned(), at));
    }

    fn wrote(&self, write: Write) {
        let inv = self.current.get();
        let at = self.now_ms();
        self.facts.borrow_mut().writes.push((inv, at, write));
    }

    /// Investigation ids are Detective's: digits. These are distinctive enough to be found in
    /// any message that names one.
    pub fn investigation_ids(&self) -> Vec<String> {
        self.facts
            .borrow()
            .started
            .iter()
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Lets Detective finish what is due.
    fn settle_investigations(&self) {
        let now = self.now_ms();
        let mut finishes = self.finishes.borrow_mut();
        for (id, at) in finishes.iter_mut() {
            if let Some(when) = *at
                && when <= now
            {
                self.detective.complete(InvestigationReport {
                    id: id.clone(),
                    status: "SUCCESSFUL".into(),
                    state: "ACTIVE".into(),
                    severity: Some("HIGH".into()),
                    ..Default::default()
                });
                *at = None;
            }
        }
    }
}

fn timed_out(service: Service) -> PortError {
    PortError::Unavailable {
        service: service.name(),
        message: "request timed out".into(),
    }
}

/// An ordinary call's latency: a few milliseconds, now and then a few hundred.
fn latency(rng: &mut Rng) -> Duration {
    let ms = if rng.chance(50) {
        rng.range(100, 900)
    } else {
        rng.range(1, 40)
    };
    Duration::from_millis(ms as u64)
}

/// The ports over the world, one type per trait.
pub struct SimNotifier<'w>(pub &'w World);
pub struct SimMetrics<'w>(pub &'w World);
pub struct SimDetective<'w>(pub &'w World);
pub struct SimStore<'w>(pub &'w World);
pub struct SimClock<'w>(pub &'w World);

impl Clock for SimClock<'_> {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}

impl Notifier for SimNotifier<'_> {
    async fn publish(&self, publication: &Publication) -> Result<String, PortError> {
        let world = self.0;
        let route = world
            .routes
            .get(&publication.topic_arn)
            .cloned()
            .unwrap_or_default();
        let index = {
            let mut facts = world.facts.borrow_mut();
            facts.publishes.push(Publish {
                inv: world.current.get(),
                route: route.clone(),
                started_ms: world.now_ms(),
                effects: 0,
                answered: false,
                followup: publication
                    .attributes
                    .get("alert_kind")
                    .is_some_and(|k| k == "followup"),
                message: publication.message.clone(),
                incident: publication
                    .attributes
                    .get("incident")
                    .cloned()
                    .unwrap_or_default(),
                kind: publication
                    .attributes
                    .get("alert_kind")
                    .cloned()
                    .unwrap_or_default(),
            });
            facts.publishes.len() - 1
        };
        let result = world
            .call(Service::Sns, "sns.publish", |world| {
                world.facts.borrow_mut().publishes[index].effects += 1;
                Ok(format!("message-{index}"))
            })
            .await;
        if result.is_ok() {
            world.facts.borrow_mut().publishes[index].answered = true;
        }
        result
    }
}

impl MetricsSink for SimMetrics<'_> {
    async fn emit(&self, counts: &MetricCounts, _timestamp_ms: i64) -> Result<(), PortError> {
        // EMF lines on stdout: they do not fail, and they are written when the invocation
        // ends (an invocation Lambda stops writes none).
        let inv = self.0.current.get();
        self.0
            .facts
            .borrow_mut()
            .metrics
            .entry(inv)
            .or_default()
            .merge(counts);
        Ok(())
    }
}

impl Investigations for SimDetective<'_> {
    async fn recent_investigation(
        &self,
        graph_arn: &str,
        entity_arn: &str,
        since: i64,
    ) -> Result<Option<String>, PortError> {
        self.0
            .call(Service::Detective, "detective.recent", |world| {
                (&world.detective)
                    .recent_investigation(graph_arn, entity_arn, since)
                    .now_or_never()
                    .expect("in memory")
            })
            .await
    }

    async fn start_investigation(
        &self,
        graph_arn: &str,
        entity_arn: &str,
        scope_start: i64,
        scope_end: i64,
    ) -> Result<String, PortError> {
        self.0
            .call(Service::Detective, "detective.start", |world| {
                let id = (&world.detective)
                    .start_investigation(graph_arn, entity_arn, scope_start, scope_end)
                    .now_or_never()
                    .expect("in memory")?;
                let now = world.now_ms();
                let finish = world.scenario.investigation_finish(&id, now);
                world.finishes.borrow_mut().insert(id.clone(), finish);
                world.facts.borrow_mut().started.push((id.clone(), now));
                Ok(id)
            })
            .await
    }

    async fn investigation(
        &self,
        graph_arn: &str,
        investigation_id: &str,
    ) -> Result<InvestigationReport, PortError> {
        let world = self.0;
        let result = world
            .call(Service::Detective, "detective.investigation", |world| {
                world.settle_investigations();
                (&world.detective)
                    .investigation(graph_arn, investigation_id)
                    .now_or_never()
                    .expect("in memory")
            })
            .await;
        world.facts.borrow_mut().reports.push((
            world.current.get(),
            investigation_id.to_owned(),
            world.now_ms(),
            result.is_ok(),
        ));
        result
    }
}

impl SimStore<'_> {
    async fn op<T: std::fmt::Debug>(
        &self,
        op: &'static str,
        subject: &str,
        effect: impl Fn(&World) -> Result<T, PortError>,
    ) -> Result<T, PortError> {
        self.noted_op(op, subject, effect).await.1
    }

    /// [`SimStore::op`], and the index of its call among the facts: calls of several
    /// invocations interleave, so the last call noted need not be this one.
    async fn noted_op<T: std::fmt::Debug>(
        &self,
        op: &'static str,
        subject: &str,
        effect: impl Fn(&World) -> Result<T, PortError>,
    ) -> (usize, Result<T, PortError>) {
        let world = self.0;
        let call = world.store_call(op, subject);
        let result = world
            .call(Service::DynamoDb, op, |world| {
                world.expire();
                effect(world)
            })
            .await;
        world.facts.borrow_mut().store_calls[call].ok = Some(result.is_ok());
        (call, result)
    }
}

/// Digests' calls, each one a DynamoDB call that can fail like any other.
impl DigestStore for SimStore<'_> {
    async fn keep_for_digest(&self, entry: &DigestEntry, expires_at: i64) -> Result<(), PortError> {
        self.op("dynamodb.keep_for_digest", &entry.member, |world| {
            (&world.store)
                .keep_for_digest(entry, expires_at)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn digest_entries(&self, route: &str) -> Result<Vec<DigestEntry>, PortError> {
        self.op("dynamodb.digest_entries", route, |world| {
            (&world.store)
                .digest_entries(route)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn digest_routes(&self) -> Result<Vec<String>, PortError> {
        self.op("dynamodb.digest_routes", "", |world| {
            (&world.store)
                .digest_routes()
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn claim_digest(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<bool, PortError> {
        self.op("dynamodb.claim_digest", route, |world| {
            (&world.store)
                .claim_digest(route, period_end, token, now, lease_until)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn digest_sent(
        &self,
        route: &str,
        period_end: i64,
        token: &str,
        members: &[String],
    ) -> Result<(), PortError> {
        self.op("dynamodb.digest_sent", route, |world| {
            (&world.store)
                .digest_sent(route, period_end, token, members)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn digest_failed(&self, route: &str, token: &str) -> Result<(), PortError> {
        self.op("dynamodb.digest_failed", route, |world| {
            (&world.store)
                .digest_failed(route, token)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }
}

/// Incidents' calls, each one a DynamoDB call that can fail like any other.
impl IncidentStore for SimStore<'_> {
    type Error = PortError;

    async fn told(&self, member: &str) -> Result<Option<Told>, PortError> {
        self.op("dynamodb.told", member, |world| {
            (&world.store)
                .told(member)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn tell(&self, member: &str, told: &Told, expires_at: i64) -> Result<bool, PortError> {
        self.op("dynamodb.tell", member, |world| {
            (&world.store)
                .tell(member, told, expires_at)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn indexed(&self, item_key: &str) -> Result<Vec<Indexed>, PortError> {
        self.op("dynamodb.indexed", item_key, |world| {
            (&world.store)
                .indexed(item_key)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn incident(&self, id: &str) -> Result<Option<IncidentRecord>, PortError> {
        self.op("dynamodb.incident", id, |world| {
            (&world.store)
                .incident(id)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn save_incident(
        &self,
        record: &IncidentRecord,
        expected: Option<u64>,
        expires_at: i64,
    ) -> Result<bool, PortError> {
        self.op("dynamodb.save_incident", &record.id, |world| {
            (&world.store)
                .save_incident(record, expected, expires_at)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn add_to_key(
        &self,
        item_key: &str,
        id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), PortError> {
        self.op("dynamodb.add_to_key", item_key, |world| {
            (&world.store)
                .add_to_key(item_key, id, now, expires_at)
                .now_or_never()
                .expect("in memory")
        })
        .await
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
        self.op("dynamodb.lock", item_key, |world| {
            (&world.store)
                .lock(item_key, id, now, open_since, closed, expires_at)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }
}

impl AlertStore for SimStore<'_> {
    async fn load(&self, key: &str) -> Result<Option<StoredAlert>, PortError> {
        let world = self.0;
        let (call, result) = self
            .noted_op("dynamodb.load", key, |world| {
                (&world.store).load(key).now_or_never().expect("in memory")
            })
            .await;
        if let Ok(Some(stored)) = &result {
            world.facts.borrow_mut().store_calls[call].token_read = Some(stored.token.clone());
        }
        result
    }

    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, PortError> {
        let key = claim.stored.record.key.clone();
        self.op("dynamodb.claim", &key, |world| {
            let outcome = (&world.store)
                .claim(claim)
                .now_or_never()
                .expect("in memory")?;
            if outcome == ClaimOutcome::Claimed {
                world.wrote(Write::Claim {
                    key: key.clone(),
                    token: claim.stored.token.clone(),
                    lease_until: claim.stored.lease_until,
                });
            }
            Ok(outcome)
        })
        .await
    }

    async fn delivered(&self, key: &str, token: &str, route: &str) -> Result<(), PortError> {
        self.op("dynamodb.delivered", key, |world| {
            (&world.store)
                .delivered(key, token, route)
                .now_or_never()
                .expect("in memory")?;
            world.wrote(Write::Delivered {
                key: key.to_owned(),
                route: route.to_owned(),
            });
            Ok(())
        })
        .await
    }

    async fn finish(
        &self,
        key: &str,
        token: &str,
        reached: &[String],
        complete: bool,
    ) -> Result<(), PortError> {
        self.op("dynamodb.finish", key, |world| {
            (&world.store)
                .finish(key, token, reached, complete)
                .now_or_never()
                .expect("in memory")?;
            // A finish under the current claim records each route it names.
            if world.store.get(key).is_some_and(|s| s.token == token) {
                for route in reached {
                    world.wrote(Write::Delivered {
                        key: key.to_owned(),
                        route: route.clone(),
                    });
                }
            }
            Ok(())
        })
        .await
    }

    async fn remember_investigation(&self, open: &OpenInvestigation) -> Result<(), PortError> {
        self.op("dynamodb.remember", &open.investigation_id, |world| {
            (&world.store)
                .remember_investigation(open)
                .now_or_never()
                .expect("in memory")?;
            world
                .facts
                .borrow_mut()
                .remembered
                .push((open.investigation_id.clone(), open.started_at));
            Ok(())
        })
        .await
    }

    async fn open_investigations(&self) -> Result<Vec<PendingFollowUp>, PortError> {
        self.op("dynamodb.scan", "", |world| {
            (&world.store)
                .open_investigations()
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn claim_investigation(
        &self,
        investigation_id: &str,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Vec<String>>, PortError> {
        self.op("dynamodb.claim_investigation", investigation_id, |world| {
            let claimed = (&world.store)
                .claim_investigation(investigation_id, token, now, lease_until)
                .now_or_never()
                .expect("in memory")?;
            if claimed.is_some() {
                world.wrote(Write::ClaimInvestigation {
                    id: investigation_id.to_owned(),
                    lease_until,
                });
            }
            Ok(claimed)
        })
        .await
    }

    async fn followed_up(
        &self,
        investigation_id: &str,
        token: &str,
        reached: &[String],
        failed_at: Option<i64>,
    ) -> Result<bool, PortError> {
        self.op("dynamodb.followed_up", investigation_id, |world| {
            let gone = (&world.store)
                .followed_up(investigation_id, token, reached, failed_at)
                .now_or_never()
                .expect("in memory")?;
            if gone {
                world.forgot(investigation_id);
            }
            Ok(gone)
        })
        .await
    }

    async fn follow_up_failed(&self, investigation_id: &str, now: i64) -> Result<(), PortError> {
        self.op("dynamodb.follow_up_failed", investigation_id, |world| {
            (&world.store)
                .follow_up_failed(investigation_id, now)
                .now_or_never()
                .expect("in memory")
        })
        .await
    }

    async fn forget_investigation(&self, investigation_id: &str) -> Result<bool, PortError> {
        self.op("dynamodb.forget", investigation_id, |world| {
            let gone = (&world.store)
                .forget_investigation(investigation_id)
                .now_or_never()
                .expect("in memory")?;
            if gone {
                world.forgot(investigation_id);
            }
            Ok(gone)
        })
        .await
    }
}
