//! The demo: Watchpost's whole pipeline against the local AWS, and what each subscriber
//! received. `just demo` runs it through this crate's binary (`src/main.rs`, which only parses
//! arguments and prints); the end-to-end tests (`tests/e2e.rs`) run it and check the report.
//! [`run`] starts moto and the Detective emulator, creates the subscribers' inbox queues,
//! provisions the demo config exactly as `watchpost apply` does, sends the bundled findings
//! through EventBridge, runs the real enricher binary on what the rules delivered, reads every
//! inbox, sweeps the Detective investigations for follow-ups, sums the metrics, and stops
//! everything it started. It reports progress through [`Progress`] and returns a [`Report`].
//!
//! Two things differ from AWS, both because moto cannot run Lambda code: the enricher runs on
//! this machine under a local Lambda Runtime API host (the package deployed to moto is that
//! same binary), and the EventBridge rules deliver to an SQS tap the demo reads ([`tap`]).

pub mod display;
pub mod error;
pub mod events;
pub mod function;
pub mod inbox;
pub mod metrics;
pub mod progress;
pub mod provision;
pub mod queues;
pub mod report;
pub mod tap;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use watchpost_contract::events::SCHEDULED_DETAIL_TYPE;
use watchpost_core::Config;
use watchpost_localaws::runtime_api::Function;
use watchpost_localaws::{DEFAULT_ACCOUNT, DetectiveConfig, LocalAws, REGION};
use watchpost_provision::adapters::AwsPorts;
use watchpost_provision::artifact::Package;
use watchpost_provision::desired::names;

pub use error::DemoError;
pub use progress::{Progress, Quiet};
pub use report::Report;

use crate::events::InputEvent;
use crate::function::{EnvSource, InvocationResult, RunningFunction};
use crate::inbox::Received;
use crate::progress::Steps;
use crate::queues::InboxSpec;
use crate::report::{Inbox, Invocation};
use crate::tap::Change;

/// The steps [`run`] reports.
pub const STEPS: usize = 10;

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The config to provision and run the enricher with.
    pub config: PathBuf,
    /// EventBridge events, one per line.
    pub findings: PathBuf,
    /// The `watchpost-enricher` binary built for this machine.
    pub enricher: PathBuf,
    /// How long the Detective emulator takes to finish an investigation.
    pub investigation_delay: Duration,
}

impl Options {
    /// The bundled demo (`infra/watchpost.demo.toml`, `infra/demo/findings.jsonl`) with the
    /// given enricher binary.
    pub fn bundled(enricher: PathBuf) -> Options {
        let root = watchpost_localaws::workspace_root();
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        Options {
            config: root.join("infra/watchpost.demo.toml"),
            findings: root.join("infra/demo/findings.jsonl"),
            enricher,
            investigation_delay: Duration::from_secs(1),
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Everything read and checked before anything starts, so bad input fails at once.
struct Inputs {
    config_path: PathBuf,
    config: Config,
    events: Vec<InputEvent>,
    inboxes: Vec<InboxSpec>,
    package: Package,
}

fn prepare(options: &Options) -> Result<Inputs, DemoError> {
    let read_error = |source| DemoError::Read {
        path: options.config.clone(),
        source,
    };
    // Absolute: the enricher process is told where the config is.
    let config_path = std::fs::canonicalize(&options.config).map_err(read_error)?;
    let text = std::fs::read_to_string(&config_path).map_err(read_error)?;
    let config = Config::from_toml(&text, &options.config.display().to_string())
        .map_err(|err| DemoError::Config(Box::new(err)))?;
    if config.watchpost.regions.iter().any(|r| r != REGION) {
        return Err(DemoError::Input(format!(
            "{}: the demo runs in {REGION} only (the local AWS), but `[watchpost] regions` is {:?}",
            options.config.display(),
            config.watchpost.regions
        )));
    }
    let events = events::load(&options.findings)?;
    let inboxes = queues::inbox_specs(&config, REGION, DEFAULT_ACCOUNT)?;
    if !options.enricher.is_file() {
        return Err(DemoError::EnricherMissing(options.enricher.clone()));
    }
    let package = Package::from_bootstrap(&options.enricher, &text);
    if let Package::Missing(why) = &package {
        return Err(DemoError::Function(why.clone()));
    }
    Ok(Inputs {
        config_path,
        config,
        events,
        inboxes,
        package,
    })
}

/// Runs the whole demo; see the crate documentation.
pub async fn run(options: &Options, progress: &dyn Progress) -> Result<Report, DemoError> {
    let started = Instant::now();
    let Inputs {
        config_path,
        config,
        events: inputs,
        inboxes: specs,
        package,
    } = prepare(options)?;
    let stack = config.watchpost.stack.clone();
    let mut steps = Steps::new(progress, STEPS);

    steps.begin("Starting the local AWS (moto + Detective emulator)");
    let local = LocalAws::try_start_with(DetectiveConfig {
        investigation_delay: options.investigation_delay,
        ..Default::default()
    })
    .await?;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let eventbridge = aws_sdk_eventbridge::Client::new(&sdk);
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    steps.end(&format!(
        "moto on {}, Detective on {}, account {DEFAULT_ACCOUNT}, {REGION}",
        local.moto.addr(),
        local.detective.addr()
    ));

    steps.begin("Creating the subscribers' inbox queues (the config's sqs subscriptions)");
    let mut urls = Vec::new();
    for spec in &specs {
        let (url, arn) = queues::create(&sqs, &spec.queue).await?;
        if arn != spec.arn {
            return Err(DemoError::Pipeline(format!(
                "the queue {} has the ARN {arn}, not {} as the config subscribes it",
                spec.queue, spec.arn
            )));
        }
        steps.detail(&format!("{} ← route {}", spec.queue, spec.route));
        urls.push(url);
    }
    steps.end(&plural(specs.len(), "queue", "queues"));

    steps.begin(&format!(
        "Provisioning {} as `watchpost apply` does",
        options.config.display()
    ));
    steps.detail(&format!(
        "moto stores Lambda functions but cannot run them: the package deployed is the enricher built for this machine ({}), which the demo runs itself under a local Lambda Runtime API in step 6",
        options.enricher.display()
    ));
    let ports = AwsPorts::new(&sdk, &local.detective_sdk_config(DEFAULT_ACCOUNT));
    let provisioned =
        provision::provision(ports, REGION, &config, &package, steps.progress()).await?;
    let (create, update, delete) = provisioned.applied;
    steps.end(&format!(
        "{create} created, {update} updated, {delete} deleted; {}",
        match provisioned.remaining {
            0 => "a second plan finds nothing to change".to_owned(),
            n => format!(
                "a second plan still finds {}",
                plural(n, "change", "changes")
            ),
        }
    ));

    steps.begin("Tapping the EventBridge rules");
    steps.detail("moto's PutEvents answers HTTP 500 when a matching rule targets a Lambda function (moto cannot invoke one), so the rules' Lambda targets are replaced by an SQS queue the demo reads and hands to the enricher; the rules and their event patterns stay as provisioned");
    let tap_queue = format!("{stack}-tap");
    let (tap_url, tap_arn) = queues::create(&sqs, &tap_queue).await?;
    let function_arn = provisioned.outputs.function_arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT}:function:{}",
            config.enricher.function_name
        )
    });
    let retargeted = tap::retarget(&eventbridge, &stack, &function_arn, &tap_arn).await?;
    for rule in &retargeted {
        let removed = rule.removed.join(", ");
        steps.detail(&match rule.change {
            Change::Tapped => format!("{}: {removed} → {tap_queue}", rule.rule),
            Change::Detached => format!(
                "{}: {removed} removed (a schedule rule: moto would match it against every event; step 8 sends its scheduled event)",
                rule.rule
            ),
        });
    }
    let tapped_rules: Vec<&str> = retargeted
        .iter()
        .filter(|r| r.change == Change::Tapped)
        .map(|r| r.rule.as_str())
        .collect();
    let findings_rule = names::findings_rule(&stack);
    if !tapped_rules.contains(&findings_rule.as_str()) {
        return Err(DemoError::Pipeline(format!(
            "the rule {findings_rule} does not target {function_arn}: provisioning did not wire the enricher to GuardDuty's findings"
        )));
    }
    steps.end(&format!(
        "{} tapped, {} detached",
        tapped_rules.len(),
        retargeted.len() - tapped_rules.len()
    ));

    steps.begin(&format!(
        "Sending {} to EventBridge (PutEvents, {} per call)",
        plural(inputs.len(), "event", "events"),
        events::PUT_EVENTS_MAX_ENTRIES
    ));
    let events_sent = events::put(&eventbridge, &inputs).await?;
    steps.end(&format!("{events_sent} accepted"));

    steps.begin("Running the enricher binary on what the rules delivered");
    let tapped = events::read_tap(&sqs, &tap_url, &inputs).await?;
    if tapped.is_empty() {
        return Err(DemoError::Pipeline(format!(
            "no event reached {tap_queue}: the rules {} matched none of the {events_sent} events",
            tapped_rules.join(", ")
        )));
    }
    steps.detail(&format!(
        "{} of {events_sent} events matched the rules",
        tapped.len()
    ));
    let environment =
        function::deployed_environment(&lambda, &config, &provisioned.outputs).await?;
    let from = |source| {
        environment
            .variables
            .iter()
            .filter(|(_, (_, s))| *s == source)
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
    };
    let (deployed, computed) = (from(EnvSource::Deployed), from(EnvSource::Computed));
    if !deployed.is_empty() {
        steps.detail(&format!(
            "environment of {} from Lambda GetFunctionConfiguration: {}",
            environment.function,
            deployed.join(", ")
        ));
    }
    if !computed.is_empty() {
        steps.detail(&format!(
            "not deployed, so computed from what provisioning created: {}",
            computed.join(", ")
        ));
    }
    let env = function::process_env(
        &environment,
        &config_path,
        &local.moto.endpoint_url(),
        &local.detective.endpoint_url(),
    );
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let identity = Function {
        name: environment.function.clone(),
        region: REGION.to_owned(),
        account: DEFAULT_ACCOUNT.to_owned(),
        memory_mb: environment.memory_mb,
    };
    let mut function = RunningFunction::start(&options.enricher, identity, &env).await?;
    let mut invocations = Vec::new();
    // One at a time in delivery order, as one function instance takes them: the duplicate then
    // meets the first delivery's alert state instead of racing it for the claim.
    for tapped in &tapped {
        let result = function.invoke(&tapped.event).await?;
        let invocation = Invocation {
            input: tapped.input.clone(),
            label: events::label(&tapped.input, &tapped.event),
            result,
        };
        steps.detail(&format!("{} → {}", invocation.label, invocation.outcome()));
        invocations.push(invocation);
    }
    let findings_done = Instant::now();
    let errors = invocations.iter().filter(|i| !i.result.is_ok()).count();
    steps.end(&format!(
        "{}, {}",
        plural(invocations.len(), "invocation", "invocations"),
        plural(errors, "error", "errors")
    ));

    steps.begin("Reading the subscribers' inboxes");
    let alerts = read_inboxes(&sqs, &specs, &urls).await?;
    let received: usize = alerts.iter().map(|i| i.messages.len()).sum();
    steps.end(&plural(received, "message", "messages"));

    steps.begin("Sweeping Detective investigations (the sweep rule's scheduled event)");
    let investigations: BTreeSet<String> = invocations
        .iter()
        .flat_map(|i| i.investigations())
        .collect();
    steps.detail(&format!(
        "{} started for HIGH and CRITICAL AI findings on IAM principals; the emulator finishes each after {:?}",
        plural(investigations.len(), "investigation", "investigations"),
        options.investigation_delay
    ));
    let sweeps = sweep(
        &mut function,
        &stack,
        investigations.len(),
        findings_done + options.investigation_delay,
        &steps,
    )
    .await?;
    let follow_ups = read_inboxes(&sqs, &specs, &urls).await?;
    let received: usize = follow_ups.iter().map(|i| i.messages.len()).sum();
    steps.end(&plural(received, "follow-up message", "follow-up messages"));

    steps.begin("Stopping the enricher; summing its metrics (EMF lines on its stdout)");
    let output = function.stop().await;
    let metrics = metrics::MetricsSummary::from_lines(output.stdout.iter().map(String::as_str));
    steps.end(&plural(metrics.documents, "EMF document", "EMF documents"));

    steps.begin("Stopping the local AWS");
    drop(local);
    steps.end("");

    Ok(Report {
        config: options.config.display().to_string(),
        provisioned,
        enricher: options.enricher.display().to_string(),
        environment,
        retargeted,
        events_sent,
        invocations,
        alerts,
        sweeps,
        follow_ups,
        metrics,
        steps: steps.times,
        elapsed: started.elapsed(),
    })
}

/// Drains every inbox and reads each message in its route's format.
async fn read_inboxes(
    sqs: &aws_sdk_sqs::Client,
    specs: &[InboxSpec],
    urls: &[String],
) -> Result<Vec<Inbox>, DemoError> {
    let mut out = Vec::new();
    for (spec, url) in specs.iter().zip(urls) {
        let messages = queues::drain(sqs, url)
            .await?
            .into_iter()
            .map(|raw| Received::read(spec.format, raw))
            .collect();
        out.push(Inbox {
            spec: spec.clone(),
            messages,
        });
    }
    Ok(out)
}

/// The event EventBridge sends on the sweep rule's schedule.
fn scheduled_event(stack: &str, n: usize) -> Value {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    json!({
        "version": "0",
        "id": format!("00000000-0000-4000-9000-{n:012}"),
        "detail-type": SCHEDULED_DETAIL_TYPE,
        "source": "aws.events",
        "account": DEFAULT_ACCOUNT,
        "time": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{DEFAULT_ACCOUNT}:rule/{}", names::sweep_rule(stack))],
        "detail": {},
    })
}

/// Longest the sweep waits for investigations still running after their expected end.
const SWEEP_PATIENCE: Duration = Duration::from_secs(15);

/// Sweeps once the investigations should have finished (`ready_at`), and again while some are
/// still running and fewer than `expected` were followed up, for a while.
async fn sweep(
    function: &mut RunningFunction,
    stack: &str,
    expected: usize,
    ready_at: Instant,
    steps: &Steps<'_>,
) -> Result<Vec<Invocation>, DemoError> {
    tokio::time::sleep_until(ready_at.into()).await;
    let deadline = Instant::now() + SWEEP_PATIENCE;
    let mut sweeps = Vec::new();
    let mut followed_up = 0;
    loop {
        let result = function
            .invoke(&scheduled_event(stack, sweeps.len() + 1))
            .await?;
        let (followed, running) = match &result {
            InvocationResult::Ok(answer) => (
                answer["sweep"]["followed_up"]
                    .as_array()
                    .map_or(0, Vec::len),
                answer["sweep"]["still_running"].as_u64().unwrap_or(0),
            ),
            InvocationResult::Error { .. } => (0, 0),
        };
        followed_up += followed;
        let sweep = Invocation {
            input: "sweep".into(),
            label: format!("{SCHEDULED_DETAIL_TYPE} #{}", sweeps.len() + 1),
            result,
        };
        steps.detail(&format!("{} → {}", sweep.label, sweep.outcome()));
        let failed = !sweep.result.is_ok();
        sweeps.push(sweep);
        if failed || running == 0 || followed_up >= expected || Instant::now() > deadline {
            return Ok(sweeps);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The enricher binary beside this program, or the error naming the build command.
pub fn locate_enricher() -> Result<PathBuf, DemoError> {
    function::locate_enricher()
}

/// `path` for people: relative to the current directory when inside it.
pub fn short_path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}
