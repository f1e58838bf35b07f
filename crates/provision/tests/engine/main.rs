//! The engine's tests over the in-memory account (`watchpost_provision::fake`, through the
//! crate's `fake` feature), one module per AWS service, plus plans across services and the
//! lock.

mod cloudwatch;
mod common;
mod detective;
mod dynamodb;
mod events;
mod guardduty;
mod kms;
mod lambda;
mod lock;
mod plan;
mod sns;
