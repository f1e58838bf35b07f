//! The fault matrix: the real `watchpost-enricher` binary, two instances under the Lambda
//! Runtime API host, against moto and the Detective emulator, with SNS, DynamoDB and Detective
//! behind switchable loopback proxies. Each scenario plays what AWS would do (Lambda's retry of
//! a retryable failure, EventBridge's repeated deliveries, Security Hub's copies) and the test
//! then counts, per route, what each finding update's subscribers received: every update that
//! should alert arrives exactly once. The table is printed (`--nocapture` shows it).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use watchpost_localaws::runtime_api::{Outcome, RuntimeApi, spawn_function};

use crate::common::*;

const BINARY: &str = env!("CARGO_BIN_EXE_watchpost-enricher");
const ROUTES: [&str; 3] = ["pager", "chat", "machines"];

/// A loopback TCP proxy that can be switched off: then it drops every connection it holds and
/// every new one, the way an unreachable endpoint looks to the SDK.
struct Switch {
    addr: SocketAddr,
    up: watch::Sender<bool>,
}

impl Switch {
    async fn start(target: SocketAddr) -> Switch {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, rx) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut rx = rx.clone();
                if !*rx.borrow() {
                    continue; // dropped: the connection closes at once
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = rx.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Switch { addr, up }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// One instance of the function: its Runtime API host and process (whose logs are drained so
/// that it never blocks on a full pipe).
struct Instance {
    api: RuntimeApi,
    _child: tokio::process::Child,
    logs: Arc<Mutex<String>>,
}

impl Instance {
    async fn start(env: &[(&str, String)]) -> Instance {
        let api = RuntimeApi::start().await;
        let mut child = spawn_function(Path::new(BINARY), &api, env);
        let logs = Arc::new(Mutex::new(String::new()));
        for mut pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let logs = logs.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0; 8192];
                while let Ok(n) = pipe.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                    logs.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buffer[..n]));
                }
            });
        }
        Instance {
            api,
            _child: child,
            logs,
        }
    }

    async fn invoke(&self, event: &Value) -> Outcome {
        self.api.invoke(event).await
    }
}

/// The Bedrock finding as GuardDuty sends it, under another id, at `count` and `severity`.
fn finding(id: &str, count: i64, severity: f64) -> Value {
    let mut event = event(BEDROCK_EVENT);
    let detail = &mut event["detail"];
    detail["id"] = json!(id);
    detail["arn"] = json!(format!(
        "arn:aws:guardduty:us-east-1:111122223333:detector/5ec4b1a2c3d4e5f60718293a4b5c6d7e/finding/{id}"
    ));
    detail["service"]["count"] = json!(count);
    detail["severity"] = json!(severity);
    event
}

/// GuardDuty's original of a finding whose type says nothing of AI (its models do), at HIGH.
fn original(id: &str) -> Value {
    let mut event = finding(id, 7, 8.0);
    event["detail"]["type"] = json!("Impact:IAMUser/AnomalousBehavior");
    event
}

/// Security Hub's copy of [`original`], having lost what made it AI-related.
fn lossy_copy(id: &str) -> Value {
    json!({
        "version": "0",
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "detail": { "findings": [{
            "SchemaVersion": "2018-10-08",
            "Id": format!("arn:aws:guardduty:us-east-1:111122223333:detector/5ec4b1a2c3d4e5f60718293a4b5c6d7e/finding/{id}"),
            "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty",
            "AwsAccountId": "111122223333",
            "Region": "us-east-1",
            "Types": ["TTPs/Impact/Impact:IAMUser-AnomalousBehavior"],
            "CreatedAt": "2026-03-02T08:00:00Z",
            "UpdatedAt": "2026-03-02T08:20:00Z",
            "Severity": { "Product": 8.0 },
            "ProductFields": { "aws/guardduty/service/count": "7" },
            "Resources": [{ "Type": "AwsIamAccessKey", "Id": "AWS::IAM::AccessKey:ASIA4EXAMPLEKEY7Q2ZP" }]
        }]}
    })
}

fn is_retryable(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Error { error_type, .. } if error_type.ends_with(".Retryable"))
}

fn expect_error(outcome: &Outcome, error_type: &str) {
    match outcome {
        Outcome::Error { error_type: t, .. } if t == error_type => {}
        other => panic!("expected {error_type}, got {other:?}"),
    }
}

fn expect_response(outcome: &Outcome) -> &Value {
    match outcome {
        Outcome::Response(answer) => answer,
        other => panic!("expected an answer, got {other:?}"),
    }
}

/// Invokes every event, spread over the instances concurrently, then retries each retryable
/// failure once all have answered, as Lambda does a minute later; returns how many were retried.
async fn storm(instances: &[&Instance], events: &[Value]) -> usize {
    let outcomes = join_all(
        events
            .iter()
            .enumerate()
            .map(|(i, event)| instances[i % instances.len()].invoke(event)),
    )
    .await;
    let mut retried = 0;
    for (i, outcome) in outcomes.iter().enumerate() {
        if is_retryable(outcome) {
            retried += 1;
            let again = instances[i % instances.len()].invoke(&events[i]).await;
            expect_response(&again);
        } else {
            expect_response(outcome);
        }
    }
    retried
}

/// What one scenario should deliver: per finding id, the alerting updates (by severity label)
/// each route should receive once.
struct Scenario {
    name: &'static str,
    expected: BTreeMap<&'static str, Vec<(String, &'static str)>>,
}

impl Scenario {
    fn new(name: &'static str) -> Self {
        Scenario {
            name,
            expected: ROUTES.iter().map(|r| (*r, Vec::new())).collect(),
        }
    }
    fn expect(mut self, routes: &[&'static str], id: &str, severity: &'static str) -> Self {
        for route in routes {
            self.expected
                .get_mut(route)
                .unwrap()
                .push((id.to_owned(), severity));
        }
        self
    }
}

/// Every message waiting in a route's queue, until none came for a second.
async fn drain(local: &crate::local::Local, route: &str) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let batch = local.received(route, 0).await;
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

#[tokio::test]
async fn fault_matrix_every_alerting_update_reaches_each_route_exactly_once() {
    let Some(local) = crate::local::start(Duration::from_secs(3)).await else {
        return;
    };
    let started = Instant::now();
    let moto = local.moto.addr();
    let sns = Switch::start(moto).await;
    let dynamodb = Switch::start(moto).await;
    let detective = Switch::start(local.detective.addr()).await;

    let mut config = String::from(
        "[watchpost]\nstack = \"watchpost\"\n\n[metrics]\nmode = \"put-metric-data\"\n\n",
    );
    for route in ROUTES {
        let format = match route {
            "pager" => "text",
            "chat" => "chat",
            _ => "json",
        };
        // The chat route takes model-invocation findings only: a copy that lost its AI
        // evidence does not reach it.
        let components = if route == "chat" {
            "components = [\"model-invocation\"]\n"
        } else {
            ""
        };
        config.push_str(&format!(
            "[[routes]]\nname = \"{route}\"\nformat = \"{format}\"\n{components}topic_arn = \"{}\"\n\n",
            local.routes[route].0
        ));
    }
    config.push_str(&format!(
        "[detective]\ngraph_arn = \"{}\"\nbudget_ms = 1000\n",
        local.graph_arn
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watchpost.toml");
    std::fs::write(&path, config).unwrap();
    let env = [
        ("WATCHPOST_CONFIG", path.display().to_string()),
        ("AWS_ENDPOINT_URL", local.moto.endpoint_url()),
        ("AWS_ENDPOINT_URL_SNS", sns.url()),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.url()),
        ("AWS_ENDPOINT_URL_DETECTIVE", detective.url()),
    ];
    let (a, b) = (Instance::start(&env).await, Instance::start(&env).await);
    let all = ROUTES.to_vec();
    let mut scenarios = Vec::new();

    // Nothing wrong: the baseline.
    expect_response(&a.invoke(&finding("fm-baseline", 7, 5.0)).await);
    scenarios.push(Scenario::new("baseline").expect(&all, "fm-baseline", "MEDIUM"));

    // SNS unreachable: nothing is delivered, the invocation fails retryably; Lambda's retry,
    // once SNS is back, delivers every route.
    sns.set(false);
    let failed = a.invoke(&finding("fm-sns", 7, 5.0)).await;
    expect_error(&failed, "Watchpost.DeliveryFailed.Retryable");
    sns.set(true);
    expect_response(&a.invoke(&finding("fm-sns", 7, 5.0)).await);
    scenarios.push(Scenario::new("SNS unreachable, then back").expect(&all, "fm-sns", "MEDIUM"));

    // DynamoDB unreachable: the alert goes out marked, without deduplication.
    dynamodb.set(false);
    let answer = a.invoke(&finding("fm-dynamodb", 7, 5.0)).await;
    let notes = expect_response(&answer)["findings"][0]["notes"].to_string();
    assert!(notes.contains("deduplication unavailable"), "{notes}");
    dynamodb.set(true);
    scenarios.push(Scenario::new("DynamoDB unreachable").expect(&all, "fm-dynamodb", "MEDIUM"));

    // Detective unreachable, then throttling: the alert goes out marked.
    detective.set(false);
    let answer = a.invoke(&finding("fm-detective-down", 7, 8.0)).await;
    let notes = expect_response(&answer)["findings"][0]["notes"].to_string();
    assert!(
        notes.contains("Detective enrichment unavailable"),
        "{notes}"
    );
    detective.set(true);
    scenarios.push(Scenario::new("Detective unreachable").expect(
        &all,
        "fm-detective-down",
        "HIGH",
    ));
    local
        .detective
        .set_faults(r#"{"throttle_rate": 1.0}"#)
        .await;
    let answer = a.invoke(&finding("fm-detective-throttled", 7, 8.0)).await;
    let notes = expect_response(&answer)["findings"][0]["notes"].to_string();
    assert!(notes.contains("throttled"), "{notes}");
    local.detective.set_faults("{}").await;
    scenarios.push(Scenario::new("Detective throttled").expect(
        &all,
        "fm-detective-throttled",
        "HIGH",
    ));

    // A malformed event: rejected, not retried, nothing sent.
    let malformed = a
        .invoke(&json!({"detail-type": "GuardDuty Finding", "source": "aws.guardduty"}))
        .await;
    expect_error(&malformed, "Watchpost.InvalidEvent");
    scenarios.push(Scenario::new("malformed event"));

    // Security Hub's lossy copy first: the routes for any HIGH finding hear of it; GuardDuty's
    // original then reaches the AI route it missed, and nothing twice.
    expect_response(&b.invoke(&lossy_copy("fm-copy-first")).await);
    expect_response(&a.invoke(&original("fm-copy-first")).await);
    scenarios.push(Scenario::new("Security Hub copy before original").expect(
        &all,
        "fm-copy-first",
        "HIGH",
    ));
    // And after: the copy adds nothing.
    expect_response(&a.invoke(&original("fm-copy-after")).await);
    expect_response(&b.invoke(&lossy_copy("fm-copy-after")).await);
    scenarios.push(Scenario::new("Security Hub copy after original").expect(
        &all,
        "fm-copy-after",
        "HIGH",
    ));

    // The storm: 5 findings, each first at MEDIUM then updated to HIGH, each update delivered
    // 10 times over the two instances at once.
    let mut storm_scenario = Scenario::new("storm: 100 deliveries, 2 instances");
    let mut retried = 0;
    for (count, severity, label) in [(1, 5.0, "MEDIUM"), (2, 8.0, "HIGH")] {
        let mut events = Vec::new();
        for copy in 0..10 {
            for n in 0..5 {
                let id = format!("fm-storm-{n}");
                events.push(finding(&id, count, severity));
                if copy == 0 {
                    storm_scenario = storm_scenario.expect(&all, &id, label);
                }
            }
        }
        retried += storm(&[&a, &b], &events).await;
    }
    scenarios.push(storm_scenario);

    // What each route received, by finding id and severity.
    let mut received: BTreeMap<&str, BTreeMap<(String, String), usize>> = BTreeMap::new();
    for route in ROUTES {
        for envelope in drain(&local, route).await {
            let message = envelope["Message"].as_str().unwrap_or_default();
            let severity = envelope["MessageAttributes"]["severity"]["Value"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let id = scenarios
                .iter()
                .flat_map(|s| s.expected.values().flatten().map(|(id, _)| id.clone()))
                .filter(|id| message.contains(id.as_str()))
                .max_by_key(String::len)
                .unwrap_or_else(|| "(unknown)".to_owned());
            *received
                .entry(route)
                .or_default()
                .entry((id, severity))
                .or_default() += 1;
        }
    }

    let mut table = format!(
        "{:<36} {:>10} {:>10} {:>10}\n",
        "scenario (expected/received)", "pager", "chat", "machines"
    );
    let mut wrong = Vec::new();
    for scenario in &scenarios {
        table.push_str(&format!("{:<36}", scenario.name));
        for route in ROUTES {
            let expected = &scenario.expected[route];
            let got: usize = received
                .get(route)
                .map(|r| {
                    r.iter()
                        .filter(|((id, _), _)| {
                            scenario.expected.values().flatten().any(|(e, _)| e == id)
                        })
                        .map(|(_, n)| n)
                        .sum()
                })
                .unwrap_or(0);
            table.push_str(&format!(" {:>10}", format!("{}/{got}", expected.len())));
            for (id, severity) in expected {
                let n = received
                    .get(route)
                    .and_then(|r| r.get(&(id.clone(), severity.to_string())))
                    .copied()
                    .unwrap_or(0);
                if n != 1 {
                    wrong.push(format!("{route}: {id} at {severity} arrived {n} times"));
                }
            }
            if got != expected.len() {
                wrong.push(format!(
                    "{route}: scenario `{}` expected {} messages, received {got}",
                    scenario.name,
                    expected.len()
                ));
            }
        }
        table.push('\n');
    }
    let unknown: usize = received
        .values()
        .flat_map(|r| r.iter())
        .filter(|((id, _), _)| id == "(unknown)")
        .map(|(_, n)| n)
        .sum();
    table.push_str(&format!(
        "storm retries (Lambda's, of AlertInFlight): {retried}; unattributed messages: {unknown}; took {:.1?}\n",
        started.elapsed()
    ));
    eprintln!("{table}");
    assert!(
        wrong.is_empty() && unknown == 0,
        "{table}\n{}\n--- instance logs (tail) ---\n{}",
        wrong.join("\n"),
        tail(&a.logs.lock().unwrap(), 40)
    );
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
