//! The events the enricher recognises besides findings: the deployer's schedule ("sweep the
//! Detective investigations and send the digests") and the CLI's `watchpost resolve`.

/// `detail-type` of EventBridge's scheduled events (rules with a schedule, and EventBridge
/// Scheduler's EventBridge-shaped payloads).
pub const SCHEDULED_DETAIL_TYPE: &str = "Scheduled Event";
/// Sources a scheduled event comes from.
pub const SCHEDULED_SOURCES: &[&str] = &["aws.events", "aws.scheduler"];

/// `source` of the event `watchpost resolve` invokes the enricher with.
pub const RESOLVE_SOURCE: &str = "watchpost.cli";
/// `detail-type` of that event; its `detail` names the `incident` and who resolves it (`by`).
pub const RESOLVE_DETAIL_TYPE: &str = "Watchpost Incident Resolution";
