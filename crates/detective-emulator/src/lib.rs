//! Watchpost's local Amazon Detective: the rest-json API of `detective-service-2.json` over
//! HTTP on loopback, with in-memory state per account and region, investigations that finish
//! with deterministic indicators, and fault injection. No public emulator has Detective; this
//! one lets tests, the demo and people without an AWS account run Watchpost end to end.
//!
//! Start it in-process with [`RunningEmulator::start`] or as the `watchpost-detective-emulator`
//! binary. Point an SDK at [`RunningEmulator::endpoint_url`]; the calling account is the
//! 12-digit access key id of the SigV4 credential (see [`identity`]).

pub mod api;
pub mod errors;
pub mod faults;
pub mod identity;
pub mod indicators;
pub mod routing;
pub mod server;
pub mod state;
pub mod validate;

pub use faults::Faults;
pub use server::{Config, DEFAULT_INVESTIGATION_DELAY, RunningEmulator, serve};
