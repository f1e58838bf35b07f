//! The report as text for a terminal: per subscriber a digest of each message (severity,
//! component, subject, evidence, Detective links), one chat card and one SIEM document in full,
//! the follow-ups, a metrics table and a summary line.
//!
//! Strings in the report come from findings and from Detective: attacker-controlled. Whatever
//! is printed goes through [`terminal_safe`], which shows control characters (ANSI escapes,
//! C1 controls, bidirectional overrides, carriage returns) as visible `\u{…}` escapes instead
//! of letting the terminal act on them.

use std::fmt::Write;

use serde_json::Value;
use watchpost_core::config::Format;
use watchpost_core::text::is_invisible_control;

use crate::inbox::{Digest, MessageKind, Received};
use crate::report::{Inbox, Report};

/// Evidence lines shown per message; the rest are counted.
const EVIDENCE_SHOWN: usize = 4;
/// Longest string value shown in the abbreviated SIEM document.
const DOCUMENT_STRING_MAX_CHARS: usize = 160;

/// `text` with every control character except the line feed escaped (`\u{1b}`), so that it
/// cannot move the cursor, recolour, retitle or reorder anything on a terminal.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != '\n' && is_invisible_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Text => "text",
        Format::Chat => "AWS Chatbot custom notifications",
        Format::Json => "JSON documents",
        Format::Pagerduty => "PagerDuty events",
        Format::Opsgenie => "Opsgenie alerts",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn inbox_heading(inbox: &Inbox, what: &str) -> String {
    let spec = &inbox.spec;
    let filter = spec
        .filter_policy
        .as_ref()
        .map(|p| format!(", filter policy {p}"))
        .unwrap_or_default();
    format!(
        "{} ({}) → {}{filter}: {}",
        spec.route,
        format_name(spec.format),
        spec.queue,
        plural(inbox.messages.len(), what, &format!("{what}s"))
    )
}

fn digest_lines(out: &mut String, n: usize, message: &Received) {
    let digest: &Digest = match &message.digest {
        Ok(digest) => digest,
        Err(problem) => {
            let _ = writeln!(out, "  {n}. UNREADABLE: {problem}");
            return;
        }
    };
    let mut tags = vec![if digest.severity.is_empty() {
        "?".to_owned()
    } else {
        digest.severity.clone()
    }];
    if let Some(component) = &digest.component {
        tags.push(component.clone());
    }
    if digest.sample {
        tags.push("sample".into());
    }
    let (head, evidence_label) = match digest.kind {
        MessageKind::Alert => (digest.subject.clone(), "why"),
        MessageKind::FollowUp => (format!("follow-up to: {}", digest.subject), "indicator"),
    };
    let tag = match digest.kind {
        MessageKind::Alert => tags.join(" · "),
        MessageKind::FollowUp => format!("Detective verdict {}", tags.join(" · ")),
    };
    let _ = writeln!(out, "  {n}. {tag}\n     {head}");
    for evidence in digest.evidence.iter().take(EVIDENCE_SHOWN) {
        let _ = writeln!(out, "     {evidence_label}: {evidence}");
    }
    if digest.evidence.len() > EVIDENCE_SHOWN {
        let _ = writeln!(
            out,
            "     … and {} more",
            digest.evidence.len() - EVIDENCE_SHOWN
        );
    }
    if let Some(id) = &digest.investigation {
        let _ = writeln!(out, "     Detective investigation: {id}");
    }
    for link in &digest.links {
        let _ = writeln!(out, "     {}: {}", link.label, link.url);
    }
}

/// Long strings cut and the original finding left out, so a document fits a screen.
fn abbreviated(value: &Value) -> Value {
    match value {
        Value::String(s) if s.chars().count() > DOCUMENT_STRING_MAX_CHARS => {
            let cut: String = s.chars().take(DOCUMENT_STRING_MAX_CHARS).collect();
            Value::String(format!("{cut}…"))
        }
        Value::Array(items) => Value::Array(items.iter().map(abbreviated).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if k == "guardduty_finding" {
                        Value::String(format!(
                            "… the original GuardDuty finding, {} bytes of JSON …",
                            v.to_string().len()
                        ))
                    } else {
                        abbreviated(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn indented(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "      {line}");
    }
}

fn inbox_section(out: &mut String, inbox: &Inbox, what: &str) {
    let _ = writeln!(out, "\n{}", inbox_heading(inbox, what));
    for (i, message) in inbox.messages.iter().enumerate() {
        digest_lines(out, i + 1, message);
    }
    let Some(first) = inbox.messages.iter().find_map(|m| m.document.as_ref()) else {
        return;
    };
    match inbox.spec.format {
        Format::Chat => {
            let _ = writeln!(out, "     The first card, as AWS Chatbot receives it:");
            indented(
                out,
                &serde_json::to_string_pretty(first).unwrap_or_default(),
            );
        }
        Format::Json => {
            let _ = writeln!(out, "     The first document (abbreviated):");
            indented(
                out,
                &serde_json::to_string_pretty(&abbreviated(first)).unwrap_or_default(),
            );
        }
        Format::Pagerduty | Format::Opsgenie => {
            let _ = writeln!(out, "     The first page, as the pipe sends it:");
            indented(
                out,
                &serde_json::to_string_pretty(first).unwrap_or_default(),
            );
        }
        Format::Text => {}
    }
}

fn metrics_section(out: &mut String, report: &Report) {
    let metrics = &report.metrics;
    let _ = writeln!(
        out,
        "\nMetrics: {} EMF documents from the enricher's stdout (namespace {})",
        metrics.documents,
        if metrics.namespaces.is_empty() {
            "-".to_owned()
        } else {
            metrics.namespaces.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "  {:<12} {:<10} {:<22} {:>5}",
        "Findings", "severity", "component", "count"
    );
    for ((outcome, severity, component), n) in &metrics.findings {
        let _ = writeln!(out, "  {outcome:<12} {severity:<10} {component:<22} {n:>5}");
    }
    let _ = writeln!(
        out,
        "  {:<12} {:<10} {:<22} {:>5}",
        "total",
        "",
        "",
        metrics.findings_total()
    );
    let _ = writeln!(out, "  {:<35} {:<22} {:>5}", "metric", "dimension", "count");
    for ((metric, dimension, value), n) in &metrics.counters {
        let dimension = if dimension.is_empty() {
            String::new()
        } else {
            format!("{dimension}={value}")
        };
        let _ = writeln!(out, "  {metric:<35} {dimension:<22} {n:>5}");
    }
}

/// The report, for people. Pass it through [`terminal_safe`] before printing.
/// Each attack sequence that arrived, and the routes whose subscribers received it: the end of
/// a story GuardDuty tells in one finding.
fn sequences_section(out: &mut String, report: &Report) {
    let mut arrived: Vec<(&str, Vec<&str>)> = Vec::new();
    for inbox in &report.alerts {
        for digest in inbox.messages.iter().filter_map(|m| m.digest.as_ref().ok()) {
            if !digest.subject.contains(ATTACK_SEQUENCE) {
                continue;
            }
            match arrived.iter_mut().find(|(s, _)| *s == digest.subject) {
                Some((_, routes)) => routes.push(&inbox.spec.route),
                None => arrived.push((&digest.subject, vec![&inbox.spec.route])),
            }
        }
    }
    if arrived.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nAttack sequences, and the routes they arrived on");
    for (subject, routes) in arrived {
        let _ = writeln!(
            out,
            "  {}\n    → {}",
            terminal_safe(subject),
            routes.join(", ")
        );
    }
}

/// What the subject of an attack sequence's alert names.
const ATTACK_SEQUENCE: &str = "AttackSequence:";

pub fn report_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nWhat each subscriber received");
    for inbox in &report.alerts {
        inbox_section(&mut out, inbox, "message");
    }
    let _ = writeln!(out, "\nAfter the investigation sweep");
    for inbox in &report.follow_ups {
        inbox_section(&mut out, inbox, "follow-up");
    }
    metrics_section(&mut out, report);
    sequences_section(&mut out, report);

    let ok = report
        .invocations
        .iter()
        .filter(|i| i.result.is_ok())
        .count();
    let received: Vec<String> = report
        .alerts
        .iter()
        .map(|i| format!("{} {}", i.spec.route, i.messages.len()))
        .collect();
    let follow_ups: usize = report.follow_ups.iter().map(|i| i.messages.len()).sum();
    let _ = writeln!(
        out,
        "\nSummary: {} sent, {} delivered by EventBridge, {ok} answered without error; {} alerts and {} suppressed; received: {}; {} after the sweep. Done in {:.1}s.",
        plural(report.events_sent, "event", "events"),
        report.invocations.len(),
        report.metrics.findings_with_outcome("alert"),
        report.metrics.findings_with_outcome("suppressed"),
        received.join(", "),
        plural(follow_ups, "follow-up", "follow-ups"),
        report.elapsed.as_secs_f64()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_not_obeyed() {
        let hostile = "bucket\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{9b}31m\u{202e}txt.exe\u{7f}";
        let safe = terminal_safe(hostile);
        assert!(
            !safe.chars().any(|c| c != '\n' && is_invisible_control(c)),
            "{safe:?}"
        );
        assert_eq!(
            safe,
            "bucket\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}\\u{9b}31m\\u{202e}txt.exe\\u{7f}"
        );
        assert_eq!(terminal_safe("two\nlines …＠"), "two\nlines …＠");
    }

    #[test]
    fn the_siem_document_leaves_the_finding_out_and_cuts_long_strings() {
        let document = serde_json::json!({
            "subject": "s",
            "finding": {"description": "d".repeat(500)},
            "guardduty_finding": {"id": "x"},
        });
        let short = abbreviated(&document);
        assert_eq!(short["subject"], "s");
        assert_eq!(
            short["finding"]["description"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            DOCUMENT_STRING_MAX_CHARS + 1
        );
        assert!(
            short["guardduty_finding"]
                .as_str()
                .unwrap()
                .contains("the original GuardDuty finding")
        );
    }
}
