//! A deterministic simulation of the enricher and its sweep, all driven by one seed: many
//! handler and sweep invocations interleaved at every port call on one thread under a paused
//! clock ([`lambda`]), the AWS around them with a fault plan ([`world`], [`faults`]), the
//! findings and events of a schedule ([`scenario`]), and the delivery guarantees checked after
//! every schedule ([`checker`]).
//!
//! - `cargo test --test sim` runs the fixed seed set and the regression seeds;
//! - `./dev sim SECONDS` explores new seeds for that long and prints each failing one;
//! - `WATCHPOST_SIM_SEED=<seed> ./dev sim` replays one seed and prints its schedule.

mod checker;
mod faults;
mod lambda;
mod rng;
mod scenario;
mod world;

use std::time::{Duration, Instant};

use checker::{INVARIANTS, Verdict};
use scenario::Scenario;

/// The fixed seed set `./dev test` runs: the first this many seeds from 1 whose schedule
/// delivers at most [`FIXED_MAX_DELIVERIES`] events (larger schedules are `./dev sim`'s: a
/// minute of `./dev test` holds 20,000 of these, not of those).
const FIXED_SEEDS: usize = 20_000;
const FIXED_MAX_DELIVERIES: usize = 6;

/// A seed that broke a guarantee before a fix: the guarantee (its number in [`INVARIANTS`])
/// and what broke it. Each must keep that guarantee now.
struct Regression {
    seed: u64,
    invariant: usize,
    what: &'static str,
}

const REGRESSIONS: &[Regression] = &[
    Regression {
        seed: 477_091_853_916_361_308,
        invariant: 6,
        what: "the SDK retried a claim whose answer was lost; the handler took its own live \
               claim for another's and failed the event as in flight",
    },
    Regression {
        seed: 7_478_744_109_698_548_466,
        invariant: 2,
        what: "a claim was lost, then the state could not be read again: the handler published \
               every route unclaimed beside the claim's holder",
    },
    Regression {
        seed: 843_742_989_492_963_171,
        invariant: 5,
        what: "the time to publish was counted from the claim's answer, not from the lease's \
               start: publishes started a second past the lease less its margin",
    },
    Regression {
        seed: 2_178_948_944_821_809_778,
        invariant: 7,
        what: "a 10 s timeout (a 10 s lease) and a 5 s Detective budget: with Detective slow, \
               the time to publish was gone each time and the event was dead-lettered",
    },
    Regression {
        seed: 424_309_180_459_656_318,
        invariant: 3,
        what: "a poorer Security Hub copy resumed GuardDuty's unfinished claim and decided the \
               routes again: the AI finding reached `soc`, the route for findings not about AI",
    },
    Regression {
        seed: 93_862_309_421_979_636,
        invariant: 4,
        what: "an investigation still running at the state TTL: DynamoDB's TTL deleted its item \
               before the sweep gave it up, so the follow-up was neither sent nor counted",
    },
    Regression {
        seed: 124_768_683_251_531_370,
        invariant: 4,
        what: "the alert state could not be read: the alert announced a follow-up that was never \
               remembered for the sweep",
    },
    Regression {
        seed: 223_054_091_686_676_569,
        invariant: 4,
        what: "remembering the investigation failed after the alert had announced its follow-up",
    },
    Regression {
        seed: 2_039_766_380_505_108_510,
        invariant: 4,
        what: "SNS down for a while: attempts counted once per sweep and per Lambda retry gave \
               the follow-up up after 28 minutes, not the documented hour",
    },
    Regression {
        seed: 7_660_280_781_622_725_367,
        invariant: 1,
        what: "every route's own record failed while the claim's end was written: the state \
               said the update was complete but not which routes it reached, so GuardDuty's \
               original could not complete the AI route the poorer copy had left out",
    },
    Regression {
        seed: 71_463_206_006_369_262,
        invariant: 5,
        what: "a follow-up publish that hung: the sweep's next publish started twelve minutes \
               after its follow-up lease had ended",
    },
    Regression {
        seed: 53,
        invariant: 3,
        what: "a poorer Security Hub copy came first and read as not about AI: it went to \
               `soc`, the route for findings not about AI, where GuardDuty's original of the \
               AI finding never goes",
    },
    Regression {
        seed: 1,
        invariant: 2,
        what: "Security Hub's copy of a finding of the stack's other region, aggregated into \
               this one, alerted here too: every route received the update twice",
    },
    Regression {
        seed: 18_363,
        invariant: 2,
        what: "a copy's incident join waited 24 s on a key's write, its publishes started at \
               the lease's end, and its record of one route landed after the original had \
               read the state and taken the alert over: the route heard it twice",
    },
];

/// One schedule: its verdict, and its trace when asked for.
fn simulate(seed: u64, tracing: bool) -> (Verdict, Option<String>) {
    let scenario = Scenario::generate(seed).decided();
    let described = tracing.then(|| scenario.describe());
    let run = lambda::run(scenario, tracing);
    let verdict = checker::check(&run);
    let trace = described.map(|scenario| {
        let facts = run.world.facts.borrow();
        format!(
            "{scenario}\n  faults: {}\n{}\n  dead letters: {:?}",
            run.world.fault_summary(),
            facts.trace.join("\n"),
            run.dead_letters
        )
    });
    (verdict, trace)
}

/// Runs seeds on every core; returns the schedules run, the checks made and the failures.
fn sweep_seeds(seeds: impl Iterator<Item = u64> + Send) -> (u64, u64, Vec<(u64, Verdict)>) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let seeds = std::sync::Mutex::new(seeds);
    let results = std::sync::Mutex::new((0u64, 0u64, Vec::new()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let Some(seed) = seeds.lock().unwrap().next() else {
                        break;
                    };
                    let (verdict, _) = simulate(seed, false);
                    let mut results = results.lock().unwrap();
                    results.0 += 1;
                    results.1 += verdict.checks;
                    if !verdict.violations.is_empty() {
                        results.2.push((seed, verdict));
                    }
                }
            });
        }
    });
    let (schedules, checks, mut failures) = results.into_inner().unwrap();
    failures.sort_by_key(|(seed, _)| *seed);
    (schedules, checks, failures)
}

fn report(failures: &[(u64, Verdict)]) -> String {
    failures
        .iter()
        .take(10)
        .map(|(seed, verdict)| {
            format!(
                "seed {seed} (replay: WATCHPOST_SIM_SEED={seed} ./dev sim)\n{}",
                verdict.describe()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_regression_seed_keeps_the_guarantee_it_broke() {
    for Regression {
        seed,
        invariant,
        what,
    } in REGRESSIONS
    {
        let (verdict, _) = simulate(*seed, false);
        let broken: Vec<&String> = verdict
            .violations
            .iter()
            .filter(|(n, _)| n == invariant)
            .map(|(_, what)| what)
            .collect();
        assert!(
            broken.is_empty(),
            "seed {seed} ({what}) still breaks: {}\n{broken:#?}",
            INVARIANTS[invariant - 1]
        );
    }
}

#[test]
fn the_fixed_seed_set_keeps_every_delivery_guarantee() {
    let started = Instant::now();
    // Fewer while working on the simulation: WATCHPOST_SIM_SCHEDULES=2000.
    let fixed = std::env::var("WATCHPOST_SIM_SCHEDULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(FIXED_SEEDS);
    let seeds = (1..)
        .filter(|seed| Scenario::generate(*seed).deliveries() <= FIXED_MAX_DELIVERIES)
        .take(fixed)
        .chain(REGRESSIONS.iter().map(|r| r.seed));
    let (schedules, checks, failures) = sweep_seeds(seeds);
    eprintln!(
        "sim: {schedules} schedules, {checks} invariant checks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {schedules} schedules broke a guarantee:\n{}",
        failures.len(),
        report(&failures)
    );
}

#[test]
fn a_seed_replays_the_same_schedule() {
    for seed in [7, 1_234, 99_999] {
        let (_, first) = simulate(seed, true);
        let (_, second) = simulate(seed, true);
        assert_eq!(first, second, "seed {seed} ran two ways");
    }
}

#[test]
fn the_guarantees_checked_are_the_documented_ones() {
    let docs = include_str!("../../../../docs/how-it-works.md");
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let docs = flat(docs);
    for invariant in INVARIANTS {
        assert!(
            docs.contains(&flat(invariant)),
            "docs/how-it-works.md does not say, word for word: {invariant}"
        );
    }
}

/// `./dev sim SECONDS`: new seeds for as long as asked, each failing one printed.
#[test]
#[ignore = "run by ./dev sim"]
fn explore() {
    let seconds: u64 = std::env::var("WATCHPOST_SIM_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let base = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        | (1 << 40);
    let mut rng = rng::Rng::new(base);
    let seeds = std::iter::from_fn(move || (Instant::now() < deadline).then(|| rng.next_u64()));
    let (schedules, checks, failures) = sweep_seeds(seeds);
    for (seed, verdict) in &failures {
        println!("failing seed {seed}\n{}", verdict.describe());
    }
    // Which guarantees broke, how often, and the smallest seed that broke each.
    for (n, invariant) in INVARIANTS.iter().enumerate() {
        let broke: Vec<u64> = failures
            .iter()
            .filter(|(_, v)| v.violations.iter().any(|(i, _)| *i == n + 1))
            .map(|(seed, _)| *seed)
            .collect();
        if let Some(first) = broke.iter().min() {
            println!("{} seeds broke: {invariant} (e.g. {first})", broke.len());
        }
    }
    println!(
        "sim: explored {schedules} new schedules in {seconds} s, {checks} invariant checks, {} failing",
        failures.len()
    );
    assert!(failures.is_empty(), "{} failing seeds", failures.len());
}

/// `WATCHPOST_SIM_SEED=<seed> ./dev sim`: one schedule, printed.
#[test]
#[ignore = "run by ./dev sim"]
fn replay() {
    let seed: u64 = std::env::var("WATCHPOST_SIM_SEED")
        .expect("WATCHPOST_SIM_SEED")
        .trim()
        .parse()
        .expect("a seed is a number");
    let (verdict, trace) = simulate(seed, true);
    println!("{}", trace.unwrap_or_default());
    println!("{} invariant checks", verdict.checks);
    if verdict.violations.is_empty() {
        println!("every guarantee held");
    } else {
        println!("{}", verdict.describe());
        panic!("seed {seed} broke a guarantee");
    }
}
