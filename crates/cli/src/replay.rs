//! `watchpost replay`: reads the event files, runs the core's replay over them in order, and
//! prints one record per event (text or JSON Lines), then what incidents made of the run per
//! route.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use watchpost_core::Config;
use watchpost_core::replay::{Replay, ReplayRecord, split_events};

use crate::{Failure, OutputFormat};

pub struct Options {
    pub format: OutputFormat,
    pub alerts: bool,
    pub metrics: bool,
    /// JSON output: the incidents' summary after the records.
    pub summary: bool,
}

pub fn run(config: &Config, paths: &[PathBuf], options: Options) -> Result<(), Failure> {
    let sources = expand(paths)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut replay = Replay::new(config, now).with_rendered_alerts(options.alerts);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut failures = Vec::new();
    for source in sources {
        let (name, bytes) = match read_source(&source) {
            Ok(read) => read,
            Err(message) => {
                failures.push(message);
                continue;
            }
        };
        for event in split_events(&name, &bytes) {
            for record in replay.process(event) {
                print_record(&mut out, &record, options.format)
                    .map_err(|err| Failure::Failed(format!("cannot write output: {err}")))?;
            }
        }
    }
    match options.format {
        OutputFormat::Text => print_summary(&mut out, &replay),
        OutputFormat::Json if options.summary => serde_json::to_writer(
            &mut out,
            &serde_json::json!({ "summary": replay.summary() }),
        )
        .map_err(io::Error::other)
        .and_then(|()| writeln!(out)),
        OutputFormat::Json => Ok(()),
    }
    .map_err(|err| Failure::Failed(format!("cannot write output: {err}")))?;
    if options.metrics {
        let timestamp_ms = now * 1000;
        for document in replay
            .metrics()
            .to_emf(&config.metrics.namespace, timestamp_ms)
        {
            writeln!(out, "{document}")
                .map_err(|err| Failure::Failed(format!("cannot write output: {err}")))?;
        }
    }
    out.flush()
        .map_err(|err| Failure::Failed(format!("cannot write output: {err}")))?;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(failures.join("\n")))
    }
}

enum Source {
    Stdin,
    File(PathBuf),
}

/// Expands directories into their *.json and *.jsonl files in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<Source>, Failure> {
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|err| Failure::Usage(format!("cannot list {}: {err}", path.display())))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && matches!(
                            p.extension().and_then(|e| e.to_str()),
                            Some("json" | "jsonl")
                        )
                })
                .collect();
            files.sort();
            sources.extend(files.into_iter().map(Source::File));
        } else if path.exists() {
            sources.push(Source::File(path.clone()));
        } else {
            return Err(Failure::Usage(format!(
                "{}: no such file or directory (give event files, directories, or - for stdin)",
                path.display()
            )));
        }
    }
    Ok(sources)
}

fn read_source(source: &Source) -> Result<(String, Vec<u8>), String> {
    match source {
        Source::Stdin => {
            let mut bytes = Vec::new();
            io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|err| format!("cannot read standard input: {err}"))?;
            Ok(("-".to_owned(), bytes))
        }
        Source::File(path) => std::fs::read(path)
            .map(|bytes| (display(path), bytes))
            .map_err(|err| format!("cannot read {}: {err}", path.display())),
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn print_record(
    out: &mut impl Write,
    record: &ReplayRecord,
    format: OutputFormat,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer(&mut *out, record)?;
            writeln!(out)
        }
        OutputFormat::Text => {
            let outcome = record.outcome.as_str().to_uppercase();
            match &record.subject {
                Some(subject) => writeln!(out, "{}  {outcome:<10} {subject}", record.input)?,
                None => writeln!(out, "{}  {outcome:<10} {}", record.input, record.reason)?,
            }
            if record.subject.is_some() {
                writeln!(out, "    why: {}", record.reason)?;
                writeln!(out, "    routes: {}", record.routes.join(", "))?;
                if let Some(incident) = &record.incident {
                    writeln!(
                        out,
                        "    incident: {} ({})",
                        incident.key,
                        incident.kind.as_str()
                    )?;
                }
                if !record.held.is_empty() {
                    writeln!(out, "    held: {}", record.held.join(", "))?;
                }
                if !record.digest.is_empty() {
                    writeln!(out, "    for a digest: {}", record.digest.join(", "))?;
                }
            } else if let Some(finding_type) = &record.finding_type {
                writeln!(out, "    finding: {finding_type}")?;
            }
            for evidence in &record.evidence {
                writeln!(out, "    evidence: {evidence}")?;
            }
            for alert in record.alerts.iter().flatten() {
                writeln!(
                    out,
                    "    --- route {} ({}) ---",
                    alert.route,
                    alert.format.as_str()
                )?;
                writeln!(out, "    subject: {}", alert.subject)?;
                let attributes: Vec<String> = alert
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                writeln!(out, "    attributes: {}", attributes.join(" "))?;
                for line in alert.message.lines() {
                    writeln!(out, "    | {line}")?;
                }
            }
            Ok(())
        }
    }
}

fn print_summary(out: &mut impl Write, replay: &Replay<'_>) -> io::Result<()> {
    let mut totals = std::collections::BTreeMap::<&str, u64>::new();
    for ((outcome, _, _), n) in replay.metrics().findings() {
        *totals.entry(outcome.as_str()).or_default() += n;
    }
    let parts: Vec<String> = ["alert", "suppressed", "ignored", "rejected"]
        .iter()
        .map(|o| format!("{} {o}", totals.get(o).copied().unwrap_or(0)))
        .collect();
    writeln!(out, "\n{}", parts.join(", "))?;
    write!(out, "{}", replay.summary().to_text())
}
