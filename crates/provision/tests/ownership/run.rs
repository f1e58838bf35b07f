//! Running a generated case on the fake account, step by step, with the invariants checked
//! after each: every operation is one session (lock, plan, apply, release), as the CLI runs it.

use watchpost_core::Config;
use watchpost_provision::artifact::{Package, zip_of};
use watchpost_provision::engine::{self, PlanError};
use watchpost_provision::fake::FakeAccount;
use watchpost_provision::fake::faults::{Fault, Faulty};
use watchpost_provision::lock::{self, LockError, LockInfo};
use watchpost_provision::model::Mode;
use watchpost_provision::ports::SnsPort;
use watchpost_provision::session::{Outcome, Session, Stop};
use watchpost_provision::spec::{Protocol, SubscriptionSpec};

use crate::invariants::{self, RECOVERS};
use crate::world::{self, Case, Operation, REGION};

type Account = Faulty<FakeAccount>;

/// A deployment package (any bytes: the fake does not run it), made once.
pub fn package() -> Package {
    static PACKAGE: std::sync::OnceLock<Package> = std::sync::OnceLock::new();
    PACKAGE
        .get_or_init(|| {
            let zip = zip_of(&[("bootstrap", b"\x7fELF".as_slice())]);
            Package::from_bytes(
                watchpost_provision::artifact::with_config(&zip, "[watchpost]\nstack = \"wp\"\n")
                    .expect("zip"),
            )
        })
        .clone()
}

/// How one session ended.
#[derive(Debug)]
enum Ended {
    /// Applied (or nothing to apply), every change without error.
    Clean,
    /// The plan stopped: a resource with a name the stack wants is not the stack's.
    NotOurs,
    /// Something failed or the run was killed: the next run must recover.
    Interrupted(String),
}

fn lock(id: &str, mode: Mode) -> LockInfo {
    LockInfo {
        id: id.to_owned(),
        holder: "the property".to_owned(),
        operation: match mode {
            Mode::Apply => "apply".to_owned(),
            Mode::Destroy => "destroy".to_owned(),
        },
        since: "now".to_owned(),
    }
}

/// One session of `mode` with `config`, under `fault`.
async fn session(
    account: &Account,
    config: &Config,
    mode: Mode,
    id: &str,
    fault: Option<Fault>,
) -> Ended {
    account.set(fault);
    let regions = [(REGION.to_owned(), account)];
    let package = package();
    let session = Session {
        regions: &regions,
        config,
        package: &package,
        mode,
    };
    let run = session
        .run(&lock(id, mode), |_| {}, async |_| Ok::<(), ()>(()), &|_| {})
        .await;
    let killed = account.killed();
    account.set(None);
    match run.outcome {
        _ if killed => Ended::Interrupted("killed".to_owned()),
        Ok(Outcome::NoChanges(_)) if run.unreleased.is_empty() => Ended::Clean,
        Ok(Outcome::Applied(_, report))
            if report.errors.is_empty() && run.unreleased.is_empty() =>
        {
            Ended::Clean
        }
        Err(Stop::Plan(PlanError::NotOurs { .. })) if fault.is_none() => Ended::NotOurs,
        Ok(Outcome::Applied(_, report)) => Ended::Interrupted(format!(
            "apply errors: {:?} (unreleased: {:?})",
            report.errors, run.unreleased
        )),
        other => Ended::Interrupted(format!("{other:?} (unreleased: {:?})", run.unreleased)),
    }
}

/// Runs `mode` again without a fault, removing a lock an interrupted run left (as `watchpost
/// apply --force-unlock ID` does, with the id the refusal names).
async fn recover(
    account: &Account,
    config: &Config,
    mode: Mode,
    id: &str,
) -> Result<Ended, String> {
    for attempt in 0..2 {
        let again = format!("{id}-again-{attempt}");
        match session(account, config, mode, &again, None).await {
            Ended::Interrupted(why) if why.contains("Held") => {
                let held = lock::acquire(
                    account,
                    REGION,
                    &config.watchpost.stack,
                    &lock(&again, mode),
                )
                .await;
                match held {
                    Err(LockError::Held { held, .. }) => {
                        lock::force_unlock(account, REGION, &config.watchpost.stack, &held.id)
                            .await
                            .map_err(|e| format!("force-unlock: {e}"))?;
                    }
                    Ok(()) => {
                        lock::release(account, REGION, &config.watchpost.stack, &again)
                            .await
                            .map_err(|e| format!("release: {e}"))?;
                    }
                    Err(other) => return Err(format!("{RECOVERS}\n{other}")),
                }
            }
            ended => return Ok(ended),
        }
    }
    Err(format!(
        "{RECOVERS}\nthe lock could not be taken after force-unlock"
    ))
}

/// The next plan, without faults.
async fn plan(
    account: &Account,
    config: &Config,
    mode: Mode,
) -> Result<watchpost_provision::Planned, String> {
    let regions = [(REGION.to_owned(), account)];
    engine::plan_all(&regions, config, &package(), mode)
        .await
        .map(|(planned, _)| planned)
        .map_err(|e| format!("the plan after: {}", watchpost_provision::chain(&e)))
}

/// Runs the case; `Err` says which invariant broke, and how.
pub async fn run(case: &Case) -> Result<(), String> {
    let account = Faulty::new(FakeAccount::new(world::ACCOUNT, REGION));
    let configs: Vec<Config> = case
        .configs
        .iter()
        .map(|c| world::config(c, &case.prior))
        .collect();
    world::someone_elses(&account.inner, &case.prior);
    if case.prior.earlier_apply {
        // Whatever it makes is the stack's; it may also be refused (not the stack's).
        let _ = session(&account, &configs[0], Mode::Apply, "earlier", None).await;
    }
    if case.prior.hand_subscription_on_stack_topic {
        let topic = "arn:aws:sns:us-east-1:123456789012:wp-pager";
        if account.inner.state().topics.contains_key(topic) {
            account
                .inner
                .by_hand(async |a| {
                    a.subscribe(&SubscriptionSpec {
                        topic_arn: topic.to_owned(),
                        protocol: Protocol::Https,
                        endpoint: "https://chat.example.com/hook".to_owned(),
                        filter_policy: None,
                        raw_message_delivery: false,
                        filter_policy_scope: None,
                        redrive_policy: None,
                    })
                    .await
                })
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let before = invariants::others(&account.inner, &configs);
    for (i, operation) in case.operations.iter().enumerate() {
        let (config, mode, fault) = match operation {
            Operation::Apply { config, fault } => (&configs[*config], Mode::Apply, *fault),
            Operation::Destroy { config, fault } => (&configs[*config], Mode::Destroy, *fault),
        };
        let id = format!("run-{i}");
        let from = account.inner.state().touches.len();
        let ended = session(&account, config, mode, &id, fault).await;
        invariants::no_harm(&account.inner.state(), from, config, &configs).map_err(|e| {
            format!(
                "step {i} ({operation:?}): {e}\ncalls: {:?}",
                account.calls()
            )
        })?;
        let ended = match ended {
            Ended::Interrupted(why) => {
                let from = account.inner.state().touches.len();
                let again = recover(&account, config, mode, &id).await?;
                invariants::no_harm(&account.inner.state(), from, config, &configs)
                    .map_err(|e| format!("step {i}, recovering: {e}"))?;
                match again {
                    Ended::Interrupted(again) => {
                        return Err(format!(
                            "{RECOVERS}\nstep {i} ({operation:?}) ended: {why}; the next run: {again}"
                        ));
                    }
                    ended => ended,
                }
            }
            ended => ended,
        };
        if let Ended::NotOurs = ended {
            continue;
        }
        let after = plan(&account, config, mode).await?;
        invariants::converged(&after).map_err(|e| format!("step {i} ({operation:?}): {e}"))?;
        if mode == Mode::Destroy {
            let left = invariants::left_by_watchpost(&account.inner);
            if !left.is_empty() {
                return Err(format!(
                    "{}\nstep {i}: left by the stack: {left:?}",
                    invariants::DESTROY_CLEANS
                ));
            }
            let now = invariants::others(&account.inner, &configs);
            if now != before {
                let gone: Vec<&String> = before.difference(&now).collect();
                let new: Vec<&String> = now.difference(&before).collect();
                return Err(format!(
                    "{}\nstep {i}: others' things before but not after: {gone:#?}\nafter but not before: {new:#?}",
                    invariants::DESTROY_CLEANS
                ));
            }
        }
    }
    Ok(())
}
