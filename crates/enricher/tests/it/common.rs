//! Fixtures and a world of in-memory ports.

use serde_json::Value;
use watchpost_core::Config;
use watchpost_enricher::memory::{
    FixedClock, MemoryDetective, MemoryMetrics, MemoryNotifier, MemoryStore,
};
use watchpost_enricher::{Handler, Ports, Settings};

pub const CONFIG: &str = include_str!("../testdata/enricher.toml");
pub const BEDROCK_EVENT: &str =
    include_str!("../testdata/accesskey-bedrock-anomalous-invocation.json");
pub const SCHEDULED_EVENT: &str = include_str!("../testdata/scheduled-event.json");
/// 2026-03-02T09:00:00Z, shortly after the fixtures' findings.
pub const NOW: i64 = 1_772_442_000;

pub const PAGER_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:watchpost-pager";
pub const CHAT_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:watchpost-chat";
pub const MACHINES_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:watchpost-machines";

pub fn event(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The Bedrock finding at HIGH (8.0): it warrants a Detective investigation.
pub fn high_bedrock_event() -> Value {
    let mut event = event(BEDROCK_EVENT);
    event["detail"]["severity"] = serde_json::json!(8.0);
    event
}

pub fn settings(toml: &str) -> Settings {
    let config = Config::from_toml(toml, "enricher.toml").unwrap();
    Settings::resolve(config, "enricher.toml", &|_| None).unwrap()
}

/// The settings of a function running in `region`, as Lambda's environment says (with the
/// pager's and chat's topics, as provisioning sets them).
pub fn settings_in(toml: &str, region: &str) -> Settings {
    let config = Config::from_toml(toml, "enricher.toml").unwrap();
    let env = |name: &str| match name {
        "AWS_REGION" => Some(region.to_owned()),
        "WATCHPOST_TOPIC_PAGER" => Some(PAGER_TOPIC.to_owned()),
        "WATCHPOST_TOPIC_CHAT" => Some(CHAT_TOPIC.to_owned()),
        _ => None,
    };
    Settings::resolve(config, "enricher.toml", &env).unwrap()
}

pub type MemoryHandler<'a> = Handler<
    &'a MemoryNotifier,
    &'a MemoryMetrics,
    &'a MemoryDetective,
    &'a MemoryStore,
    &'a FixedClock,
>;

/// Every port in memory, shared by the handlers built over it.
pub struct World {
    pub notifier: MemoryNotifier,
    pub metrics: MemoryMetrics,
    pub detective: MemoryDetective,
    pub store: MemoryStore,
    pub clock: FixedClock,
}

impl World {
    pub fn new() -> Self {
        World {
            notifier: MemoryNotifier::default(),
            metrics: MemoryMetrics::default(),
            detective: MemoryDetective::default(),
            store: MemoryStore::default(),
            clock: FixedClock::at(NOW),
        }
    }

    pub fn handler(&self) -> MemoryHandler<'_> {
        self.handler_with(CONFIG)
    }

    pub fn handler_with(&self, toml: &str) -> MemoryHandler<'_> {
        self.handler_of(settings(toml))
    }

    pub fn handler_of(&self, settings: Settings) -> MemoryHandler<'_> {
        Handler::new(
            settings,
            Ports {
                notifier: &self.notifier,
                metrics: &self.metrics,
                detective: &self.detective,
                store: &self.store,
                clock: &self.clock,
            },
        )
    }
}
