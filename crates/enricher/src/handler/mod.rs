//! The invocation: a finding event (GuardDuty, Security Hub, or one Watchpost watches itself:
//! a CloudTrail management event, a usage alarm's state change) runs the core pipeline (parse → evaluate against stored
//! state → claim → incident → enrich → render → publish per route → remember), a scheduled event runs the
//! investigation sweep ([`crate::sweep`]). Generic over the ports; no SDK type in sight.
//!
//! Never lose an alert: state or Detective trouble only adds a note to the alert; a route that
//! could not be reached fails the invocation with a retryable error, and the retry sends only
//! the routes still missing.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use watchpost_contract::events::{SCHEDULED_DETAIL_TYPE, SCHEDULED_SOURCES};
use watchpost_contract::lease;
use watchpost_contract::metric;
use watchpost_core::config::Format;
use watchpost_core::event::parse_event_with;
use watchpost_core::finding::{ParsedEvent, SourcedFinding};
use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::RenderedAlert;
use watchpost_core::state::alert_key;
use watchpost_core::text::clip;

use crate::error::{HandlerError, PortError};
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier, Publication};
use crate::settings::Settings;

mod claim;
mod copy;
mod deliver;
mod digest;
mod enrich;
mod incident;
mod region;
mod report;

pub use report::{FindingOutcome, FindingReport};

use claim::Claimed;
use report::FindingOutcome as Outcome;

/// The ports a handler talks through.
pub struct Ports<N, M, D, S, C> {
    pub notifier: N,
    pub metrics: M,
    pub detective: D,
    pub store: S,
    pub clock: C,
}

/// The enricher's handler: settings and ports, built once at init.
pub struct Handler<N, M, D, S, C> {
    pub(crate) settings: Settings,
    pub(crate) ports: Ports<N, M, D, S, C>,
    claims: AtomicU64,
}

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    pub fn new(settings: Settings, ports: Ports<N, M, D, S, C>) -> Self {
        Handler {
            settings,
            ports,
            claims: AtomicU64::new(0),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn ports(&self) -> &Ports<N, M, D, S, C> {
        &self.ports
    }

    /// Handles one invocation; `request_id` is Lambda's, for claim tokens and logs.
    pub async fn handle(&self, event: Value, request_id: &str) -> Result<Value, HandlerError> {
        let mut counts = MetricCounts::default();
        let result = if is_scheduled(&event) {
            self.sweep(request_id, &mut counts).await
        } else if let Some((incident, by)) = crate::resolve::resolution_request(&event) {
            self.resolve(&incident, &by, &mut counts).await
        } else {
            self.findings(event, request_id, &mut counts).await
        };
        self.emit(&counts).await;
        result
    }

    async fn findings(
        &self,
        event: Value,
        request_id: &str,
        counts: &mut MetricCounts,
    ) -> Result<Value, HandlerError> {
        // CloudTrail events and usage alarm state changes go through the config's detections
        // and become findings like GuardDuty's.
        match parse_event_with(event, &self.settings.config) {
            ParsedEvent::Rejected(reason) => {
                counts.finding(Outcome::Rejected.as_str(), "none", "none");
                counts.count(metric::INVALID_EVENTS, "Reason", "rejected");
                tracing::warn!(outcome = "rejected", reason = %reason, "event rejected");
                Err(HandlerError::InvalidEvent(reason))
            }
            ParsedEvent::Ignored(reason) => {
                counts.finding(Outcome::Ignored.as_str(), "none", "none");
                tracing::info!(outcome = "ignored", reason = %reason, "event ignored");
                Ok(json!({ "outcome": "ignored", "reason": reason }))
            }
            ParsedEvent::Findings { findings, rejected } => {
                // The batch's readable findings go on; each unreadable one is counted and
                // logged (the event as a whole was rejected if none was readable).
                for reason in &rejected {
                    counts.finding(Outcome::Rejected.as_str(), "none", "none");
                    counts.count(metric::FINDINGS_REJECTED, "Reason", "unreadable");
                    tracing::warn!(outcome = "rejected", reason = %reason, "finding in a batch rejected");
                }
                let mut reports = Vec::new();
                let mut failures = Vec::new();
                let mut in_flight = None;
                for sourced in findings {
                    // A finding is several kilobytes: boxed, it is not carried (and copied) in
                    // every future that awaits it.
                    match self.finding(Box::new(sourced), request_id, counts).await {
                        Ok(report) => reports.push(report),
                        Err(HandlerError::DeliveryFailed(mut f)) => failures.append(&mut f),
                        Err(other) => in_flight = Some(other),
                    }
                }
                if !failures.is_empty() {
                    return Err(HandlerError::DeliveryFailed(failures));
                }
                if let Some(err) = in_flight {
                    return Err(err);
                }
                let mut answer = json!({ "findings": reports });
                if !rejected.is_empty() {
                    answer["rejected"] = json!(rejected);
                }
                Ok(answer)
            }
        }
    }

    /// One finding through the pipeline: claim, enrich, deliver.
    async fn finding(
        &self,
        sourced: Box<SourcedFinding>,
        request_id: &str,
        counts: &mut MetricCounts,
    ) -> Result<FindingReport, HandlerError> {
        // A copy aggregated from another region of the stack: that region alerts it.
        if let Some(region) = region::alerted_elsewhere(
            &sourced,
            self.settings.region.as_deref(),
            &self.settings.config.watchpost.regions,
        ) {
            let report = FindingReport::alerted_in(&sourced.finding, region);
            report.count(counts);
            report.log();
            return Ok(report);
        }
        let key = alert_key(&sourced.finding);
        let token = self.token(request_id);
        let mut delivery = match self.claim(sourced, &key, &token, counts).await? {
            Claimed::Settled(report) => return Ok(report),
            Claimed::Deliver(delivery) => delivery,
        };
        let evaluation = &delivery.evaluation;
        counts.finding(
            Outcome::Alert.as_str(),
            evaluation.severity.label.as_str(),
            evaluation.component_name(),
        );
        self.incident(&mut delivery, counts).await;
        self.hold_for_digests(&mut delivery, counts).await;
        let investigation_id = self.enrich(&mut delivery, &key, counts).await;
        let delivered = self
            .deliver(&delivery, investigation_id, &key, &token, counts)
            .await;
        let report = FindingReport::of(
            &delivery.evaluation,
            delivered.routes,
            delivery.notes,
            delivered.investigation_id,
        );
        if delivered.failures.is_empty() {
            report.log();
            return Ok(report);
        }
        let failure = HandlerError::DeliveryFailed(delivered.failures);
        report.failed(failure.to_string()).log();
        Err(failure)
    }

    /// How long a claim keeps other invocations off an alert: the function's timeout (it
    /// cannot run longer), but never so long that Lambda's retries, about one and two minutes
    /// after a failed attempt, find the alert still held by an invocation that died.
    pub(crate) fn lease_seconds(&self) -> i64 {
        lease::claim_lease_seconds(self.settings.config.enricher.timeout_s)
    }

    /// The SNS message of a rendered alert: a subject only where people read it as email.
    pub(crate) fn publication(&self, alert: &RenderedAlert) -> Result<Publication, PortError> {
        let topic_arn = self
            .settings
            .topics
            .get(&alert.route)
            .cloned()
            .ok_or_else(|| PortError::NotFound {
                service: "sns",
                code: "NoTopicForRoute".into(),
                message: format!("route `{}` has no topic", alert.route),
            })?;
        Ok(Publication {
            topic_arn,
            subject: (alert.format == Format::Text).then(|| alert.subject.clone()),
            message: alert.message.clone(),
            attributes: alert.attributes.clone(),
        })
    }

    /// A claim token unique to this invocation and claim.
    fn token(&self, request_id: &str) -> String {
        let n = self.claims.fetch_add(1, Ordering::Relaxed);
        format!(
            "{}/{}/{n}",
            clip(request_id, 100),
            self.ports.clock.now_ms()
        )
    }

    pub(crate) async fn emit(&self, counts: &MetricCounts) {
        if counts.is_empty() {
            return;
        }
        if let Err(err) = self
            .ports
            .metrics
            .emit(counts, self.ports.clock.now_ms())
            .await
        {
            // Metrics never fail an invocation.
            tracing::warn!(error = %err, "could not emit metrics");
        }
    }
}

fn dedup_unavailable(err: &PortError, notes: &mut Vec<String>, counts: &mut MetricCounts) {
    tracing::warn!(error = %err, "alert state unavailable");
    let note = format!("deduplication unavailable: {}", err.short());
    if !notes.contains(&note) {
        notes.push(note);
        counts.count(metric::DEDUPLICATION_UNAVAILABLE, "Service", "dynamodb");
    }
}

/// Whether an event is the sweep's schedule rather than a finding.
pub fn is_scheduled(event: &Value) -> bool {
    event.get("detail-type").and_then(Value::as_str) == Some(SCHEDULED_DETAIL_TYPE)
        && event
            .get("source")
            .and_then(Value::as_str)
            .is_some_and(|s| SCHEDULED_SOURCES.contains(&s))
}
