//! One run of `apply` or `destroy`, the same for the CLI and the end-to-end harness: take the
//! stack's lock in every region, plan, show the plan, ask, apply exactly it, release the lock,
//! report. The lock is released on every way out once taken: a plan that stops, a declined
//! confirmation, an apply with errors. What asks and what shows are the caller's.

use watchpost_core::Config;

use crate::artifact::Package;
use crate::engine::{ApplyReport, PlanError, Planned, apply_all, plan_all};
use crate::lock::{self, LockError, LockInfo};
use crate::model::Mode;
use crate::ports::Ports;

/// What a run works on: the regions' ports, the config, the package, apply or destroy.
pub struct Session<'a, P> {
    pub regions: &'a [(String, P)],
    pub config: &'a Config,
    pub package: &'a Package,
    pub mode: Mode,
}

/// How a run that got through planning ended.
#[derive(Debug)]
pub enum Outcome {
    /// The account matches the config (or, destroying, nothing of the stack is left): nothing
    /// was asked or applied.
    NoChanges(Planned),
    /// The plan was confirmed and applied; the report says what failed.
    Applied(Planned, ApplyReport),
}

/// Why a run stopped before applying.
#[derive(Debug, thiserror::Error)]
pub enum Stop<E> {
    /// The lock could not be taken (someone holds it): nothing was read or changed.
    #[error(transparent)]
    Locked(LockError),
    /// A region could not be planned: nothing was changed.
    #[error(transparent)]
    Plan(PlanError),
    /// The confirmation said no, for this reason: nothing was changed.
    #[error("{0}")]
    Declined(E),
}

/// A run's result, and the regions whose lock could not be released (each then needs
/// `--force-unlock` with the lock's id).
#[derive(Debug)]
pub struct Run<E> {
    pub outcome: Result<Outcome, Stop<E>>,
    pub unreleased: Vec<LockError>,
}

impl<P: Ports> Session<'_, P> {
    /// Runs it under `lock`: `show` sees every plan, `confirm` only one with changes (an
    /// error declines it), `progress` hears one line per change applied.
    pub async fn run<E>(
        &self,
        lock: &LockInfo,
        show: impl FnOnce(&Planned),
        confirm: impl AsyncFnOnce(&Planned) -> Result<(), E>,
        progress: &dyn Fn(&str),
    ) -> Run<E> {
        let stack = &self.config.watchpost.stack;
        // Held in every region from before anything is read until the run is done, so that two
        // runs cannot undo each other.
        if let Err(err) = lock::acquire_all(self.regions, stack, lock).await {
            return Run {
                outcome: Err(Stop::Locked(err)),
                unreleased: Vec::new(),
            };
        }
        let outcome = self.locked(show, confirm, progress).await;
        let unreleased = lock::release_all(self.regions, stack, &lock.id).await;
        Run {
            outcome,
            unreleased,
        }
    }

    /// Everything done under the lock.
    async fn locked<E>(
        &self,
        show: impl FnOnce(&Planned),
        confirm: impl AsyncFnOnce(&Planned) -> Result<(), E>,
        progress: &dyn Fn(&str),
    ) -> Result<Outcome, Stop<E>> {
        let (planned, _) = plan_all(self.regions, self.config, self.package, self.mode)
            .await
            .map_err(Stop::Plan)?;
        show(&planned);
        if planned.is_empty() {
            return Ok(Outcome::NoChanges(planned));
        }
        confirm(&planned).await.map_err(Stop::Declined)?;
        let report = apply_all(self.regions, self.config, self.package, &planned, progress).await;
        Ok(Outcome::Applied(planned, report))
    }
}
