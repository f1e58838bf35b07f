//! Watchpost's enricher, the Lambda function between GuardDuty and the people on call: it runs
//! the core pipeline over finding events ([`handler`]), sweeps Detective investigations on a
//! schedule ([`sweep`]; the follow-up is rendered by the core), keeps and sends routes' digests
//! ([`digest`]), resolves incidents when `watchpost resolve` asks ([`resolve`]), and talks to AWS only through
//! [`ports`], implemented over the SDK in [`adapters`] and, with the `memory` feature that only
//! the crate's tests and benchmarks turn on, in memory (`memory`). The names and the IAM policy
//! it shares with the deployer live in `watchpost_contract`.

pub mod adapters;
pub mod digest;
pub mod error;
pub mod handler;
pub mod init;
#[cfg(feature = "memory")]
pub mod memory;
pub mod ports;
pub mod resolve;
pub mod settings;
pub mod sweep;

pub use error::{HandlerError, PortError};
pub use handler::{Handler, Ports};
pub use settings::Settings;
