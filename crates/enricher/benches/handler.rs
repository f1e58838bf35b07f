//! Per-event handler time over in-memory ports: a new alert rendered for three routes, a
//! duplicate suppressed, an ignored event and a malformed one. What the Lambda adds on top is
//! the network time of its AWS calls. After criterion's report, one row of `just bench`'s
//! table: the CPU time a new alert for three routes takes, beside the same figure for the code
//! before it was made faster.
//!
//! The row counts this thread's CPU time (`/proc/thread-self/schedstat`, nanoseconds on a CPU),
//! not wall-clock time: on a machine shared with builds, wall-clock time per event moves with
//! the load many times over, CPU time far less, so a figure measured today can be compared with
//! one measured before. Criterion's report above it stays wall-clock.
use std::hint::black_box;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use serde_json::{Value, json};
use watchpost_core::Config;
use watchpost_enricher::memory::{
    FixedClock, MemoryDetective, MemoryMetrics, MemoryNotifier, MemoryStore,
};
use watchpost_enricher::{Handler, Ports, Settings};

const CONFIG: &str = include_str!("../tests/testdata/enricher.toml");
const EVENT: &str = include_str!("../tests/testdata/accesskey-bedrock-anomalous-invocation.json");
/// CPU time per new alert for three routes of the code before it was made faster (commit
/// dd22496), measured as [`table_row`] measures it, on the 2-core machine the goal was set on,
/// 2026-11-30 00:48 UTC, with builds running beside it (load average 6): 249, 261 and 255 µs in
/// three runs. Criterion's wall-clock median in the same minute: 433 µs.
const BEFORE: Duration = Duration::from_nanos(BEFORE_NANOS);
const BEFORE_NANOS: u64 = 255_000;
const BEFORE_COMMIT: &str = "dd22496";
/// The goal: at least three times less.
const GOAL_FACTOR: f64 = 3.0;
const ROW_RUNS: usize = 2_000;

fn handler_benches(c: &mut Criterion) {
    for_each_handler(|runtime, handler, notifier, event| {
        benches_over(c, runtime, handler, notifier, event)
    });
}

/// The handler over in-memory ports, with the bench config and event.
fn for_each_handler(
    mut body: impl FnMut(&tokio::runtime::Runtime, &BenchHandler<'_>, &MemoryNotifier, &Value),
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = Config::from_toml(CONFIG, "enricher.toml").unwrap();
    let settings = Settings::resolve(config, "enricher.toml", &|_| None).unwrap();
    let (notifier, metrics, detective, store, clock) = (
        MemoryNotifier::default(),
        MemoryMetrics::default(),
        MemoryDetective::default(),
        MemoryStore::default(),
        FixedClock::at(1_772_442_000),
    );
    let handler = Handler::new(
        settings,
        Ports {
            notifier: &notifier,
            metrics: &metrics,
            detective: &detective,
            store: &store,
            clock: &clock,
        },
    );
    let event: Value = serde_json::from_str(EVENT).unwrap();
    body(&runtime, &handler, &notifier, &event);
}

type BenchHandler<'a> = Handler<
    &'a MemoryNotifier,
    &'a MemoryMetrics,
    &'a MemoryDetective,
    &'a MemoryStore,
    &'a FixedClock,
>;

fn benches_over(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    handler: &BenchHandler<'_>,
    notifier: &MemoryNotifier,
    event: &Value,
) {
    let mut n = 0u64;
    c.bench_function("handler/new alert, 3 routes", |b| {
        b.iter(|| {
            n += 1;
            let mut event = event.clone();
            event["detail"]["id"] = json!(format!("{n:032x}"));
            let answer = runtime.block_on(handler.handle(event, "bench")).unwrap();
            notifier.clear();
            black_box(answer)
        })
    });
    runtime
        .block_on(handler.handle(event.clone(), "bench"))
        .unwrap();
    c.bench_function("handler/duplicate suppressed", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(handler.handle(event.clone(), "bench"))
                    .unwrap(),
            )
        })
    });
    let health = json!({"version": "0", "detail-type": "AWS Health Event", "source": "aws.health", "detail": {}});
    c.bench_function("handler/ignored event", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(handler.handle(health.clone(), "bench"))
                    .unwrap(),
            )
        })
    });
    let malformed = json!({"detail-type": "GuardDuty Finding", "source": "aws.guardduty"});
    c.bench_function("handler/malformed event", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(handler.handle(malformed.clone(), "bench"))
                    .unwrap_err(),
            )
        })
    });
}

/// This thread's CPU time so far, from the scheduler's statistics (Linux).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The CPU time per new alert for three routes, outside criterion, for the table: the mean over
/// [`ROW_RUNS`] events after as many to warm up (the scheduler's clock is read around the
/// whole run, not around each event, so reading it costs nothing per event).
fn table_row() {
    for_each_handler(|runtime, handler, notifier, event| {
        let events: Vec<Value> = (0..2 * ROW_RUNS)
            .map(|n| {
                let mut event = event.clone();
                event["detail"]["id"] = json!(format!("{:032x}", u64::MAX - n as u64));
                event
            })
            .collect();
        let mut events = events.into_iter();
        let mut run = |count: usize| {
            for event in events.by_ref().take(count) {
                let answer = runtime.block_on(handler.handle(event, "bench")).unwrap();
                notifier.clear();
                black_box(answer);
            }
        };
        run(ROW_RUNS);
        let (Some(started), wall) = (thread_cpu(), Instant::now()) else {
            println!("handler CPU: /proc/thread-self/schedstat unreadable, no row");
            return;
        };
        run(ROW_RUNS);
        let cpu = thread_cpu().unwrap() - started;
        let per_event = cpu / ROW_RUNS as u32;
        let wall_per_event = wall.elapsed() / ROW_RUNS as u32;
        let factor = BEFORE.as_secs_f64() / per_event.as_secs_f64();
        let verdict = if factor >= GOAL_FACTOR {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "handler CPU per new alert for 3 routes: {per_event:?} CPU, {wall_per_event:?} wall-clock ({ROW_RUNS} events)"
        );
        println!(
            "table\thandler CPU, new alert for 3 routes\t{:.1} us\t{:.1} us before ({BEFORE_COMMIT})\t{factor:.1}x less\t>= {GOAL_FACTOR}x less\t{verdict}",
            per_event.as_secs_f64() * 1e6,
            BEFORE.as_secs_f64() * 1e6,
        );
    });
}

criterion_group!(benches, handler_benches);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--bench") {
        table_row();
    }
}
