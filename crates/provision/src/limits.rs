//! AWS service limits the engine respects.

/// Accounts per CreateMembers call (Detective API reference, CreateMembers: "Accounts … maximum 50").
pub const CREATE_MEMBERS_MAX: usize = 50;
/// Accounts per DeleteMembers call (Detective API reference, DeleteMembers: "AccountIds … maximum 50").
pub const DELETE_MEMBERS_MAX: usize = 50;
/// Targets per PutTargets call (EventBridge API reference, PutTargets: "Targets … maximum 10").
pub const PUT_TARGETS_MAX: usize = 10;
/// Alarms per DeleteAlarms call (CloudWatch API reference, DeleteAlarms: "maximum 100 alarms").
pub const DELETE_ALARMS_MAX: usize = 100;
/// The shortest waiting period before KMS deletes a key (KMS API reference, ScheduleKeyDeletion).
pub const KEY_DELETION_WINDOW_DAYS: i32 = 7;
/// SQS's longest message retention, 14 days (SQS API reference, SetQueueAttributes:
/// "MessageRetentionPeriod … from 60 seconds to 1,209,600 seconds (14 days)").
pub const SQS_MAX_RETENTION_SECONDS: u32 = 1_209_600;
/// How often EventBridge retries invoking the enricher before the event goes to the dead-letter
/// queue (EventBridge's default is 185 over 24 hours; an alert hours late is worth less than
/// an event in the queue, where an alarm points at it).
pub const EVENTS_TARGET_RETRY_ATTEMPTS: u32 = 8;
/// IAM is eventually consistent: a role just created may not be assumable by Lambda for some
/// seconds. CreateFunction is retried on that error with these pauses (about a minute in all).
pub const IAM_PROPAGATION_BACKOFF_S: &[u64] = &[1, 2, 4, 8, 15, 30];
