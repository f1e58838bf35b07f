//! End to end: the demo config provisioned into the local AWS, the bundled findings sent
//! through EventBridge, the real enricher binary, and what each subscriber's queue received.
//! What should arrive is derived from the inputs: the same findings replayed offline with the
//! same config (`watchpost replay`), plus the config's routes and filter policies.
//!
//! Needs moto (`just local-venv`) and the enricher binary of this build profile, which the test
//! builds with cargo when it is missing or older than its sources.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use watchpost_core::Config;
use watchpost_core::decide::Outcome;
use watchpost_core::replay::{Replay, ReplayRecord, split_events};
use watchpost_demo::function::{EnvSource, InvocationResult};
use watchpost_demo::inbox::MessageKind;
use watchpost_demo::report::Inbox;
use watchpost_demo::{Options, Quiet, Report, run};

const AI_COMPONENTS: [&str; 6] = [
    "model-invocation",
    "ml-control-plane",
    "accelerated-compute",
    "ml-data",
    "ml-identity",
    "ml-workload",
];

/// The newest file among `paths` (recursively), with its time.
fn newest(paths: &[PathBuf]) -> Option<(SystemTime, PathBuf)> {
    let mut best: Option<(SystemTime, PathBuf)> = None;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if let Ok(modified) = meta.modified()
            && best.as_ref().is_none_or(|(t, _)| modified > *t)
        {
            best = Some((modified, path));
        }
    }
    best
}

/// The enricher binary of this test's profile (`target/<profile>/`, beside `deps/` where this
/// test runs). `cargo test --workspace` builds it before any test runs; a narrower run may
/// not have, or may have left it older than its sources: then it is built here, with the same
/// profile and target directory, rather than testing a stale binary.
fn enricher_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows where it runs");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps")
        .to_path_buf();
    let binary = profile_dir.join("watchpost-enricher");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sources: Vec<PathBuf> = [
        "crates/enricher/src",
        "crates/enricher/Cargo.toml",
        "crates/core/src",
        "crates/core/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    let why = match (built, newest(&sources)) {
        (None, _) => "it is missing".to_owned(),
        (Some(built), Some((changed, path))) if changed > built => {
            format!("{} is newer", path.display())
        }
        _ => return binary,
    };
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("debug");
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args([
        "build",
        "--quiet",
        "-p",
        "watchpost-enricher",
        "--bin",
        "watchpost-enricher",
    ]);
    match profile {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    if let Some(target_dir) = profile_dir.parent() {
        command.arg("--target-dir").arg(target_dir);
    }
    eprintln!("building {} ({why}): {command:?}", binary.display());
    let status = command
        .current_dir(&root)
        .status()
        .unwrap_or_else(|err| panic!("cannot run {command:?} ({err}): build the enricher with `cargo build -p watchpost-enricher`"));
    assert!(
        status.success() && binary.is_file(),
        "{command:?} failed ({status}): build the enricher with `cargo build -p watchpost-enricher`"
    );
    binary
}

/// The bundled findings replayed offline with the demo config: what each should become.
fn expected(options: &Options) -> Vec<ReplayRecord> {
    let config = Config::load(&options.config).unwrap();
    let bytes = std::fs::read(&options.findings).unwrap();
    let mut replay = Replay::new(&config, 1_772_442_000);
    split_events("findings.jsonl", &bytes)
        .into_iter()
        .flat_map(|event| replay.process(event))
        .collect()
}

fn alerts_to<'a>(expected: &'a [ReplayRecord], route: &str) -> Vec<&'a ReplayRecord> {
    expected
        .iter()
        .filter(|r| r.outcome == Outcome::Alert && sent_to(r).iter().any(|x| x == route))
        .collect()
}

/// The routes a record's alert is sent to at once: its routes but those its incident holds back
/// (a pager's updates) and those that take it in a digest.
fn sent_to(record: &ReplayRecord) -> Vec<String> {
    record
        .routes
        .iter()
        .filter(|r| !record.held.contains(r) && !record.digest.contains(r))
        .cloned()
        .collect()
}

fn subjects(inbox: &Inbox) -> Vec<String> {
    let mut out: Vec<String> = inbox
        .messages
        .iter()
        .map(|m| {
            m.digest
                .as_ref()
                .expect("a readable message")
                .subject
                .clone()
        })
        .collect();
    out.sort();
    out
}

fn expected_subjects(records: &[&ReplayRecord]) -> Vec<String> {
    let mut out: Vec<String> = records
        .iter()
        .map(|r| r.subject.clone().expect("an alert has a subject"))
        .collect();
    out.sort();
    out
}

fn inbox<'a>(report: &'a Report, route: &str) -> &'a Inbox {
    report
        .alerts_of(route)
        .unwrap_or_else(|| panic!("no inbox for route {route}"))
}

/// The findings the enricher started (or reused) a Detective investigation for.
fn investigated(report: &Report) -> Vec<&serde_json::Value> {
    report
        .invocations
        .iter()
        .flat_map(|i| i.findings())
        .filter(|f| f["investigation_id"].is_string())
        .collect()
}

fn investigations(report: &Report) -> BTreeSet<String> {
    investigated(report)
        .iter()
        .map(|f| f["investigation_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Follow-ups a route should get: one per investigation an alert delivered to it started or
/// reused (two alerts on one principal share an investigation, and its one follow-up).
fn follow_ups_to(report: &Report, route: &str) -> usize {
    investigated(report)
        .iter()
        .filter(|f| {
            f["routes_delivered"]
                .as_array()
                .is_some_and(|routes| routes.iter().any(|r| r == route))
        })
        .map(|f| f["investigation_id"].as_str().unwrap())
        .collect::<BTreeSet<_>>()
        .len()
}

/// Provisioning converged, and the function was deployed with its whole environment.
fn provisioning_converged_with_the_function_environment_deployed(report: &Report) {
    assert_eq!(report.provisioned.remaining, 0, "{:?}", report.provisioned);
    for variable in [
        "WATCHPOST_TOPIC_PAGER",
        "WATCHPOST_TOPIC_SECURITY_EMAIL",
        "WATCHPOST_TOPIC_ML_CHAT",
        "WATCHPOST_TOPIC_SIEM",
        "WATCHPOST_GRAPH_ARN",
        "WATCHPOST_STATE_TABLE",
    ] {
        let source = report.environment.variables.get(variable).map(|(_, s)| *s);
        assert_eq!(source, Some(EnvSource::Deployed), "{variable}");
    }
}

/// Every event reached the enricher once, and every invocation succeeded, deciding as the
/// offline replay does.
fn every_event_reached_the_enricher_and_was_decided_as_replayed(
    report: &Report,
    expected: &[ReplayRecord],
) {
    assert_eq!(report.events_sent, expected.len());
    let inputs: Vec<&str> = report
        .invocations
        .iter()
        .map(|i| i.input.as_str())
        .collect();
    let all: BTreeSet<&str> = expected.iter().map(|r| r.input.as_str()).collect();
    assert_eq!(inputs.len(), expected.len(), "{inputs:?}");
    assert_eq!(inputs.iter().copied().collect::<BTreeSet<_>>(), all);
    for invocation in &report.invocations {
        assert!(
            invocation.result.is_ok(),
            "{}: {}",
            invocation.label,
            invocation.outcome()
        );
        let record = expected
            .iter()
            .find(|r| r.input == invocation.input)
            .unwrap();
        let finding = &invocation.findings()[0];
        assert_eq!(
            finding["outcome"],
            serde_json::to_value(record.outcome).unwrap(),
            "{}: {}",
            invocation.label,
            invocation.outcome()
        );
        if record.outcome == Outcome::Alert {
            assert_eq!(
                finding["routes_delivered"],
                serde_json::json!(sent_to(record)),
                "{}",
                invocation.label
            );
        }
    }
}

/// The pager: exactly the HIGH and CRITICAL AI alerts.
fn the_pager_got_exactly_the_high_and_critical_ai_alerts(
    report: &Report,
    expected: &[ReplayRecord],
) {
    let pager = inbox(report, "pager");
    assert_eq!(
        subjects(pager),
        expected_subjects(&alerts_to(expected, "pager"))
    );
    assert!(!pager.messages.is_empty());
    for message in &pager.messages {
        assert!(
            ["HIGH", "CRITICAL"].contains(&message.attribute("severity")),
            "{:?}",
            message.raw
        );
        assert!(
            AI_COMPONENTS.contains(&message.attribute("component")),
            "{:?}",
            message.raw
        );
        assert_eq!(message.attribute("format"), "text");
    }
}

/// Email: every alert, samples included (marked).
fn email_got_every_alert_samples_marked(report: &Report, expected: &[ReplayRecord]) {
    let email = inbox(report, "security-email");
    assert_eq!(
        subjects(email),
        expected_subjects(&alerts_to(expected, "security-email"))
    );
    let samples = email
        .messages
        .iter()
        .filter(|m| m.attribute("sample") == "true");
    assert!(samples.clone().count() > 0, "the findings include a sample");
    assert!(
        samples
            .clone()
            .all(|m| m.digest.as_ref().unwrap().subject.starts_with("[SAMPLE] "))
    );
}

/// Chat: valid AWS Chatbot custom notifications, for AI components only.
fn chat_got_chatbot_cards_for_ai_components_only(report: &Report, expected: &[ReplayRecord]) {
    let chat = inbox(report, "ml-chat");
    assert_eq!(
        subjects(chat),
        expected_subjects(&alerts_to(expected, "ml-chat"))
    );
    for message in &chat.messages {
        let digest = message
            .digest
            .as_ref()
            .expect("a Chatbot custom notification");
        assert!(
            AI_COMPONENTS.contains(&digest.component.as_deref().unwrap_or("none")),
            "{digest:?}"
        );
        let document = message.document.as_ref().unwrap();
        assert_eq!(
            watchpost_core::render::chat::check_custom_notification(document),
            Ok(()),
            "{document}"
        );
        assert_eq!(document["metadata"]["eventType"], "watchpost.alert");
        assert!(document["metadata"]["threadId"].is_string());
        assert!(
            !document["content"]["description"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
}

/// The SIEM: JSON documents, and no sample (its subscription's filter policy).
fn the_siem_got_json_documents_and_no_samples(report: &Report, expected: &[ReplayRecord]) {
    let siem = inbox(report, "siem");
    let unsampled: Vec<&ReplayRecord> = alerts_to(expected, "siem")
        .into_iter()
        .filter(|r| !r.sample)
        .collect();
    assert!(alerts_to(expected, "siem").iter().any(|r| r.sample));
    assert_eq!(subjects(siem), expected_subjects(&unsampled));
    for message in &siem.messages {
        let document = message.document.as_ref().expect("a JSON document");
        assert_eq!(document["schema"], "watchpost.alert");
        assert_eq!(document["sample"], false);
        assert_eq!(message.attribute("sample"), "false");
    }
}

/// The duplicate delivery (the same finding and count twice) alerted once.
fn the_duplicate_delivery_alerted_once(report: &Report, expected: &[ReplayRecord]) {
    let duplicated = &expected[0];
    let again = expected
        .iter()
        .filter(|r| r.finding_id == duplicated.finding_id)
        .count();
    assert_eq!(again, 2, "the bundled findings deliver one finding twice");
    let subject = duplicated.subject.as_ref().unwrap();
    for inbox in &report.alerts {
        let copies = subjects(inbox).iter().filter(|s| *s == subject).count();
        assert_eq!(
            copies, 1,
            "{} got {subject} {copies} times",
            inbox.spec.route
        );
    }
}

/// Investigations started for the HIGH AI findings on IAM principals, and the sweep's
/// follow-ups reached the routes their alerts reached.
fn the_sweep_followed_up_where_the_investigated_alerts_went(report: &Report) {
    let investigations = investigations(report);
    assert!(!investigations.is_empty());
    assert!(report.sweeps.iter().all(|s| s.result.is_ok()));
    let followed: usize = report
        .sweeps
        .iter()
        .map(|s| match &s.result {
            InvocationResult::Ok(answer) => {
                answer["sweep"]["followed_up"].as_array().unwrap().len()
            }
            InvocationResult::Error { .. } => 0,
        })
        .sum();
    assert_eq!(followed, investigations.len());
    // The SIEM too: follow-ups say `sample = false`, which its filter policy asks for.
    for route in ["pager", "security-email", "ml-chat", "siem"] {
        let follow_ups = report.follow_ups_of(route).unwrap();
        assert_eq!(
            follow_ups.messages.len(),
            follow_ups_to(report, route),
            "{route}"
        );
        for message in &follow_ups.messages {
            let digest = message.digest.as_ref().expect("a readable follow-up");
            assert_eq!(digest.kind, MessageKind::FollowUp, "{route}");
            assert_eq!(message.attribute("alert_kind"), "followup");
            assert!(
                investigations.contains(digest.investigation.as_deref().unwrap_or("")),
                "{route}: {digest:?}"
            );
            assert!(
                subjects(inbox(report, route)).contains(&digest.subject),
                "{route}: a follow-up to an alert the route never got: {}",
                digest.subject
            );
            assert!(!digest.evidence.is_empty(), "Detective's indicators");
        }
    }
}

/// The metrics counted every event, every alert per route and every follow-up.
fn the_metrics_counted_every_event_alert_and_follow_up(report: &Report, expected: &[ReplayRecord]) {
    let metrics = &report.metrics;
    assert_eq!(metrics.findings_total(), expected.len() as u64);
    for outcome in [Outcome::Alert, Outcome::Suppressed] {
        let name = serde_json::to_value(outcome).unwrap();
        let name = name.as_str().unwrap();
        let want = expected.iter().filter(|r| r.outcome == outcome).count() as u64;
        assert_eq!(metrics.findings_with_outcome(name), want, "{name}");
    }
    for route in ["pager", "security-email", "ml-chat", "siem"] {
        assert_eq!(
            metrics.value("AlertsDelivered", route),
            alerts_to(expected, route).len() as u64,
            "{route}"
        );
        assert_eq!(
            metrics.value("FollowUpsDelivered", route),
            follow_ups_to(report, route) as u64,
            "{route}"
        );
    }
    assert_eq!(
        metrics.total("InvestigationsStarted"),
        investigations(report).len() as u64
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_delivers_to_each_subscriber_what_the_findings_warrant() {
    let options = Options::bundled(enricher_binary());
    let expected = expected(&options);
    let report = run(&options, &Quiet)
        .await
        .unwrap_or_else(|err| panic!("the demo failed: {err}"));
    provisioning_converged_with_the_function_environment_deployed(&report);
    every_event_reached_the_enricher_and_was_decided_as_replayed(&report, &expected);
    the_pager_got_exactly_the_high_and_critical_ai_alerts(&report, &expected);
    email_got_every_alert_samples_marked(&report, &expected);
    chat_got_chatbot_cards_for_ai_components_only(&report, &expected);
    the_siem_got_json_documents_and_no_samples(&report, &expected);
    the_duplicate_delivery_alerted_once(&report, &expected);
    the_sweep_followed_up_where_the_investigated_alerts_went(&report);
    the_metrics_counted_every_event_alert_and_follow_up(&report, &expected);
}

/// The LLMjacking story of the bundled events, caught by Watchpost on its own first: a stolen
/// long-term key grants itself a model and turns invocation logging off (CloudTrail), then the
/// model's output tokens spike (the usage alarm's state change). Each reaches the enricher
/// through its own provisioned rule and arrives at the pager, the mailbox and the chat channel
/// with what an investigator needs. Then GuardDuty tells the story in one finding, an attack
/// sequence whose signals are those calls and the invocations, and it arrives on every route.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_catches_the_llmjacking_story_then_guardduty_tells_it_whole() {
    let options = Options::bundled(enricher_binary());
    let report = run(&options, &Quiet)
        .await
        .unwrap_or_else(|err| panic!("the demo failed: {err}"));
    for rule in ["watchpost-demo-cloudtrail", "watchpost-demo-alarm-states"] {
        assert!(
            report.retargeted.iter().any(|r| r.rule == rule),
            "{rule} was not provisioned with the enricher as its target: {:?}",
            report.retargeted
        );
    }
    // Each story event reached the enricher and alerted.
    let story = [
        "AWS API Call via CloudTrail PutFoundationModelEntitlement",
        "AWS API Call via CloudTrail DeleteModelInvocationLoggingConfiguration",
        "CloudWatch Alarm State Change watchpost-demo-usage-bedrock-OutputTokenCount-anthropic.claude-3-5-sonnet-20240620-v1:0 → ALARM",
    ];
    for label in story {
        let invocation = report
            .invocations
            .iter()
            .find(|i| i.label.ends_with(label))
            .unwrap_or_else(|| panic!("no invocation for {label}"));
        let finding = &invocation.findings()[0];
        assert_eq!(
            finding["outcome"],
            "alert",
            "{label}: {}",
            invocation.outcome()
        );
    }
    let subjects_of = |route: &str| -> Vec<String> {
        report
            .alerts_of(route)
            .unwrap()
            .messages
            .iter()
            .map(|m| m.digest.as_ref().expect("a readable alert").subject.clone())
            .collect()
    };
    // The key's grant and the logging removal are CRITICAL (a long-term key and a scripted
    // user agent raise each two bands); the spike is far above its band.
    // The pager takes incidents: the key's grant opens the key's incident and pages; the
    // logging removal only adds to it, at the same severity, and pages no one.
    for route in ["pager", "security-email", "ml-chat"] {
        let subjects = subjects_of(route);
        if route == "pager" {
            assert!(
                !subjects
                    .iter()
                    .any(|s| s.contains("invocation-logging-removed")),
                "pager: an update of a paged incident paged again: {subjects:#?}"
            );
        }
        let wanted: &[&str] = if route == "pager" {
            &["[CRITICAL] ml-control-plane: model-access-granted by ml-ci"]
        } else {
            &[
                "[CRITICAL] ml-control-plane: model-access-granted by ml-ci",
                "[CRITICAL] ml-control-plane: invocation-logging-removed by ml-ci",
            ]
        };
        for want in wanted {
            assert!(
                subjects.iter().any(|s| s.starts_with(want)),
                "{route}: no {want}… in {subjects:#?}"
            );
        }
        assert!(
            subjects.iter().any(
                |s| s.starts_with("[HIGH] model-invocation:") && s.contains("OutputTokenCount")
            ),
            "{route}: no usage alert in {subjects:#?}"
        );
    }
    // The mailbox's alerts say who did it, with which key, and what it cost.
    let email = report.alerts_of("security-email").unwrap();
    let body_of = |needle: &str| -> String {
        email
            .messages
            .iter()
            .find(|m| m.digest.as_ref().unwrap().subject.contains(needle))
            .map(|m| m.raw.body.clone())
            .unwrap_or_else(|| panic!("no email about {needle}"))
    };
    let grant = body_of("model-access-granted");
    for want in [
        "AKIA4EXAMPLEMLCI7Q2Z",
        "python-requests/2.31.0",
        "claude-3-5-sonnet-20240620-v1:0",
        "user/ml-ci",
    ] {
        assert!(grant.contains(want), "{want} not in\n{grant}");
    }
    let spike = body_of("OutputTokenCount");
    assert!(spike.contains("264,530"), "the observed value:\n{spike}");
    assert!(
        spike.to_lowercase().contains("estimate"),
        "the cost estimate:\n{spike}"
    );
    // GuardDuty's attack sequence after its signals: CRITICAL, naming the key's user, on
    // every route that takes every alert, the SIEM's included; its story names the calls and
    // the key.
    let sequence =
        "[CRITICAL] model-invocation: AttackSequence:IAM/CompromisedCredentials by ml-ci";
    let invocation = report
        .invocations
        .iter()
        .find(|i| {
            i.findings()
                .first()
                .is_some_and(|f| f["finding_id"] == "5e7a9c1b3d5f7a9c1e3b5d7f9a1c3e5b")
        })
        .unwrap_or_else(|| {
            panic!(
                "the attack sequence never reached the enricher: {:#?}",
                report.invocations
            )
        });
    assert_eq!(
        invocation.findings()[0]["outcome"],
        "alert",
        "{}",
        invocation.outcome()
    );
    // Every route but the pager, which heard the key's incident at CRITICAL already: the
    // sequence joins that incident and adds to it.
    for route in ["security-email", "ml-chat", "siem"] {
        let subjects = subjects_of(route);
        assert!(
            subjects.iter().any(|s| s.starts_with(sequence)),
            "{route}: no {sequence} in {subjects:#?}"
        );
    }
    assert!(
        !subjects_of("pager").iter().any(|s| s.starts_with(sequence)),
        "the pager was paged again for the key's incident"
    );
    let story = body_of("AttackSequence:IAM/CompromisedCredentials by ml-ci");
    for want in [
        "PutFoundationModelEntitlement (CloudTrail, once)",
        "DeleteModelInvocationLoggingConfiguration (CloudTrail, once)",
        "Impact:IAMUser/AnomalousModelInvocation (finding, 1280 times)",
        "AKIA4EXAMPLEMLCI7Q2Z (long-term)",
    ] {
        assert!(story.contains(want), "{want} not in\n{story}");
    }
    // HIGH and CRITICAL detections on an IAM user start an investigation of that user.
    assert!(
        report
            .invocations
            .iter()
            .filter(|i| i.label.contains("AWS API Call via CloudTrail"))
            .all(|i| i.findings()[0]["investigation_id"].is_string()),
        "{:#?}",
        report.invocations
    );
}
