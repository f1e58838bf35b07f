//! `watchpost-localaws`: the local AWS in the background for people trying Watchpost by hand
//! (`just local-up`, `just local-down`): moto and the Detective emulator on fixed loopback
//! ports, with the environment that points the AWS CLI and SDKs at them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use watchpost_localaws::background::{self, EMULATOR_BINARY, Ports, RunDir, Up};

#[derive(Debug, Parser)]
#[command(name = "watchpost-localaws", version)]
struct Args {
    /// Where pids and logs are kept [default: the workspace's .local/run]
    #[arg(long, global = true)]
    run_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Start moto and the Detective emulator in the background (a no-op when both run) and
    /// print the environment to export.
    Up {
        #[arg(long, default_value_t = 5000)]
        moto_port: u16,
        #[arg(long, default_value_t = 5005)]
        detective_port: u16,
        /// The emulator's binary [default: beside this program]
        #[arg(long)]
        emulator: Option<PathBuf>,
    },
    /// Stop what `up` started (a no-op when nothing runs).
    Down,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let run = args.run_dir.map(RunDir::new).unwrap_or_default();
    match args.command {
        Action::Up {
            moto_port,
            detective_port,
            emulator,
        } => {
            let ports = Ports {
                moto: moto_port,
                detective: detective_port,
            };
            let emulator = emulator.unwrap_or_else(|| {
                std::env::current_exe()
                    .ok()
                    .and_then(|exe| exe.parent().map(|dir| dir.join(EMULATOR_BINARY)))
                    .unwrap_or_else(|| PathBuf::from(EMULATOR_BINARY))
            });
            match background::up(&run, ports, &emulator).await {
                Ok(up) => {
                    if up == Up::AlreadyRunning {
                        eprintln!("local-aws: already running");
                    }
                    println!("# Local AWS is up. To use it from this shell:");
                    print!("{}", background::environment(ports));
                    println!(
                        "# (a 12-digit access key id is the calling account; stop with: just local-down)"
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("local-aws: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Action::Down => {
            let stopped = background::down(&run);
            if stopped.is_empty() {
                println!("local-aws: nothing running");
            }
            for (server, pid) in stopped {
                println!("local-aws: stopped {} (pid {pid})", server.name());
            }
            ExitCode::SUCCESS
        }
    }
}
