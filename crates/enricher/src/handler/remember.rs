//! The last step of an alert: remember the Detective investigation it started or reused, for
//! the sweep to follow up on the routes of the alert once Detective has finished.

use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier, OpenInvestigation};

use super::Handler;
use super::claim::Delivery;
use super::deliver::Delivered;

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    /// Remembers the alert's investigation, if it has one and the state table answers.
    pub(super) async fn remember(&self, delivery: &Delivery, delivered: &Delivered, key: &str) {
        let Some(id) = &delivered.investigation_id else {
            return;
        };
        let evaluation = &delivery.evaluation;
        if !delivery.hold.state_readable() {
            return;
        }
        let Some(graph_arn) = &self.settings.graph_arn else {
            return;
        };
        let Some(entity_arn) = evaluation.finding.principal_arn() else {
            return;
        };
        let open = OpenInvestigation {
            investigation_id: id.clone(),
            graph_arn: graph_arn.clone(),
            entity_arn,
            alert_key: key.to_owned(),
            subject: delivered.subject.clone().unwrap_or_default(),
            routes: evaluation.decision.routes.clone(),
            started_at: delivery.now,
            attempts: 0,
        };
        if let Err(err) = self.ports.store.remember_investigation(&open).await {
            tracing::warn!(error = %err, "could not remember the investigation for the sweep");
        }
    }
}
