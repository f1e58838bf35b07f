//! The `watchpost` command. `main` parses arguments, runs the subcommand and turns its result
//! into an exit status: 0 done, 1 failed, 2 unusable arguments or config.

mod provision;
mod replay;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use watchpost_core::Config;
use watchpost_core::config::Deployed;

#[derive(Parser)]
#[command(
    name = "watchpost",
    version,
    about = "GuardDuty and Detective alerts for AI workloads"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the enricher's pipeline over saved events, offline, and show what would be sent.
    Replay {
        /// The config to test (defaults apply without one).
        #[arg(long)]
        config: Option<PathBuf>,
        /// `text` for people, `json` for one JSON object per input event.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Also show each rendered alert (subject, message, attributes) per route.
        #[arg(long)]
        alerts: bool,
        /// Print the CloudWatch metric documents (EMF) the run would emit, after the records.
        #[arg(long)]
        metrics: bool,
        /// With `--format json`, print what incidents made of the run per route (incidents
        /// opened, alerts sent, pages, threads, alerts held and for a digest) as one JSON object
        /// after the records (text output always ends with it).
        #[arg(long)]
        summary: bool,
        /// Files (one event, a JSON array, or JSON Lines), directories (their *.json and *.jsonl
        /// in name order), or `-` for standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Show what `apply` would change in the account, and why.
    Plan {
        #[command(flatten)]
        common: ProvisionArgs,
        /// Exit 0 when there is nothing to change, 2 when there is, 1 on errors.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Plan, ask, then change the account to match the config.
    Apply {
        #[command(flatten)]
        common: ProvisionArgs,
        /// Apply without asking (required when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Only remove the stack's lock with this id, left behind by a run that stopped.
        #[arg(long, value_name = "ID")]
        force_unlock: Option<String>,
    },
    /// Plan, ask, then remove everything this stack owns.
    Destroy {
        #[command(flatten)]
        common: ProvisionArgs,
        #[arg(long)]
        yes: bool,
        /// Only remove the stack's lock with this id, left behind by a run that stopped.
        #[arg(long, value_name = "ID")]
        force_unlock: Option<String>,
    },
    /// Show what is provisioned: graph, topics, function, pending subscriptions, dashboard.
    Outputs {
        #[command(flatten)]
        common: ProvisionArgs,
    },
    /// Send the events in the enricher's dead-letter queue back to it (each message is deleted
    /// once Lambda accepted its event).
    Redrive {
        /// The config naming the stack (its queue and function).
        #[arg(long, default_value = "watchpost.toml")]
        config: PathBuf,
        /// Only list the dead letters; send and delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// At most this many messages per region.
        #[arg(long, default_value_t = 1000)]
        max: usize,
    },
    /// Resolve an incident by hand: each region's enricher tells every route that heard it
    /// (a pager closes its page) and the next related alert opens a new one.
    Resolve {
        /// The config naming the stack (its function and regions).
        #[arg(long, default_value = "watchpost.toml")]
        config: PathBuf,
        /// Who resolves it, as the routes will read it.
        #[arg(long, default_value = "watchpost resolve")]
        by: String,
        /// The incident's key (`WP-…`), as its alerts carry it.
        incident: String,
    },
    /// Check a config file and print it with every default filled in.
    Validate {
        #[arg(long)]
        config: PathBuf,
        /// Only check; print nothing when the config is valid.
        #[arg(long, short)]
        quiet: bool,
    },
}

#[derive(clap::Args)]
struct ProvisionArgs {
    /// The config to provision from.
    #[arg(long, default_value = "watchpost.toml")]
    config: PathBuf,
    /// `text` for people, `json` for machines.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
    /// The enricher's zip to deploy (default: `[enricher] zip_path`, which `just lambda` builds).
    #[arg(long, value_name = "ZIP")]
    package: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// A failure and the exit status it calls for.
pub enum Failure {
    /// Arguments or config unusable: exit 2.
    Usage(String),
    /// The work could not be done: exit 1.
    Failed(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay {
            config,
            format,
            alerts,
            metrics,
            summary,
            paths,
        } => load_config(config.as_deref()).and_then(|mut config| {
            // What the deployed enricher reads from its environment, replay reads from its own
            // (the stack's keys, `WATCHPOST_KEY_ARNS`), so that both decide alike.
            config.deployed = Deployed::from_env(&|name| std::env::var(name).ok());
            replay::run(
                &config,
                &paths,
                replay::Options {
                    format,
                    alerts,
                    metrics,
                    summary,
                },
            )
        }),
        Command::Validate { config, quiet } => validate(&config, quiet),
        Command::Resolve {
            config,
            by,
            incident,
        } => load_config(Some(&config))
            .and_then(|config| provision::resolve(&config, &incident, &by)),
        Command::Redrive {
            config,
            dry_run,
            max,
        } => {
            load_config(Some(&config)).and_then(|config| provision::redrive(&config, dry_run, max))
        }
        Command::Plan {
            common,
            detailed_exitcode,
        } => {
            return provisioning(&common, provision::Operation::Plan, detailed_exitcode);
        }
        Command::Apply {
            common,
            yes,
            force_unlock,
        } => {
            return provisioning(
                &common,
                provision::Operation::Apply { yes, force_unlock },
                false,
            );
        }
        Command::Destroy {
            common,
            yes,
            force_unlock,
        } => {
            return provisioning(
                &common,
                provision::Operation::Destroy { yes, force_unlock },
                false,
            );
        }
        Command::Outputs { common } => load_config(Some(&common.config))
            .and_then(|config| provision::outputs(&config, common.output)),
    };
    exit(result)
}

/// Exit status 0 done, 1 failed, 2 unusable arguments or config.
fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// plan, apply and destroy; with `--detailed-exitcode`, 2 means the plan has changes.
fn provisioning(
    common: &ProvisionArgs,
    operation: provision::Operation,
    detailed_exitcode: bool,
) -> ExitCode {
    // What is deployed must say who receives its alarms; destroying needs no such thing.
    let config = match operation {
        provision::Operation::Destroy { .. } => load_config(Some(&common.config)),
        provision::Operation::Plan | provision::Operation::Apply { .. } => {
            deployable_config(&common.config)
        }
    };
    let result = config.and_then(|config| {
        let package = provision::package(&config, &common.config, common.package.as_deref());
        provision::run(&config, &package, operation, common.output)
    });
    match result {
        Ok(provision::Done::Changes) if detailed_exitcode => ExitCode::from(2),
        Ok(_) => ExitCode::SUCCESS,
        // With --detailed-exitcode, 2 means "changes", so every error is 1.
        Err(Failure::Usage(message)) if detailed_exitcode => exit(Err(Failure::Failed(message))),
        Err(failure) => exit(Err(failure)),
    }
}

fn load_config(path: Option<&std::path::Path>) -> Result<Config, Failure> {
    match path {
        None => Ok(Config::default()),
        Some(path) => Config::load(path).map_err(|err| Failure::Usage(err.to_string())),
    }
}

/// A config to deploy: [`Config::load_deployable`]'s checks on top of [`Config::load`]'s, and
/// its warnings on stderr.
fn deployable_config(path: &std::path::Path) -> Result<Config, Failure> {
    let config = Config::load_deployable(path).map_err(|err| Failure::Usage(err.to_string()))?;
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for warning in config.warnings(&path.display().to_string(), &text) {
        eprintln!("{warning}");
    }
    Ok(config)
}

fn validate(path: &std::path::Path, quiet: bool) -> Result<(), Failure> {
    let config = deployable_config(path)?;
    if !quiet {
        let shown = toml::to_string(&config)
            .map_err(|err| Failure::Failed(format!("cannot show the config: {err}")))?;
        println!(
            "# {}: valid. With every default filled in:\n\n{shown}",
            path.display()
        );
    }
    Ok(())
}
