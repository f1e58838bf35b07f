//! The contract between Watchpost's deployer (`watchpost-provision`, the CLI, the demo) and the
//! function it deploys (`watchpost-enricher`): both depend on this crate, neither on the other.
//! Changing a name here changes both sides at once. The ground floor: it depends on no other
//! Watchpost crate (the core depends on it, for the names its config checks and its metrics).
//!
//! - [`env`]: the environment variables the function reads and the config file in its package.
//! - [`events`]: the scheduled event that makes the function sweep investigations.
//! - [`lease`]: how long the function holds an alert it delivers, and what that leaves
//!   Detective.
//! - [`metric`]: the metric names the function emits and the deployer's alarms read.
//! - [`stack`]: the tag that marks a stack's resources, and the kinds it may adopt.
//! - [`names`]: the names of the default stack.
//! - [`table`]: the alert-state table's key schema and TTL attribute.
//! - [`iam`]: the least-privilege policy of the function's execution role.
//!
//! Pure: no tokio, no SDK, no I/O.

pub mod env;
pub mod events;
pub mod iam;
pub mod lease;
pub mod metric;
pub mod names;
pub mod stack;
pub mod table;
