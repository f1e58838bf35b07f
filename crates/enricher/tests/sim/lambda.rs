//! EventBridge and Lambda around the function: every delivery of an event is an asynchronous
//! invocation; one that fails (or that Lambda stops at the function's timeout) is retried
//! about one and then two minutes later, and after the second retry the event goes to the
//! dead-letter queue. The sweep's schedule fires every five minutes (EventBridge may deliver a
//! run twice, and Lambda retries a failed one, so runs overlap). Everything runs on one thread
//! under tokio's paused clock: a schedule is a function of its seed.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};
use watchpost_enricher::{Handler, Ports, Settings};

use crate::scenario::{EPOCH, REGION, SWEEP_EVERY_S, Scenario};
use crate::world::{Inv, SimClock, SimDetective, SimMetrics, SimNotifier, SimStore, World};

/// What an invocation was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// The `delivery`-th delivery of event `event`.
    Event { event: usize, delivery: usize },
    /// The `run`-th run of the sweep's schedule (a duplicate delivery has its own number).
    Sweep { run: usize },
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Ok,
    /// The handler's error: its `errorType`.
    Failed(String),
    /// Lambda stopped it at the function's timeout.
    TimedOut,
}

/// One invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub work: Work,
    /// 1 for the first attempt, 2 and 3 for Lambda's retries.
    pub attempt: u32,
    pub request_id: String,
    pub started_ms: i64,
    pub ended_ms: i64,
    pub ended: Ended,
}

/// What a schedule came to.
pub struct Run {
    pub world: World,
    pub invocations: Vec<Invocation>,
    /// Deliveries that ended in the dead-letter queue: (event, delivery).
    pub dead_letters: Vec<Work>,
    /// When the schedule ended (Unix ms).
    pub ended_ms: i64,
}

/// Lambda's retries of an asynchronous invocation: a minute after the first attempt, two
/// after the second (Lambda developer guide, "Error handling and automatic retries").
const RETRY_DELAYS_MS: [i64; 2] = [60_000, 120_000];
/// Lambda adds a little jitter to each.
const RETRY_JITTER_MS: i64 = 5_000;
/// How long the world runs after its last event at most: long enough for the follow-ups of
/// investigations that fail for an hour to be given up.
const QUIET_LIMIT_MS: i64 = 3 * 3_600_000;

type Step<'w> = Pin<Box<dyn Future<Output = Done> + 'w>>;

/// What a step of the world came to.
enum Done {
    /// An invocation ended.
    Invoked(Inv, Ended, i64),
    /// The sweep's schedule fired.
    Tick(usize),
}

/// Runs a schedule to its end.
pub fn run(scenario: Scenario, tracing: bool) -> Run {
    thread_local! {
        // One runtime per thread, its clock paused: a schedule's times are counted from when
        // it starts, so schedules can follow one another on it.
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a runtime");
    }
    RUNTIME.with(|runtime| run_on(runtime, scenario, tracing))
}

fn run_on(runtime: &tokio::runtime::Runtime, scenario: Scenario, tracing: bool) -> Run {
    // The world's clock is the runtime's, paused: made inside it.
    let _inside = runtime.enter();
    let settings = settings(&scenario.toml);
    let routes: BTreeMap<String, String> = settings
        .topics
        .iter()
        .map(|(route, arn)| (arn.clone(), route.clone()))
        .collect();
    let world = World::new(scenario, routes, tracing);
    world
        .store
        .set_investigation_ttl(world.scenario.state_ttl_s);
    let (invocations, dead_letters) = runtime.block_on(drive(&world, settings));
    let ended_ms = world.now_ms();
    Run {
        world,
        invocations,
        dead_letters,
        ended_ms,
    }
}

/// The handler's settings for a config, resolved once per thread for each text; the topics
/// and the graph come from the environment, as provisioning sets them, and the region from
/// Lambda's.
fn settings(toml: &str) -> Settings {
    thread_local! {
        static RESOLVED: std::cell::RefCell<BTreeMap<String, Settings>> = Default::default();
    }
    RESOLVED.with(|resolved| {
        resolved
            .borrow_mut()
            .entry(toml.to_owned())
            .or_insert_with(|| {
                let env = |name: &str| {
                    if name == watchpost_contract::env::GRAPH_ENV {
                        return Some(crate::scenario::graph_arn());
                    }
                    if name == watchpost_enricher::settings::REGION_ENV {
                        return Some(crate::scenario::REGION.to_owned());
                    }
                    crate::scenario::ROUTES
                        .iter()
                        .find(|route| watchpost_contract::env::topic_env_var(route) == name)
                        .map(|route| crate::scenario::topic_arn(route))
                };
                Settings::resolve(crate::scenario::config(toml), "sim.toml", &env)
                    .expect("settings")
            })
            .clone()
    })
}

/// Delivers every event and runs the sweep's schedule until the world is quiet.
async fn drive(world: &World, settings: Settings) -> (Vec<Invocation>, Vec<Work>) {
    let handler = Handler::new(
        settings,
        Ports {
            notifier: SimNotifier(world),
            metrics: SimMetrics(world),
            detective: SimDetective(world),
            store: SimStore(world),
            clock: SimClock(world),
        },
    );
    let mut lambda = Lambda {
        world,
        handler: &handler,
        invocations: Vec::new(),
        dead_letters: Vec::new(),
        steps: FuturesUnordered::new(),
        timeout: Duration::from_secs(u64::from(world.scenario.timeout_s)),
        pending_events: 0,
        last_event_ms: 0,
    };
    let start = world.now_ms();
    for (e, event) in world.scenario.events.iter().enumerate() {
        for (d, at) in event.deliveries.iter().enumerate() {
            lambda.pending_events += 1;
            lambda.last_event_ms = lambda.last_event_ms.max(start + at);
            let request_id = format!("event-{e}-{d}");
            lambda.invoke(
                Work::Event {
                    event: e,
                    delivery: d,
                },
                1,
                request_id,
                start + at,
            );
        }
    }
    lambda.tick(0, start + world.scenario.first_sweep_ms);
    let mut ticking = true;
    while let Some(done) = lambda.steps.next().await {
        match done {
            Done::Tick(run) => {
                let now = world.now_ms();
                lambda.invoke(Work::Sweep { run: run * 2 }, 1, format!("sweep-{run}"), now);
                if world.rng().chance(world.scenario.duplicate_sweeps) {
                    let later = now + world.rng().range(0, 30_000);
                    let id = format!("sweep-{run}-again");
                    lambda.invoke(Work::Sweep { run: run * 2 + 1 }, 1, id, later);
                }
                let quiet = lambda.pending_events == 0
                    && world.store.open().is_empty()
                    && now > lambda.last_event_ms;
                let too_long = now > lambda.last_event_ms + QUIET_LIMIT_MS;
                if ticking && !quiet && !too_long {
                    lambda.tick(run + 1, now + SWEEP_EVERY_S * 1000);
                } else {
                    ticking = false;
                }
            }
            Done::Invoked(inv, ended, at) => lambda.ended(inv, ended, at),
        }
    }
    (lambda.invocations, lambda.dead_letters)
}

type SimHandler<'w> =
    Handler<SimNotifier<'w>, SimMetrics<'w>, SimDetective<'w>, SimStore<'w>, SimClock<'w>>;

struct Lambda<'w> {
    world: &'w World,
    handler: &'w SimHandler<'w>,
    invocations: Vec<Invocation>,
    dead_letters: Vec<Work>,
    steps: FuturesUnordered<Step<'w>>,
    timeout: Duration,
    /// Event deliveries not yet settled (delivered, or dead-lettered).
    pending_events: usize,
    last_event_ms: i64,
}

impl<'w> Lambda<'w> {
    fn tick(&mut self, run: usize, at_ms: i64) {
        let world = self.world;
        self.steps.push(Box::pin(async move {
            sleep_until(world, at_ms).await;
            Done::Tick(run)
        }));
    }

    /// Invokes the function at `at_ms` (Unix ms) for `work`.
    fn invoke(&mut self, work: Work, attempt: u32, request_id: String, at_ms: i64) {
        let inv = self.invocations.len();
        let world = self.world;
        let handler = self.handler;
        let timeout = self.timeout;
        let event = match work {
            Work::Event { event, .. } => world.scenario.event_json(event),
            Work::Sweep { .. } => scheduled_event(),
        };
        let label = match work {
            Work::Event { event, delivery } => {
                let e = &world.scenario.events[event];
                format!(
                    "E{event}.{delivery} F{} count {} {:?} try {attempt}",
                    e.finding, e.count, e.carrier
                )
            }
            Work::Sweep { run } => format!("sweep {run} try {attempt}"),
        };
        if world.tracing {
            world.labels.borrow_mut().push(label);
        }
        self.invocations.push(Invocation {
            work,
            attempt,
            request_id: request_id.clone(),
            started_ms: at_ms,
            ended_ms: at_ms,
            ended: Ended::Ok,
        });
        self.steps.push(Box::pin(async move {
            sleep_until(world, at_ms).await;
            world.set_current(inv);
            world.trace(|| "invoked".into());
            let work = handler.handle(event, &request_id);
            let mut work = Box::pin(tokio::time::timeout(timeout, work));
            let result = std::future::poll_fn(|cx| {
                world.set_current(inv);
                work.as_mut().poll(cx)
            })
            .await;
            world.set_current(inv);
            let ended = match result {
                Ok(Ok(_)) => Ended::Ok,
                Ok(Err(err)) => Ended::Failed(err.error_type()),
                Err(_) => Ended::TimedOut,
            };
            world.trace(|| format!("ended: {ended:?}"));
            Done::Invoked(inv, ended, world.now_ms())
        }));
    }

    /// An invocation ended: Lambda retries a failed one, then gives the event up.
    fn ended(&mut self, inv: Inv, ended: Ended, at_ms: i64) {
        let invocation = &mut self.invocations[inv];
        invocation.ended_ms = at_ms;
        invocation.ended = ended.clone();
        let (work, attempt, request_id) = (
            invocation.work,
            invocation.attempt,
            invocation.request_id.clone(),
        );
        let settled = match ended {
            Ended::Ok => true,
            Ended::Failed(_) | Ended::TimedOut => {
                if let Some(delay) = RETRY_DELAYS_MS.get(attempt as usize - 1) {
                    let jitter = self.world.rng().range(0, RETRY_JITTER_MS);
                    self.invoke(work, attempt + 1, request_id, at_ms + delay + jitter);
                    false
                } else {
                    self.dead_letters.push(work);
                    true
                }
            }
        };
        if settled && matches!(work, Work::Event { .. }) {
            self.pending_events -= 1;
        }
    }
}

async fn sleep_until(world: &World, at_ms: i64) {
    let wait = at_ms - world.now_ms();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
}

/// The sweep's scheduled event.
fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": crate::scenario::ACCOUNT,
        "time": "2026-03-02T09:00:00Z",
        "region": REGION,
        "resources": ["arn:aws:events:us-east-1:111122223333:rule/watchpost-sweep"],
        "detail": {}
    })
}

#[allow(dead_code)]
pub fn since_start(ms: i64) -> f64 {
    (ms - EPOCH * 1000) as f64 / 1000.0
}
