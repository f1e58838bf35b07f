//! The scheduled sweep: for each Detective investigation Watchpost started and remembered,
//! ask Detective whether it has finished; when it has, take its follow-up for this sweep (a
//! conditional claim with a lease, so two sweeps do not both send it), send the verdict to the
//! routes the original alert reached, in each route's format, and only then forget it. A
//! follow-up that cannot be delivered keeps the routes it missed for the next sweep; an entry
//! that keeps failing is given up after [`MAX_FOLLOW_UP_ATTEMPTS`] sweeps, counted in
//! `FollowUpsAbandoned` and logged.

use serde_json::{Value, json};
use watchpost_contract::metric;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::followup::render_followup;

use crate::error::HandlerError;
use crate::handler::Handler;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier};

/// Failed sweeps after which a follow-up is given up: an hour at the default 5-minute schedule.
pub const MAX_FOLLOW_UP_ATTEMPTS: u32 = 12;
/// How long one sweep holds a follow-up it is sending (under a minute, like alert claims, so
/// Lambda's retry of a sweep that died can send it).
const FOLLOW_UP_LEASE_SECONDS: i64 = 45;

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    pub(crate) async fn sweep(
        &self,
        request_id: &str,
        counts: &mut MetricCounts,
    ) -> Result<Value, HandlerError> {
        let store = &self.ports.store;
        let now = self.ports.clock.now();
        let open = store
            .open_investigations()
            .await
            .map_err(|err| HandlerError::SweepFailed(err.to_string()))?;
        let give_up_after = self.settings.config.enricher.state_ttl.as_secs() as i64;
        let mut followed_up = Vec::new();
        let mut still_running = 0;
        let mut abandoned = 0;
        let mut failures = Vec::new();
        for investigation in open {
            let id = investigation.investigation_id.clone();
            if investigation.attempts >= MAX_FOLLOW_UP_ATTEMPTS {
                tracing::warn!(
                    investigation_id = %id,
                    alert_key = %investigation.alert_key,
                    attempts = investigation.attempts,
                    routes = ?investigation.routes,
                    "follow-up given up after failing too many sweeps"
                );
                counts.count(metric::FOLLOW_UPS_ABANDONED, "Reason", "attempts");
                abandoned += 1;
                if let Err(err) = store.forget_investigation(&id).await {
                    failures.push(format!("{id}: could not forget it: {err}"));
                }
                continue;
            }
            let report = match self
                .ports
                .detective
                .investigation(&investigation.graph_arn, &id)
                .await
            {
                Ok(report) => report,
                Err(err) => {
                    tracing::warn!(investigation_id = %id, error = %err, "investigation unavailable");
                    counts.count(metric::ENRICHMENT_UNAVAILABLE, "Service", "detective");
                    if let Err(err) = store.investigation_failed(&id, None, None).await {
                        failures.push(format!("{id}: could not count the attempt: {err}"));
                    }
                    continue;
                }
            };
            if !report.is_finished() {
                if now - investigation.started_at > give_up_after {
                    tracing::warn!(investigation_id = %id, "investigation still running after the state TTL: forgotten");
                    counts.count(metric::FOLLOW_UPS_ABANDONED, "Reason", "still-running");
                    abandoned += 1;
                    let _ = store.forget_investigation(&id).await;
                } else {
                    still_running += 1;
                }
                continue;
            }
            let token = format!("{}/sweep/{id}", watchpost_core::text::clip(request_id, 100));
            match store
                .claim_investigation(&id, &token, now, now + FOLLOW_UP_LEASE_SECONDS)
                .await
            {
                Ok(true) => {}
                Ok(false) => continue, // another sweep is sending it
                Err(err) => {
                    failures.push(format!("{id}: {err}"));
                    continue;
                }
            }
            let mut missed = Vec::new();
            for route in &investigation.routes {
                let Some(route_config) = self.settings.config.route(route) else {
                    continue; // the route is gone from the config
                };
                let rendered = render_followup(&investigation, &report, route_config);
                let result = match self.publication(&rendered) {
                    Ok(publication) => self.ports.notifier.publish(&publication).await.map(|_| ()),
                    Err(err) => Err(err),
                };
                match result {
                    Ok(()) => counts.count(metric::FOLLOW_UPS_DELIVERED, "Route", route),
                    Err(err) => {
                        counts.count(metric::DELIVERY_FAILED, "Route", route);
                        failures.push(format!("{id} to route `{route}`: {err}"));
                        missed.push(route.clone());
                    }
                }
            }
            // Published first, forgotten after: a sweep that dies in between sends the
            // follow-up again rather than never.
            let settled = if missed.is_empty() {
                store.forget_investigation(&id).await.map(|_| ())
            } else {
                store
                    .investigation_failed(&id, Some(&token), Some(&missed))
                    .await
            };
            if let Err(err) = settled {
                failures.push(format!("{id}: could not record the follow-up: {err}"));
            }
            tracing::info!(
                investigation_id = %id,
                alert_key = %investigation.alert_key,
                status = %report.status,
                severity = report.severity.as_deref().unwrap_or(""),
                indicators = report.indicators.len(),
                missed = ?missed,
                "investigation follow-up"
            );
            followed_up.push(json!({
                "investigation_id": id,
                "alert_key": investigation.alert_key,
                "status": report.status,
                "severity": report.severity,
            }));
        }
        if !failures.is_empty() {
            return Err(HandlerError::SweepFailed(failures.join("; ")));
        }
        Ok(json!({ "sweep": {
            "followed_up": followed_up,
            "still_running": still_running,
            "abandoned": abandoned,
        } }))
    }
}
