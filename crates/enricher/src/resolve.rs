//! `watchpost resolve KEY`: the CLI invokes the function with an event naming the incident;
//! the enricher tells every route that heard the incident it is resolved, then records it
//! resolved (told first, recorded after: a run that stops between tells it again rather than
//! never), so that the next related alert opens a new incident and a pager closes its page.

use serde_json::{Value, json};
use watchpost_contract::events::{RESOLVE_DETAIL_TYPE, RESOLVE_SOURCE};
use watchpost_contract::metric;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::resolution::render_resolution;
use watchpost_core::text::clip;

use crate::error::HandlerError;
use crate::handler::Handler;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier};

/// Attempts at recording the resolution when alerts keep joining the incident meanwhile.
const SAVE_ATTEMPTS: usize = 3;

/// The incident and who resolves it, when the event is `watchpost resolve`'s.
pub fn resolution_request(event: &Value) -> Option<(String, String)> {
    if event.get("source").and_then(Value::as_str) != Some(RESOLVE_SOURCE)
        || event.get("detail-type").and_then(Value::as_str) != Some(RESOLVE_DETAIL_TYPE)
    {
        return None;
    }
    let detail = event.get("detail")?;
    let incident = detail.get("incident")?.as_str()?;
    let by = detail
        .get("by")
        .and_then(Value::as_str)
        .unwrap_or("watchpost resolve");
    Some((clip(incident, 64), clip(by, 120)))
}

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    pub(crate) async fn resolve(
        &self,
        incident: &str,
        by: &str,
        counts: &mut MetricCounts,
    ) -> Result<Value, HandlerError> {
        let store = &self.ports.store;
        let state = |err: crate::PortError| HandlerError::StateUnavailable(err);
        let Some(record) = store.incident(incident).await.map_err(state)? else {
            return Ok(
                json!({ "outcome": "ignored", "reason": format!("no incident {incident} here") }),
            );
        };
        if record.resolved_at.is_some() {
            return Ok(
                json!({ "outcome": "ignored", "reason": format!("{incident} is resolved already") }),
            );
        }
        let now = self.ports.clock.now();
        let mut failures = Vec::new();
        let mut told = Vec::new();
        for name in &record.routes {
            let Some(route) = self.settings.config.route(name) else {
                continue;
            };
            let rendered = render_resolution(&record, route, by, now);
            let published = match self.publication(&rendered) {
                Ok(publication) => self.ports.notifier.publish(&publication).await,
                Err(err) => Err(err),
            };
            match published {
                Ok(_) => {
                    counts.count(metric::ALERTS_DELIVERED, "Route", name);
                    told.push(name.clone());
                }
                Err(err) => {
                    counts.count(metric::DELIVERY_FAILED, "Route", name);
                    failures.push((name.clone(), err));
                }
            }
        }
        if !failures.is_empty() {
            return Err(HandlerError::DeliveryFailed(failures));
        }
        let mut current = record;
        let mut recorded = false;
        for _ in 0..SAVE_ATTEMPTS {
            let Some(resolved) = current.resolved(by, now) else {
                recorded = true;
                break;
            };
            let expires_at = now + self.settings.config.enricher.state_ttl.as_secs() as i64;
            if store
                .save_incident(&resolved, Some(current.version), expires_at)
                .await
                .map_err(state)?
            {
                recorded = true;
                break;
            }
            match store.incident(incident).await.map_err(state)? {
                Some(again) => current = again,
                None => {
                    recorded = true;
                    break;
                }
            }
        }
        // Told but not recorded: Lambda's retry tells it again and records it, rather than
        // leave the pager closed on an incident that stays open.
        if !recorded {
            return Err(HandlerError::StateUnavailable(
                crate::PortError::Unavailable {
                    service: "dynamodb",
                    message: format!(
                        "alerts kept joining {incident}: its resolution was not recorded"
                    ),
                },
            ));
        }
        tracing::info!(incident, by, routes = ?told, "incident resolved");
        Ok(json!({ "outcome": "resolved", "incident": incident, "routes": told }))
    }
}
