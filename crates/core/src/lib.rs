//! Watchpost's core: everything that decides what to tell whom about a GuardDuty finding, with
//! no clock, network or process in it. Events come in ([`event`]) and become findings of one
//! model ([`guardduty`], carried as [`finding`]s), which are classified into AI components
//! ([`classify`]) and decided on ([`decide`]) over alert state ([`state`]); [`pipeline`] ties
//! these together, [`render`] writes the alerts and [`replay`] runs it all over saved events.
//! CloudTrail detections and usage alarms are what Watchpost sees itself: their readers make
//! findings of the same model, with an observation riding along.
//!
//! # Layers
//!
//! Each module imports only from the layers below it (no module imports one above it, and
//! there is no cycle), lowest first:
//!
//! 0. Below the crate: `watchpost_contract`, the names shared with the deployer and the
//!    enricher (environment variables, the stack's tag, metric names); it imports nothing of
//!    the core.
//! 1. Vocabulary, importing nothing of the crate: [`text`] (clipping and defanging hostile
//!    strings), [`component`], [`severity`], [`guardduty`] (the finding model, generated from
//!    GuardDuty's API model), [`metrics`] (EMF documents), [`usage_metrics`] (the AI services'
//!    metrics the usage baselines alarm on).
//! 2. The ground floor: [`links`] (console and Detective links of a finding), [`state`] (the
//!    alert record and its key), and [`finding`]: what parsing an event gives (`ParsedEvent`,
//!    `SourcedFinding`, `Origin`, the observations of Watchpost's own findings) and the
//!    finding deserialiser.
//! 3. [`config`], the schema, its defaults and its checks: only the vocabulary below it.
//! 4. [`event`]: one reader per kind of event (GuardDuty, Security Hub's ASFF, CloudTrail,
//!    usage alarms), from the finding model and the config.
//! 5. [`classify`], then [`decide`], then [`pipeline`] (classify → decide: an `Evaluation`).
//! 6. [`incident`]: which incident an alert belongs to (its keys, the record, the join over a
//!    store), from an evaluation.
//! 7. [`render`], on top: an evaluation's alerts (`Evaluation::render` is defined there).
//! 8. [`replay`]: the pipeline over saved events, as the enricher runs it.
//!
//! A new kind of event touches [`event`] (its reader) and [`finding`] (what it observed); a new
//! detection is a row of `config::detections`.

pub mod classify;
pub mod component;
pub mod config;
pub mod decide;
pub mod event;
pub mod finding;
pub mod guardduty;
pub mod incident;
pub mod links;
pub mod metrics;
pub mod pipeline;
pub mod render;
pub mod replay;
pub mod severity;
pub mod state;
pub mod text;
pub mod usage_metrics;

pub use component::Component;
pub use config::Config;
pub use decide::Outcome;
pub use severity::{Severity, SeverityLabel};
