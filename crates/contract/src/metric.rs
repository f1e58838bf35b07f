//! Metric names the enricher counts besides findings (those are the core's
//! `watchpost_core::metrics`), in the config's namespace; the deployer's alarms and dashboard
//! read them.

pub const ALERTS_DELIVERED: &str = "AlertsDelivered";
pub const DELIVERY_FAILED: &str = "DeliveryFailed";
pub const ENRICHMENT_UNAVAILABLE: &str = "EnrichmentUnavailable";
pub const DEDUPLICATION_UNAVAILABLE: &str = "DeduplicationUnavailable";
pub const INVALID_EVENTS: &str = "InvalidEvents";
pub const INVESTIGATIONS_STARTED: &str = "InvestigationsStarted";
pub const INVESTIGATIONS_REUSED: &str = "InvestigationsReused";
pub const FOLLOW_UPS_DELIVERED: &str = "FollowUpsDelivered";
pub const ALERTS_IN_FLIGHT: &str = "AlertsInFlight";
/// Claims lost to another invocation (each is followed by a fresh decision).
pub const CLAIMS_LOST: &str = "ClaimsLost";
/// Findings of a Security Hub batch that could not be read (the others were processed).
pub const FINDINGS_REJECTED: &str = "FindingsRejected";
/// Follow-ups given up after failing too many sweeps.
pub const FOLLOW_UPS_ABANDONED: &str = "FollowUpsAbandoned";
