//! The invocation: a finding event (GuardDuty, Security Hub, or one Watchpost watches itself:
//! a CloudTrail management event, a usage alarm's state change) runs the core pipeline (parse → evaluate against stored
//! state → claim → enrich → render → publish per route → remember), a scheduled event runs the
//! investigation sweep ([`crate::sweep`]). Generic over the ports; no SDK type in sight.
//!
//! Never lose an alert: state or Detective trouble only adds a note to the alert; a route that
//! could not be reached fails the invocation with a retryable error, and the retry sends only
//! the routes still missing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use watchpost_contract::events::{SCHEDULED_DETAIL_TYPE, SCHEDULED_SOURCES};
use watchpost_contract::metric::{self, DETECTIONS};
use watchpost_core::config::Format;
use watchpost_core::event::parse_event_with;
use watchpost_core::finding::{ParsedEvent, SourcedFinding};
use watchpost_core::guardduty::timestamp::parse_time;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::pipeline::{Evaluation, evaluate};
use watchpost_core::render::{Enrichment, RenderedAlert};
use watchpost_core::state::alert_key;
use watchpost_core::text::clip;

use crate::error::{HandlerError, PortError};
use crate::ports::{
    AlertStore, Claim, ClaimOutcome, Clock, Investigations, MetricsSink, Notifier,
    OpenInvestigation, Publication, StoredAlert,
};
use crate::settings::Settings;

/// Detective profiles and investigations look this far before the first activity.
const SCOPE_MARGIN_SECONDS: i64 = 3_600;
/// Without a first-seen time, investigations look back this far.
const DEFAULT_SCOPE_SECONDS: i64 = 86_400;
/// Longest claim lease: under the minute Lambda waits before retrying a failed asynchronous
/// invocation (Lambda developer guide, "Error handling and automatic retries").
const MAX_CLAIM_LEASE_SECONDS: i64 = 45;
/// Publishing stops this long before the lease ends, for the last publish to land in it.
const LEASE_MARGIN_SECONDS: i64 = 5;
/// Decisions a finding gets when claims keep being lost to other invocations.
const CLAIM_ATTEMPTS: usize = 3;
/// Longest a finding id is logged or returned.
const ID_MAX_CHARS: usize = 300;

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

/// What happened to one finding, as the invocation returns and logs it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FindingReport {
    pub finding_id: String,
    pub finding_type: String,
    pub outcome: &'static str,
    pub reason: String,
    pub severity: &'static str,
    pub component: &'static str,
    pub routes_delivered: Vec<String>,
    pub notes: Vec<String>,
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
                counts.finding("rejected", "none", "none");
                counts.count(metric::INVALID_EVENTS, "Reason", "rejected");
                tracing::warn!(outcome = "rejected", reason = %reason, "event rejected");
                Err(HandlerError::InvalidEvent(reason))
            }
            ParsedEvent::Ignored(reason) => {
                counts.finding("ignored", "none", "none");
                tracing::info!(outcome = "ignored", reason = %reason, "event ignored");
                Ok(json!({ "outcome": "ignored", "reason": reason }))
            }
            ParsedEvent::Findings { findings, rejected } => {
                // The batch's readable findings go on; each unreadable one is counted and
                // logged (the event as a whole was rejected if none was readable).
                for reason in &rejected {
                    counts.finding("rejected", "none", "none");
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

    /// One finding through the pipeline.
    async fn finding(
        &self,
        sourced: Box<SourcedFinding>,
        request_id: &str,
        counts: &mut MetricCounts,
    ) -> Result<FindingReport, HandlerError> {
        let config = &self.settings.config;
        let store = &self.ports.store;
        let key = alert_key(&sourced.finding);
        let mut notes = Vec::new();
        let token = self.token(request_id);

        // Read the state, decide, claim; a lost claim means another invocation changed the
        // state in between (a retry of an earlier count, a concurrent copy): read again and
        // decide again on what it wrote, a bounded number of times.
        let mut attempt = 0;
        let mut sourced = sourced;
        let (evaluation, already, claimed, state_available, now) = loop {
            attempt += 1;
            let now = self.ports.clock.now();
            let (stored, state_available) = match store.load(&key).await {
                Ok(stored) => (stored, true),
                Err(err) => {
                    // Availability over deduplication: an outage of the state must not hold
                    // every alert back, so the alert goes out marked (and counted).
                    dedup_unavailable(&err, &mut notes, counts);
                    (None, false)
                }
            };
            // A claimed alert of this very count that has not reached all its routes: a retry
            // resumes it (once the claiming invocation's lease is over), deciding as it did.
            let unfinished = stored
                .as_ref()
                .filter(|s| !s.complete && s.record.count == sourced.finding.count());
            if let Some(unfinished) = unfinished
                && unfinished.lease_until > now
            {
                counts.count(metric::ALERTS_IN_FLIGHT, "Stage", "claim");
                return Err(HandlerError::AlertInFlight(clip(&key, ID_MAX_CHARS)));
            }
            let prior = match unfinished {
                Some(s) => s.previous.as_ref(),
                None => stored.as_ref().map(|s| &s.record),
            };
            let evaluation = Box::new(evaluate(*sourced, config, prior, now));
            // Counted once per finding, not once per re-read after a lost claim.
            if attempt == 1
                && let Some(detection) = evaluation.detection()
            {
                counts.count(DETECTIONS, "Detection", &detection);
            }
            if !evaluation.is_alert() {
                let report = self.report(
                    &evaluation,
                    evaluation.decision.reason.clone(),
                    Vec::new(),
                    notes,
                    None,
                );
                counts.finding(report.outcome, report.severity, report.component);
                log(&report);
                return Ok(report);
            }
            // Routes this finding update already reached: those of the unfinished claim being
            // resumed, or those of an earlier copy of the same update.
            let already: Vec<String> = match unfinished {
                Some(s) => s.record.routes_delivered.clone(),
                None => evaluation.reached_before(prior),
            };
            if !state_available {
                break (evaluation, already, false, false, now);
            }
            // Claim before delivering, so that two invocations cannot both alert.
            let claim = Claim {
                stored: StoredAlert {
                    record: evaluation.record(now, already.clone()),
                    previous: prior.cloned(),
                    routes: evaluation.decision.routes.clone(),
                    complete: false,
                    lease_until: now + self.lease_seconds(),
                    token: token.clone(),
                },
                expected_token: stored.as_ref().map(|s| s.token.clone()),
                expires_at: now + config.enricher.state_ttl.as_secs() as i64,
            };
            match store.claim(&claim).await {
                Ok(ClaimOutcome::Claimed) => break (evaluation, already, true, true, now),
                Ok(ClaimOutcome::AlreadyClaimed) if attempt < CLAIM_ATTEMPTS => {
                    counts.count(metric::CLAIMS_LOST, "Stage", "claim");
                    // Decide again on the same finding (taken back rather than copied
                    // beforehand: a lost claim is rare, a copy per finding is not).
                    *sourced = SourcedFinding {
                        finding: evaluation.finding,
                        origin: evaluation.origin,
                        observation: evaluation.observation,
                    };
                }
                Ok(ClaimOutcome::AlreadyClaimed) => {
                    // Still contended: let Lambda's retry decide on what has settled by then.
                    counts.count(metric::CLAIMS_LOST, "Stage", "claim");
                    counts.count(metric::ALERTS_IN_FLIGHT, "Stage", "claim");
                    return Err(HandlerError::AlertInFlight(clip(&key, ID_MAX_CHARS)));
                }
                // The state answered a moment ago, so a claim that failed for a passing reason
                // will very likely succeed on Lambda's retry a minute later. Publishing now,
                // unclaimed, would let that retry and any concurrent copy deliver again and
                // leave no record of the routes reached: fail before publishing anything.
                Err(err) if err.is_retryable() => {
                    tracing::warn!(error = %err, "could not claim the alert: retry");
                    counts.count(metric::DEDUPLICATION_UNAVAILABLE, "Service", "dynamodb");
                    return Err(HandlerError::StateUnavailable(err));
                }
                // A retry cannot fix this one (permissions, a missing table): deliver marked.
                Err(err) => {
                    dedup_unavailable(&err, &mut notes, counts);
                    break (evaluation, already, false, true, now);
                }
            }
        };
        counts.finding(
            "alert",
            evaluation.severity.label.as_str(),
            evaluation.component_name(),
        );
        // No publish starts after the lease: past it, another invocation may take the alert
        // over, and two publishers would double it.
        let publishing = (self.lease_seconds() - LEASE_MARGIN_SECONDS).max(1);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(publishing as u64);

        let investigation_id = self.investigate(&evaluation, now, &mut notes, counts).await;
        let enrichment = Enrichment {
            notes: notes.clone(),
            investigation_id: investigation_id.clone(),
        };
        let alerts = evaluation.render(config, &enrichment);
        let pending: Vec<&RenderedAlert> = alerts
            .iter()
            .filter(|a| !already.contains(&a.route))
            .collect();
        let results = join_all(pending.iter().map(|alert| async {
            let publish = async {
                let publication = self.publication(alert)?;
                self.ports.notifier.publish(&publication).await.map(|_| ())
            };
            let result = match tokio::time::timeout_at(deadline, publish).await {
                Ok(result) => result,
                Err(_) => Err(PortError::Unavailable {
                    service: "sns",
                    message: "no answer before the claim's lease ended".into(),
                }),
            };
            if result.is_ok()
                && claimed
                && let Err(err) = store.delivered(&key, &token, &alert.route).await
            {
                // The alert went out; at worst a retry sends this route again.
                tracing::warn!(route = %alert.route, error = %err, "could not record a delivered route");
            }
            (alert.route.clone(), result)
        }))
        .await;
        let mut delivered = already.clone();
        let mut failures = Vec::new();
        for (route, result) in results {
            match result {
                Ok(()) => {
                    counts.count(metric::ALERTS_DELIVERED, "Route", &route);
                    delivered.push(route);
                }
                Err(err) => {
                    counts.count(metric::DELIVERY_FAILED, "Route", &route);
                    failures.push((route, err));
                }
            }
        }
        if claimed && let Err(err) = store.finish(&key, &token, failures.is_empty()).await {
            tracing::warn!(error = %err, "could not record the end of the delivery");
        }
        if let Some(id) = &investigation_id
            && state_available
            && let Some(graph_arn) = &self.settings.graph_arn
            && let Some(entity_arn) = evaluation.finding.principal_arn()
        {
            let open = OpenInvestigation {
                investigation_id: id.clone(),
                graph_arn: graph_arn.clone(),
                entity_arn,
                alert_key: key.clone(),
                subject: alerts
                    .first()
                    .map(|a| a.subject.clone())
                    .unwrap_or_default(),
                routes: evaluation.decision.routes.clone(),
                started_at: now,
                attempts: 0,
            };
            if let Err(err) = store.remember_investigation(&open).await {
                tracing::warn!(error = %err, "could not remember the investigation for the sweep");
            }
        }
        let mut report = self.report(
            &evaluation,
            evaluation.decision.reason.clone(),
            delivered,
            notes,
            investigation_id,
        );
        if !failures.is_empty() {
            report.outcome = "delivery-failed";
            report.reason = HandlerError::DeliveryFailed(failures.clone()).to_string();
        }
        log(&report);
        if failures.is_empty() {
            Ok(report)
        } else {
            Err(HandlerError::DeliveryFailed(failures))
        }
    }

    /// How long a claim keeps other invocations off an alert: the function's timeout (it
    /// cannot run longer), but never so long that Lambda's retries, about one and two minutes
    /// after a failed attempt, find the alert still held by an invocation that died.
    fn lease_seconds(&self) -> i64 {
        i64::from(self.settings.config.enricher.timeout_s).min(MAX_CLAIM_LEASE_SECONDS)
    }

    /// Starts (or reuses) a Detective investigation when the finding warrants one, within the
    /// time budget. Trouble becomes a note on the alert, never a delay beyond the budget.
    async fn investigate(
        &self,
        evaluation: &Evaluation,
        now: i64,
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
            Err(_) => format!("no answer within {} ms", detective.budget_ms),
        };
        notes.push(format!("Detective enrichment unavailable: {why}"));
        counts.count(metric::ENRICHMENT_UNAVAILABLE, "Service", "detective");
        None
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

    fn report(
        &self,
        evaluation: &Evaluation,
        reason: String,
        routes_delivered: Vec<String>,
        notes: Vec<String>,
        investigation_id: Option<String>,
    ) -> FindingReport {
        FindingReport {
            finding_id: clip(&evaluation.finding.id, ID_MAX_CHARS),
            finding_type: clip(evaluation.finding.finding_type(), ID_MAX_CHARS),
            outcome: evaluation.decision.outcome.as_str(),
            reason: clip(&reason, 500),
            severity: evaluation.severity.label.as_str(),
            component: evaluation.component_name(),
            routes_delivered,
            notes,
            investigation_id,
        }
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

fn log(report: &FindingReport) {
    tracing::info!(
        finding_id = %report.finding_id,
        finding_type = %report.finding_type,
        outcome = report.outcome,
        reason = %report.reason,
        severity = report.severity,
        component = report.component,
        routes_delivered = ?report.routes_delivered,
        notes = ?report.notes,
        investigation_id = report.investigation_id.as_deref().unwrap_or(""),
        "finding"
    );
}

/// Whether an event is the sweep's schedule rather than a finding.
pub fn is_scheduled(event: &Value) -> bool {
    event.get("detail-type").and_then(Value::as_str) == Some(SCHEDULED_DETAIL_TYPE)
        && event
            .get("source")
            .and_then(Value::as_str)
            .is_some_and(|s| SCHEDULED_SOURCES.contains(&s))
}
