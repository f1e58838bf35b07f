//! Digests over in-memory ports: a route with `digest` takes LOW and MEDIUM alerts in one
//! message per period, sent by the sweep once the period has ended; higher alerts at once.
//! Nothing is dropped: a digest that could not be published keeps its alerts for the next
//! sweep.

use serde_json::{Value, json};
use watchpost_contract::metric;

use crate::common::*;

fn digest_config() -> String {
    let config = CONFIG.replace(
        "name = \"chat\"\nformat = \"chat\"",
        "name = \"chat\"\nformat = \"chat\"\ndigest = \"1h\"",
    );
    assert_ne!(config, CONFIG);
    config
}

fn finding(id: &str, severity: f64) -> Value {
    let mut finding = event(BEDROCK_EVENT);
    finding["detail"]["id"] = json!(id);
    finding["detail"]["severity"] = json!(severity);
    finding
}

#[tokio::test]
async fn low_and_medium_alerts_reach_a_digest_route_once_per_period_and_none_is_dropped() {
    let world = World::new();
    let handler = world.handler_with(&digest_config());
    world.clock.advance(60);
    handler
        .handle(finding("digest0", 5.0), "req-0")
        .await
        .unwrap();
    world.clock.advance(60);
    handler
        .handle(finding("digest1", 2.0), "req-1")
        .await
        .unwrap();
    world.clock.advance(60);
    handler
        .handle(finding("digest2", 8.0), "req-2")
        .await
        .unwrap();
    let chat = |world: &World| {
        world
            .notifier
            .published()
            .into_iter()
            .filter(|p| p.topic_arn == CHAT_TOPIC)
            .collect::<Vec<_>>()
    };
    // The HIGH alert at once; the others wait for the digest. Other routes take all three.
    assert_eq!(chat(&world).len(), 1);
    assert_eq!(
        world
            .notifier
            .published()
            .iter()
            .filter(|p| p.topic_arn == MACHINES_TOPIC)
            .count(),
        3
    );
    assert_eq!(world.store.digest("chat").len(), 2);
    assert_eq!(world.metrics.total(metric::ALERTS_DIGESTED), 2);

    // Within the hour: nothing to send yet.
    world.clock.advance(300);
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-1")
        .await
        .unwrap();
    assert_eq!(chat(&world).len(), 1);

    // The hour has ended: one digest, with both alerts.
    world.clock.advance(3_600);
    let answer = handler
        .handle(event(SCHEDULED_EVENT), "sweep-2")
        .await
        .unwrap();
    assert_eq!(answer["sweep"]["digests"][0]["alerts"], 2, "{answer}");
    let sent = chat(&world);
    assert_eq!(sent.len(), 2);
    let digest = &sent[1];
    assert_eq!(digest.attributes["alert_kind"], "digest");
    assert_eq!(digest.attributes["severity"], "MEDIUM");
    let card: Value = serde_json::from_str(&digest.message).unwrap();
    let description = card["content"]["description"].as_str().unwrap();
    assert!(description.contains("digest0") && description.contains("digest1"));
    assert!(
        !description.contains("digest2"),
        "the HIGH alert went at once"
    );
    assert!(world.store.digest("chat").is_empty());

    // The same period is not sent twice.
    world.clock.advance(60);
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-3")
        .await
        .unwrap();
    assert_eq!(chat(&world).len(), 2);

    // A digest that cannot be published keeps its alerts for the next sweep.
    handler
        .handle(finding("digest3", 5.0), "req-3")
        .await
        .unwrap();
    world.clock.advance(3_600);
    world.notifier.fail_topic(CHAT_TOPIC, true);
    assert!(
        handler
            .handle(event(SCHEDULED_EVENT), "sweep-4")
            .await
            .is_err()
    );
    assert_eq!(world.store.digest("chat").len(), 1);
    world.notifier.fail_topic(CHAT_TOPIC, false);
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-5")
        .await
        .unwrap();
    let sent = chat(&world);
    assert_eq!(sent.len(), 3);
    assert!(sent[2].message.contains("digest3"));
    assert!(world.store.digest("chat").is_empty());
}

/// Without a claim (the state table failing), an alert could be kept by one invocation and
/// sent by another: it reaches the digest route at once.
#[tokio::test]
async fn an_alert_delivered_without_its_claim_reaches_a_digest_route_at_once() {
    let world = World::new();
    let handler = world.handler_with(&digest_config());
    world.store.set_failing(true);
    handler
        .handle(finding("digest0", 5.0), "req-0")
        .await
        .unwrap();
    world.store.set_failing(false);
    assert_eq!(
        world
            .notifier
            .published()
            .iter()
            .filter(|p| p.topic_arn == CHAT_TOPIC)
            .count(),
        1
    );
}

/// A config deployed without a route's `digest` (a team going back to one message per alert)
/// still delivers the alerts that were waiting for that route's digest.
#[tokio::test]
async fn alerts_kept_for_a_digest_are_delivered_after_the_digest_is_turned_off() {
    let world = World::new();
    let handler = world.handler_with(&digest_config());
    world.clock.advance(60);
    handler
        .handle(finding("waiting", 5.0), "req-0")
        .await
        .unwrap();
    assert_eq!(world.store.digest("chat").len(), 1);
    // The next deployment: the chat route takes every alert at once again.
    let handler = world.handler_with(CONFIG);
    world.clock.advance(2 * 3_600);
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-1")
        .await
        .unwrap();
    let to_chat = world
        .notifier
        .published()
        .into_iter()
        .filter(|p| p.topic_arn == CHAT_TOPIC)
        .count();
    assert_eq!(
        to_chat,
        1,
        "the alert kept for the chat route's digest never reaches it ({} still kept, forgotten when their TTL ends)",
        world.store.digest("chat").len()
    );
}
