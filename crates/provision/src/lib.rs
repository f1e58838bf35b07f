//! Watchpost's provisioning: the desired state from the config ([`desired`]), the actual state
//! read through one port per AWS service ([`ports`], [`adapters`]), a plan between them
//! ([`diff`], a value of typed [`spec`]s; [`render`] shows it), and an apply that executes
//! exactly the plan ([`engine`], one module per AWS service). Destroy is a planning mode. A
//! [`session`] is one locked run of them. [`redrive`] sends what the enricher could not
//! process back to it. No local state: what
//! Watchpost owns is tagged `watchpost:stack=<stack>` or found by its deterministic name.

pub mod adapters;
pub mod artifact;
pub mod desired;
pub mod diff;
pub mod engine;
/// The in-memory account the engine's tests run against (`tests/engine`, which turn the
/// `fake` feature on through this crate's dev-dependency on itself), compiled only with that
/// feature.
#[cfg(feature = "fake")]
pub mod fake;
pub mod limits;
pub mod lock;
pub mod model;
pub mod ports;
pub mod records;
pub mod redrive;
pub mod render;
pub mod session;
pub mod spec;

pub use engine::{ApplyError, ApplyReport, Cause, Observation, Planned, RegionOutputs, chain};
pub use model::{Action, Change, Mode, Plan, Resource, ResourceId};
pub use ports::Ports;
pub use spec::Kind;
