//! The last step of an alert: render it for each route it has not reached yet, publish to those
//! routes in parallel before the claim's lease less its margin, record each route reached
//! under the claim, and end the claim: complete, or handed to a retry for the routes missed.

use std::time::Duration;

use futures_util::future::join_all;
use watchpost_contract::metric;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::{Enrichment, RenderedAlert};

use super::Handler;
use super::claim::Delivery;
use crate::error::PortError;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier};

/// What delivering an alert came to.
pub(super) struct Delivered {
    /// Every route the update has reached, before and now.
    pub routes: Vec<String>,
    /// The routes that could not be reached, and why.
    pub failures: Vec<(String, PortError)>,
    pub investigation_id: Option<String>,
}

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    /// Renders and publishes the alert to the routes it has not reached yet; `investigation_id`
    /// is the investigation whose follow-up the alert announces.
    pub(super) async fn deliver(
        &self,
        delivery: &Delivery,
        investigation_id: Option<String>,
        key: &str,
        token: &str,
        counts: &mut MetricCounts,
    ) -> Delivered {
        let store = &self.ports.store;
        let claimed = delivery.hold.is_claimed();
        let deadline_ms = delivery.deadline_ms;
        let evaluation = &delivery.evaluation;
        let enrichment = Enrichment {
            notes: delivery.notes.clone(),
            investigation_id: investigation_id.clone(),
            incident: delivery.incident.clone(),
        };
        let alerts = evaluation.render(&self.settings.config, &enrichment);
        let pending: Vec<&RenderedAlert> = alerts
            .iter()
            .filter(|a| !delivery.already.contains(&a.route))
            .collect();
        let results = join_all(pending.iter().map(|alert| async {
            let publish = async {
                let publication = self.publication(alert)?;
                self.ports.notifier.publish(&publication).await.map(|_| ())
            };
            let result = match self.time_left(deadline_ms) {
                None => Err(PortError::Unavailable {
                    service: "sns",
                    message: "not published: the claim's lease was ending".into(),
                }),
                Some(left) => match tokio::time::timeout(left, publish).await {
                    Ok(result) => result,
                    Err(_) => Err(PortError::Unavailable {
                        service: "sns",
                        message: "no answer before the claim's lease ended".into(),
                    }),
                },
            };
            if result.is_ok()
                && claimed
                && let Err(err) = store.delivered(key, token, &alert.route).await
            {
                // The alert went out; at worst a retry sends this route again.
                tracing::warn!(route = %alert.route, error = %err, "could not record a delivered route");
            }
            (alert.route.clone(), result)
        }))
        .await;
        let mut routes = delivery.already.clone();
        let mut failures = Vec::new();
        for (route, result) in results {
            match result {
                Ok(()) => {
                    counts.count(metric::ALERTS_DELIVERED, "Route", &route);
                    routes.push(route);
                }
                Err(err) => {
                    counts.count(metric::DELIVERY_FAILED, "Route", &route);
                    failures.push((route, err));
                }
            }
        }
        // The routes reached go with the end of the claim too: a route whose own record failed
        // is known all the same, so that neither a copy nor a retry sends it again, and
        // GuardDuty's original can complete what a copy reached.
        if claimed && let Err(err) = store.finish(key, token, &routes, failures.is_empty()).await {
            tracing::warn!(error = %err, "could not record the end of the delivery");
        }
        Delivered {
            routes,
            failures,
            investigation_id,
        }
    }

    /// How long until `deadline_ms` (Unix ms) by the clock; `None` once it has passed.
    pub(crate) fn time_left(&self, deadline_ms: i64) -> Option<Duration> {
        let left = deadline_ms - self.ports.clock.now_ms();
        (left > 0).then(|| Duration::from_millis(left as u64))
    }
}
