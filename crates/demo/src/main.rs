//! `watchpost-demo` (`just demo`): runs the bundled findings through the whole pipeline against
//! the local AWS and prints what each subscriber received. Everything it prints goes through
//! [`terminal_safe`]: alerts carry strings an attacker chose.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use clap::Parser;
use watchpost_demo::display::{report_text, terminal_safe};
use watchpost_demo::{Options, Progress, locate_enricher, run, short_path};

/// Run Watchpost end to end against the local AWS (moto and the Detective emulator): provision
/// the demo config, send the bundled findings through EventBridge, run the real enricher, and
/// show what each subscriber received.
#[derive(Debug, Parser)]
#[command(name = "watchpost-demo")]
struct Args {
    /// The config to provision [default: infra/watchpost.demo.toml]
    #[arg(long)]
    config: Option<PathBuf>,
    /// EventBridge events to send, one per line [default: infra/demo/findings.jsonl]
    #[arg(long)]
    findings: Option<PathBuf>,
    /// The watchpost-enricher binary [default: beside this program]
    #[arg(long)]
    enricher: Option<PathBuf>,
}

/// Prints progress lines: `[1/10] Title… done in 1.2s (summary)`, details indented below.
#[derive(Default)]
struct Printer {
    /// Whether the current step's title line is still waiting for its end.
    open: Mutex<bool>,
}

impl Printer {
    fn print(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(terminal_safe(text).as_bytes());
        let _ = out.flush();
    }
}

impl Progress for Printer {
    fn begin(&self, number: usize, total: usize, title: &str) {
        *self.open.lock().unwrap() = true;
        self.print(&format!("[{number}/{total}] {title}…"));
    }

    fn detail(&self, line: &str) {
        let mut open = self.open.lock().unwrap();
        if std::mem::replace(&mut *open, false) {
            self.print("\n");
        }
        self.print(&format!("      {line}\n"));
    }

    fn end(&self, elapsed: Duration, summary: &str) {
        let open = std::mem::replace(&mut *self.open.lock().unwrap(), false);
        let summary = if summary.is_empty() {
            String::new()
        } else {
            format!(" ({summary})")
        };
        let lead = if open { " " } else { "      " };
        self.print(&format!(
            "{lead}done in {:.1}s{summary}\n",
            elapsed.as_secs_f64()
        ));
    }
}

async fn demo(args: Args) -> Result<(), watchpost_demo::DemoError> {
    let enricher = match args.enricher {
        Some(path) => path,
        None => locate_enricher()?,
    };
    let mut options = Options::bundled(enricher);
    if let Some(config) = args.config {
        options.config = config;
    }
    if let Some(findings) = args.findings {
        options.findings = findings;
    }
    let printer = Printer::default();
    printer.print(&format!(
        "Watchpost demo: {} through {} into the local AWS\n\n",
        short_path(&options.findings),
        short_path(&options.config),
    ));
    let report = run(&options, &printer).await?;
    printer.print(&report_text(&report));
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match demo(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Every variant's message already carries its cause.
            eprintln!("{}", terminal_safe(&format!("\nerror: {err}")));
            ExitCode::FAILURE
        }
    }
}
