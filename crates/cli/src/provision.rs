//! `watchpost plan | apply | destroy | outputs`: builds the SDK adapters per region from the
//! standard AWS chain (profiles, SSO, environment, `AWS_ENDPOINT_URL[_<SERVICE>]`), then hands
//! them to the provisioning engine. Everything that decides lives in watchpost-provision.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use aws_config::{BehaviorVersion, Region};
use watchpost_core::Config;
use watchpost_provision::adapters::AwsPorts;
use watchpost_provision::artifact::Package;
use watchpost_provision::engine::{self, RegionOutputs};
use watchpost_provision::{Mode, Plan, redrive, render};

use crate::{Failure, OutputFormat};

/// What a provisioning subcommand was asked to do.
pub struct Options {
    pub output: OutputFormat,
    pub yes: bool,
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

fn confirm(mode: Mode, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
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
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Failed(format!("cannot read the answer: {e}")))?;
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

/// `plan` (apply = false) or `apply`/`destroy` (apply = true).
pub fn run(
    config: &Config,
    package: &Package,
    mode: Mode,
    apply: bool,
    options: Options,
) -> Result<Done, Failure> {
    runtime()?.block_on(async {
        let regions = regions(config).await?;
        let (plan, _) = engine::plan_all(&regions, config, package, mode)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
        show(&plan, options.output);
        if plan.is_empty() {
            return Ok(Done::NoChanges);
        }
        if !apply {
            return Ok(Done::Changes);
        }
        confirm(mode, options.yes)?;
        let terminal = std::io::stdout().is_terminal();
        let progress = |line: &str| {
            if terminal {
                println!("  {line}");
            }
        };
        let report = engine::apply_all(&regions, config, package, &plan, &progress).await;
        let (create, update, delete) = plan.counts();
        if report.errors.is_empty() {
            println!(
                "Apply complete: {} changes ({create} to create, {update} to update, {delete} to delete).",
                plan.changes.len()
            );
            Ok(Done::Changes)
        } else {
            let lines: Vec<String> = report.errors.iter().map(|e| format!("  {e}")).collect();
            Err(Failure::Failed(format!(
                "{} of {} changes failed (the others were applied; fix these and apply again):\n{}",
                report.errors.len(),
                plan.changes.len(),
                lines.join("\n")
            )))
        }
    })
}

/// `outputs`: what exists now, per region.
pub fn outputs(config: &Config, output: OutputFormat) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let regions = regions(config).await?;
        // Only the observations are shown: no package is needed.
        let no_package = Package::Missing(String::new());
        let (_, observations) = engine::plan_all(&regions, config, &no_package, Mode::Apply)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
        let outputs: Vec<RegionOutputs> = observations.into_iter().map(|o| o.outputs).collect();
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
            let sqs = aws_sdk_sqs::Client::new(&sdk);
            let lambda = aws_sdk_lambda::Client::new(&sdk);
            let queue = watchpost_provision::desired::names::dlq(&config.watchpost.stack);
            let url = sqs
                .get_queue_url()
                .queue_name(&queue)
                .send()
                .await
                .map_err(|e| {
                    Failure::Failed(format!(
                        "{name}: cannot find the dead-letter queue {queue}: {}",
                        aws_sdk_sqs::error::DisplayErrorContext(&e)
                    ))
                })?
                .queue_url()
                .unwrap_or_default()
                .to_owned();
            let function = &config.enricher.function_name;
            let outcomes = redrive::redrive(&sqs, &lambda, &url, function, max, dry_run)
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
