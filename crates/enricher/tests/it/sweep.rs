//! The sweep over in-memory ports: a route an alert adds while a sweep follows the
//! investigation up still hears how it ended, and a follow-up is given up by how long it has
//! failed, not by how often it was tried.

use watchpost_contract::metric;
use watchpost_enricher::memory::MemoryStore;
use watchpost_enricher::ports::{
    AlertStore, Claim, ClaimOutcome, InvestigationReport, OpenInvestigation, PendingFollowUp,
    StoredAlert,
};
use watchpost_enricher::{Handler, PortError, Ports};

use crate::common::*;

/// Two routes: the HIGH alert reaches `pager`; `audit` takes CRITICAL only, as an alert that
/// reuses the investigation later would add it.
const AUDIT_CONFIG: &str = r#"
[[routes]]
name = "pager"
format = "text"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-pager"

[[routes]]
name = "audit"
format = "json"
min_severity = "CRITICAL"
topic_arn = "arn:aws:sns:us-east-1:123456789012:watchpost-audit"

[detective]
graph_arn = "arn:aws:detective:us-east-1:123456789012:graph:0123456789abcdef0123456789abcdef"
budget_ms = 300
"#;
const AUDIT_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:watchpost-audit";

/// A store where, as soon as a sweep takes a follow-up, another alert reuses the
/// investigation and remembers it with the route `audit`.
struct AddsAuditWhileFollowingUp<'a> {
    inner: &'a MemoryStore,
}

watchpost_enricher::incidents_from_memory_store!(AddsAuditWhileFollowingUp<'_>, inner);

impl AlertStore for AddsAuditWhileFollowingUp<'_> {
    async fn load(&self, key: &str) -> Result<Option<StoredAlert>, PortError> {
        self.inner.load(key).await
    }
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, PortError> {
        self.inner.claim(claim).await
    }
    async fn delivered(&self, key: &str, token: &str, route: &str) -> Result<(), PortError> {
        self.inner.delivered(key, token, route).await
    }
    async fn finish(
        &self,
        key: &str,
        token: &str,
        reached: &[String],
        complete: bool,
    ) -> Result<(), PortError> {
        self.inner.finish(key, token, reached, complete).await
    }
    async fn remember_investigation(&self, open: &OpenInvestigation) -> Result<(), PortError> {
        self.inner.remember_investigation(open).await
    }
    async fn open_investigations(&self) -> Result<Vec<PendingFollowUp>, PortError> {
        self.inner.open_investigations().await
    }
    async fn claim_investigation(
        &self,
        id: &str,
        token: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Vec<String>>, PortError> {
        let claimed = self
            .inner
            .claim_investigation(id, token, now, lease_until)
            .await?;
        if claimed.is_some() {
            let mut reused = self
                .inner
                .open()
                .into_iter()
                .find(|o| o.investigation_id == id)
                .unwrap();
            reused.routes = vec!["audit".into()];
            self.inner.remember_investigation(&reused).await?;
        }
        Ok(claimed)
    }
    async fn followed_up(
        &self,
        id: &str,
        token: &str,
        reached: &[String],
        failed_at: Option<i64>,
    ) -> Result<bool, PortError> {
        self.inner.followed_up(id, token, reached, failed_at).await
    }
    async fn follow_up_failed(&self, id: &str, now: i64) -> Result<(), PortError> {
        self.inner.follow_up_failed(id, now).await
    }
    async fn forget_investigation(&self, id: &str) -> Result<bool, PortError> {
        self.inner.forget_investigation(id).await
    }
}

/// A HIGH alert starts an investigation Detective finishes; a sweep follows it up while an
/// alert reuses it (`pager` failing or not), then the next sweep runs as usual.
async fn sweep_with_a_reuse(fail_pager: bool) -> World {
    let world = World::new();
    let handler = world.handler_with(AUDIT_CONFIG);
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
    world.notifier.fail_topic(PAGER_TOPIC, fail_pager);
    let racing = Handler::new(
        settings(AUDIT_CONFIG),
        Ports {
            notifier: &world.notifier,
            metrics: &world.metrics,
            detective: &world.detective,
            store: AddsAuditWhileFollowingUp {
                inner: &world.store,
            },
            clock: &world.clock,
        },
    );
    let _ = racing.handle(event(SCHEDULED_EVENT), "sweep-1").await;
    world.notifier.fail_topic(PAGER_TOPIC, false);
    world.clock.advance(300);
    let _ = handler.handle(event(SCHEDULED_EVENT), "sweep-2").await;
    world
}

fn sent_to(world: &World, topic: &str) -> usize {
    world
        .notifier
        .published()
        .iter()
        .filter(|p| p.topic_arn == topic)
        .count()
}

#[tokio::test]
async fn a_route_an_alert_adds_while_a_sweep_follows_up_still_hears_it() {
    let world = sweep_with_a_reuse(false).await;
    assert_eq!(sent_to(&world, PAGER_TOPIC), 1);
    assert_eq!(sent_to(&world, AUDIT_TOPIC), 1, "the route added meanwhile");
    assert!(world.store.open().is_empty());
}

#[tokio::test]
async fn a_route_an_alert_adds_while_a_follow_up_fails_still_hears_it() {
    let world = sweep_with_a_reuse(true).await;
    assert_eq!(
        sent_to(&world, PAGER_TOPIC),
        1,
        "the route missed, on the next sweep"
    );
    assert_eq!(sent_to(&world, AUDIT_TOPIC), 1, "the route added meanwhile");
    assert!(world.store.open().is_empty());
}

#[tokio::test]
async fn a_follow_up_is_given_up_an_hour_after_it_first_failed_however_often_it_was_tried() {
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
    // A sweep every five minutes, each retried by Lambda a minute and three minutes later:
    // tried once a minute here, for an hour.
    for minute in 1..=60 {
        world.clock.advance(60);
        let result = handler
            .handle(event(SCHEDULED_EVENT), &format!("sweep-{minute}"))
            .await;
        assert!(result.is_err(), "minute {minute}: {result:?}");
        assert_eq!(
            world.metrics.total(metric::FOLLOW_UPS_ABANDONED),
            0,
            "minute {minute}"
        );
    }
    // An hour and a second after the first failure.
    world.clock.advance(61);
    let answer = handler
        .handle(event(SCHEDULED_EVENT), "sweep-last")
        .await
        .unwrap();
    assert_eq!(answer["sweep"]["abandoned"], 1, "{answer}");
    assert!(world.store.open().is_empty());
    assert_eq!(world.metrics.total(metric::FOLLOW_UPS_ABANDONED), 1);
    // The other routes got it on the first sweep, and only then.
    assert_eq!(world.notifier.published().len(), 2);
}
