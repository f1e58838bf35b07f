//! The handler over in-memory ports.

use std::time::{Duration, Instant};

use serde_json::json;
use watchpost_contract::metric;
use watchpost_enricher::HandlerError;
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

/// Pager only for CRITICAL: a HIGH finding reaches chat, a CRITICAL one on the same principal
/// reaches the pager too and reuses the HIGH one's investigation.
const CRITICAL_PAGER_CONFIG: &str = r#"
[[routes]]
name = "pager"
min_severity = "CRITICAL"
format = "text"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-pager"

[[routes]]
name = "chat"
format = "chat"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-chat"

[detective]
graph_arn = "arn:aws:detective:us-east-1:123456789012:graph:0123456789abcdef0123456789abcdef"
budget_ms = 300
"#;

/// Before: the investigation's entry kept the first alert's routes only, so the pager, reached
/// by the second alert alone, never heard how the investigation it was told about ended.
#[tokio::test]
async fn a_reused_investigation_follows_up_on_every_route_its_alerts_reached() {
    let world = World::new();
    let handler = world.handler_with(CRITICAL_PAGER_CONFIG);
    let answer = handler.handle(high_bedrock_event(), "req-1").await.unwrap();
    let id = answer["findings"][0]["investigation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(answer["findings"][0]["routes_delivered"], json!(["chat"]));
    // Another finding on the same principal, CRITICAL: pager and chat, the same investigation.
    let mut critical = high_bedrock_event();
    critical["detail"]["id"] = json!("d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6");
    critical["detail"]["severity"] = json!(9.5);
    world.clock.advance(60);
    let answer = handler.handle(critical, "req-2").await.unwrap();
    assert_eq!(answer["findings"][0]["investigation_id"], id.as_str());
    assert_eq!(
        answer["findings"][0]["routes_delivered"],
        json!(["pager", "chat"])
    );
    assert_eq!(world.detective.started(), 1);

    world.detective.complete(InvestigationReport {
        id: id.clone(),
        status: "SUCCESSFUL".into(),
        ..Default::default()
    });
    world.notifier.clear();
    world.clock.advance(300);
    let answer = handler
        .handle(event(SCHEDULED_EVENT), "sweep-1")
        .await
        .unwrap();
    assert_eq!(answer["sweep"]["followed_up"].as_array().unwrap().len(), 1);
    let mut topics: Vec<String> = world
        .notifier
        .published()
        .into_iter()
        .map(|p| p.topic_arn)
        .collect();
    topics.sort();
    assert_eq!(topics, [CHAT_TOPIC, PAGER_TOPIC], "one follow-up per route");
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
    // The follow-up joins its alert's incident thread, whose key it carries.
    let incident = chat.attributes["incident"].clone();
    assert!(incident.starts_with("WP-"), "{incident}");
    let chat: serde_json::Value = serde_json::from_str(&chat.message).unwrap();
    assert_eq!(chat["metadata"]["threadId"], incident.as_str());
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

/// A store where another invocation claims the alert just before this one does, the way a
/// retry of an earlier count wins the race against an update.
struct LosesFirstClaim<'a> {
    inner: &'a watchpost_enricher::memory::MemoryStore,
    raced: std::sync::atomic::AtomicBool,
}

watchpost_enricher::incidents_from_memory_store!(LosesFirstClaim<'_>, inner);

impl watchpost_enricher::ports::AlertStore for LosesFirstClaim<'_> {
    async fn load(
        &self,
        key: &str,
    ) -> Result<Option<watchpost_enricher::ports::StoredAlert>, watchpost_enricher::PortError> {
        self.inner.load(key).await
    }
    async fn claim(
        &self,
        claim: &watchpost_enricher::ports::Claim,
    ) -> Result<watchpost_enricher::ports::ClaimOutcome, watchpost_enricher::PortError> {
        if !self.raced.swap(true, std::sync::atomic::Ordering::SeqCst) {
            // The other invocation resumes the unfinished count 7 with a claim of its own.
            let current = self.inner.get(&claim.stored.record.key).unwrap();
            let mut theirs = current.clone();
            theirs.token = "the-other-invocation".into();
            theirs.lease_until = NOW + 30;
            let their_claim = watchpost_enricher::ports::Claim {
                stored: theirs,
                expected_token: Some(current.token),
                expires_at: claim.expires_at,
            };
            self.inner.claim(&their_claim).await?;
        }
        self.inner.claim(claim).await
    }
    async fn delivered(
        &self,
        key: &str,
        token: &str,
        route: &str,
    ) -> Result<(), watchpost_enricher::PortError> {
        self.inner.delivered(key, token, route).await
    }
    async fn finish(
        &self,
        key: &str,
        token: &str,
        reached: &[String],
        complete: bool,
    ) -> Result<(), watchpost_enricher::PortError> {
        self.inner.finish(key, token, reached, complete).await
    }
    async fn remember_investigation(
        &self,
        open: &watchpost_enricher::ports::OpenInvestigation,
    ) -> Result<(), watchpost_enricher::PortError> {
        self.inner.remember_investigation(open).await
    }
    async fn open_investigations(
        &self,
    ) -> Result<Vec<watchpost_enricher::ports::PendingFollowUp>, watchpost_enricher::PortError>
    {
        self.inner.open_investigations().await
    }
    async fn claim_investigation(
        &self,
        id: &str,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Vec<String>>, watchpost_enricher::PortError> {
        self.inner
            .claim_investigation(id, token, now, lease_until)
            .await
    }
    async fn followed_up(
        &self,
        id: &str,
        token: &str,
        reached: &[String],
        failed_at: Option<i64>,
    ) -> Result<bool, watchpost_enricher::PortError> {
        self.inner.followed_up(id, token, reached, failed_at).await
    }
    async fn follow_up_failed(
        &self,
        id: &str,
        now: i64,
    ) -> Result<(), watchpost_enricher::PortError> {
        self.inner.follow_up_failed(id, now).await
    }
    async fn forget_investigation(&self, id: &str) -> Result<bool, watchpost_enricher::PortError> {
        self.inner.forget_investigation(id).await
    }
}

const HIGH_ROUTE_CONFIG: &str = r#"
[[routes]]
name = "pager"
format = "text"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-pager"

[[routes]]
name = "chat"
format = "chat"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-chat"

[[routes]]
name = "machines"
min_severity = "HIGH"
format = "json"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-machines"

[detective]
enabled = false
"#;

#[tokio::test]
async fn a_lost_claim_race_is_decided_again_not_called_a_duplicate() {
    let world = World::new();
    // Count 7 at MEDIUM reaches pager but not chat: left unfinished for a retry.
    world.notifier.fail_topic(CHAT_TOPIC, true);
    let first = world.handler_with(HIGH_ROUTE_CONFIG);
    first
        .handle(event(BEDROCK_EVENT), "req-7")
        .await
        .unwrap_err();
    world.notifier.fail_topic(CHAT_TOPIC, false);
    world.notifier.clear();

    // Update 8 rises to HIGH, which the HIGH-only route `machines` waits for; the retry of 7
    // claims the alert a moment before it does.
    let mut update = event(BEDROCK_EVENT);
    update["detail"]["severity"] = json!(8.0);
    update["detail"]["service"]["count"] = json!(8);
    let racing = LosesFirstClaim {
        inner: &world.store,
        raced: Default::default(),
    };
    let handler = watchpost_enricher::Handler::new(
        settings(HIGH_ROUTE_CONFIG),
        watchpost_enricher::Ports {
            notifier: &world.notifier,
            metrics: &world.metrics,
            detective: &world.detective,
            store: racing,
            clock: &world.clock,
        },
    );
    let answer = handler.handle(update, "req-8").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    let published = world.notifier.published();
    assert!(
        published.iter().any(|p| p.topic_arn == MACHINES_TOPIC),
        "the HIGH-only route heard of update 8: {published:?}"
    );
    assert_eq!(world.metrics.total(metric::CLAIMS_LOST), 1);
}

#[tokio::test]
async fn a_claim_that_fails_publishes_nothing_and_the_retry_delivers_once() {
    let world = World::new();
    let handler = world.handler();
    world.store.set_failing_claims(true);
    let err = handler
        .handle(event(BEDROCK_EVENT), "req-1")
        .await
        .unwrap_err();
    assert!(matches!(err, HandlerError::StateUnavailable(_)), "{err}");
    assert!(err.is_retryable());
    assert!(
        world.notifier.published().is_empty(),
        "nothing goes out unclaimed while the state answers"
    );
    world.store.set_failing_claims(false);
    world.clock.advance(60);
    handler.handle(event(BEDROCK_EVENT), "req-1").await.unwrap();
    assert_eq!(world.notifier.published().len(), 3);
    // A concurrent copy arriving now is a duplicate.
    handler.handle(event(BEDROCK_EVENT), "req-2").await.unwrap();
    assert_eq!(world.notifier.published().len(), 3);
}

#[tokio::test]
async fn a_retry_a_minute_after_an_invocation_died_delivers_even_with_a_long_timeout() {
    let world = World::new();
    let config = format!("{CONFIG}\n[enricher]\ntimeout_s = 900\n");
    let handler = world.handler_with(&config);
    // SNS hangs and the invocation dies (the runtime kills it) before it records anything.
    world.notifier.set_delay(Duration::from_secs(600));
    let died = tokio::time::timeout(
        Duration::from_millis(200),
        handler.handle(event(BEDROCK_EVENT), "req-1"),
    )
    .await;
    assert!(died.is_err(), "the invocation was still publishing");
    world.notifier.set_delay(Duration::ZERO);
    // Lambda's first retry comes about a minute later.
    world.clock.advance(60);
    let answer = handler.handle(event(BEDROCK_EVENT), "req-1").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert_eq!(world.notifier.published().len(), 3);
}

/// Security Hub's copy of the Bedrock finding, having lost what made it AI-related.
fn lossy_security_hub_copy(severity: f64) -> serde_json::Value {
    json!({
        "version": "0",
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "detail": { "findings": [{
            "SchemaVersion": "2018-10-08",
            "Id": "arn:aws:guardduty:us-east-1:111122223333:detector/5ec4b1a2c3d4e5f60718293a4b5c6d7e/finding/c4e2a0f8d6b4c2a0e8f6d4b2a0c8e6f4",
            "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty",
            "AwsAccountId": "111122223333",
            "Region": "us-east-1",
            "Types": ["TTPs/Impact/Impact:IAMUser-AnomalousBehavior"],
            "CreatedAt": "2026-03-02T08:00:00Z",
            "UpdatedAt": "2026-03-02T08:20:00Z",
            "Severity": { "Product": severity },
            "ProductFields": { "aws/guardduty/service/count": "7" },
            "Resources": [{ "Type": "AwsIamAccessKey", "Id": "AWS::IAM::AccessKey:ASIA4EXAMPLEKEY7Q2ZP" }]
        }]}
    })
}

const SOC_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:watchpost-soc";

const AI_ROUTE_CONFIG: &str = r#"
[[routes]]
name = "pager"
format = "text"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-pager"

[[routes]]
name = "chat"
format = "chat"
components = ["model-invocation"]
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-chat"

[detective]
enabled = false
"#;

#[tokio::test]
async fn guardduty_s_original_after_its_security_hub_copy_reaches_the_ai_route() {
    let world = World::new();
    let handler = world.handler_with(AI_ROUTE_CONFIG);
    let mut original = high_bedrock_event();
    original["detail"]["type"] = json!("Impact:IAMUser/AnomalousBehavior");
    let copy = handler
        .handle(lossy_security_hub_copy(8.0), "req-1")
        .await
        .unwrap();
    assert_eq!(copy["findings"][0]["component"], "none", "{copy}");
    let topics = |w: &World| -> Vec<String> {
        w.notifier
            .published()
            .iter()
            .map(|p| p.topic_arn.clone())
            .collect()
    };
    assert_eq!(topics(&world), [PAGER_TOPIC]);
    let answer = handler.handle(original.clone(), "req-2").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert_eq!(topics(&world), [PAGER_TOPIC, CHAT_TOPIC]);
    // Any further copy of the update is a duplicate, whichever way it came.
    handler
        .handle(lossy_security_hub_copy(8.0), "req-3")
        .await
        .unwrap();
    handler.handle(original, "req-4").await.unwrap();
    assert_eq!(topics(&world), [PAGER_TOPIC, CHAT_TOPIC]);
}

/// Security Hub's copy of a finding of `region` as the aggregation region us-east-1 receives
/// it: the envelope is the aggregation region's, the finding keeps the region it was made in.
fn aggregated_copy(region: &str) -> serde_json::Value {
    let mut copy = lossy_security_hub_copy(8.0);
    copy["region"] = json!("us-east-1");
    let finding = &mut copy["detail"]["findings"][0];
    finding["Id"] = json!(format!(
        "arn:aws:guardduty:{region}:111122223333:detector/5ec4b1a2c3d4e5f60718293a4b5c6d7e/finding/c4e2a0f8d6b4c2a0e8f6d4b2a0c8e6f4"
    ));
    finding["ProductArn"] = json!(format!(
        "arn:aws:securityhub:{region}::product/aws/guardduty"
    ));
    finding["Region"] = json!(region);
    copy
}

/// A stack in us-east-1 and us-west-2 (topics from the environment, as in every region).
const TWO_REGIONS: &str = r#"
[watchpost]
regions = ["us-east-1", "us-west-2"]

[[routes]]
name = "pager"
format = "text"

[detective]
enabled = false
"#;

#[tokio::test]
async fn a_copy_aggregated_from_another_region_of_the_stack_is_that_region_s_to_alert() {
    // us-west-2's own enricher alerts its findings, with its own state: alerting the copy
    // Security Hub aggregates into us-east-1 as well would send every route a second one.
    let world = World::new();
    let handler = world.handler_of(settings_in(TWO_REGIONS, "us-east-1"));
    let answer = handler
        .handle(aggregated_copy("us-west-2"), "req-1")
        .await
        .unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "ignored", "{answer}");
    assert!(
        answer["findings"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("us-west-2"),
        "{answer}"
    );
    assert!(world.notifier.published().is_empty());
    // This region's own findings, whichever way they come, are this region's.
    let answer = handler
        .handle(aggregated_copy("us-east-1"), "req-2")
        .await
        .unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
}

#[tokio::test]
async fn a_copy_aggregated_from_a_region_outside_the_stack_alerts_here() {
    // No enricher of the stack runs in eu-west-1: the aggregation region is the only one to
    // see its findings, and alerts them.
    let world = World::new();
    let handler = world.handler_of(settings_in(TWO_REGIONS, "us-east-1"));
    let answer = handler
        .handle(aggregated_copy("eu-west-1"), "req-1")
        .await
        .unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert_eq!(world.notifier.published().len(), 1);
    // Nor does a stack of one region (the environment's) have another to leave it to.
    let world = World::new();
    let handler = world.handler_of(settings_in(AI_ROUTE_CONFIG, "us-east-1"));
    let answer = handler
        .handle(aggregated_copy("us-west-2"), "req-1")
        .await
        .unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
}

#[tokio::test]
async fn a_copy_that_reads_as_not_about_ai_leaves_the_route_for_such_findings_to_its_original() {
    // The copy lost the API that made the finding about AI: on its own it would go to the
    // route for findings not about AI, where GuardDuty's original never goes.
    let world = World::new();
    let config = format!(
        "{AI_ROUTE_CONFIG}\n[[routes]]\nname = \"soc\"\nformat = \"text\"\ncomponents = [\"none\"]\ntopic_arn = \"{SOC_TOPIC}\"\n"
    );
    let handler = world.handler_with(&config);
    let topics = |w: &World| -> Vec<String> {
        w.notifier
            .published()
            .iter()
            .map(|p| p.topic_arn.clone())
            .collect()
    };
    handler
        .handle(lossy_security_hub_copy(8.0), "req-1")
        .await
        .unwrap();
    assert_eq!(topics(&world), [PAGER_TOPIC]);
    let mut original = high_bedrock_event();
    original["detail"]["type"] = json!("Impact:IAMUser/AnomalousBehavior");
    handler.handle(original, "req-2").await.unwrap();
    assert_eq!(topics(&world), [PAGER_TOPIC, CHAT_TOPIC]);
}

#[tokio::test]
async fn one_unreadable_finding_does_not_reject_its_security_hub_batch() {
    let world = World::new();
    let handler = world.handler_with(AI_ROUTE_CONFIG);
    let mut batch = lossy_security_hub_copy(8.0);
    let mut bad = batch["detail"]["findings"][0].clone();
    bad["Severity"] = json!({ "Label": "SEVERE" });
    batch["detail"]["findings"] = json!([bad, batch["detail"]["findings"][0].clone()]);
    let answer = handler.handle(batch, "req-1").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert!(
        answer["rejected"][0]
            .as_str()
            .unwrap()
            .starts_with("`detail.findings[0]`: `Severity`"),
        "{answer}"
    );
    assert_eq!(world.notifier.published().len(), 1);
    assert_eq!(world.metrics.total(metric::FINDINGS_REJECTED), 1);

    // A batch with nothing readable is rejected as a whole (a retry cannot help).
    let mut all_bad = lossy_security_hub_copy(8.0);
    all_bad["detail"]["findings"][0]["Severity"] = json!({});
    let err = handler.handle(all_bad, "req-2").await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
}

/// Starts an investigation through a HIGH alert and lets Detective finish it.
async fn finished_investigation(world: &World, handler: &MemoryHandler<'_>) -> String {
    let answer = handler.handle(high_bedrock_event(), "req-1").await.unwrap();
    let id = answer["findings"][0]["investigation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    world.detective.complete(InvestigationReport {
        id: id.clone(),
        status: "SUCCESSFUL".into(),
        ..Default::default()
    });
    world.notifier.clear();
    id
}

#[tokio::test]
async fn a_sweep_that_dies_while_publishing_leaves_the_follow_up_for_the_next() {
    let world = World::new();
    let handler = world.handler();
    finished_investigation(&world, &handler).await;
    world.notifier.set_delay(Duration::from_secs(600));
    let died = tokio::time::timeout(
        Duration::from_millis(200),
        handler.handle(event(SCHEDULED_EVENT), "sweep-1"),
    )
    .await;
    assert!(died.is_err());
    assert_eq!(world.store.open().len(), 1, "forgotten before it was sent");
    world.notifier.set_delay(Duration::ZERO);
    // The next sweep, once the dead one's hold has lapsed, sends it and forgets it.
    world.clock.advance(300);
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-2")
        .await
        .unwrap();
    assert_eq!(world.notifier.published().len(), 3);
    assert!(world.store.open().is_empty());
}

#[tokio::test]
async fn another_product_s_finding_in_the_new_security_hub_keeps_its_routes_for_findings_not_about_ai()
 {
    // Inspector's finding, not about AI, arrives once, in OCSF: no GuardDuty original follows
    // it, so the route for findings not about AI is its own to reach.
    let world = World::new();
    let config = format!(
        "{AI_ROUTE_CONFIG}\n[[routes]]\nname = \"soc\"\nformat = \"text\"\ncomponents = [\"none\"]\ntopic_arn = \"{SOC_TOPIC}\"\n"
    );
    let handler = world.handler_with(&config);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/testdata/events/ocsf-closed-compliance-and-others.jsonl"
    );
    let line = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .nth(3)
        .unwrap()
        .to_owned();
    let mut event: serde_json::Value = serde_json::from_str(&line).unwrap();
    // On an instance that is no accelerator: not about AI.
    event["detail"]["findings"][0]["resources"][0]["data"]["instanceType"] =
        serde_json::json!("t3.micro");
    let answer = handler.handle(event, "req-1").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    let topics: Vec<String> = world
        .notifier
        .published()
        .iter()
        .map(|p| p.topic_arn.clone())
        .collect();
    assert!(topics.contains(&SOC_TOPIC.to_owned()), "{topics:?}");
}

/// One principal's storm: 19 findings in 38 minutes (MEDIUM, then HIGH, then a CRITICAL
/// attack sequence at the end). The pager, which takes incidents from HIGH up, is paged when
/// the incident reaches it and when it escalates; every alert carries one incident; the
/// machines' route receives every finding.
#[tokio::test]
async fn a_storm_of_one_principal_is_one_incident_that_pages_twice() {
    let config = CONFIG.replace(
        "name = \"pager\"\nformat = \"text\"",
        "name = \"pager\"\nformat = \"text\"\nmin_severity = \"HIGH\"\ntakes = \"incidents\"",
    );
    assert_ne!(config, CONFIG);
    let world = World::new();
    let handler = world.handler_with(&config);
    for n in 0..19 {
        let mut storm = event(BEDROCK_EVENT);
        let severity = match n {
            0..=9 => 5.0,
            10..=17 => 8.0,
            _ => 9.5,
        };
        storm["detail"]["id"] = json!(format!("storm{n:02}"));
        storm["detail"]["severity"] = json!(severity);
        let answer = handler.handle(storm, &format!("req-{n}")).await.unwrap();
        assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
        world.clock.advance(120);
    }
    let published = world.notifier.published();
    let on = |topic: &str| {
        published
            .iter()
            .filter(|p| p.topic_arn == topic)
            .collect::<Vec<_>>()
    };
    let pages = on(PAGER_TOPIC);
    let kinds: Vec<&str> = pages
        .iter()
        .map(|p| p.attributes["alert_kind"].as_str())
        .collect();
    assert_eq!(kinds, ["escalation", "escalation"], "pages: {kinds:?}");
    assert_eq!(
        on(MACHINES_TOPIC).len(),
        19,
        "the record keeps every finding"
    );
    assert_eq!(on(CHAT_TOPIC).len(), 19);
    let incidents: std::collections::BTreeSet<&str> = published
        .iter()
        .map(|p| p.attributes["incident"].as_str())
        .collect();
    assert_eq!(incidents.len(), 1, "one incident: {incidents:?}");
    assert!(incidents.iter().all(|i| i.starts_with("WP-")));
    assert_eq!(world.metrics.total(metric::ALERTS_HELD), 7);
    let kept = world.store.incidents();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].alerts, 19);
}

/// The same storm with `[incidents] enabled = false`: every alert stands alone, as before.
#[tokio::test]
async fn without_incidents_every_alert_stands_alone() {
    let config = format!("{CONFIG}\n[incidents]\nenabled = false\n");
    let world = World::new();
    let handler = world.handler_with(&config);
    for n in 0..3 {
        let mut storm = event(BEDROCK_EVENT);
        storm["detail"]["id"] = json!(format!("storm{n:02}"));
        handler.handle(storm, &format!("req-{n}")).await.unwrap();
    }
    let published = world.notifier.published();
    assert_eq!(published.len(), 9);
    assert!(published.iter().all(|p| p.attributes["incident"] == "none"));
    assert!(
        published
            .iter()
            .all(|p| p.attributes["alert_kind"] == "new")
    );
    assert!(world.store.incidents().is_empty());
}

/// `watchpost resolve KEY`: every route that heard the incident is told, the pager with
/// `alert_kind = resolved`; a second request is ignored, and the next related alert opens a
/// new incident.
#[tokio::test]
async fn a_resolved_incident_is_told_to_its_routes_and_the_next_alert_opens_another() {
    let config = CONFIG.replace(
        "name = \"pager\"\nformat = \"text\"",
        "name = \"pager\"\nformat = \"text\"\ntakes = \"incidents\"",
    );
    let world = World::new();
    let handler = world.handler_with(&config);
    for n in 0..2 {
        let mut finding = event(BEDROCK_EVENT);
        finding["detail"]["id"] = json!(format!("first{n}"));
        handler.handle(finding, &format!("req-{n}")).await.unwrap();
    }
    let key = world.notifier.published()[0].attributes["incident"].clone();
    world.notifier.clear();
    let request = json!({
        "source": "watchpost.cli",
        "detail-type": "Watchpost Incident Resolution",
        "detail": { "incident": key, "by": "alice <@here> https://evil.example" },
    });
    let answer = handler.handle(request.clone(), "resolve-1").await.unwrap();
    assert_eq!(answer["outcome"], "resolved", "{answer}");
    let told = world.notifier.published();
    assert_eq!(told.len(), 3, "every route that heard it");
    for message in &told {
        assert_eq!(message.attributes["alert_kind"], "resolved");
        assert_eq!(message.attributes["incident"], key);
        // People's formats carry no live link; chat no mention (machines get the raw text).
        match message.attributes["format"].as_str() {
            "json" => {}
            "chat" => {
                assert!(!message.message.contains("https://evil.example"));
                assert!(!message.message.contains("<@here>"), "{}", message.message);
            }
            _ => assert!(!message.message.contains("https://evil.example")),
        }
    }
    let answer = handler.handle(request, "resolve-2").await.unwrap();
    assert_eq!(answer["outcome"], "ignored");
    assert_eq!(world.notifier.published().len(), 3);

    world.notifier.clear();
    let mut finding = event(BEDROCK_EVENT);
    finding["detail"]["id"] = json!("after");
    handler.handle(finding, "req-after").await.unwrap();
    let after = world.notifier.published();
    assert!(after.iter().all(|p| p.attributes["incident"] != key));
    assert!(after.iter().all(|p| p.attributes["alert_kind"] == "new"));
    assert_eq!(
        after.iter().filter(|p| p.topic_arn == PAGER_TOPIC).count(),
        1
    );
}

/// An incident opened by an alert the pager does not take (an AI component, the pager takes
/// only findings not about AI) pages with the first alert the pager does take, though that
/// alert only adds to the incident; then only its news.
#[tokio::test]
async fn the_first_alert_of_an_incident_a_pager_takes_pages_it() {
    let config = CONFIG.replace(
        "name = \"pager\"\nformat = \"text\"",
        "name = \"pager\"\nformat = \"text\"\ncomponents = [\"none\"]\ntakes = \"incidents\"",
    );
    let world = World::new();
    let handler = world.handler_with(&config);
    let mut invocation = event(BEDROCK_EVENT);
    invocation["detail"]["severity"] = json!(8.0);
    handler.handle(invocation, "req-1").await.unwrap();
    let pages = |world: &World| {
        world
            .notifier
            .published()
            .into_iter()
            .filter(|p| p.topic_arn == PAGER_TOPIC)
            .collect::<Vec<_>>()
    };
    assert!(pages(&world).is_empty(), "not the pager's component");
    // The same key, doing something that is not about AI.
    let not_ai = |id: &str| {
        let mut finding = event(BEDROCK_EVENT);
        let detail = &mut finding["detail"];
        detail["id"] = json!(id);
        detail["type"] = json!("Discovery:IAMUser/AnomalousBehavior");
        detail["severity"] = json!(8.0);
        detail["resource"]["modelDetails"] = json!([]);
        detail["service"]["action"]["awsApiCallAction"]["api"] = json!("ListUsers");
        detail["service"]["action"]["awsApiCallAction"]["serviceName"] = json!("iam.amazonaws.com");
        finding
    };
    let answer = handler
        .handle(not_ai("discovery-1"), "req-2")
        .await
        .unwrap();
    assert_eq!(answer["findings"][0]["component"], "none", "{answer}");
    let pages_now = pages(&world);
    assert_eq!(pages_now.len(), 1, "the pager hears the incident once");
    assert_eq!(pages_now[0].attributes["alert_kind"], "update");
    handler
        .handle(not_ai("discovery-2"), "req-3")
        .await
        .unwrap();
    assert_eq!(pages(&world).len(), 1, "then only its news");
    let incidents: std::collections::BTreeSet<String> = world
        .notifier
        .published()
        .iter()
        .map(|p| p.attributes["incident"].clone())
        .collect();
    assert_eq!(incidents.len(), 1);
}

/// A pager that takes incidents for one component only is paged when an incident first
/// reaches it, even when the incident was opened by an alert of another component: the
/// opening went elsewhere, so the first alert the pager is given is news to it.
#[tokio::test]
async fn a_pager_for_one_component_hears_an_incident_opened_by_another_component() {
    let config = CONFIG.replace(
        "name = \"pager\"\nformat = \"text\"",
        "name = \"pager\"\nformat = \"text\"\ncomponents = [\"model-invocation\"]\ntakes = \"incidents\"",
    );
    assert_ne!(config, CONFIG);
    let world = World::new();
    let handler = world.handler_with(&config);
    // The same IAM user, first on a call that is not model invocation (HIGH)...
    let mut opener = event(BEDROCK_EVENT);
    opener["detail"]["id"] = json!("opener");
    opener["detail"]["severity"] = json!(8.0);
    opener["detail"]["type"] = json!("CredentialAccess:IAMUser/AnomalousBehavior");
    opener["detail"]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("modelDetails");
    opener["detail"]["service"]["action"]["awsApiCallAction"]["serviceName"] =
        json!("iam.amazonaws.com");
    opener["detail"]["service"]["action"]["awsApiCallAction"]["api"] = json!("ListUsers");
    let answer = handler.handle(opener, "req-1").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    assert!(
        world
            .notifier
            .published()
            .iter()
            .all(|p| p.topic_arn != PAGER_TOPIC),
        "not the pager's component"
    );
    world.clock.advance(120);
    // ... then invoking models, at the same severity: the pager's component.
    let mut invocation = high_bedrock_event();
    invocation["detail"]["id"] = json!("invocation");
    let answer = handler.handle(invocation, "req-2").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "alert", "{answer}");
    let published = world.notifier.published();
    let incidents: std::collections::BTreeSet<&str> = published
        .iter()
        .map(|p| p.attributes["incident"].as_str())
        .collect();
    assert_eq!(incidents.len(), 1, "one incident: {incidents:?}");
    let pages: Vec<&str> = published
        .iter()
        .filter(|p| p.topic_arn == PAGER_TOPIC)
        .map(|p| p.attributes["alert_kind"].as_str())
        .collect();
    assert_eq!(
        pages.len(),
        1,
        "the pager never heard of the incident: {pages:?}"
    );
}

/// A page opened after its incident was resolved can still be closed: an alert whose
/// delivery to the pager failed, retried once `watchpost resolve` has closed its incident,
/// either stays off the pager or can be resolved again.
#[tokio::test]
async fn a_page_sent_by_a_retry_after_the_incident_was_resolved_can_be_closed() {
    let config = CONFIG.replace(
        "name = \"pager\"\nformat = \"text\"",
        "name = \"pager\"\nformat = \"text\"\ntakes = \"incidents\"",
    );
    let world = World::new();
    let handler = world.handler_with(&config);
    let mut finding = high_bedrock_event();
    finding["detail"]["id"] = json!("retried");
    // The pager's topic refuses the alert: the invocation fails and will be retried.
    world.notifier.fail_topic(PAGER_TOPIC, true);
    assert!(handler.handle(finding.clone(), "req-1").await.is_err());
    world.notifier.fail_topic(PAGER_TOPIC, false);
    let key = world.notifier.published()[0].attributes["incident"].clone();
    // Meanwhile someone resolves the incident (from the chat thread they saw).
    let request = json!({
        "source": "watchpost.cli",
        "detail-type": "Watchpost Incident Resolution",
        "detail": { "incident": key, "by": "alice" },
    });
    let answer = handler.handle(request.clone(), "resolve-1").await.unwrap();
    assert_eq!(answer["outcome"], "resolved", "{answer}");
    world.clock.advance(60);
    world.notifier.clear();
    // The retry.
    let _ = handler.handle(finding, "req-2").await;
    let triggers: Vec<String> = world
        .notifier
        .published()
        .iter()
        .filter(|p| p.topic_arn == PAGER_TOPIC && p.attributes["alert_kind"] != "resolved")
        .map(|p| {
            format!(
                "{} {}",
                p.attributes["incident"], p.attributes["alert_kind"]
            )
        })
        .collect();
    if triggers.is_empty() {
        return;
    }
    // A page went out for the resolved incident: resolving it again must close it.
    world.notifier.clear();
    let answer = handler.handle(request, "resolve-2").await.unwrap();
    assert_eq!(
        answer["outcome"], "resolved",
        "the pager was paged again ({triggers:?}) and the page cannot be closed: {answer}"
    );
}
