//! Provisioning the demo config into the local AWS exactly as `watchpost apply` does: the same
//! SDK adapters and session (lock, plan, apply, release), the plan shown with the same
//! renderer, every per-resource error reported. Then a second plan, which reads back what now exists (the outputs the function's
//! environment falls back to) and shows whether apply converged.

use watchpost_core::Config;
use watchpost_provision::adapters::AwsPorts;
use watchpost_provision::artifact::Package;
use watchpost_provision::engine::{self, RegionOutputs};
use watchpost_provision::lock::LockInfo;
use watchpost_provision::session::{Outcome, Session};
use watchpost_provision::{Mode, chain, render};

use crate::error::DemoError;
use crate::progress::Progress;

/// What provisioning did.
#[derive(Debug, Clone, PartialEq)]
pub struct Provisioned {
    /// Changes applied: (create, update, delete).
    pub applied: (usize, usize, usize),
    /// Changes a plan right after apply still finds (0 when apply converged).
    pub remaining: usize,
    /// What exists now: topics, graph, table, function.
    pub outputs: RegionOutputs,
}

/// Plans, shows the plan, applies it (one session, as `watchpost apply --yes` runs it, lock
/// and all), and plans again.
pub async fn provision(
    ports: AwsPorts,
    region: &str,
    config: &Config,
    package: &Package,
    progress: &dyn Progress,
) -> Result<Provisioned, DemoError> {
    let regions = vec![(region.to_owned(), ports)];
    let session = Session {
        regions: &regions,
        config,
        package,
        mode: Mode::Apply,
    };
    let lock = LockInfo {
        id: format!("demo-{}", std::process::id()),
        holder: "the demo".into(),
        operation: "apply".into(),
        since: "now".into(),
    };
    let run = session
        .run(
            &lock,
            |planned| {
                for line in render::text(planned).lines() {
                    progress.detail(line);
                }
            },
            async |_| Ok::<(), std::convert::Infallible>(()),
            // Apply's own progress names each change again, as the plan above just did: left
            // out.
            &|_| {},
        )
        .await;
    if let Some(err) = run.unreleased.first() {
        return Err(DemoError::Provision(chain(err)));
    }
    let (planned, report) = match run.outcome {
        Ok(Outcome::NoChanges(planned)) => (planned, Default::default()),
        Ok(Outcome::Applied(planned, report)) => (planned, report),
        Err(stop) => return Err(DemoError::Provision(chain(&stop))),
    };
    if !report.errors.is_empty() {
        let lines: Vec<String> = report
            .errors
            .iter()
            .map(|e| format!("  {}", chain(e)))
            .collect();
        return Err(DemoError::Provision(format!(
            "{} of {} changes failed:\n{}",
            report.errors.len(),
            planned.changes.len(),
            lines.join("\n")
        )));
    }
    let (again, observations) = engine::plan_all(&regions, config, package, Mode::Apply)
        .await
        .map_err(|err| DemoError::Provision(chain(&err)))?;
    let outputs = observations
        .into_iter()
        .next()
        .map(|o| o.outputs)
        .unwrap_or_default();
    Ok(Provisioned {
        applied: planned.counts(),
        remaining: again.changes.len(),
        outputs,
    })
}
