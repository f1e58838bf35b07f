//! The scheduled sweep: for each Detective investigation Watchpost started and remembered,
//! ask Detective whether it has finished; when it has, take its follow-up for this sweep (a
//! conditional claim with a lease of its own, taken when the sweep gets to it, so that two
//! sweeps do not both send it), send the verdict to the routes still waiting for it, in each
//! route's format and before the lease less its margin, and take those routes out of the
//! entry; the entry is forgotten once no route is left (an alert that reused the investigation
//! meanwhile adds its routes, for the next sweep). A follow-up that has been failing for
//! [`GIVE_UP_AFTER_SECONDS`], or whose investigation is still running after the state TTL, is
//! given up: counted in `FollowUpsAbandoned` at once, logged, then forgotten. Then each digest
//! route's digest whose period has ended ([`crate::digest`]).

use serde_json::{Value, json};
use watchpost_contract::lease::LEASE_MARGIN_SECONDS;
use watchpost_contract::metric;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::followup::render_followup;
use watchpost_core::text::clip;

use crate::error::HandlerError;
use crate::handler::Handler;
use crate::ports::{
    AlertStore, Clock, InvestigationReport, Investigations, MetricsSink, Notifier,
    OpenInvestigation, PendingFollowUp,
};

/// How long a follow-up may keep failing before it is given up: an hour, whatever the sweep's
/// schedule and however often Lambda retries a failed sweep.
pub const GIVE_UP_AFTER_SECONDS: i64 = 3_600;

/// What became of one follow-up in this sweep.
enum Swept {
    Sent(Value),
    StillRunning,
    Abandoned,
    /// Another sweep holds it, or it is gone.
    Skipped,
    Failed(String),
}

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
        let open = self
            .ports
            .store
            .open_investigations()
            .await
            .map_err(|err| HandlerError::SweepFailed(err.to_string()))?;
        let mut followed_up = Vec::new();
        let mut still_running = 0;
        let mut abandoned = 0;
        let mut failures = Vec::new();
        for pending in open {
            match self.follow_up(pending, request_id, counts).await {
                Swept::Sent(summary) => followed_up.push(summary),
                Swept::StillRunning => still_running += 1,
                Swept::Abandoned => abandoned += 1,
                Swept::Skipped => {}
                Swept::Failed(why) => failures.push(why),
            }
        }
        let (digests, mut digest_failures) = self.send_digests(request_id, counts).await;
        failures.append(&mut digest_failures);
        if !failures.is_empty() {
            return Err(HandlerError::SweepFailed(failures.join("; ")));
        }
        Ok(json!({ "sweep": {
            "followed_up": followed_up,
            "still_running": still_running,
            "abandoned": abandoned,
            "digests": digests,
        } }))
    }

    /// One open investigation: given up, still running, or followed up.
    async fn follow_up(
        &self,
        pending: PendingFollowUp,
        request_id: &str,
        counts: &mut MetricCounts,
    ) -> Swept {
        let store = &self.ports.store;
        let investigation = &pending.investigation;
        let id = &investigation.investigation_id;
        let now = self.ports.clock.now();
        if let Some(since) = pending.failing_since
            && now - since > GIVE_UP_AFTER_SECONDS
        {
            return self.abandon(investigation, "failing").await;
        }
        let report = match self
            .ports
            .detective
            .investigation(&investigation.graph_arn, id)
            .await
        {
            Ok(report) => report,
            Err(err) => {
                tracing::warn!(investigation_id = %id, error = %err, "investigation unavailable");
                counts.count(metric::ENRICHMENT_UNAVAILABLE, "Service", "detective");
                let now = self.ports.clock.now();
                if let Err(err) = store.follow_up_failed(id, now).await {
                    return Swept::Failed(format!("{id}: could not record the attempt: {err}"));
                }
                return Swept::Failed(format!("{id}: {err}"));
            }
        };
        if !report.is_finished() {
            let give_up_after = self.settings.config.enricher.state_ttl.as_secs() as i64;
            if now - investigation.started_at > give_up_after {
                return self.abandon(investigation, "still-running").await;
            }
            return Swept::StillRunning;
        }
        // The lease is taken now, when this sweep gets to the follow-up, not when it started:
        // a sweep that took long must not send a follow-up another sweep may take as well.
        let now_ms = self.ports.clock.now_ms();
        let lease_until = now_ms.div_euclid(1000) + self.lease_seconds();
        let token = format!("{}/sweep/{id}/{now_ms}", clip(request_id, 100));
        let routes = match store
            .claim_investigation(id, &token, now_ms.div_euclid(1000), lease_until)
            .await
        {
            Ok(Some(routes)) => routes,
            Ok(None) => return Swept::Skipped, // another sweep is sending it
            Err(err) => return Swept::Failed(format!("{id}: {err}")),
        };
        let deadline_ms = (lease_until - LEASE_MARGIN_SECONDS) * 1000;
        let (reached, missed) = self
            .send_follow_up(investigation, &report, &routes, deadline_ms, counts)
            .await;
        // Published first, recorded after: a sweep that dies in between sends the follow-up
        // again rather than never.
        let failed_at = (!missed.is_empty()).then(|| self.ports.clock.now());
        if let Err(err) = store.followed_up(id, &token, &reached, failed_at).await {
            return Swept::Failed(format!("{id}: could not record the follow-up: {err}"));
        }
        tracing::info!(
            investigation_id = %id,
            alert_key = %investigation.alert_key,
            status = %report.status,
            severity = report.severity.as_deref().unwrap_or(""),
            indicators = report.indicators.len(),
            missed = ?missed.iter().map(|(route, _)| route).collect::<Vec<_>>(),
            "investigation follow-up"
        );
        if !missed.is_empty() {
            let why = missed
                .iter()
                .map(|(route, err)| format!("{id} to route `{route}`: {err}"))
                .collect::<Vec<_>>()
                .join("; ");
            return Swept::Failed(why);
        }
        Swept::Sent(json!({
            "investigation_id": id,
            "alert_key": investigation.alert_key,
            "status": report.status,
            "severity": report.severity,
        }))
    }

    /// Sends the follow-up to each route before `deadline_ms` (Unix ms): the routes reached
    /// (a route gone from the config counts as reached: there is nothing left to send it to)
    /// and those missed, with why.
    async fn send_follow_up(
        &self,
        investigation: &OpenInvestigation,
        report: &InvestigationReport,
        routes: &[String],
        deadline_ms: i64,
        counts: &mut MetricCounts,
    ) -> (Vec<String>, Vec<(String, String)>) {
        let mut reached = Vec::new();
        let mut missed = Vec::new();
        for route in routes {
            let Some(route_config) = self.settings.config.route(route) else {
                reached.push(route.clone());
                continue;
            };
            let rendered = render_followup(investigation, report, route_config);
            let result = match (self.publication(&rendered), self.time_left(deadline_ms)) {
                (Err(err), _) => Err(err.to_string()),
                (Ok(_), None) => Err("not published: the follow-up's lease was ending".into()),
                (Ok(publication), Some(left)) => {
                    match tokio::time::timeout(left, self.ports.notifier.publish(&publication))
                        .await
                    {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err(err)) => Err(err.to_string()),
                        Err(_) => Err("no answer before the follow-up's lease ended".into()),
                    }
                }
            };
            match result {
                Ok(()) => {
                    counts.count(metric::FOLLOW_UPS_DELIVERED, "Route", route);
                    reached.push(route.clone());
                }
                Err(why) => {
                    counts.count(metric::DELIVERY_FAILED, "Route", route);
                    missed.push((route.clone(), why));
                }
            }
        }
        (reached, missed)
    }

    /// Gives a follow-up up: counted and logged first (a sweep stopped before its end would
    /// otherwise forget without counting), then forgotten.
    async fn abandon(&self, investigation: &OpenInvestigation, reason: &str) -> Swept {
        let id = &investigation.investigation_id;
        tracing::warn!(
            investigation_id = %id,
            alert_key = %investigation.alert_key,
            routes = ?investigation.routes,
            reason,
            "follow-up given up"
        );
        let mut counted = MetricCounts::default();
        counted.count(metric::FOLLOW_UPS_ABANDONED, "Reason", reason);
        self.emit(&counted).await;
        match self.ports.store.forget_investigation(id).await {
            Ok(_) => Swept::Abandoned,
            Err(err) => Swept::Failed(format!("{id}: could not forget it: {err}")),
        }
    }
}
