//! The binary against the local AWS (moto and the Detective emulator): an apply killed with
//! SIGKILL in the middle leaves its lock; the next apply is refused and prints the lock's id,
//! `--force-unlock ID` removes it, and the apply after that converges.

use std::path::Path;
use std::process::{Output, Stdio};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use watchpost_localaws::{DEFAULT_ACCOUNT, LocalAws, REGION, TEST_SECRET};
use watchpost_provision::artifact::zip_of;

const CONFIG: &str = r#"
[watchpost]
stack = "wp"
regions = ["us-east-1"]

[[routes]]
name = "pager"
  [[routes.subscriptions]]
  protocol = "https"
  endpoint = "https://pager.example.com/hook"

[detective]
tags = { owner = "security" }

[alarms]
operations_email = "ops@example.com"
"#;

/// `watchpost ARGS --config … --package …` against `local`, as the account's caller.
fn watchpost(local: &LocalAws, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_watchpost"));
    command
        .args(args)
        .arg("--config")
        .arg(dir.join("watchpost.toml"))
        .arg("--package")
        .arg(dir.join("bootstrap.zip"))
        .env("AWS_ENDPOINT_URL", local.moto.endpoint_url())
        .env("AWS_ENDPOINT_URL_DETECTIVE", local.detective.endpoint_url())
        .env("AWS_ACCESS_KEY_ID", DEFAULT_ACCOUNT)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET)
        .env("AWS_REGION", REGION)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn run(local: &LocalAws, dir: &Path, args: &[&str]) -> Output {
    watchpost(local, dir, args).output().await.unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_killed_midway_is_recovered_with_the_lock_id_the_refusal_prints() {
    let local = LocalAws::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("watchpost.toml"), CONFIG).unwrap();
    std::fs::write(
        dir.path().join("bootstrap.zip"),
        zip_of(&[("bootstrap", b"#!/bin/sh\n".as_slice())]),
    )
    .unwrap();

    // The first apply, killed once it has made a few changes.
    let mut first = watchpost(&local, dir.path(), &["apply", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let progress = line.trim_start().starts_with('+');
        seen.push(line);
        if progress
            && seen
                .iter()
                .filter(|l| l.trim_start().starts_with('+'))
                .count()
                >= 4
        {
            break;
        }
    }
    first.start_kill().unwrap();
    let status = first.wait().await.unwrap();
    assert!(
        !status.success(),
        "the apply ended before the kill:\n{seen:#?}"
    );

    // The next apply is refused, and says how to remove the lock.
    let refused = run(&local, dir.path(), &["apply", "--yes"]).await;
    assert!(!refused.status.success(), "{}", text(&refused));
    let said = text(&refused);
    let id = said
        .split("--force-unlock ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("no lock id in:\n{said}"))
        .to_owned();

    let unlocked = run(&local, dir.path(), &["apply", "--force-unlock", &id]).await;
    assert!(unlocked.status.success(), "{}", text(&unlocked));
    let applied = run(&local, dir.path(), &["apply", "--yes"]).await;
    assert!(applied.status.success(), "{}", text(&applied));
    let planned = run(&local, dir.path(), &["plan", "--detailed-exitcode"]).await;
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned));
}
