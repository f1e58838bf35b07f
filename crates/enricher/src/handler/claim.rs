//! The first step of a finding: read its alert state, decide, and claim the alert before
//! anything is delivered, so that two invocations cannot both deliver it. A lost claim means
//! another invocation changed the state in between (a retry of an earlier count, a concurrent
//! copy): the state is read again and the finding decided again on what it wrote, a bounded
//! number of times.

use watchpost_contract::lease::LEASE_MARGIN_SECONDS;
use watchpost_contract::metric::{self, DETECTIONS};
use watchpost_core::finding::SourcedFinding;
use watchpost_core::incident::IncidentView;
use watchpost_core::metrics::MetricCounts;
use watchpost_core::pipeline::{Evaluation, evaluate};
use watchpost_core::text::clip;

use super::copy;
use super::report::{FindingReport, ID_MAX_CHARS};
use super::{Handler, dedup_unavailable};
use crate::error::HandlerError;
use crate::ports::{
    AlertStore, Claim, ClaimOutcome, Clock, Investigations, MetricsSink, Notifier, StoredAlert,
};

/// Decisions a finding gets when claims keep being lost to other invocations.
const CLAIM_ATTEMPTS: usize = 3;

/// Where the claim step leaves a finding.
pub(super) enum Claimed {
    /// Decided without anything to deliver (suppressed, a duplicate): its report.
    Settled(FindingReport),
    /// An alert to deliver.
    Deliver(Delivery),
}

/// An alert to deliver, and on what terms.
pub(super) struct Delivery {
    pub evaluation: Box<Evaluation>,
    /// Routes this finding update reached before: those of the unfinished claim being
    /// resumed, or those of an earlier copy of the same update.
    pub already: Vec<String>,
    pub hold: Hold,
    /// When the finding was decided (Unix seconds).
    pub now: i64,
    /// No publish starts after this (Unix ms): the claim's lease less a margin. Past it,
    /// another invocation may take the alert over, and two publishers would double it. The
    /// lease is counted from before the claim was written, and so is this: a slow claim (the
    /// SDK backing off) shortens the time to publish, it does not move it. Without a claim, the
    /// same window from the decision keeps the invocation inside the function's timeout.
    pub deadline_ms: i64,
    /// What the alert says about trouble on the way (state, Detective).
    pub notes: Vec<String>,
    /// The incident the alert belongs to, once joined.
    pub incident: Option<IncidentView>,
}

/// Whether the delivery is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hold {
    /// This invocation's claim token is the stored one: each route reached is recorded. The
    /// claim is this invocation's until `lease_until` (Unix seconds).
    Claimed { lease_until: i64 },
    /// Delivered without a claim: the state could not be read (`state_readable: false`), or
    /// refused the claim for a reason a retry cannot fix.
    Unclaimed { state_readable: bool },
}

impl Hold {
    pub fn is_claimed(self) -> bool {
        matches!(self, Hold::Claimed { .. })
    }

    /// Whether the state table answered: the sweep can be told about investigations.
    pub fn state_readable(self) -> bool {
        !matches!(
            self,
            Hold::Unclaimed {
                state_readable: false
            }
        )
    }
}

impl<N, M, D, S, C> Handler<N, M, D, S, C>
where
    N: Notifier,
    M: MetricsSink,
    D: Investigations,
    S: AlertStore,
    C: Clock,
{
    /// Reads the state, decides, claims; `token` is this invocation's claim token.
    pub(super) async fn claim(
        &self,
        mut sourced: Box<SourcedFinding>,
        key: &str,
        token: &str,
        counts: &mut MetricCounts,
    ) -> Result<Claimed, HandlerError> {
        let config = &self.settings.config;
        let store = &self.ports.store;
        let mut notes = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let now = self.ports.clock.now();
            let (stored, state_readable) = match store.load(key).await {
                Ok(stored) => (stored, true),
                // A claim was just lost: another invocation holds the alert and is delivering
                // it. Delivering unclaimed beside it would double it: let Lambda's retry read
                // the state again.
                Err(err) if attempt > 1 => {
                    tracing::warn!(error = %err, "could not read the alert state again after a lost claim: retry");
                    counts.count(metric::ALERTS_IN_FLIGHT, "Stage", "claim");
                    return Err(HandlerError::AlertInFlight(clip(key, ID_MAX_CHARS)));
                }
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
            // Our own claim, written although we heard otherwise: the SDK retried a claim whose
            // answer was lost, and the retry met the condition it had itself just changed.
            let ours = unfinished
                .filter(|s| s.token == token)
                .map(|s| s.lease_until);
            if let Some(unfinished) = unfinished
                && unfinished.lease_until > now
                && ours.is_none()
            {
                counts.count(metric::ALERTS_IN_FLIGHT, "Stage", "claim");
                return Err(HandlerError::AlertInFlight(clip(key, ID_MAX_CHARS)));
            }
            let prior = match unfinished {
                Some(s) => s.previous.as_ref(),
                None => stored.as_ref().map(|s| &s.record),
            };
            let mut evaluation = Box::new(evaluate(*sourced, config, prior, now));
            // A copy that resumes a claim completes it as it was decided: it may have lost what
            // sent the finding to some routes (or would send it to routes the original does
            // not go to).
            if let Some(unfinished) = unfinished
                && evaluation.origin.is_security_hub()
                && evaluation.is_alert()
            {
                evaluation.decision.routes = unfinished.routes.clone();
            } else if unfinished.is_none() {
                copy::leave_to_the_original(
                    &mut evaluation,
                    config,
                    self.settings.region.as_deref(),
                );
            }
            // Counted once per finding, not once per re-read after a lost claim.
            if attempt == 1
                && let Some(detection) = evaluation.detection()
            {
                counts.count(DETECTIONS, "Detection", &detection);
            }
            if !evaluation.is_alert() {
                let report = FindingReport::of(&evaluation, Vec::new(), notes, None);
                report.count(counts);
                report.log();
                return Ok(Claimed::Settled(report));
            }
            let already: Vec<String> = match unfinished {
                Some(s) => s.record.routes_delivered.clone(),
                None => evaluation.reached_before(prior),
            };
            let deliver = |evaluation, hold: Hold, notes| {
                let lease_until = match hold {
                    Hold::Claimed { lease_until } => lease_until,
                    Hold::Unclaimed { .. } => now + self.lease_seconds(),
                };
                Ok(Claimed::Deliver(Delivery {
                    evaluation,
                    already: already.clone(),
                    hold,
                    now,
                    deadline_ms: (lease_until - LEASE_MARGIN_SECONDS) * 1000,
                    notes,
                    incident: None,
                }))
            };
            if let Some(lease_until) = ours {
                return deliver(evaluation, Hold::Claimed { lease_until }, notes);
            }
            if !state_readable {
                let hold = Hold::Unclaimed {
                    state_readable: false,
                };
                return deliver(evaluation, hold, notes);
            }
            // Claim before delivering, so that two invocations cannot both alert.
            let claim = Claim {
                stored: StoredAlert {
                    record: evaluation.record(now, already.clone()),
                    previous: prior.cloned(),
                    routes: evaluation.decision.routes.clone(),
                    complete: false,
                    lease_until: now + self.lease_seconds(),
                    token: token.to_owned(),
                },
                expected_token: stored.as_ref().map(|s| s.token.clone()),
                expires_at: now + config.enricher.state_ttl.as_secs() as i64,
            };
            match store.claim(&claim).await {
                Ok(ClaimOutcome::Claimed) => {
                    let hold = Hold::Claimed {
                        lease_until: claim.stored.lease_until,
                    };
                    return deliver(evaluation, hold, notes);
                }
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
                    return Err(HandlerError::AlertInFlight(clip(key, ID_MAX_CHARS)));
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
                    let hold = Hold::Unclaimed {
                        state_readable: true,
                    };
                    return deliver(evaluation, hold, notes);
                }
            }
        }
    }
}
