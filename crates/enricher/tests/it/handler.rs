//! The handler over in-memory ports.

use std::time::{Duration, Instant};

use serde_json::json;
use watchpost_enricher::HandlerError;
use watchpost_enricher::handler::metric;
use watchpost_enricher::ports::{Indicator, InvestigationReport};

use crate::common::*;

#[tokio::test]
async fn alert_is_delivered_to_every_route_with_its_attributes() {
    let world = World::new();
    let answer = world
        .handler()
        .handle(event(BEDROCK_EVENT), "req-1")
        .await
        .unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert");
    let published = world.notifier.published();
    assert_eq!(published.len(), 3);
    let pager = published
        .iter()
        .find(|p| p.topic_arn == PAGER_TOPIC)
        .unwrap();
    let subject = pager
        .subject
        .as_deref()
        .expect("text routes carry a subject");
    assert!(
        subject.starts_with("[MEDIUM] model-invocation: "),
        "{subject}"
    );
    assert_eq!(pager.attributes["severity"], "MEDIUM");
    assert_eq!(pager.attributes["component"], "model-invocation");
    assert_eq!(pager.attributes["format"], "text");
    assert_eq!(pager.attributes["account"], "111122223333");
    let chat = published
        .iter()
        .find(|p| p.topic_arn == CHAT_TOPIC)
        .unwrap();
    assert_eq!(chat.subject, None, "chat messages carry no subject");
    let chat: serde_json::Value = serde_json::from_str(&chat.message).unwrap();
    assert_eq!(chat["version"], "1.0");
    let machines = published
        .iter()
        .find(|p| p.topic_arn == MACHINES_TOPIC)
        .unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&machines.message).is_ok());
    assert_eq!(world.metrics.total(metric::ALERTS_DELIVERED), 3);
    let stored = world
        .store
        .get("111122223333/us-east-1/c4e2a0f8d6b4c2a0e8f6d4b2a0c8e6f4")
        .unwrap();
    assert!(stored.complete);
    assert_eq!(stored.record.count, 7);
    assert_eq!(stored.record.routes_delivered.len(), 3);
}

#[tokio::test]
async fn a_second_delivery_of_the_same_finding_is_suppressed() {
    let world = World::new();
    let handler = world.handler();
    handler.handle(event(BEDROCK_EVENT), "req-1").await.unwrap();
    world.clock.advance(30);
    let answer = handler.handle(event(BEDROCK_EVENT), "req-2").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "suppressed");
    assert!(
        answer["findings"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("duplicate")
    );
    assert_eq!(world.notifier.published().len(), 3);
}

#[tokio::test]
async fn retry_after_a_partial_delivery_failure_sends_only_the_missing_routes() {
    let world = World::new();
    let handler = world.handler();
    world.notifier.fail_topic(CHAT_TOPIC, true);
    let err = handler
        .handle(event(BEDROCK_EVENT), "req-1")
        .await
        .unwrap_err();
    assert!(matches!(err, HandlerError::DeliveryFailed(_)), "{err}");
    assert!(err.is_retryable());
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "Watchpost.DeliveryFailed.Retryable");
    assert!(
        diagnostic.error_message.contains("route `chat`"),
        "{}",
        diagnostic.error_message
    );
    assert_eq!(world.notifier.published().len(), 2);
    assert_eq!(world.metrics.total(metric::DELIVERY_FAILED), 1);

    // Lambda retries a minute later; SNS has recovered.
    world.notifier.fail_topic(CHAT_TOPIC, false);
    world.notifier.clear();
    world.clock.advance(60);
    let answer = handler.handle(event(BEDROCK_EVENT), "req-1").await.unwrap();
    let published = world.notifier.published();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].topic_arn, CHAT_TOPIC);
    assert_eq!(
        answer["findings"][0]["routes_delivered"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // And a third delivery is a plain duplicate.
    world.notifier.clear();
    let answer = handler.handle(event(BEDROCK_EVENT), "req-3").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "suppressed");
    assert!(world.notifier.published().is_empty());
}

#[tokio::test]
async fn detective_slower_than_its_budget_does_not_hold_the_alert_up() {
    let world = World::new();
    world.detective.set_delay(Duration::from_secs(10));
    let started = Instant::now();
    let answer = world
        .handler()
        .handle(high_bedrock_event(), "req-1")
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let notes = answer["findings"][0]["notes"].as_array().unwrap();
    assert_eq!(
        notes,
        &[json!(
            "Detective enrichment unavailable: no answer within 300 ms"
        )]
    );
    let published = world.notifier.published();
    assert_eq!(published.len(), 3);
    for publication in &published {
        assert!(
            publication
                .message
                .contains("Detective enrichment unavailable"),
            "{}",
            publication.message
        );
    }
    assert_eq!(world.metrics.total(metric::ENRICHMENT_UNAVAILABLE), 1);
}

#[tokio::test]
async fn detective_refusing_access_still_delivers_the_alert_marked() {
    let world = World::new();
    world.detective.set_failing(true);
    let answer = world
        .handler()
        .handle(high_bedrock_event(), "req-1")
        .await
        .unwrap();
    let note = answer["findings"][0]["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with("Detective enrichment unavailable: access denied"),
        "{note}"
    );
    assert_eq!(world.notifier.published().len(), 3);
}

#[tokio::test]
async fn state_unavailable_still_delivers_the_alert_marked() {
    let world = World::new();
    world.store.set_failing(true);
    let answer = world
        .handler()
        .handle(event(BEDROCK_EVENT), "req-1")
        .await
        .unwrap();
    let note = answer["findings"][0]["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with("deduplication unavailable: throttled"),
        "{note}"
    );
    let published = world.notifier.published();
    assert_eq!(published.len(), 3);
    assert!(published[0].message.contains("deduplication unavailable"));
    assert_eq!(world.metrics.total(metric::DEDUPLICATION_UNAVAILABLE), 1);
}

#[tokio::test]
async fn malformed_event_fails_without_retry_and_is_counted() {
    let world = World::new();
    let err = world
        .handler()
        .handle(
            json!({"detail-type": "GuardDuty Finding", "source": "aws.guardduty"}),
            "req-1",
        )
        .await
        .unwrap_err();
    assert!(!err.is_retryable());
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "Watchpost.InvalidEvent");
    assert!(
        diagnostic.error_message.contains("`detail`: missing"),
        "{}",
        diagnostic.error_message
    );
    assert_eq!(world.metrics.total(metric::INVALID_EVENTS), 1);
    assert!(world.notifier.published().is_empty());
}

#[tokio::test]
async fn events_that_are_not_findings_are_ignored() {
    let world = World::new();
    let answer = world
        .handler()
        .handle(
            json!({"detail-type": "AWS Health Event", "source": "aws.health", "detail": {}}),
            "req-1",
        )
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "ignored");
}

#[tokio::test]
async fn the_same_event_to_two_concurrent_instances_alerts_once() {
    let world = World::new();
    // Detective slows the first instance down between its claim and its delivery.
    world.detective.set_delay(Duration::from_millis(100));
    let (a, b) = (world.handler(), world.handler());
    let (first, second) = tokio::join!(
        a.handle(high_bedrock_event(), "req-a"),
        b.handle(high_bedrock_event(), "req-b")
    );
    let results = [first, second];
    let delivered = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(delivered, 1, "{results:?}");
    let in_flight = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        matches!(in_flight, HandlerError::AlertInFlight(_)),
        "{in_flight}"
    );
    assert!(in_flight.is_retryable());
    assert_eq!(world.notifier.published().len(), 3);
    // Its retry finds the alert delivered.
    world.clock.advance(60);
    let answer = b.handle(high_bedrock_event(), "req-b").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "suppressed");
    assert_eq!(world.notifier.published().len(), 3);
}

#[tokio::test]
async fn an_investigation_is_started_once_and_reused() {
    let world = World::new();
    let handler = world.handler();
    let answer = handler.handle(high_bedrock_event(), "req-1").await.unwrap();
    let id = answer["findings"][0]["investigation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(world.detective.started(), 1);
    assert!(world.notifier.published()[0].message.contains(&id));
    // An update of the finding later that day re-alerts (severity rose) and reuses it.
    let mut update = high_bedrock_event();
    update["detail"]["severity"] = json!(9.5);
    update["detail"]["service"]["count"] = json!(8);
    world.clock.advance(3_600);
    let answer = handler.handle(update, "req-2").await.unwrap();
    assert_eq!(answer["findings"][0]["investigation_id"], id.as_str());
    assert_eq!(world.detective.started(), 1);
    assert_eq!(world.metrics.total(metric::INVESTIGATIONS_REUSED), 1);
}

#[tokio::test]
async fn a_sample_finding_alerts_but_is_not_investigated() {
    let world = World::new();
    let handler = world.handler();
    let mut sample = high_bedrock_event();
    sample["detail"]["service"]["additionalInfo"] = json!({ "sample": true });
    let answer = handler.handle(sample, "req-1").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert!(
        answer["findings"][0]["investigation_id"].is_null(),
        "{answer}"
    );
    assert_eq!(world.detective.started(), 0);
}

#[tokio::test]
async fn sweep_sends_the_follow_up_once_when_the_investigation_finishes() {
    let world = World::new();
    let handler = world.handler();
    let answer = handler.handle(high_bedrock_event(), "req-1").await.unwrap();
    let id = answer["findings"][0]["investigation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let subject = world
        .notifier
        .published()
        .iter()
        .find_map(|p| p.subject.clone())
        .unwrap();
    world.notifier.clear();

    // Still running: nothing to say.
    let answer = handler
        .handle(event(SCHEDULED_EVENT), "sweep-1")
        .await
        .unwrap();
    assert_eq!(answer["sweep"]["still_running"], 1);
    assert!(world.notifier.published().is_empty());

    world.detective.complete(InvestigationReport {
        id: id.clone(),
        entity_arn: "arn:aws:iam::111122223333:user/svc-chat-frontend".into(),
        status: "SUCCESSFUL".into(),
        state: "ACTIVE".into(),
        severity: Some("CRITICAL".into()),
        indicators: vec![
            Indicator {
                kind: "IMPOSSIBLE_TRAVEL".into(),
                detail: "from Paris to Sydney within 1 h".into(),
            },
            Indicator {
                kind: "NEW_USER_AGENT".into(),
                detail: "user agent evil\u{7}/1.0".into(),
            },
        ],
    });
    world.clock.advance(300);
    let answer = handler
        .handle(event(SCHEDULED_EVENT), "sweep-2")
        .await
        .unwrap();
    assert_eq!(
        answer["sweep"]["followed_up"][0]["investigation_id"],
        id.as_str()
    );
    let published = world.notifier.published();
    assert_eq!(published.len(), 3);
    let pager = published
        .iter()
        .find(|p| p.topic_arn == PAGER_TOPIC)
        .unwrap();
    assert!(pager.message.contains(&subject), "{}", pager.message);
    assert!(pager.message.contains("IMPOSSIBLE_TRAVEL"));
    assert!(!pager.message.contains('\u{7}'));
    assert!(
        pager
            .subject
            .as_deref()
            .unwrap()
            .starts_with("[Detective CRITICAL] follow-up: ")
    );
    let chat = published
        .iter()
        .find(|p| p.topic_arn == CHAT_TOPIC)
        .unwrap();
    let chat: serde_json::Value = serde_json::from_str(&chat.message).unwrap();
    assert_eq!(
        chat["metadata"]["threadId"],
        "111122223333/us-east-1/c4e2a0f8d6b4c2a0e8f6d4b2a0c8e6f4"
    );
    assert_eq!(world.metrics.total(metric::FOLLOW_UPS_DELIVERED), 3);

    world.notifier.clear();
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-3")
        .await
        .unwrap();
    assert!(
        world.notifier.published().is_empty(),
        "the follow-up goes out once"
    );
}

#[tokio::test]
async fn a_follow_up_that_cannot_be_delivered_is_retried_for_the_missed_routes() {
    let world = World::new();
    let handler = world.handler();
    let answer = handler.handle(high_bedrock_event(), "req-1").await.unwrap();
    let id = answer["findings"][0]["investigation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    world.detective.complete(InvestigationReport {
        id,
        status: "SUCCESSFUL".into(),
        ..Default::default()
    });
    world.notifier.clear();
    world.notifier.fail_topic(PAGER_TOPIC, true);
    let err = handler
        .handle(event(SCHEDULED_EVENT), "sweep-1")
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(world.notifier.published().len(), 2);
    world.notifier.fail_topic(PAGER_TOPIC, false);
    world.notifier.clear();
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-2")
        .await
        .unwrap();
    let published = world.notifier.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].topic_arn, PAGER_TOPIC);
}
