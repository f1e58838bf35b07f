//! `watchpost-detective-emulator`: serves the local Amazon Detective on a loopback port.
//! Flags override the `WATCHPOST_DETECTIVE_*` environment variables.

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use watchpost_detective_emulator::faults::{self, Faults};
use watchpost_detective_emulator::server::ENV_INVESTIGATION_DELAY_MS;
use watchpost_detective_emulator::{Config, DEFAULT_INVESTIGATION_DELAY, RunningEmulator};

/// A local Amazon Detective (rest-json) for tests and demos.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on (keep it loopback).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 5005)]
    port: u16,
    /// How long investigations stay RUNNING, in ms (env WATCHPOST_DETECTIVE_INVESTIGATION_DELAY_MS; default 3000).
    #[arg(long)]
    investigation_delay_ms: Option<u64>,
    /// Milliseconds added before every answer (env WATCHPOST_DETECTIVE_LATENCY_MS).
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Share of calls answered with TooManyRequestsException, 0..1 (env WATCHPOST_DETECTIVE_THROTTLE_RATE).
    #[arg(long, value_parser = faults::parse_rate)]
    throttle_rate: Option<f64>,
    /// Make an operation fail: `StartInvestigation=500`, `CreateGraph=403`; repeatable
    /// (env WATCHPOST_DETECTIVE_FAIL, comma separated).
    #[arg(long = "fail", value_name = "OPERATION=STATUS")]
    fail: Vec<String>,
}

fn config(args: &Args) -> Result<Config, String> {
    let mut faults: Faults = Faults::from_env()?;
    if let Some(ms) = args.latency_ms {
        faults.latency_ms = ms;
    }
    if let Some(rate) = args.throttle_rate {
        faults.throttle_rate = rate;
    }
    for spec in &args.fail {
        let (op, kind) = faults::parse_failure(spec)?;
        faults.fail.insert(op, kind);
    }
    let delay =
        match (
            args.investigation_delay_ms,
            std::env::var(ENV_INVESTIGATION_DELAY_MS),
        ) {
            (Some(ms), _) => Duration::from_millis(ms),
            (None, Ok(v)) => Duration::from_millis(v.trim().parse().map_err(|_| {
                format!("{ENV_INVESTIGATION_DELAY_MS}={v:?} is not a number of ms")
            })?),
            (None, Err(_)) => DEFAULT_INVESTIGATION_DELAY,
        };
    Ok(Config {
        investigation_delay: delay,
        faults,
        ..Config::default()
    })
}

async fn run(args: Args) -> Result<(), String> {
    let config = config(&args)?;
    let addr = SocketAddr::new(args.host, args.port);
    let emulator = RunningEmulator::start(addr, config.clone())
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(
        endpoint = %emulator.endpoint_url(),
        investigation_delay_ms = config.investigation_delay.as_millis() as u64,
        faults = %config.faults.to_json(),
        "Detective emulator listening"
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    drop(emulator);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    // Plain text when the log goes to a file (`just local-up` writes .local/run/detective.log).
    tracing_subscriber::fmt()
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("watchpost-detective-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}
