//! The second step of an alert: Detective. For a HIGH or CRITICAL AI finding on an IAM
//! principal, start (or reuse) an investigation within the time budget, and remember it for the
//! sweep before the alert announces its follow-up: an alert promises a follow-up only once the
//! sweep will send it.

use std::time::Duration;

use watchpost_contract::lease::DELIVERY_RESERVE_MS;
use watchpost_contract::metric;
use watchpost_core::guardduty::timestamp::parse_time;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::pipeline::Evaluation;
use watchpost_core::render::Enrichment;

use super::Handler;
use super::claim::Delivery;
use crate::error::PortError;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier, OpenInvestigation};

/// Detective profiles and investigations look this far before the first activity.
const SCOPE_MARGIN_SECONDS: i64 = 3_600;
/// Without a first-seen time, investigations look back this far.
const DEFAULT_SCOPE_SECONDS: i64 = 86_400;

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    /// The investigation whose follow-up the alert may announce: started or reused, and
    /// remembered for the sweep. One that cannot be remembered is named in a note instead.
    pub(super) async fn enrich(
        &self,
        delivery: &mut Delivery,
        key: &str,
        counts: &mut MetricCounts,
    ) -> Option<String> {
        let id = self
            .investigate(
                &delivery.evaluation,
                delivery.now,
                delivery.deadline_ms,
                &mut delivery.notes,
                counts,
            )
            .await?;
        match self.remember(delivery, key, &id).await {
            Ok(()) => Some(id),
            Err(why) => {
                tracing::warn!(investigation_id = %id, why = %why, "no follow-up for the investigation");
                delivery.notes.push(format!(
                    "Detective investigation {id} started; no follow-up will come: {why}"
                ));
                counts.count(metric::FOLLOW_UPS_ABANDONED, "Reason", "not-remembered");
                None
            }
        }
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

    /// Remembers the investigation for the sweep, with every route of the alert.
    async fn remember(&self, delivery: &Delivery, key: &str, id: &str) -> Result<(), String> {
        if !delivery.hold.state_readable() {
            return Err("the alert state is unavailable".into());
        }
        let evaluation = &delivery.evaluation;
        let (Some(graph_arn), Some(entity_arn)) = (
            self.settings.graph_arn.clone(),
            evaluation.finding.principal_arn(),
        ) else {
            return Err("no graph or principal to follow".into());
        };
        let open = OpenInvestigation {
            investigation_id: id.to_owned(),
            graph_arn,
            entity_arn,
            alert_key: key.to_owned(),
            subject: evaluation
                .subject(&self.settings.config)
                .unwrap_or_default(),
            routes: evaluation.decision.routes.clone(),
            started_at: delivery.now,
            alert_attributes: evaluation.finding_attributes(&Enrichment {
                incident: delivery.incident.clone(),
                ..Enrichment::default()
            }),
        };
        self.ports
            .store
            .remember_investigation(&open)
            .await
            .map_err(|err| err.short())
    }
}
