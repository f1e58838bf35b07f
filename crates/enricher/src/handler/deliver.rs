//! The second step of an alert: enrich it (Detective, within its budget), render it for each
//! route it has not reached yet, publish to those routes in parallel, record each route reached
//! under the claim, and end the claim: complete, or handed to a retry for the routes missed.

use std::time::Duration;

use futures_util::future::join_all;
use watchpost_contract::metric;
use watchpost_core::guardduty::timestamp::parse_time;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::pipeline::Evaluation;
use watchpost_core::render::{Enrichment, RenderedAlert};

use super::Handler;
use super::claim::{Delivery, Hold};
use crate::error::PortError;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier};

/// Detective profiles and investigations look this far before the first activity.
const SCOPE_MARGIN_SECONDS: i64 = 3_600;
/// Without a first-seen time, investigations look back this far.
const DEFAULT_SCOPE_SECONDS: i64 = 86_400;
/// Publishing stops this long before the lease ends, for the last publish to land in it.
pub(super) const LEASE_MARGIN_SECONDS: i64 = 5;
/// What Detective leaves of the time to publish: enough to publish to every route and record
/// each, the same allowance `validate` makes beside the budget.
const DELIVERY_RESERVE_MS: i64 = 5_000;

/// What delivering an alert came to.
pub(super) struct Delivered {
    /// Every route the update has reached, before and now.
    pub routes: Vec<String>,
    /// The routes that could not be reached, and why.
    pub failures: Vec<(String, PortError)>,
    pub investigation_id: Option<String>,
    /// The alert's subject, the same for every route (`None` when no route is configured).
    pub subject: Option<String>,
}

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    /// Enriches, renders and publishes the alert to the routes it has not reached yet.
    pub(super) async fn deliver(
        &self,
        delivery: &mut Delivery,
        key: &str,
        token: &str,
        counts: &mut MetricCounts,
    ) -> Delivered {
        let store = &self.ports.store;
        let claimed = delivery.hold.is_claimed();
        // No publish starts after the lease less a margin: past it, another invocation may take
        // the alert over, and two publishers would double it. The lease is counted from before
        // the claim was written, and so is the deadline: a slow claim (the SDK backing off)
        // shortens the time to publish, it does not move it. Without a claim, the same window
        // from the decision keeps the invocation inside the function's timeout.
        let lease_until = match delivery.hold {
            Hold::Claimed { lease_until } => lease_until,
            Hold::Unclaimed { .. } => delivery.now + self.lease_seconds(),
        };
        let deadline_ms = (lease_until - LEASE_MARGIN_SECONDS) * 1000;

        let evaluation = &delivery.evaluation;
        let investigation_id = self
            .investigate(
                evaluation,
                delivery.now,
                deadline_ms,
                &mut delivery.notes,
                counts,
            )
            .await;
        let enrichment = Enrichment {
            notes: delivery.notes.clone(),
            investigation_id: investigation_id.clone(),
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
        if claimed && let Err(err) = store.finish(key, token, failures.is_empty()).await {
            tracing::warn!(error = %err, "could not record the end of the delivery");
        }
        Delivered {
            routes,
            failures,
            investigation_id,
            subject: alerts.first().map(|a| a.subject.clone()),
        }
    }

    /// How long until `deadline_ms` (Unix ms) by the clock; `None` once it has passed.
    fn time_left(&self, deadline_ms: i64) -> Option<Duration> {
        let left = deadline_ms - self.ports.clock.now_ms();
        (left > 0).then(|| Duration::from_millis(left as u64))
    }

    /// Starts (or reuses) a Detective investigation when the finding warrants one, within the
    /// time budget, and never so late that publishing would not fit before `deadline_ms`
    /// (Unix ms): Detective trouble must never cost the alert. Trouble becomes a note on the
    /// alert, never a delay beyond the budget.
    async fn investigate(
        &self,
        evaluation: &Evaluation,
        now: i64,
        deadline_ms: i64,
        notes: &mut Vec<String>,
        counts: &mut MetricCounts,
    ) -> Option<String> {
        let detective = &self.settings.config.detective;
        // Sample findings name placeholder resources: nothing for Detective to look into.
        if !detective.enabled
            || !detective.investigate
            || evaluation.classification.component.is_none()
            || evaluation.severity.label < detective.investigation_min_severity
            || evaluation.finding.is_sample()
        {
            return None;
        }
        let entity_arn = evaluation.finding.principal_arn()?;
        let Some(graph_arn) = self.settings.graph_arn.as_deref() else {
            tracing::info!("no Detective graph configured: alert carries links only");
            return None;
        };
        let (first_seen, _) = evaluation.finding.first_last_seen();
        let scope_start = first_seen
            .and_then(parse_time)
            .map(|t| t.unix_timestamp() - SCOPE_MARGIN_SECONDS)
            .filter(|start| *start < now)
            .unwrap_or(now - DEFAULT_SCOPE_SECONDS);
        let reuse_since = now - detective.reuse_investigation_within.as_secs() as i64;
        let port = &self.ports.detective;
        let work = async {
            if let Some(id) = port
                .recent_investigation(graph_arn, &entity_arn, reuse_since)
                .await?
            {
                return Ok::<_, PortError>((id, true));
            }
            let id = port
                .start_investigation(graph_arn, &entity_arn, scope_start, now)
                .await?;
            Ok((id, false))
        };
        let budget = Duration::from_millis(detective.budget_ms);
        let Some(budget) = self
            .time_left(deadline_ms - DELIVERY_RESERVE_MS)
            .map(|left| left.min(budget))
        else {
            notes.push(
                "Detective enrichment skipped: no time left before the claim's lease ends".into(),
            );
            counts.count(metric::ENRICHMENT_UNAVAILABLE, "Service", "detective");
            return None;
        };
        let why = match tokio::time::timeout(budget, work).await {
            Ok(Ok((id, reused))) => {
                let name = if reused {
                    metric::INVESTIGATIONS_REUSED
                } else {
                    metric::INVESTIGATIONS_STARTED
                };
                counts.count(name, "Service", "detective");
                return Some(id);
            }
            Ok(Err(err)) => err.short(),
            Err(_) => format!("no answer within {} ms", budget.as_millis()),
        };
        notes.push(format!("Detective enrichment unavailable: {why}"));
        counts.count(metric::ENRICHMENT_UNAVAILABLE, "Service", "detective");
        None
    }
}
