//! The alert's incident: joined after the claim (so that one invocation at a time tells a
//! finding update) and before anything is published. The routes that take only incidents'
//! news (`takes = "incidents"`) leave an alert that only adds to an incident they have heard
//! of. When the state table cannot say, the alert stands alone: it goes to every route, as an
//! incident of its own would, and carries a note.

use std::time::Duration;

use watchpost_contract::lease::DELIVERY_RESERVE_MS;
use watchpost_contract::metric;
use watchpost_core::incident::{IncidentAlert, JoinError, held_routes, join};
use watchpost_core::metrics::MetricCounts;

use super::Handler;
use super::claim::Delivery;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier};

/// The longest an alert waits on its incident: a join is a few requests of a few
/// milliseconds each.
const JOIN_BUDGET: Duration = Duration::from_secs(2);

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    /// Joins the alert's incident and leaves the routes that do not hear it.
    pub(super) async fn incident(&self, delivery: &mut Delivery, counts: &mut MetricCounts) {
        let config = &self.settings.config;
        let Some(alert) = IncidentAlert::of(&delivery.evaluation, &config.incidents) else {
            return;
        };
        if !delivery.hold.is_claimed() {
            // No claim, no incident: two invocations could tell the update, each its own way.
            counts.count(metric::INCIDENTS_UNAVAILABLE, "Reason", "unclaimed");
            return;
        }
        let now = delivery.now;
        let window = config.incidents.window.as_secs() as i64;
        // Kept as long as alert state, and never less than an open incident lasts.
        let expires_at = now + (config.enricher.state_ttl.as_secs() as i64).max(2 * window);
        // The join is bounded like Detective is: whatever the table's answers cost, the alert
        // keeps its time to publish within the claim's lease.
        let budget = self
            .time_left(delivery.deadline_ms - DELIVERY_RESERVE_MS)
            .map(|left| left.min(JOIN_BUDGET));
        let joined = match budget {
            Some(budget) => tokio::time::timeout(
                budget,
                join(&self.ports.store, &alert, now, window, expires_at),
            )
            .await
            .unwrap_or(Err(JoinError::Contended)),
            None => Err(JoinError::Contended),
        };
        match joined {
            Ok(incident) => {
                let held = held_routes(config, &delivery.evaluation.decision.routes, &incident);
                for route in &held {
                    counts.count(metric::ALERTS_HELD, "Route", route);
                }
                delivery
                    .evaluation
                    .decision
                    .routes
                    .retain(|route| !held.contains(route));
                delivery.incident = Some(incident);
            }
            Err(err) => {
                let why = match err {
                    JoinError::Store(err) => {
                        tracing::warn!(error = %err, "incident unavailable");
                        err.short()
                    }
                    JoinError::Contended => {
                        "no answer in time, or other alerts kept changing it".to_owned()
                    }
                };
                counts.count(metric::INCIDENTS_UNAVAILABLE, "Reason", "state");
                delivery
                    .notes
                    .push(format!("incident grouping unavailable: {why}"));
            }
        }
    }
}
