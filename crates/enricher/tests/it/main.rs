//! The enricher's integration tests, one binary: the handler over in-memory ports (GuardDuty's
//! findings and Watchpost's own), the
//! adapters over `aws-smithy-mocks`, the IAM policy file, the local AWS (moto and the Detective
//! emulator), and the real binary through the Lambda Runtime API.

mod activity;
mod binary;
mod common;
mod digest;
mod fault_matrix;
mod handler;
mod local;
mod mocks;
mod sweep;
