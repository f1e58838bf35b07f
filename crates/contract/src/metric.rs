//! Metric names, in the config's namespace: what the enricher emits (the core writes the
//! findings counts' documents), and what the deployer's alarms and dashboard read.

/// Findings by outcome, severity and component.
pub const FINDINGS: &str = "Findings";
/// Findings Watchpost made itself, by `Detection` (a CloudTrail detection's id, or
/// `usage-<service>-<metric>`), whatever was decided about them.
pub const DETECTIONS: &str = "Detections";
pub const ALERTS_DELIVERED: &str = "AlertsDelivered";
pub const DELIVERY_FAILED: &str = "DeliveryFailed";
pub const ENRICHMENT_UNAVAILABLE: &str = "EnrichmentUnavailable";
pub const DEDUPLICATION_UNAVAILABLE: &str = "DeduplicationUnavailable";
pub const INVALID_EVENTS: &str = "InvalidEvents";
pub const INVESTIGATIONS_STARTED: &str = "InvestigationsStarted";
pub const INVESTIGATIONS_REUSED: &str = "InvestigationsReused";
pub const FOLLOW_UPS_DELIVERED: &str = "FollowUpsDelivered";
pub const ALERTS_IN_FLIGHT: &str = "AlertsInFlight";
/// Alerts a route did not receive because it takes incidents and the alert only added to one
/// it had heard of, by `Route`.
pub const ALERTS_HELD: &str = "AlertsHeld";
/// Alerts kept for a route's digest instead of sent at once, by `Route`.
pub const ALERTS_DIGESTED: &str = "AlertsDigested";
/// Digest messages published, by `Route`.
pub const DIGESTS_DELIVERED: &str = "DigestsDelivered";
/// Alerts sent without their incident (the state table could not say which), by `Reason`.
pub const INCIDENTS_UNAVAILABLE: &str = "IncidentsUnavailable";
/// Claims lost to another invocation (each is followed by a fresh decision).
pub const CLAIMS_LOST: &str = "ClaimsLost";
/// Findings of a Security Hub batch that could not be read (the others were processed).
pub const FINDINGS_REJECTED: &str = "FindingsRejected";
/// Follow-ups given up after failing too many sweeps.
pub const FOLLOW_UPS_ABANDONED: &str = "FollowUpsAbandoned";
/// Alerts `watchpost replay` rendered, by route: what the enricher would have delivered.
pub const ALERTS_RENDERED: &str = "AlertsRendered";
