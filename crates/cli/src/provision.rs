//! `watchpost plan | apply | destroy | outputs`: builds the SDK adapters per region from the
//! standard AWS chain (profiles, SSO, environment, `AWS_ENDPOINT_URL[_<SERVICE>]`), then hands
//! them to the provisioning engine. Everything that decides lives in watchpost-provision.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use aws_config::{BehaviorVersion, Region};
use watchpost_contract::events::{RESOLVE_DETAIL_TYPE, RESOLVE_SOURCE};
use watchpost_core::Config;
use watchpost_core::text::clip_ascii;
use watchpost_provision::adapters::AwsPorts;
use watchpost_provision::artifact::Package;
use watchpost_provision::engine::{self, RegionOutputs};
use watchpost_provision::lock::{self, LockInfo};
use watchpost_provision::ports::{LambdaPort, SqsPort, StsPort};
use watchpost_provision::session::{Outcome, Session, Stop};
use watchpost_provision::{Mode, Plan, chain, redrive, render};

use crate::{Failure, OutputFormat};

/// What a provisioning subcommand was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Show what apply would change.
    Plan,
    /// Converge the account on the config, after confirmation unless `yes`; or, with
    /// `force_unlock`, only remove the stack's lock with that id, left by a run that stopped.
    Apply {
        yes: bool,
        force_unlock: Option<String>,
    },
    /// Remove everything the stack owns, the same way.
    Destroy {
        yes: bool,
        force_unlock: Option<String>,
    },
}

/// The outcome: whether the plan had changes (for `--detailed-exitcode`).
pub enum Done {
    NoChanges,
    Changes,
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))
}

/// The config's regions, or the environment's.
async fn region_names(config: &Config) -> Result<Vec<String>, Failure> {
    let mut names = config.watchpost.regions.clone();
    if names.is_empty() {
        let env = aws_config::load_defaults(BehaviorVersion::latest()).await;
        match env.region() {
            Some(region) => names.push(region.to_string()),
            None => {
                return Err(Failure::Usage(
                    "no region: set [watchpost] regions in the config, or AWS_REGION / a profile's region".into(),
                ));
            }
        }
    }
    Ok(names)
}

/// The adapters for every region.
async fn regions(config: &Config) -> Result<Vec<(String, AwsPorts)>, Failure> {
    let mut out = Vec::new();
    for name in region_names(config).await? {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(name.clone()))
            .load()
            .await;
        out.push((name, AwsPorts::new(&sdk, &sdk)));
    }
    Ok(out)
}

fn show(plan: &Plan, output: OutputFormat) {
    match output {
        OutputFormat::Text => print!("{}", render::text(plan)),
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&render::json(plan)).expect("JSON renders")
        ),
    }
}

/// Asks on the terminal before applying. Ctrl-C while it waits declines, as any answer but
/// `yes` does, and the session then releases the stack's lock (the signal's default, ending
/// the process at once, would leave the lock behind).
async fn confirm(mode: Mode, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(
            "refusing to change the account without confirmation: standard input is not a terminal; review the plan and pass --yes to apply it".into(),
        ));
    }
    let verb = if mode == Mode::Destroy {
        "destroy"
    } else {
        "apply"
    };
    eprint!("Do you want to {verb} these changes? Only `yes` is accepted: ");
    let _ = std::io::stderr().flush();
    let read = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map(|_| answer)
    });
    let read = async {
        match read.await {
            Ok(answer) => answer.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    };
    let interrupted = async {
        // Without a handler (it could not be installed), only an answer ends the wait.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    ask(verb, read, interrupted).await
}

/// The answer to the confirmation, or the interruption that came first.
async fn ask(
    verb: &str,
    read: impl std::future::Future<Output = Result<String, String>>,
    interrupted: impl std::future::Future<Output = ()>,
) -> Result<(), Failure> {
    let answer = tokio::select! {
        answer = read => answer.map_err(|e| Failure::Failed(format!("cannot read the answer: {e}")))?,
        () = interrupted => {
            eprintln!();
            return Err(Failure::Failed(format!("{verb} cancelled (interrupted)")));
        }
    };
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Failure::Failed(format!("{verb} cancelled")))
    }
}

/// The package to deploy: the zip (`--package`, else `[enricher] zip_path`) with the config
/// file's text added, so the function reads exactly the file that was planned.
pub fn package(config: &Config, config_path: &Path, zip: Option<&Path>) -> Package {
    let zip = zip.unwrap_or(Path::new(&config.enricher.zip_path));
    match std::fs::read_to_string(config_path) {
        Ok(text) => Package::build(zip, &text),
        Err(err) => Package::Missing(format!("cannot read {}: {err}", config_path.display())),
    }
}

/// `plan`, `apply`, `destroy` or `--force-unlock`, shown as `output`.
pub fn run(
    config: &Config,
    package: &Package,
    operation: Operation,
    output: OutputFormat,
) -> Result<Done, Failure> {
    let runtime = runtime()?;
    let done = runtime.block_on(async {
        let regions = regions(config).await?;
        let (mode, yes, force) = match operation {
            Operation::Plan => return plan(&regions, config, package, output).await,
            Operation::Apply { yes, force_unlock } => (Mode::Apply, yes, force_unlock),
            Operation::Destroy { yes, force_unlock } => (Mode::Destroy, yes, force_unlock),
        };
        match force {
            Some(id) => force_unlock(&regions, &config.watchpost.stack, &id).await,
            None => apply(&regions, config, package, mode, yes, output).await,
        }
    });
    // A confirmation interrupted by Ctrl-C leaves its read of standard input waiting on a
    // thread of its own: the process does not wait for it.
    runtime.shutdown_background();
    done
}

/// Plans and shows the plan.
async fn plan(
    regions: &[(String, AwsPorts)],
    config: &Config,
    package: &Package,
    output: OutputFormat,
) -> Result<Done, Failure> {
    let (planned, _) = engine::plan_all(regions, config, package, Mode::Apply)
        .await
        .map_err(|e| Failure::Failed(chain(&e)))?;
    show(&planned, output);
    Ok(if planned.is_empty() {
        Done::NoChanges
    } else {
        Done::Changes
    })
}

/// Apply or destroy, as one session: lock, plan, show, ask, apply, release.
async fn apply(
    regions: &[(String, AwsPorts)],
    config: &Config,
    package: &Package,
    mode: Mode,
    yes: bool,
    output: OutputFormat,
) -> Result<Done, Failure> {
    let lock = lock_info(regions, mode).await;
    let terminal = std::io::stdout().is_terminal();
    let progress = |line: &str| {
        if terminal {
            println!("  {line}");
        }
    };
    let session = Session {
        regions,
        config,
        package,
        mode,
    };
    let run = session
        .run(
            &lock,
            |planned| show(planned, output),
            async |_| confirm(mode, yes).await,
            &progress,
        )
        .await;
    for err in &run.unreleased {
        eprintln!(
            "warning: {} (the lock stays: remove it with --force-unlock {})",
            chain(err),
            lock.id
        );
    }
    let (planned, report) = match run.outcome {
        Ok(Outcome::NoChanges(_)) => return Ok(Done::NoChanges),
        Ok(Outcome::Applied(planned, report)) => (planned, report),
        Err(Stop::Declined(failure)) => return Err(failure),
        Err(Stop::Locked(err)) => return Err(Failure::Failed(chain(&err))),
        Err(Stop::Plan(err)) => return Err(Failure::Failed(chain(&err))),
    };
    let (create, update, delete) = planned.counts();
    if report.errors.is_empty() {
        println!(
            "Apply complete: {} changes ({create} to create, {update} to update, {delete} to delete).",
            planned.changes.len()
        );
        Ok(Done::Changes)
    } else {
        // Each error with its causes, each cause once.
        let lines: Vec<String> = report
            .errors
            .iter()
            .map(|e| format!("  {}", chain(e)))
            .collect();
        Err(Failure::Failed(format!(
            "{} of {} changes failed (the others were applied; fix these and apply again):\n{}",
            report.errors.len(),
            planned.changes.len(),
            lines.join("\n")
        )))
    }
}

/// Who takes the lock: the caller's identity, user, host and process, now.
async fn lock_info(regions: &[(String, AwsPorts)], mode: Mode) -> LockInfo {
    let caller = match regions.first() {
        Some((_, ports)) => ports
            .sts
            .identity()
            .await
            .map(|identity| identity.arn)
            .unwrap_or_else(|_| "an unknown caller".into()),
        None => "an unknown caller".into(),
    };
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unknown host".into());
    let pid = std::process::id();
    let now = time::OffsetDateTime::now_utc();
    LockInfo {
        // Unique enough to name one run: the time to the nanosecond and the process.
        id: format!(
            "{:016x}",
            (now.unix_timestamp_nanos() as u64) ^ (u64::from(pid) << 40)
        ),
        holder: format!("{caller} ({user}@{host}, pid {pid})"),
        operation: match mode {
            Mode::Apply => "apply".into(),
            Mode::Destroy => "destroy".into(),
        },
        since: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| now.unix_timestamp().to_string()),
    }
}

/// `--force-unlock ID`: removes a lock left behind, in every region where it is held.
async fn force_unlock(
    regions: &[(String, AwsPorts)],
    stack: &str,
    id: &str,
) -> Result<Done, Failure> {
    for (region, ports) in regions {
        match lock::force_unlock(ports, region, stack, id).await {
            Ok(Some(held)) => println!(
                "{region}: removed the lock {} of stack {stack}, held by {} since {} ({})",
                held.id, held.holder, held.since, held.operation
            ),
            Ok(None) => println!("{region}: stack {stack} is not locked"),
            Err(err) => return Err(Failure::Failed(chain(&err))),
        }
    }
    Ok(Done::NoChanges)
}

/// `outputs`: what exists now, per region.
pub fn outputs(config: &Config, output: OutputFormat) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let regions = regions(config).await?;
        // Only what exists is shown: observe, do not plan (a plan may stop at a resource
        // that is not the stack's; outputs still shows the rest).
        let mut outputs: Vec<RegionOutputs> = Vec::new();
        for (region, ports) in &regions {
            let region_outputs = engine::outputs(ports, config, region)
                .await
                .map_err(|e| Failure::Failed(chain(&e)))?;
            outputs.push(region_outputs);
        }
        match output {
            OutputFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(&outputs).expect("JSON renders")
            ),
            OutputFormat::Text => print!("{}", render::outputs_text(&outputs)),
        }
        Ok(())
    })
}

/// `redrive`: the dead-letter queue of every region back to its function.
pub fn redrive(config: &Config, dry_run: bool, max: usize) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let mut kept = 0;
        for name in region_names(config).await? {
            let sdk = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(name.clone()))
                .load()
                .await;
            let ports = AwsPorts::new(&sdk, &sdk);
            let queue = watchpost_provision::desired::names::dlq(&config.watchpost.stack);
            let url = ports
                .sqs
                .queue_url(&queue)
                .await
                .map_err(|e| {
                    Failure::Failed(format!(
                        "{name}: cannot find the dead-letter queue {queue}: {e}"
                    ))
                })?
                .ok_or_else(|| {
                    Failure::Failed(format!(
                        "{name}: cannot find the dead-letter queue {queue}: it does not exist"
                    ))
                })?;
            let function = &config.enricher.function_name;
            let outcomes =
                redrive::redrive(&ports.sqs, &ports.lambda, &url, function, max, dry_run)
                    .await
                    .map_err(|e| Failure::Failed(format!("{name}: {e}")))?;
            let sent = outcomes.iter().filter(|o| o.redriven).count();
            for outcome in &outcomes {
                let failure = outcome
                    .failure
                    .as_deref()
                    .map(|f| format!(" [failed: {f}]"))
                    .unwrap_or_default();
                match &outcome.kept_because {
                    None => println!("  sent  {}{failure}", outcome.summary),
                    Some(why) => println!("  kept  {}{failure}: {why}", outcome.summary),
                }
            }
            if dry_run {
                println!(
                    "{name}: {} dead letters in {queue} (dry run: nothing sent).",
                    outcomes.len()
                );
            } else {
                println!(
                    "{name}: {sent} of {} dead letters in {queue} sent back to {function}.",
                    outcomes.len()
                );
            }
            if !dry_run {
                kept += outcomes.len() - sent;
            }
        }
        if kept > 0 {
            return Err(Failure::Failed(format!(
                "{kept} dead letters stay in the queue (see above)"
            )));
        }
        Ok(())
    })
}

/// `resolve`: asks each region's enricher to resolve the incident (where it is not kept, the
/// enricher ignores the request).
pub fn resolve(config: &Config, incident: &str, by: &str) -> Result<(), Failure> {
    let valid = incident.len() == 13
        && incident.starts_with("WP-")
        && incident[3..].chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        return Err(Failure::Usage(format!(
            "`{}` is not an incident key: its alerts carry one like WP-0123456789 (the `incident` attribute)",
            clip_ascii(incident, 40)
        )));
    }
    let event = serde_json::json!({
        "source": RESOLVE_SOURCE,
        "detail-type": RESOLVE_DETAIL_TYPE,
        "detail": { "incident": incident, "by": clip_ascii(by, 120) },
    })
    .to_string();
    runtime()?.block_on(async {
        for name in region_names(config).await? {
            let sdk = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(name.clone()))
                .load()
                .await;
            let ports = AwsPorts::new(&sdk, &sdk);
            let function = &config.enricher.function_name;
            ports
                .lambda
                .invoke_async(function, &event)
                .await
                .map_err(|e| Failure::Failed(format!("{name}: cannot invoke {function}: {e}")))?;
            println!("{name}: asked {function} to resolve {incident}.");
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ctrl-C at the prompt declines (the session then releases the lock) instead of ending
    /// the process with the lock held.
    #[tokio::test]
    async fn an_interrupted_confirmation_declines() {
        let never_answered = std::future::pending::<Result<String, String>>();
        let declined = ask("apply", never_answered, async {}).await;
        assert!(
            matches!(&declined, Err(Failure::Failed(why)) if why == "apply cancelled (interrupted)")
        );
        let answered = ask(
            "apply",
            async { Ok("yes\n".to_owned()) },
            std::future::pending(),
        )
        .await;
        assert!(answered.is_ok());
        let refused = ask(
            "destroy",
            async { Ok("y\n".to_owned()) },
            std::future::pending(),
        )
        .await;
        assert!(matches!(refused, Err(Failure::Failed(why)) if why == "destroy cancelled"));
    }
}
