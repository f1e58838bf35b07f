//! Digests: a route with `digest` set takes its LOW and MEDIUM alerts together, once per
//! period, instead of one message each. The handler keeps each such alert for the route
//! ([`Handler::keep_for_digests`]); the scheduled sweep sends each route's digest once its
//! period has ended ([`Handler::send_digests`]): periods are aligned to the Unix epoch (an
//! hourly digest covers each whole hour, a daily one each UTC day).
//!
//! A digest never drops an alert: one that could not be kept for the digest is sent at once;
//! a kept one is forgotten only once a digest carrying it was published, and a digest that
//! could not be published leaves its alerts for the next sweep. A digest whose publish was
//! answered by no one may be sent twice (at least once, like every SNS publish).

use serde_json::{Value, json};
use watchpost_contract::lease::LEASE_MARGIN_SECONDS;
use watchpost_contract::metric;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::digest::{DigestEntry, digest_routes, render_digest};
use watchpost_core::severity::SeverityLabel;
use watchpost_core::text::clip;

use crate::handler::Handler;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier};

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    /// Keeps the alert for each of `routes` that takes it in a digest; returns the routes it
    /// was kept for (the others, and any whose keeping failed, are to be sent now).
    pub(crate) async fn keep_for_digests(
        &self,
        entry_of: impl Fn(&str) -> DigestEntry,
        routes: &[String],
        band: SeverityLabel,
        now: i64,
        counts: &mut MetricCounts,
    ) -> Vec<String> {
        let config = &self.settings.config;
        let mut kept = Vec::new();
        for (name, period) in digest_routes(config, routes, band) {
            // Kept until two periods have passed, and never less than alert state.
            let expires_at =
                now + (config.enricher.state_ttl.as_secs() as i64).max(2 * period.as_secs() as i64);
            match self
                .ports
                .store
                .keep_for_digest(&entry_of(name), expires_at)
                .await
            {
                Ok(()) => {
                    counts.count(metric::ALERTS_DIGESTED, "Route", name);
                    kept.push(name.to_owned());
                }
                Err(err) => {
                    tracing::warn!(route = %name, error = %err, "could not keep the alert for the digest: sent now");
                }
            }
        }
        kept
    }

    /// Sends each digest route's digest of the period that ended last, unless it was sent.
    /// Returns what was sent, or why a digest could not be.
    pub(crate) async fn send_digests(
        &self,
        request_id: &str,
        counts: &mut MetricCounts,
    ) -> (Vec<Value>, Vec<String>) {
        let mut sent = Vec::new();
        let mut failures = Vec::new();
        let config = &self.settings.config;
        // Alerts kept for a route that no longer takes a digest (a deployment turned it off):
        // sent now, in one last digest, rather than left to expire.
        let leftover: Vec<String> = match self.ports.store.digest_routes().await {
            Ok(routes) => routes
                .into_iter()
                .filter(|name| match config.route(name) {
                    Some(route) => route.digest.is_none(),
                    None => {
                        tracing::warn!(route = %name, "alerts kept for a digest of a route no longer configured: they expire with their TTL");
                        false
                    }
                })
                .collect(),
            Err(err) => {
                failures.push(format!("could not list the routes with kept alerts: {err}"));
                Vec::new()
            }
        };
        let periods = config
            .routes
            .iter()
            .filter_map(|route| Some((route.name.clone(), route.digest?.as_secs() as i64)))
            // A period of one second ends now: everything kept goes.
            .chain(leftover.into_iter().map(|name| (name, 1)));
        for (route, period) in periods {
            match self.send_digest(&route, period, request_id, counts).await {
                Ok(Some(summary)) => sent.push(summary),
                Ok(None) => {}
                Err(why) => failures.push(format!("digest of route `{route}`: {why}")),
            }
        }
        (sent, failures)
    }

    async fn send_digest(
        &self,
        route: &str,
        period: i64,
        request_id: &str,
        counts: &mut MetricCounts,
    ) -> Result<Option<Value>, String> {
        let store = &self.ports.store;
        let now_ms = self.ports.clock.now_ms();
        let now = now_ms.div_euclid(1000);
        let period_end = now - now.rem_euclid(period.max(1));
        let lease_until = now + self.lease_seconds();
        let token = format!("{}/digest/{route}/{now_ms}", clip(request_id, 100));
        if !store
            .claim_digest(route, period_end, &token, now, lease_until)
            .await
            .map_err(|err| err.to_string())?
        {
            return Ok(None);
        }
        let result = self
            .publish_digest(route, period, period_end, lease_until, counts)
            .await;
        match result {
            Ok((carried, parts)) => {
                store
                    .digest_sent(route, period_end, &token, &carried)
                    .await
                    .map_err(|err| format!("sent, but could not record it: {err}"))?;
                Ok((!carried.is_empty())
                    .then(|| json!({ "route": route, "alerts": carried.len(), "messages": parts })))
            }
            Err(why) => {
                if let Err(err) = store.digest_failed(route, &token).await {
                    tracing::warn!(route, error = %err, "could not release the digest");
                }
                Err(why)
            }
        }
    }

    /// Publishes the digest of the alerts kept before `period_end`: the finding updates it
    /// carried and how many messages it took.
    async fn publish_digest(
        &self,
        route: &str,
        period: i64,
        period_end: i64,
        lease_until: i64,
        counts: &mut MetricCounts,
    ) -> Result<(Vec<String>, usize), String> {
        let Some(route_config) = self.settings.config.route(route) else {
            return Ok((Vec::new(), 0));
        };
        let entries: Vec<DigestEntry> = self
            .ports
            .store
            .digest_entries(route)
            .await
            .map_err(|err| err.to_string())?
            .into_iter()
            .filter(|e| e.at < period_end)
            .collect();
        if entries.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let messages = render_digest(route_config, &entries, period, period_end);
        let deadline_ms = (lease_until - LEASE_MARGIN_SECONDS) * 1000;
        for message in &messages {
            let publication = self.publication(message).map_err(|err| err.to_string())?;
            let Some(left) = self.time_left(deadline_ms) else {
                return Err("not published: the digest's lease was ending".into());
            };
            match tokio::time::timeout(left, self.ports.notifier.publish(&publication)).await {
                Ok(Ok(_)) => counts.count(metric::DIGESTS_DELIVERED, "Route", route),
                Ok(Err(err)) => {
                    counts.count(metric::DELIVERY_FAILED, "Route", route);
                    return Err(err.to_string());
                }
                Err(_) => return Err("no answer before the digest's lease ended".into()),
            }
        }
        Ok((
            entries.into_iter().map(|e| e.member).collect(),
            messages.len(),
        ))
    }
}
