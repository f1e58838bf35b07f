//! The engine: observe a region through the ports ([`observe`]), plan against the desired
//! state ([`plan`]), apply a plan ([`apply`]). Generic over [`crate::ports::Ports`] (static
//! dispatch); the SDK adapters and the fake account are both just implementations.
//!
//! Each AWS service has one module that observes its kinds (into the shared [`observer`]) and
//! applies their changes (with what [`applier`] gives them): [`detective`], [`kms`], [`sns`],
//! [`dynamodb`], [`sqs`], [`iam`], [`lambda`], [`events`], [`cloudwatch`], [`guardduty`],
//! [`ssm`] (the stack's records).

pub mod applier;
pub mod apply;
mod cloudwatch;
mod detective;
mod dynamodb;
mod events;
mod guardduty;
mod iam;
mod kms;
mod lambda;
pub mod observe;
pub mod observer;
pub mod plan;
mod sns;
mod sqs;
mod ssm;

pub use applier::{ApplyError, ApplyReport, Cause, chain};
pub use apply::{apply_all, apply_region};
pub use observe::observe;
pub use observer::{Observation, ObserveError, RegionOutputs};
pub use plan::{PlanError, Planned, outputs, plan_all, plan_region};
