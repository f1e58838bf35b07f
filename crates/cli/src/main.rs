//! The `watchpost` command. `main` parses arguments, runs the subcommand and turns its result
//! into an exit status: 0 done, 1 failed, 2 unusable arguments or config.

mod replay;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use watchpost_core::Config;

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
        /// Files (one event, a JSON array, or JSON Lines), directories (their *.json and *.jsonl
        /// in name order), or `-` for standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
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
            paths,
        } => load_config(config.as_deref()).and_then(|config| {
            replay::run(
                &config,
                &paths,
                replay::Options {
                    format,
                    alerts,
                    metrics,
                },
            )
        }),
        Command::Validate { config, quiet } => validate(&config, quiet),
    };
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

fn load_config(path: Option<&std::path::Path>) -> Result<Config, Failure> {
    match path {
        None => Ok(Config::default()),
        Some(path) => Config::load(path).map_err(|err| Failure::Usage(err.to_string())),
    }
}

fn validate(path: &std::path::Path, quiet: bool) -> Result<(), Failure> {
    let config = load_config(Some(path))?;
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
