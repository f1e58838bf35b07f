//! The alert's digest routes: a LOW or MEDIUM alert is kept for the digest of each route that
//! takes one, and leaves that route's delivery now (see [`crate::digest`]).

use watchpost_core::metrics::MetricCounts;
use watchpost_core::render::digest::DigestEntry;

use super::Handler;
use super::claim::Delivery;
use crate::ports::{AlertStore, Clock, Investigations, MetricsSink, Notifier};

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    pub(super) async fn hold_for_digests(
        &self,
        delivery: &mut Delivery,
        counts: &mut MetricCounts,
    ) {
        // Unclaimed, a copy could keep it while another delivers it: sent now instead.
        if !delivery.hold.is_claimed() {
            return;
        }
        let evaluation = &delivery.evaluation;
        let config = &self.settings.config;
        let entry_of = |route: &str| {
            DigestEntry::of(
                evaluation,
                config,
                route,
                delivery.now,
                delivery.incident.as_ref(),
            )
        };
        let kept = self
            .keep_for_digests(
                entry_of,
                &evaluation.decision.routes,
                evaluation.severity.label,
                delivery.now,
                counts,
            )
            .await;
        delivery
            .evaluation
            .decision
            .routes
            .retain(|route| !kept.contains(route));
    }
}
