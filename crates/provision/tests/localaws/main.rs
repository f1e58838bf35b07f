//! The engine against the local AWS (moto and the Detective emulator) through the SDK
//! adapters, one module per scenario.

mod adopt;
mod common;
mod converge;
mod lock;
mod operations;
mod ownership;
mod redrive;
mod subscriptions;
mod usage;
