//! Replays every fixture under `testdata/` through the pipeline and compares the records with
//! the expected file beside it; checks the replay contract on every record; snapshots rendered
//! alerts. One test binary for the crate's fixtures (compile time); the property tests live in
//! `properties.rs`.
//!
//! Conventions (see `testdata/README.md`): `testdata/events/x.json` (or `x.jsonl`) is replayed
//! with `testdata/configs/x.toml` when it exists, else with the defaults, and its records are
//! expected in `x.expected.jsonl` beside it. `WATCHPOST_BLESS=1 cargo test -p watchpost-core
//! --test fixtures` rewrites the expected files instead of comparing.

use std::path::{Path, PathBuf};

use serde_json::Value;
use watchpost_core::Config;
use watchpost_core::SeverityLabel;
use watchpost_core::config::{Deployed, Format};
use watchpost_core::event::parse_event;
use watchpost_core::finding::ParsedEvent;
use watchpost_core::incident::{
    IncidentAlert, IncidentKind, IncidentView, MemoryIncidents, block_on, join,
};
use watchpost_core::render::{Enrichment, pager};
use watchpost_core::replay::{Replay, ReplayRecord, split_events};

/// The clock for findings whose update time cannot be read, so that replays are deterministic.
const FALLBACK_NOW: i64 = 1_772_438_400; // 2026-03-02T08:00:00Z
const EXPECTED_SUFFIX: &str = ".expected.jsonl";

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Every input file of a fixture folder, in name order: `*.json` and `*.jsonl`, but not the
/// expected files.
fn inputs(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata().join(folder))
        .unwrap_or_else(|err| panic!("testdata/{folder}: {err}"))
        .map(|entry| entry.expect("readable folder").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (name.ends_with(".json") || name.ends_with(".jsonl"))
                && !name.ends_with(EXPECTED_SUFFIX)
        })
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("UTF-8 file name");
    name.trim_end_matches(".jsonl")
        .trim_end_matches(".json")
        .to_owned()
}

/// The config a fixture runs with: `configs/<stem>.toml` if present, else its folder's
/// `config.toml` if present, else the defaults; with what the deployment would put in the
/// enricher's environment read from the folder's `enricher.env` (`NAME=value` lines), when
/// there is one.
fn config_for(path: &Path) -> Config {
    let toml = testdata()
        .join("configs")
        .join(format!("{}.toml", stem(path)));
    let folder = path.with_file_name("config.toml");
    let mut config = if toml.exists() {
        Config::load(&toml).unwrap_or_else(|err| panic!("{}: {err}", toml.display()))
    } else if folder.exists() {
        Config::load(&folder).unwrap_or_else(|err| panic!("{}: {err}", folder.display()))
    } else {
        Config::default()
    };
    config.deployed = deployed_for(path);
    config
}

/// The enricher's environment of a fixture folder (`enricher.env`).
fn deployed_for(path: &Path) -> Deployed {
    let text = std::fs::read_to_string(path.with_file_name("enricher.env")).unwrap_or_default();
    let vars: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();
    Deployed::from_env(&|name| {
        vars.iter()
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    })
}

/// `events/x.json` — the `input` label a fixture's records carry.
fn label(path: &Path) -> String {
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    format!("{folder}/{name}")
}

/// Replays one fixture file: the records, and how many input events it held.
fn replay_file(path: &Path, config: &Config, render: bool) -> (Vec<ReplayRecord>, usize) {
    let bytes = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let events = split_events(&label(path), &bytes);
    let count = events.len();
    let mut replay = Replay::new(config, FALLBACK_NOW).with_rendered_alerts(render);
    let records = events.into_iter().flat_map(|e| replay.process(e)).collect();
    (records, count)
}

fn to_lines(records: &[ReplayRecord]) -> String {
    records
        .iter()
        .map(|r| serde_json::to_string(r).expect("records serialise") + "\n")
        .collect()
}

fn expected_path(path: &Path) -> PathBuf {
    path.with_file_name(format!("{}{EXPECTED_SUFFIX}", stem(path)))
}

fn blessing() -> bool {
    std::env::var_os("WATCHPOST_BLESS").is_some_and(|v| v == "1")
}

/// Compares (or, when blessing, rewrites) the expected records of every file in a folder.
fn check_folder(folder: &str) {
    let files = inputs(folder);
    assert!(!files.is_empty(), "no fixtures in testdata/{folder}");
    let mut failures = Vec::new();
    for path in &files {
        let (records, _) = replay_file(path, &config_for(path), false);
        let actual = to_lines(&records);
        let expected_file = expected_path(path);
        if blessing() {
            std::fs::write(&expected_file, &actual).expect("write expected file");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_else(|_| {
            panic!(
                "{} has no expected file; run with WATCHPOST_BLESS=1 and review it",
                path.display()
            )
        });
        if expected != actual {
            let diff = expected
                .lines()
                .zip(actual.lines())
                .enumerate()
                .find(|(_, (e, a))| e != a)
                .map(|(i, (e, a))| {
                    format!(
                        "first difference at record {}:\n  expected {e}\n  actual   {a}",
                        i + 1
                    )
                })
                .unwrap_or_else(|| {
                    format!(
                        "{} expected records, {} actual",
                        expected.lines().count(),
                        actual.lines().count()
                    )
                });
            failures.push(format!("{}: {diff}", label(path)));
        }
    }
    assert!(
        failures.is_empty(),
        "replay records differ from the expected files (WATCHPOST_BLESS=1 rewrites them; review the diff):\n{}",
        failures.join("\n")
    );
}

#[test]
fn event_fixtures_replay_to_their_expected_records() {
    check_folder("events");
}

#[test]
fn third_party_samples_replay_to_their_expected_records() {
    check_folder("samples");
}

#[test]
fn activity_fixtures_replay_to_their_expected_records() {
    check_folder("activity");
}

/// Fields of the replay contract (`watchpost replay --format json`, docs/how-it-works.md).
const CONTRACT_FIELDS: &[&str] = &[
    "input",
    "outcome",
    "reason",
    "finding_id",
    "finding_type",
    "severity",
    "component",
    "evidence",
    "routes",
    "subject",
];

#[test]
fn every_input_event_yields_one_record_with_the_contract_fields() {
    for folder in ["events", "samples", "activity"] {
        for path in inputs(folder) {
            let (records, events) = replay_file(&path, &config_for(&path), false);
            let name = label(&path);
            // Security Hub batches give one record per finding, `<input>#n` after the first:
            // the first records of the events and the events pair up.
            let firsts = records.iter().filter(|r| !r.input.contains('#')).count();
            assert_eq!(firsts, events, "{name}: one record per input event");
            for (i, record) in records.iter().enumerate() {
                let value = serde_json::to_value(record).expect("serialises");
                let at = format!("{name} record {}", i + 1);
                for field in CONTRACT_FIELDS {
                    assert!(value.get(*field).is_some(), "{at}: no `{field}`");
                }
                assert!(
                    value["input"].as_str().unwrap().starts_with(&name),
                    "{at}: input label"
                );
                let outcome = value["outcome"].as_str().unwrap();
                assert!(
                    ["alert", "suppressed", "ignored", "rejected"].contains(&outcome),
                    "{at}: outcome {outcome}"
                );
                assert!(!record.reason.is_empty(), "{at}: empty reason");
                let has_finding = matches!(outcome, "alert" | "suppressed");
                assert_eq!(record.finding_id.is_some(), has_finding, "{at}: finding_id");
                assert_eq!(
                    record.finding_type.is_some(),
                    has_finding,
                    "{at}: finding_type"
                );
                assert_eq!(record.severity.is_some(), has_finding, "{at}: severity");
                if let Some(severity) = &value.get("severity").filter(|s| !s.is_null()) {
                    assert!(
                        severity["score"].is_number() && severity["label"].is_string(),
                        "{at}"
                    );
                }
                assert_eq!(
                    record.subject.is_some(),
                    outcome == "alert",
                    "{at}: subject"
                );
                assert_eq!(
                    !record.routes.is_empty(),
                    outcome == "alert",
                    "{at}: routes"
                );
                assert_eq!(
                    record.component.is_some(),
                    !record.evidence.is_empty(),
                    "{at}: a component comes with its evidence"
                );
                if outcome == "rejected" {
                    assert_names_a_field(&record.reason, &at);
                }
            }
        }
    }
}

/// A rejection says what is wrong and where: a field in backticks, the finding as a whole
/// (for a missing field, which serde names in the message), or that the input is not JSON.
fn assert_names_a_field(reason: &str, at: &str) {
    let names_field = reason.starts_with('`') && reason[1..].contains("`: ");
    let whole = reason.starts_with("the finding: missing field `");
    let not_json = reason.starts_with("not valid JSON: ");
    let not_object = reason.starts_with("expected a JSON object");
    let no_shape = reason.starts_with("not an EventBridge event (no `detail-type`)");
    assert!(
        names_field || whole || not_json || not_object || no_shape,
        "{at}: rejection does not say which field is wrong: {reason}"
    );
}

#[test]
fn every_expected_file_has_its_input() {
    for folder in ["events", "samples", "activity"] {
        for entry in std::fs::read_dir(testdata().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if let Some(stem) = name.strip_suffix(EXPECTED_SUFFIX) {
                let json = path.with_file_name(format!("{stem}.json"));
                let jsonl = path.with_file_name(format!("{stem}.jsonl"));
                assert!(
                    json.exists() != jsonl.exists(),
                    "{folder}/{name}: expected file without exactly one input"
                );
            }
        }
    }
}

#[test]
fn every_config_belongs_to_a_fixture() {
    for entry in std::fs::read_dir(testdata().join("configs")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let events = testdata().join("events");
        assert!(
            events.join(format!("{stem}.json")).exists()
                || events.join(format!("{stem}.jsonl")).exists(),
            "configs/{stem}.toml has no events/{stem}.json(l)"
        );
        Config::load(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    }
}

#[test]
fn parse_event_agrees_with_replay_on_single_event_files() {
    // `parse_event` (the enricher's entry) and replay's splitting see the same event.
    for path in inputs("events")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let bytes = std::fs::read(&path).unwrap();
        let parsed = parse_event(&bytes);
        let (records, _) = replay_file(&path, &Config::default(), false);
        let outcome = records[0].outcome.as_str();
        let agrees = match parsed {
            ParsedEvent::Findings { .. } => outcome == "alert" || outcome == "suppressed",
            ParsedEvent::Ignored(_) => outcome == "ignored",
            ParsedEvent::Rejected(_) => outcome == "rejected",
        };
        assert!(agrees, "{}: parse_event and replay disagree", label(&path));
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshots of the rendered alerts: what on-call people will read.

/// One route per format, all severities and components.
fn snapshot_config() -> Config {
    Config::from_toml(
        r#"
[[routes]]
name = "email"
format = "text"

[[routes]]
name = "siem"
format = "json"

[[routes]]
name = "chat"
format = "chat"

[[routes]]
name = "teams"
format = "chat"
chat_client = "teams"
"#,
        "snapshot.toml",
    )
    .expect("valid config")
}

/// The alerts of the first record of a fixture, by route (`email`, `siem`, `chat` for Slack,
/// `teams`); each pretty when JSON, and chat cards followed by their markdown as written.
fn rendered(fixture: &str) -> Vec<(String, String)> {
    let config = snapshot_config();
    let path = testdata().join("events").join(fixture);
    let (records, _) = replay_file(&path, &config, true);
    let record = records.into_iter().next().expect("one record");
    assert_eq!(
        record.outcome.as_str(),
        "alert",
        "{fixture}: {}",
        record.reason
    );
    let alerts = record.alerts.expect("rendered alerts");
    assert_eq!(alerts.len(), 4, "{fixture}: one alert per route");
    shown_alerts(fixture, &alerts)
}

/// Each alert as a snapshot shows it, by route: subject, attributes, then the body (pretty
/// when JSON; chat cards followed by their markdown as written). Cards and pages are checked
/// against their schemas first.
fn shown_alerts(
    fixture: &str,
    alerts: &[watchpost_core::render::RenderedAlert],
) -> Vec<(String, String)> {
    alerts
        .iter()
        .map(|alert| {
            let attributes = alert
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            let body = match alert.format {
                Format::Text => alert.message.clone(),
                Format::Json => {
                    let value: Value = serde_json::from_str(&alert.message).expect("JSON message");
                    serde_json::to_string_pretty(&value).unwrap()
                }
                Format::Pagerduty | Format::Opsgenie => {
                    let value: Value = serde_json::from_str(&alert.message).expect("JSON message");
                    let checked = match alert.format {
                        Format::Pagerduty => pager::check_pagerduty_event(&value),
                        _ if alert.attributes["alert_kind"] == "resolved" => {
                            pager::check_opsgenie_close(&value)
                        }
                        _ => pager::check_opsgenie_create(&value),
                    };
                    assert_eq!(checked, Ok(()), "{fixture}: route {}", alert.route);
                    serde_json::to_string_pretty(&value).unwrap()
                }
                Format::Chat => {
                    let value: Value = serde_json::from_str(&alert.message).expect("JSON message");
                    assert_eq!(
                        watchpost_core::render::chat::check_custom_notification(&value),
                        Ok(()),
                        "{fixture}: route {}",
                        alert.route
                    );
                    // The markdown as the client receives it, unquoted, so the snapshot shows
                    // what the reader's client parses.
                    let content = &value["content"];
                    format!(
                        "{}\n--- title\n{}\n--- description\n{}\n--- nextSteps\n{}",
                        serde_json::to_string_pretty(&value).unwrap(),
                        content["title"].as_str().unwrap_or_default(),
                        content["description"].as_str().unwrap_or_default(),
                        content["nextSteps"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("\n")
                    )
                }
            };
            let shown = format!(
                "subject: {}\nattributes: {attributes}\ntruncated: {}\nbytes: {}\n---\n{body}",
                alert.subject,
                alert.truncated,
                alert.message.len()
            );
            (alert.route.clone(), shown)
        })
        .collect()
}

/// What an on-call engineer reads once, not twice, and never empty: one step that cuts the
/// actor's credentials off at most, no word twice in a row (a resource's type printed again as
/// its name), and in a text alert no label without a value and no value said twice.
fn reads_cleanly(name: &str, shown: &str, format: Format) {
    if let Some(steps) = shown.split("\nNext steps\n").nth(1) {
        let containment = steps
            .lines()
            .map(str::to_lowercase)
            .filter(|l| {
                ["deactivate", "revoke", "rotate"]
                    .iter()
                    .any(|w| l.contains(w))
            })
            .count();
        assert!(containment <= 1, "{name}: two steps say the same:\n{steps}");
    }
    for line in shown.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            assert!(
                !(pair[0] == pair[1] && pair[0].chars().any(char::is_alphabetic)),
                "{name}: a word twice in a row: {line}"
            );
        }
    }
    if format != Format::Text {
        return;
    }
    let body = shown.split("\n---\n").nth(1).unwrap_or(shown);
    let lines: Vec<&str> = body.lines().collect();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        // A label ends its line only when a list follows it (an attack sequence's parts).
        if line.ends_with(':') {
            let next = lines.get(i + 1).map(|l| l.trim_start());
            assert!(
                next.is_some_and(|n| n.starts_with("- ")),
                "{name}: a label with nothing after it: {line}"
            );
        }
        // The line, and what follows each of its labels: a value quoted under another label
        // is still said twice.
        let said: Vec<&str> = std::iter::once(line)
            .chain(line.match_indices(": ").map(|(at, _)| &line[at + 2..]))
            .filter(|value| value.chars().count() > 40)
            .collect();
        for value in &said {
            assert!(!seen.contains(value), "{name}: said twice: {value}");
        }
        seen.extend(said);
    }
}

/// Snapshot names keep the format (`text`, `json`, `chat` for Slack) and add `teams`.
fn snapshot_name(route: &str) -> &str {
    match route {
        "email" => "text",
        "siem" => "json",
        other => other,
    }
}

fn snapshot_all(name: &str, fixture: &str) {
    for (route, shown) in rendered(fixture) {
        let format = match route.as_str() {
            "email" => Format::Text,
            "siem" => Format::Json,
            _ => Format::Chat,
        };
        reads_cleanly(name, &shown, format);
        insta::assert_snapshot!(format!("{name}__{}", snapshot_name(&route)), shown);
    }
}

#[test]
fn snapshot_gpu_cryptomining() {
    snapshot_all("gpu_cryptomining", "instance-gpu-cryptomining-p4d.json");
}

#[test]
fn snapshot_ai_protection_anomalous_invocation() {
    snapshot_all(
        "anomalous_model_invocation",
        "accesskey-bedrock-anomalous-invocation.json",
    );
}

#[test]
fn snapshot_ai_protection_cost_harvesting() {
    snapshot_all("cost_harvesting", "accesskey-bedrock-cost-harvesting.json");
}

#[test]
fn snapshot_ai_protection_prompt_injection() {
    snapshot_all(
        "prompt_injection",
        "accesskey-bedrock-prompt-injection.json",
    );
    snapshot_all(
        "prompt_injection_detected",
        "accesskey-bedrock-prompt-injection-detected.json",
    );
}

/// The "Model use" part of a fixture's text alert.
fn model_use_in_text(fixture: &str) -> String {
    let (_, text) = rendered(fixture)
        .into_iter()
        .find(|(route, _)| route == "email")
        .expect("a text route");
    let part = text
        .split("\nModel use\n")
        .nth(1)
        .expect("a model use part");
    part.split("\n\n").next().unwrap_or_default().to_owned()
}

#[test]
fn the_new_security_hub_s_copy_shows_the_guardrail_as_guardduty_s_own() {
    let own = model_use_in_text("accesskey-bedrock-prompt-injection.json");
    assert!(
        own.contains("Content filter: prompt attack, HIGH confidence: blocked"),
        "{own}"
    );
    assert_eq!(
        model_use_in_text("ocsf-guardduty-prompt-injection.json"),
        own
    );
}

#[test]
fn snapshot_attack_sequence() {
    snapshot_all("attack_sequence", "attack-sequence-bedrock.json");
}

#[test]
fn snapshot_sample_finding() {
    snapshot_all("sample_finding", "sample-finding.json");
}

/// The hostile finding carries a 300 KB description: its JSON message drops the original
/// finding to stay within SNS's limit. The snapshot shows the bounded, defused alert, with the
/// long runs of filler elided so the snapshot stays readable.
#[test]
fn snapshot_hostile_finding() {
    for (route, shown) in rendered("hostile-strings.json") {
        let compact = elide_runs(&shown, 40);
        insta::assert_snapshot!(
            format!("hostile_finding__{}", snapshot_name(&route)),
            compact
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Alerts of an incident, in every format.

/// [`snapshot_config`] and a route for each pager.
fn incident_snapshot_config() -> Config {
    let mut config = snapshot_config();
    for format in ["pagerduty", "opsgenie"] {
        let route: watchpost_core::config::Route =
            toml::from_str(&format!("name = \"{format}\"\nformat = \"{format}\""))
                .expect("a route");
        config.routes.push(route);
    }
    config
}

/// The first finding of an event fixture, evaluated, with the incident it opens (joined in a
/// store of its own) and its alerts rendered with `incident` edited by `kind_of`.
fn incident_alerts(
    fixture: &str,
    kind_of: impl Fn(IncidentView) -> IncidentView,
) -> Vec<watchpost_core::render::RenderedAlert> {
    let config = incident_snapshot_config();
    let bytes = std::fs::read(testdata().join("events").join(fixture)).expect("fixture");
    let ParsedEvent::Findings { findings, .. } = parse_event(&bytes) else {
        panic!("{fixture}: no finding");
    };
    let sourced = findings.into_iter().next().expect("a finding");
    let evaluation = watchpost_core::pipeline::evaluate(sourced, &config, None, FALLBACK_NOW);
    assert!(evaluation.is_alert(), "{}", evaluation.decision.reason);
    let alert = IncidentAlert::of(&evaluation, &config.incidents).expect("incidents are on");
    let store = MemoryIncidents::default();
    let window = config.incidents.window.as_secs() as i64;
    let view = block_on(join(
        &store,
        &alert,
        FALLBACK_NOW,
        window,
        FALLBACK_NOW + window,
    ))
    .expect("the in-memory store joins");
    let enrichment = Enrichment {
        incident: Some(kind_of(view)),
        ..Enrichment::default()
    };
    evaluation.render(&config, &enrichment)
}

/// An alert that opens an incident, in every format: the incident's key ends the subject (mail
/// threads), opens the text and the card, is the chat thread, the page's `dedup_key` and
/// `alias`; the JSON alert carries the whole incident.
#[test]
fn snapshot_incident_opened() {
    let alerts = incident_alerts("accesskey-bedrock-anomalous-invocation.json", |view| view);
    assert_eq!(alerts.len(), 6);
    let key = &alerts[0].attributes["incident"];
    for (route, shown) in shown_alerts("incident", &alerts) {
        assert!(shown.contains(key.as_str()), "{route}: no incident key");
        insta::assert_snapshot!(format!("incident_opened__{}", snapshot_name(&route)), shown);
    }
    let chat = alerts.iter().find(|a| a.route == "chat").expect("chat");
    let card: Value = serde_json::from_str(&chat.message).unwrap();
    assert_eq!(card["metadata"]["threadId"], key.as_str());
}

/// An escalation re-triggers the page at the incident's new severity; a resolution resolves
/// PagerDuty's and closes Opsgenie's (whose request is then the close body).
#[test]
fn snapshot_incident_escalated_and_resolved_pages() {
    for (name, kind) in [
        ("escalated", IncidentKind::Escalation),
        ("resolved", IncidentKind::Resolved),
    ] {
        let alerts = incident_alerts("accesskey-bedrock-anomalous-invocation.json", |view| {
            IncidentView {
                kind,
                alerts: 4,
                severity: SeverityLabel::Critical,
                ..view
            }
        });
        let pages: Vec<_> = alerts.into_iter().filter(|a| a.format.is_pager()).collect();
        assert_eq!(pages.len(), 2);
        for (route, shown) in shown_alerts(name, &pages) {
            insta::assert_snapshot!(format!("incident_{name}__{route}"), shown);
        }
    }
}

/// Replaces runs of one character longer than `max` with a marker, for readable snapshots.
fn elide_runs(text: &str, max: usize) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        if j - i > max && chars[i] != ' ' {
            out.push_str(&format!("{}⟨…{} × {:?}⟩", chars[i], j - i, chars[i]));
        } else {
            out.extend(&chars[i..j]);
        }
        i = j;
    }
    out
}

/// Without rendered alerts (`watchpost replay --format json`), a replay computes only the
/// subject, not each route's message: its records and metrics must be exactly those of the full
/// rendering, with the alerts left out.
#[test]
fn records_without_rendered_alerts_are_the_rendered_ones_minus_the_alerts() {
    for folder in ["events", "samples", "activity"] {
        for path in inputs(folder) {
            let config = config_for(&path);
            let bytes = std::fs::read(&path).expect("readable fixture");
            let run = |render: bool| {
                let mut replay = Replay::new(&config, FALLBACK_NOW).with_rendered_alerts(render);
                let records: Vec<ReplayRecord> = split_events(&label(&path), &bytes)
                    .into_iter()
                    .flat_map(|e| replay.process(e))
                    .collect();
                (records, replay.metrics().to_emf("Watchpost", 0))
            };
            let (plain, plain_metrics) = run(false);
            let (mut rendered, rendered_metrics) = run(true);
            assert!(plain.iter().all(|r| r.alerts.is_none()));
            for record in &mut rendered {
                record.alerts = None;
            }
            let name = label(&path);
            assert_eq!(to_lines(&plain), to_lines(&rendered), "{name}: records");
            assert_eq!(plain_metrics, rendered_metrics, "{name}: metrics");
        }
    }
}

/// Every config under `testdata/bad-configs/` is one AWS (or Watchpost) would refuse. Each is
/// refused when read, and what the user sees — file, line, key, the line with a caret under the
/// value, the hint — is snapshotted beside it (`bad-configs/x.snap`).
#[test]
fn bad_configs_are_refused_at_their_line() {
    let folder = testdata().join("bad-configs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("testdata/bad-configs")
        .map(|entry| entry.expect("readable folder").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "only {} bad configs", files.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&folder);
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for path in &files {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("UTF-8 file name")
                .to_owned();
            let text = std::fs::read_to_string(path).expect("readable config");
            let err = Config::from_toml(&text, &format!("{name}.toml"))
                .expect_err(&format!("bad-configs/{name}.toml was accepted"));
            assert!(
                err.line.is_some() && err.snippet.is_some() && err.hint.is_some(),
                "{name}: the error must point at a line and say what to do: {err}"
            );
            // At the key or its value, never at the `[` of a section's header.
            let snippet = err.snippet.as_ref().expect("a snippet");
            let under = snippet.text.chars().nth(snippet.column - 1);
            assert_ne!(
                under,
                Some('['),
                "{name}: the caret is under a header: {err}"
            );
            insta::assert_snapshot!(name, err.to_string());
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Watchpost's own detections (`testdata/activity/`).

/// The records of an activity fixture, with its alerts rendered for `config`.
fn activity_records(fixture: &str, config: &Config) -> Vec<ReplayRecord> {
    let path = testdata().join("activity").join(fixture);
    replay_file(&path, config, true).0
}

fn activity_config() -> Config {
    let folder = testdata().join("activity");
    let mut config = Config::load(&folder.join("config.toml")).expect("valid config");
    config.deployed = deployed_for(&folder.join("config.toml"));
    config
}

#[test]
fn every_default_detection_has_a_firing_an_allowlisted_and_a_failed_case() {
    let config = activity_config();
    for detection in watchpost_core::config::detections::DEFAULTS {
        let fixture = format!("cloudtrail-{}.jsonl", detection.id);
        let records = activity_records(&fixture, &config);
        assert_eq!(records.len(), 3, "{fixture}");
        for record in &records {
            assert_eq!(record.detection.as_deref(), Some(detection.id), "{fixture}");
            assert_eq!(
                record.finding_type.as_deref(),
                Some(format!("Watchpost:CloudTrail/{}", detection.id).as_str())
            );
        }
        let (fires, allowlisted, failed) = (&records[0], &records[1], &records[2]);
        assert_eq!(
            fires.outcome.as_str(),
            "alert",
            "{fixture}: {}",
            fires.reason
        );
        assert_eq!(
            allowlisted.outcome.as_str(),
            "suppressed",
            "{fixture}: {}",
            allowlisted.reason
        );
        assert!(
            allowlisted.reason.starts_with("allowlisted "),
            "{fixture}: {}",
            allowlisted.reason
        );
        assert_eq!(
            failed.outcome.as_str(),
            "alert",
            "{fixture}: {}",
            failed.reason
        );
        assert!(
            failed.subject.as_deref().unwrap().contains("(failed)"),
            "{fixture}: {:?}",
            failed.subject
        );
        // The failed call came from a long-term key (one band up), then lost a band for
        // failing: it ends at the detection's own band.
        assert_eq!(
            failed.severity.unwrap().label,
            watchpost_core::SeverityLabel::from_score(detection.severity),
            "{fixture}"
        );
        let alert = &fires.alerts.as_ref().unwrap()[0];
        assert!(
            alert.message.contains(detection.rationale),
            "{fixture}: the alert shows the rationale"
        );
    }
}

#[test]
fn a_long_term_key_and_a_scripted_user_agent_each_raise_a_band() {
    let records = activity_records("cloudtrail-model-access-granted.jsonl", &Config::default());
    let grant = &records[0];
    // 5.0 MEDIUM by default; an AKIA key and python-requests make it two bands higher.
    assert_eq!(
        grant.severity.unwrap().label,
        watchpost_core::SeverityLabel::Critical
    );
    let text = &grant.alerts.as_ref().unwrap()[0].message;
    assert!(
        text.contains("Escalated for: long-term access key AKIA"),
        "{text}"
    );
    assert!(
        text.contains("Escalated for: unusual user agent python-requests/2.31.0"),
        "{text}"
    );
    assert!(
        text.contains("Request parameter: modelId = anthropic.claude-3-5-sonnet-20240620-v1:0"),
        "{text}"
    );
    assert!(text.contains("CloudTrail event id: "), "{text}");
    assert!(
        text.contains("Detective AwsUser ci-deployer: https://"),
        "{text}"
    );
    assert!(!text.contains("GuardDuty finding:"), "{text}");
}

/// URLs and domains a caller put in its user agent, its session's name, a request parameter
/// and the error message reach every text alert (email, SMS, pager) defanged, as they reach
/// chat: none is a live link, and the subject carries none either.
#[test]
fn no_string_of_a_call_is_a_live_link_in_a_text_alert() {
    let records = activity_records("cloudtrail-urls-in-call.json", &snapshot_activity_config());
    let alerts = records[0].alerts.as_ref().expect("an alert");
    for alert in alerts.iter().filter(|a| a.format == Format::Text) {
        for shown in [&alert.subject, &alert.message] {
            assert!(!shown.contains("https://evil"), "{shown}");
            assert!(!shown.contains("evil-c2.example.net"), "{shown}");
        }
        let text = &alert.message;
        assert!(
            text.contains("curl/8.4.0 hxxps://evil-c2[.]example[.]net/beacon"),
            "{text}"
        );
        assert!(
            text.contains("guardrailIdentifier = hxxps://evil-c2[.]example[.]net/gr"),
            "{text}"
        );
        assert!(text.contains("docs[.]evil-c2[.]example[.]net"), "{text}");
        assert!(text.contains("alice@evil-c2[.]example[.]net"), "{text}");
    }
}

#[test]
fn suppression_rules_apply_to_detections_as_to_findings() {
    let config = Config::from_toml(
        r#"
[[suppress]]
name = "sandbox guardrails"
finding_types = ["Watchpost:CloudTrail/guardrail-*"]
"#,
        "suppress.toml",
    )
    .unwrap();
    let records = activity_records("cloudtrail-guardrail-deleted.jsonl", &config);
    assert_eq!(records[0].outcome.as_str(), "suppressed");
    assert!(
        records[0].reason.contains("sandbox guardrails"),
        "{}",
        records[0].reason
    );
}

#[test]
fn replay_counts_findings_by_detection() {
    let config = activity_config();
    let path = testdata()
        .join("activity")
        .join("cloudtrail-guardrail-deleted.jsonl");
    let bytes = std::fs::read(&path).unwrap();
    let mut replay = Replay::new(&config, FALLBACK_NOW);
    for event in split_events("x", &bytes) {
        replay.process(event);
    }
    let docs = replay.metrics().to_emf("Watchpost", 0);
    let detections: Vec<&Value> = docs
        .iter()
        .filter(|d| d.get("Detections").is_some())
        .collect();
    assert_eq!(detections.len(), 1, "{docs:?}");
    assert_eq!(detections[0]["Detection"], "guardrail-deleted");
    assert_eq!(detections[0]["Detections"], 3);
}

#[test]
fn a_resolved_usage_alarm_follows_up_on_the_thread_its_alarm_opened() {
    let records = activity_records(
        "usage-bedrock-token-spike-flapping.jsonl",
        &snapshot_activity_config(),
    );
    let outcomes: Vec<&str> = records.iter().map(|r| r.outcome.as_str()).collect();
    // ALARM, its redelivery, OK, ALARM again 20 minutes later, OK again, ALARM a day later.
    assert_eq!(
        outcomes,
        [
            "alert",
            "suppressed",
            "alert",
            "suppressed",
            "suppressed",
            "alert"
        ],
        "{records:#?}"
    );
    let thread = |record: &ReplayRecord| {
        let chat = record
            .alerts
            .as_ref()
            .unwrap()
            .iter()
            .find(|a| a.format == Format::Chat)
            .unwrap();
        let value: Value = serde_json::from_str(&chat.message).unwrap();
        value["metadata"]["threadId"].as_str().unwrap().to_owned()
    };
    assert_eq!(thread(&records[0]), thread(&records[2]));
    assert!(records[2].subject.as_deref().unwrap().contains("RESOLVED"));
    // The follow-up goes where the alarm went: same severity, same routes.
    assert_eq!(
        records[0].severity.unwrap().label,
        records[2].severity.unwrap().label
    );
    assert_eq!(records[0].routes, records[2].routes);
}

/// The snapshot routes plus the activity fixtures' prices and log group.
fn snapshot_activity_config() -> Config {
    let mut config = snapshot_config();
    let activity = activity_config();
    config.detections = activity.detections;
    config.usage = activity.usage;
    config
}

fn snapshot_activity(name: &str, fixture: &str, index: usize) {
    let records = activity_records(fixture, &snapshot_activity_config());
    let record = &records[index];
    assert_eq!(
        record.outcome.as_str(),
        "alert",
        "{fixture}: {}",
        record.reason
    );
    // Two routes of one format (a Slack and a Teams chat route) need snapshots of their own.
    let mut seen = std::collections::HashSet::new();
    for alert in record.alerts.as_ref().unwrap() {
        let snapshot = if seen.insert(alert.format) {
            format!("{name}__{}", alert.format.as_str())
        } else {
            format!("{name}__{}__{}", alert.format.as_str(), alert.route)
        };
        let body = match alert.format {
            Format::Text => alert.message.clone(),
            Format::Json | Format::Chat | Format::Pagerduty | Format::Opsgenie => {
                let value: Value = serde_json::from_str(&alert.message).expect("JSON message");
                serde_json::to_string_pretty(&value).unwrap()
            }
        };
        let attributes = alert
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let shown = format!(
            "subject: {}\nattributes: {attributes}\n---\n{body}",
            alert.subject
        );
        reads_cleanly(name, &shown, alert.format);
        insta::assert_snapshot!(snapshot, shown);
    }
}

#[test]
fn snapshot_detection_model_access_granted() {
    snapshot_activity(
        "detection_model_access",
        "cloudtrail-model-access-granted.jsonl",
        0,
    );
}

#[test]
fn snapshot_usage_alarm_and_resolved() {
    snapshot_activity("usage_alarm", "usage-bedrock-token-spike-flapping.jsonl", 0);
    snapshot_activity(
        "usage_resolved",
        "usage-bedrock-token-spike-flapping.jsonl",
        2,
    );
}

// ---------------------------------------------------------------------------------------------
// The detections as docs/how-it-works.md lists them.

/// docs/how-it-works.md lists every default detection, with its calls and conditions, severity,
/// component, rationale and sources, between two markers; the list is written from the table in
/// `config/detections/defaults.rs` (`WATCHPOST_BLESS=1` rewrites it), so that the two never
/// disagree.
#[test]
fn the_docs_list_every_detection_as_the_table_defines_it() {
    const START: &str =
        "<!-- detections: written from crates/core/src/config/detections/defaults.rs -->\n";
    const END: &str = "<!-- detections: end -->\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/how-it-works.md");
    let docs = std::fs::read_to_string(&path).expect("docs/how-it-works.md");
    let start = docs.find(START).expect("the start marker") + START.len();
    let end = docs.find(END).expect("the end marker");
    let written = detections_in_markdown();
    if blessing() {
        let mut updated = docs.clone();
        updated.replace_range(start..end, &written);
        std::fs::write(&path, updated).expect("write the docs");
        return;
    }
    assert!(
        docs[start..end] == written,
        "docs/how-it-works.md lists other detections than the table: run with WATCHPOST_BLESS=1 and read the diff"
    );
}

fn detections_in_markdown() -> String {
    use watchpost_core::config::detections::{DEFAULTS, Kind};
    let mut out = String::new();
    for (kind, heading) in [
        (Kind::Ai, "AI services"),
        (Kind::Pipeline, "The pipeline and its sources"),
        (
            Kind::Reconnaissance,
            "Reconnaissance (read-only calls; off unless `reconnaissance = true`)",
        ),
    ] {
        out.push_str(&format!(
            "\n*{heading}*\n\n| detection | CloudTrail calls | severity | component | why | sources |\n|---|---|---|---|---|---|\n"
        ));
        for d in DEFAULTS.iter().filter(|d| d.kind == kind) {
            let service = d.event_source.trim_end_matches(".amazonaws.com");
            let names: Vec<String> = d.event_names.iter().map(|n| format!("`{n}`")).collect();
            let mut calls = format!("{service} {}", names.join(", "));
            let conditions: Vec<String> = d.conditions.iter().map(|c| c.describe()).collect();
            if !conditions.is_empty() {
                calls.push_str(&format!("; when {}", conditions.join(", and ")));
            }
            if !d.accelerated_instance_parameters.is_empty() {
                calls.push_str("; on an accelerated instance type");
            }
            if d.deployers {
                calls.push_str("; not by `deployers`");
            }
            let severity = format!(
                "{:.1} {}",
                d.severity,
                watchpost_core::SeverityLabel::from_score(d.severity)
            );
            let component = d.component.map_or("none", |c| c.as_str());
            let cell = |text: &str| text.replace('|', "\\|");
            out.push_str(&format!(
                "| `{}` | {} | {severity} | {component} | {} | {} |\n",
                d.id,
                cell(&calls),
                cell(d.rationale),
                cell(&d.sources.join("; ")),
            ));
        }
    }
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------------
// One alert per route per finding update, whichever of its copies arrive, in whatever order.

/// Every order of GuardDuty's own event and Security Hub's two copies (ASFF, OCSF) of one
/// update reaches each route once, and no route GuardDuty's own event alone would not reach.
#[test]
fn the_three_copies_of_an_update_alert_once_per_route_in_every_order() {
    let path = testdata().join("events/sequence-securityhub-ocsf-copies.jsonl");
    let bytes = std::fs::read(&path).unwrap();
    // Lines 1 to 3: the OCSF copy, the ASFF copy and GuardDuty's own event, all at count 7.
    let copies: Vec<&[u8]> = bytes.split(|b| *b == b'\n').take(3).collect();
    let config = Config::from_toml(
        r#"
[[routes]]
name = "all"
format = "json"

[[routes]]
name = "models"
components = ["model-invocation"]
format = "chat"

[[routes]]
name = "high"
min_severity = "HIGH"
format = "text"
"#,
        "copies.toml",
    )
    .expect("valid config");
    let alone = {
        let mut replay = Replay::new(&config, FALLBACK_NOW);
        let records = replay.process(split_events("native", copies[2]).remove(0));
        records[0].routes.clone()
    };
    assert_eq!(alone, ["all", "models"]);
    for (index, copy) in copies.iter().enumerate() {
        let mut replay = Replay::new(&config, FALLBACK_NOW);
        let records = replay.process(split_events("copy", copy).remove(0));
        assert_eq!(records[0].routes, alone, "copy on line {} alone", index + 1);
    }
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let mut replay = Replay::new(&config, FALLBACK_NOW);
        let mut reached: Vec<String> = Vec::new();
        for index in order {
            for record in replay.process(split_events("copy", copies[index]).remove(0)) {
                reached.extend(record.routes);
            }
        }
        reached.sort();
        assert_eq!(reached, alone, "order {order:?}: routes reached");
    }
}

// ---------------------------------------------------------------------------------------------
// Incidents over a replay.

/// One principal's story, LLMjacking-shaped (invocation logging deleted, a guardrail deleted,
/// provisioned throughput bought, a model imported: four alerts in 25 minutes, from the activity
/// fixtures), and an unrelated principal's call before it, replayed with a pager, a chat and a
/// JSON route: the story is one incident, paged at most twice (its opening, and an escalation
/// if its severity rises) in one chat thread; the JSON route receives every alert; the
/// unrelated call is an incident of its own.
#[test]
fn a_principals_story_is_one_incident_one_page_and_one_thread() {
    let activity = std::fs::read_to_string(testdata().join("activity").join("config.toml"))
        .expect("activity config");
    let config = Config::from_toml(
        &format!(
            "{activity}\n[[routes]]\nname = \"pager\"\nformat = \"pagerduty\"\n\
             [[routes]]\nname = \"chat\"\nformat = \"chat\"\n\
             [[routes]]\nname = \"siem\"\nformat = \"json\"\n"
        ),
        "story.toml",
    )
    .expect("valid config");
    let story: String = [
        "cloudtrail-model-access-granted.jsonl",
        "cloudtrail-invocation-logging-removed.jsonl",
        "cloudtrail-guardrail-deleted.jsonl",
        "cloudtrail-provisioned-throughput-purchased.jsonl",
        "cloudtrail-custom-model-created.jsonl",
    ]
    .iter()
    .map(|name| {
        let text = std::fs::read_to_string(testdata().join("activity").join(name)).unwrap();
        format!("{}\n", text.lines().next().expect("a first call"))
    })
    .collect();
    let mut replay = Replay::new(&config, FALLBACK_NOW).with_rendered_alerts(true);
    let records: Vec<ReplayRecord> = split_events("story.jsonl", story.as_bytes())
        .into_iter()
        .flat_map(|e| replay.process(e))
        .collect();
    let alerts: Vec<&ReplayRecord> = records
        .iter()
        .filter(|r| r.outcome.as_str() == "alert")
        .collect();
    assert_eq!(alerts.len(), 5, "{}", to_lines(&records));
    let key = |r: &ReplayRecord| r.incident.as_ref().expect("an incident").key.clone();
    let (unrelated, story) = alerts.split_first().unwrap();
    let incident = key(story[0]);
    assert!(
        story.iter().all(|r| key(r) == incident),
        "{}",
        to_lines(&records)
    );
    assert_ne!(key(unrelated), incident);
    let news = story
        .iter()
        .filter(|r| r.incident.as_ref().unwrap().kind.is_news())
        .count();
    assert!((1..=2).contains(&news), "{} pages", news);
    // What each route received, record by record, and the summary agree.
    for record in story
        .iter()
        .filter(|r| !r.incident.as_ref().unwrap().kind.is_news())
    {
        assert_eq!(record.held, ["pager"]);
        let sent: Vec<&str> = record
            .alerts
            .iter()
            .flatten()
            .map(|a| a.route.as_str())
            .collect();
        assert_eq!(sent, ["chat", "siem"]);
    }
    let summary = replay.summary();
    assert_eq!(summary.incidents_opened, 2);
    let route = |name: &str| summary.routes.iter().find(|r| r.route == name).unwrap();
    assert_eq!(route("pager").pages, Some(1 + news as u64));
    assert_eq!(route("pager").alerts_held, (story.len() - news) as u64);
    assert_eq!(route("chat").threads, Some(2));
    assert_eq!(route("chat").pages, None);
    assert_eq!(route("siem").alerts_sent, 5, "the record keeps every alert");
    insta::assert_snapshot!("incident_story_summary", summary.to_text());
}
