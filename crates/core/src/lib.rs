//! Watchpost's core: everything that decides what to tell whom about a GuardDuty finding, with
//! no clock, network or process in it. Events in ([`event`]), one finding model
//! ([`guardduty`], [`asff`]), classification into AI components ([`classify`]), decisions
//! ([`decide`]) over alert state ([`state`]), rendering ([`render`]), metric documents
//! ([`metrics`]); [`pipeline`] ties them together and [`replay`] runs it over saved events.
//! [`activity`] is what Watchpost sees itself: CloudTrail detections and usage alarms, made
//! into findings of the same model. [`aws_error`] tells both AWS-facing crates what an AWS
//! error code means for the caller.

pub mod activity;
pub mod asff;
pub mod aws_error;
pub mod classify;
pub mod component;
pub mod config;
pub mod decide;
pub mod event;
pub mod guardduty;
pub mod metrics;
pub mod pipeline;
pub mod render;
pub mod replay;
pub mod severity;
pub mod state;
pub mod text;

pub use component::Component;
pub use config::Config;
pub use decide::Outcome;
pub use severity::{Severity, SeverityLabel};
