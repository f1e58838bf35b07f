//! The `watchpost` binary as users run it: the replay contract, exit statuses, validate.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn watchpost(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_watchpost"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the watchpost binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn records(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is one JSON object"))
        .collect()
}

fn gpu_event(id: &str, count: i64, severity: f64, updated_at: &str) -> String {
    serde_json::json!({
        "version": "0", "id": format!("evt-{id}-{count}"), "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "123456789012", "time": updated_at,
        "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "123456789012", "region": "us-east-1",
            "partition": "aws", "id": id,
            "arn": format!("arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/{id}"),
            "type": "CryptoCurrency:EC2/BitcoinTool.B!DNS", "severity": severity,
            "createdAt": "2026-11-01T00:00:00.000Z", "updatedAt": updated_at,
            "title": "GPU host queried a Bitcoin domain",
            "resource": {"resourceType": "Instance", "instanceDetails": {
                "instanceId": "i-0a1b2c3d4e5f60718", "instanceType": "p4d.24xlarge"}},
            "service": {"serviceName": "guardduty", "count": count, "archived": false,
                "eventFirstSeen": "2026-11-01T00:00:00.000Z", "eventLastSeen": updated_at}
        }
    })
    .to_string()
}

const HEALTH_EVENT: &str = r#"{"version":"0","id":"h1","detail-type":"AWS Health Event","source":"aws.health","account":"123456789012","time":"2026-11-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{}}"#;

#[test]
fn json_lines_follow_the_replay_contract_in_input_order() {
    let jsonl = [
        gpu_event("f1", 1, 5.0, "2026-11-01T01:00:00.000Z"),
        gpu_event("f1", 1, 5.0, "2026-11-01T01:00:00.000Z"),
        "{ not json".to_owned(),
        HEALTH_EVENT.to_owned(),
        gpu_event("f1", 2, 8.0, "2026-11-01T02:00:00.000Z"),
    ]
    .join("\n");
    let output = watchpost(&["replay", "--format", "json", "-"], Some(&jsonl));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = records(&output);
    let outcomes: Vec<&str> = records
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["alert", "suppressed", "rejected", "ignored", "alert"]
    );
    let inputs: Vec<&str> = records
        .iter()
        .map(|r| r["input"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["-:1", "-:2", "-:3", "-:4", "-:5"]);
    let first = &records[0];
    for field in [
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
    ] {
        assert!(first.get(field).is_some(), "missing {field}");
    }
    assert_eq!(first["component"], "accelerated-compute");
    assert_eq!(first["severity"]["label"], "MEDIUM");
    assert_eq!(
        first["evidence"][0],
        "accelerated-compute: instance type p4d.24xlarge"
    );
    assert_eq!(first["routes"], serde_json::json!(["default"]));
    assert!(records[1]["reason"].as_str().unwrap().contains("duplicate"));
    assert!(
        records[2]["reason"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    assert_eq!(records[2]["finding_id"], Value::Null);
    assert!(
        records[4]["reason"]
            .as_str()
            .unwrap()
            .contains("severity rose from MEDIUM to HIGH")
    );
}

#[test]
fn directories_are_read_in_name_order_and_arrays_by_index() {
    let dir = tempfile::tempdir().unwrap();
    let array = format!(
        "[{}, {HEALTH_EVENT}]",
        gpu_event("f9", 1, 9.5, "2026-11-02T00:00:00Z")
    );
    std::fs::write(dir.path().join("b.json"), array).unwrap();
    std::fs::write(dir.path().join("a.jsonl"), HEALTH_EVENT).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let path = dir.path().to_str().unwrap();
    let output = watchpost(&["replay", "--format", "json", path], None);
    assert_eq!(output.status.code(), Some(0));
    let inputs: Vec<String> = records(&output)
        .iter()
        .map(|r| {
            r["input"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(inputs, ["a.jsonl:1", "b.json:0", "b.json:1"]);
}

#[test]
fn text_output_is_readable_and_shows_alerts_on_request() {
    let output = watchpost(
        &["replay", "--alerts", "-"],
        Some(&gpu_event("f2", 1, 8.0, "2026-11-01T00:00:00Z")),
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("ALERT"), "{text}");
    // The subject ends with the incident's key, the resource's name cut to make room.
    assert!(text.contains("[HIGH] accelerated-compute: CryptoCurrency:EC2/BitcoinTool.B!DNS on i-0a1b2c3d4e... [WP-"), "{text}");
    assert!(text.contains("| Why this is AI-related"), "{text}");
    assert!(
        text.contains("1 alert, 0 suppressed, 0 ignored, 0 rejected"),
        "{text}"
    );
    assert!(text.contains("    incident: WP-"), "{text}");
    assert!(text.contains(" (new)\n"), "{text}");
    assert!(text.contains("1 incidents opened"), "{text}");
    assert!(
        text.contains("route default (text, takes alerts): 1 incidents, 1 alerts sent, 0 held"),
        "{text}"
    );
}

#[test]
fn a_json_replay_ends_with_the_incidents_summary_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("w.toml");
    std::fs::write(
        &config,
        "[[routes]]\nname = \"pager\"\nformat = \"opsgenie\"\n[[routes]]\nname = \"chat\"\nformat = \"chat\"\n",
    )
    .unwrap();
    // Two findings on one instance: one incident, one page, one thread.
    let events = [
        gpu_event("f5", 1, 5.0, "2026-11-01T01:00:00.000Z"),
        gpu_event("f6", 1, 5.0, "2026-11-01T01:20:00.000Z"),
    ]
    .join("\n");
    let config = config.to_str().unwrap();
    let output = watchpost(
        &[
            "replay",
            "--format",
            "json",
            "--summary",
            "--config",
            config,
            "-",
        ],
        Some(&events),
    );
    assert_eq!(output.status.code(), Some(0));
    let lines = records(&output);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["incident"]["kind"], "new");
    assert_eq!(lines[1]["incident"]["kind"], "update");
    assert_eq!(lines[1]["incident"]["key"], lines[0]["incident"]["key"]);
    assert_eq!(lines[1]["held"], serde_json::json!(["pager"]));
    let summary = &lines[2]["summary"];
    assert_eq!(summary["incidents_opened"], 1);
    assert_eq!(summary["routes"][0]["pages"], 1);
    assert_eq!(summary["routes"][0]["alerts_held"], 1);
    assert_eq!(summary["routes"][1]["threads"], 1);
    assert_eq!(summary["routes"][1]["alerts_sent"], 2);
    // Without --summary, every line is a record.
    let output = watchpost(
        &["replay", "--format", "json", "--config", config, "-"],
        Some(&events),
    );
    assert_eq!(records(&output).len(), 2);
}

#[test]
fn metrics_are_printed_as_emf_on_request() {
    let output = watchpost(
        &["replay", "--format", "json", "--metrics", "-"],
        Some(&gpu_event("f3", 1, 8.0, "2026-11-01T00:00:00Z")),
    );
    let lines = records(&output);
    let emf = lines
        .iter()
        .find(|l| l.get("_aws").is_some())
        .expect("an EMF document");
    assert_eq!(emf["Findings"], 1);
    assert_eq!(
        emf["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "Watchpost"
    );
}

#[test]
fn a_config_changes_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("w.toml");
    std::fs::write(
        &config,
        "[[routes]]\nname = \"pager\"\nmin_severity = \"CRITICAL\"\n",
    )
    .unwrap();
    let output = watchpost(
        &[
            "replay",
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
            "-",
        ],
        Some(&gpu_event("f4", 1, 8.0, "2026-11-01T00:00:00Z")),
    );
    let record = &records(&output)[0];
    assert_eq!(record["outcome"], "suppressed");
    assert!(
        record["reason"].as_str().unwrap().contains("no route"),
        "{record}"
    );
}

#[test]
fn unusable_arguments_and_configs_exit_2() {
    let output = watchpost(&["replay", "/nonexistent/events.json"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no such file"));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[thresholds]\nrenotify_afer = \"1h\"\n").unwrap();
    let output = watchpost(
        &["replay", "--config", config.to_str().unwrap(), "-"],
        Some(""),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.toml:2:1: `thresholds.renotify_afer`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `renotify_after`?"),
        "{stderr}"
    );

    let output = watchpost(&["replay", "--format", "yaml", "-"], Some(""));
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn validate_accepts_the_example_and_prints_defaults() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/watchpost.example.toml");
    let output = watchpost(&["validate", "--config", example.to_str().unwrap()], None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("valid"));
    assert!(text.contains("renotify_after = \"24h\""), "{text}");
}

#[test]
fn provisioning_with_an_unreadable_config_is_a_usage_error() {
    let out = watchpost(&["plan", "--config", "/nonexistent/watchpost.toml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the config"));
}

#[test]
fn plan_detailed_exitcode_reports_errors_as_1() {
    let out = watchpost(
        &[
            "plan",
            "--detailed-exitcode",
            "--config",
            "/nonexistent/watchpost.toml",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn validate_and_plan_refuse_alarms_that_reach_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("watchpost.toml");
    std::fs::write(
        &config,
        "[watchpost]\nstack = \"wp\"\n\n[alarms]\ndashboard = true\n",
    )
    .unwrap();
    let path = config.to_str().unwrap();
    for command in ["validate", "plan"] {
        let out = watchpost(&[command, "--config", path], None);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("watchpost.toml:4"), "{stderr}");
        assert!(stderr.contains("operations_email"), "{stderr}");
    }
    // Turning the alarms off is an explicit choice that validates.
    std::fs::write(&config, "[alarms]\nenabled = false\n").unwrap();
    let out = watchpost(&["validate", "--config", path], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn validate_warns_about_a_principal_pattern_that_any_role_could_match_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("watchpost.toml");
    std::fs::write(
        &config,
        "[alarms]\nenabled = false\n\n[detections]\nallow_principals = [\"*ml-platform-admin*\"]\n",
    )
    .unwrap();
    let out = watchpost(
        &["validate", "--quiet", "--config", config.to_str().unwrap()],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with("warning: "), "{stderr}");
    assert!(stderr.contains("watchpost.toml:5"), "{stderr}");
    // A pattern naming a role session is an error.
    std::fs::write(
        &config,
        "[alarms]\nenabled = false\n\n[detections]\nallow_principals = [\"arn:aws:sts::111122223333:assumed-role/admin/*\"]\n",
    )
    .unwrap();
    let out = watchpost(&["validate", "--config", config.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("role session"));
}
