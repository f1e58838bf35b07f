//! The property: over generated accounts (what a security team, another stack and earlier runs
//! left there), generated configs and sequences of apply and destroy, each run possibly failing
//! at any call, stopped between any two calls as a kill would, or losing a call's answer after
//! it took effect, Watchpost never changes or deletes what is not its own, converges, recovers,
//! and destroys exactly what it created. The invariants are in [`invariants`], in the words of
//! docs/operating.md.
//!
//! `cargo test -p watchpost-provision --test ownership` runs 2,000 cases from a fixed seed;
//! `WATCHPOST_PROP_SECONDS=600` (`./dev prop-provision 600`) runs new seeds for that long.
//! A failing case is shrunk and printed; [`regressions`] keeps those found so far.

mod invariants;
mod regressions;
mod run;
mod world;

use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner,
};

/// Cases `./dev test` runs.
const CASES: u32 = 2_000;

fn runner(cases: u32, seed: Option<[u8; 32]>) -> TestRunner {
    let config = RunnerConfig {
        cases,
        failure_persistence: None,
        // Enough to take a failing case down to its few relevant choices; more costs minutes.
        max_shrink_iters: 400,
        ..RunnerConfig::default()
    };
    match seed {
        Some(seed) => {
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
        }
        None => TestRunner::new(config),
    }
}

fn check(runner: &mut TestRunner) {
    // Paused time: the apply's waits for IAM (and its retries) pass at once.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    let result = runner.run(&world::case(), |case| {
        rt.block_on(run::run(&case)).map_err(TestCaseError::fail)
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

#[test]
fn what_is_not_the_stacks_is_never_touched_and_every_run_converges() {
    match std::env::var("WATCHPOST_PROP_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        None => check(&mut runner(
            std::env::var("WATCHPOST_PROP_CASES")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(CASES),
            Some([7; 32]),
        )),
        Some(seconds) => {
            let start = std::time::Instant::now();
            let mut rounds = 0u64;
            while start.elapsed().as_secs() < seconds {
                check(&mut runner(500, None));
                rounds += 1;
            }
            eprintln!(
                "{} cases in {:.0?}, new seeds each round",
                rounds * 500,
                start.elapsed()
            );
        }
    }
}

/// The docs state the invariants in the checker's words.
#[test]
fn the_docs_state_the_invariants_the_checker_checks() {
    let docs = include_str!("../../../../docs/operating.md");
    for invariant in invariants::ALL {
        assert!(
            docs.contains(invariant),
            "docs/operating.md lacks: {invariant}"
        );
    }
}
