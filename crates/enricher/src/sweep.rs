//! The scheduled sweep: for each Detective investigation Watchpost started and remembered,
//! ask Detective whether it has finished; when it has, forget it (conditionally, so only one
//! sweep reports it) and send a follow-up with the verdict to the routes the original alert
//! reached, in each route's format. A follow-up that cannot be delivered is remembered again
//! for the routes it missed, and the sweep fails retryably.

use serde_json::{Value, json};
use watchpost_core::metrics::MetricCounts;

use crate::error::HandlerError;
use crate::followup::render_followup;
use crate::handler::{Handler, metric};
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier, OpenInvestigation};

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    pub(crate) async fn sweep(&self, counts: &mut MetricCounts) -> Result<Value, HandlerError> {
        let store = &self.ports.store;
        let now = self.ports.clock.now();
        let open = store
            .open_investigations()
            .await
            .map_err(|err| HandlerError::SweepFailed(err.to_string()))?;
        let give_up_after = self.settings.config.enricher.state_ttl.as_secs() as i64;
        let mut followed_up = Vec::new();
        let mut still_running = 0;
        let mut failures = Vec::new();
        for investigation in open {
            let id = investigation.investigation_id.clone();
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
                    continue;
                }
            };
            if !report.is_finished() {
                if now - investigation.started_at > give_up_after {
                    tracing::warn!(investigation_id = %id, "investigation still running after the state TTL: forgotten");
                    let _ = store.forget_investigation(&id).await;
                } else {
                    still_running += 1;
                }
                continue;
            }
            match store.forget_investigation(&id).await {
                Ok(true) => {}
                Ok(false) => continue, // another sweep reports it
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
            if !missed.is_empty() {
                let again = OpenInvestigation {
                    routes: missed,
                    ..investigation.clone()
                };
                if let Err(err) = store.remember_investigation(&again).await {
                    failures.push(format!("{id}: could not remember it again: {err}"));
                }
            }
            tracing::info!(
                investigation_id = %id,
                alert_key = %investigation.alert_key,
                status = %report.status,
                severity = report.severity.as_deref().unwrap_or(""),
                indicators = report.indicators.len(),
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
        Ok(json!({ "sweep": { "followed_up": followed_up, "still_running": still_running } }))
    }
}
