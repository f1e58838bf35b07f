//! The real `watchpost-enricher` binary answering invocations through the Lambda Runtime API.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::AsyncReadExt;

use watchpost_localaws::runtime_api::{FUNCTION_SECRET, Outcome, RuntimeApi, spawn_function};

use crate::common::*;

const BINARY: &str = env!("CARGO_BIN_EXE_watchpost-enricher");

#[tokio::test]
async fn the_binary_answers_through_the_runtime_api() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("watchpost.toml");
    std::fs::write(&config, "[[routes]]\nname = \"ml-pager\"\n").unwrap();
    let api = RuntimeApi::start().await;
    let started = Instant::now();
    let mut child = spawn_function(
        Path::new(BINARY),
        &api,
        &[
            // The config file from the task root; the topic from the environment.
            ("LAMBDA_TASK_ROOT", dir.path().display().to_string()),
            (
                "WATCHPOST_TOPIC_ML_PAGER",
                "arn:aws:sns:us-east-1:123456789012:watchpost-ml-pager".into(),
            ),
        ],
    );
    let ignored = api
        .invoke(&json!({"version": "0", "detail-type": "AWS Health Event", "source": "aws.health", "detail": {}}))
        .await;
    let init = api.first_poll().unwrap() - started;
    eprintln!("init (process start to first poll): {init:?}");
    let Outcome::Response(answer) = ignored else {
        panic!("{ignored:?}")
    };
    assert_eq!(answer["outcome"], "ignored");

    let malformed = api
        .invoke(&json!({"detail-type": "GuardDuty Finding", "source": "aws.guardduty"}))
        .await;
    let Outcome::Error { error_type, body } = malformed else {
        panic!("{malformed:?}")
    };
    assert_eq!(error_type, "Watchpost.InvalidEvent");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("`detail`: missing"),
        "{body}"
    );

    child.start_kill().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .await
        .unwrap();
    // One JSON log line per event, no secrets from the environment.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("\"outcome\":\"rejected\"")),
        "{stdout}"
    );
    assert!(
        !stdout.contains(FUNCTION_SECRET),
        "the secret key leaked into the logs"
    );
    for line in stdout.lines().filter(|l| !l.is_empty()) {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not JSON: {line}"));
    }
    assert!(Instant::now() - started < Duration::from_secs(30));
}

#[tokio::test]
async fn the_binary_delivers_a_finding_to_the_local_aws() {
    let Some(local) = crate::local::start(Duration::from_secs(3)).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("enricher.toml");
    std::fs::write(&config, &local.config).unwrap();
    let api = RuntimeApi::start().await;
    let _child = spawn_function(
        Path::new(BINARY),
        &api,
        &[
            ("WATCHPOST_CONFIG", config.display().to_string()),
            ("AWS_ENDPOINT_URL", local.moto.endpoint_url()),
            ("AWS_ENDPOINT_URL_DETECTIVE", local.detective.endpoint_url()),
        ],
    );
    let outcome = api.invoke(&high_bedrock_event()).await;
    let Outcome::Response(answer) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert!(
        answer["findings"][0]["investigation_id"].is_string(),
        "{answer}"
    );
    assert_eq!(local.received("pager", 1).await.len(), 1);
}
