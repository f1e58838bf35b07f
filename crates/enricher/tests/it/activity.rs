//! Watchpost's own findings through the handler over in-memory ports: a CloudTrail detection
//! (alerted, investigated like a GuardDuty finding, counted by detection) and a usage alarm
//! with its resolved follow-up on the same chat thread.

use serde_json::Value;
use watchpost_contract::metric::DETECTIONS;

use crate::common::*;

const LOGGING_REMOVED: &str =
    include_str!("../testdata/cloudtrail-invocation-logging-removed.json");
const USAGE_ALARM: &str = include_str!("../testdata/usage-alarm.json");
const USAGE_OK: &str = include_str!("../testdata/usage-ok.json");

/// How many findings the handler counted for a detection, read back from its EMF form.
fn detections(world: &World, detection: &str) -> u64 {
    world
        .metrics
        .counts()
        .to_emf("test", 0)
        .iter()
        .filter(|doc| doc["Detection"] == detection)
        .filter_map(|doc| doc[DETECTIONS].as_u64())
        .sum()
}

fn chat_thread(world: &World) -> Vec<String> {
    world
        .notifier
        .published()
        .iter()
        .filter(|p| p.topic_arn == CHAT_TOPIC)
        .map(|p| {
            let card: Value = serde_json::from_str(&p.message).unwrap();
            card["metadata"]["threadId"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_high_cloudtrail_detection_alerts_and_investigates_the_principal() {
    let world = World::new();
    let handler = world.handler();
    let answer = handler
        .handle(event(LOGGING_REMOVED), "req-1")
        .await
        .unwrap();
    let report = &answer["findings"][0];
    assert_eq!(report["outcome"], "alert", "{answer}");
    assert_eq!(report["severity"], "HIGH");
    assert_eq!(
        report["finding_type"],
        "Watchpost:CloudTrail/invocation-logging-removed"
    );
    assert_eq!(world.notifier.published().len(), 3);
    let pager = world
        .notifier
        .published()
        .into_iter()
        .find(|p| p.topic_arn == PAGER_TOPIC)
        .unwrap();
    assert!(
        pager
            .message
            .contains("Bedrock model-invocation logging was turned off"),
        "{}",
        pager.message
    );
    // An assumed role's session: Detective profiles the role behind it.
    assert_eq!(world.detective.started(), 1);
    let open = world.store.open();
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].entity_arn,
        "arn:aws:iam::111122223333:role/dev-sandbox"
    );
    assert!(report["investigation_id"].is_string(), "{answer}");
    assert_eq!(detections(&world, "invocation-logging-removed"), 1);

    // EventBridge delivers at least once: the same event again is a duplicate.
    world.clock.advance(30);
    let again = handler
        .handle(event(LOGGING_REMOVED), "req-2")
        .await
        .unwrap();
    assert_eq!(again["findings"][0]["outcome"], "suppressed");
    assert_eq!(world.notifier.published().len(), 3);
}

#[tokio::test]
async fn an_allowlisted_principal_is_suppressed_and_still_counted() {
    let world = World::new();
    let config = format!(
        "{CONFIG}\n[detections]\nallow_principals = [\"arn:aws:iam::111122223333:role/dev-*\"]\n"
    );
    let answer = world
        .handler_with(&config)
        .handle(event(LOGGING_REMOVED), "req-1")
        .await
        .unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "suppressed", "{answer}");
    assert!(
        answer["findings"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("allowlisted principal"),
        "{answer}"
    );
    assert!(world.notifier.published().is_empty());
    assert_eq!(world.detective.started(), 0);
    assert_eq!(detections(&world, "invocation-logging-removed"), 1);
}

#[tokio::test]
async fn a_usage_alarm_alerts_and_its_resolution_follows_on_the_same_thread() {
    let world = World::new();
    let handler = world.handler();
    let answer = handler.handle(event(USAGE_ALARM), "req-1").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert_eq!(answer["findings"][0]["component"], "model-invocation");
    // No principal behind a metric: nothing for Detective to investigate.
    assert_eq!(world.detective.started(), 0);
    world.clock.advance(2_400);
    let answer = handler.handle(event(USAGE_OK), "req-2").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    let published = world.notifier.published();
    assert_eq!(published.len(), 6);
    let resolved = published
        .iter()
        .filter(|p| p.topic_arn == PAGER_TOPIC)
        .nth(1)
        .unwrap();
    assert!(
        resolved.subject.as_deref().unwrap().contains("RESOLVED"),
        "{:?}",
        resolved.subject
    );
    let threads = chat_thread(&world);
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0], threads[1]);
    assert_eq!(detections(&world, "usage-bedrock-inputtokencount"), 2);
}
