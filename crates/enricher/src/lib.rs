//! Watchpost's enricher, the Lambda function between GuardDuty and the people on call: it runs
//! the core pipeline over finding events ([`handler`]), sweeps Detective investigations on a
//! schedule ([`sweep`], [`followup`]), and talks to AWS only through [`ports`], implemented over
//! the SDK in [`adapters`] and in memory in [`memory`]. [`iam`] states the permissions it needs.

pub mod adapters;
pub mod error;
pub mod followup;
pub mod handler;
pub mod iam;
pub mod init;
pub mod memory;
pub mod ports;
pub mod settings;
pub mod sweep;

pub use error::{HandlerError, PortError};
pub use handler::{Handler, Ports};
pub use settings::Settings;
