//! The event the deployer's schedule rule sends and the enricher recognises as "sweep the
//! Detective investigations" rather than a finding.

/// `detail-type` of EventBridge's scheduled events (rules with a schedule, and EventBridge
/// Scheduler's EventBridge-shaped payloads).
pub const SCHEDULED_DETAIL_TYPE: &str = "Scheduled Event";
/// Sources a scheduled event comes from.
pub const SCHEDULED_SOURCES: &[&str] = &["aws.events", "aws.scheduler"];
