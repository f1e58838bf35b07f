//! Any bytes through the event parser and, when they make a finding, the whole pipeline with
//! every format rendered: nothing may panic, and every alert must keep its invariants.

#![no_main]

use libfuzzer_sys::fuzz_target;
use watchpost_core::Config;
use watchpost_core::replay::{Replay, split_events};

fuzz_target!(|data: &[u8]| {
    let config = Config::from_toml(
        "[[routes]]\nname = \"t\"\n[[routes]]\nname = \"j\"\nformat = \"json\"\n[[routes]]\nname = \"c\"\nformat = \"chat\"\n",
        "fuzz.toml",
    )
    .unwrap();
    let mut replay = Replay::new(&config, 0).with_rendered_alerts(true);
    for event in split_events("fuzz", data) {
        for record in replay.process(event) {
            for alert in record.alerts.into_iter().flatten() {
                assert!(alert.subject.len() < 100);
                assert!(alert.subject.bytes().all(|b| (0x20..0x7f).contains(&b)));
                assert!(alert.message.len() <= 256 * 1024);
                if alert.format != watchpost_core::config::Format::Text {
                    serde_json::from_str::<serde_json::Value>(&alert.message).unwrap();
                }
            }
        }
    }
});
