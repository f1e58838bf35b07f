//! `[incidents]` and what each route takes of them: Watchpost's own rules. An incident's window
//! is long enough to hold one intrusion's findings (GuardDuty publishes a finding's updates
//! every 15 minutes at its most frequent, attack sequences come after their signals) and no
//! longer than a week; what relates alerts is listed once each. A digest comes often enough to
//! be read and seldom enough to be one; the route for machines (`json`) keeps the record whole,
//! and a pager pages now or not at all.

use std::collections::BTreeSet;

use super::{Checked, Source, Target};
use crate::config::{Config, Format, GroupBy, Takes};

/// `[incidents] window`: 5 minutes to 7 days.
pub const WINDOW_MIN_S: u64 = 5 * 60;
pub const WINDOW_MAX_S: u64 = 7 * 86_400;
/// `[[routes]] digest`: 15 minutes to 7 days.
pub const DIGEST_MIN_S: u64 = 15 * 60;
pub const DIGEST_MAX_S: u64 = 7 * 86_400;

pub(super) fn incidents(config: &Config, src: &Source<'_>) -> Checked {
    let incidents = &config.incidents;
    let window = incidents.window.as_secs();
    if !(WINDOW_MIN_S..=WINDOW_MAX_S).contains(&window) {
        return src.fail(
            "incidents.window",
            format!(
                "an incident window of {} {}",
                incidents.window,
                if window < WINDOW_MIN_S {
                    "closes an incident before a finding's next update can join it"
                } else {
                    "holds unrelated days of activity as one incident"
                }
            ),
            "use 5m to 7d; 1h (the default) holds one intrusion's findings",
        );
    }
    if incidents.group_by.is_empty() {
        // At the key: the value's `[` would read as a section's header.
        return src.fail_at(
            &[("incidents.group_by", Target::Key)],
            "an empty group_by relates no alert to another: every alert would open an incident",
            "list what relates alerts, e.g. [\"principal\", \"resource\", \"sequence\"], or set enabled = false",
        );
    }
    let mut seen = BTreeSet::new();
    for (j, key) in incidents.group_by.iter().enumerate() {
        if !seen.insert(*key) {
            return src.fail(
                &format!("incidents.group_by[{j}]"),
                format!("`{}` is listed twice", key.as_str()),
                format!(
                    "list each once, in order of preference: {}",
                    GroupBy::ALL.map(GroupBy::as_str).join(", ")
                ),
            );
        }
    }
    for (i, route) in config.routes.iter().enumerate() {
        if route.format == Format::Json && route.takes == Some(Takes::Incidents) {
            return src.fail(
                &format!("routes[{i}].takes"),
                format!(
                    "route `{}` is the record for machines (format = \"json\"): taking incidents would keep the alerts that add to one out of it",
                    route.name
                ),
                "remove takes (a json route takes every alert), or use format = \"pagerduty\" or \"opsgenie\" for a pager",
            );
        }
        let Some(digest) = route.digest else {
            continue;
        };
        let key = format!("routes[{i}].digest");
        if route.format.is_pager() {
            return src.fail(
                &key,
                format!(
                    "route `{}` pages (format = \"{}\"): a page cannot wait for a digest",
                    route.name,
                    route.format.as_str()
                ),
                "remove digest, and give LOW and MEDIUM alerts a route of their own (text or chat) with the digest",
            );
        }
        let every = digest.as_secs();
        if !(DIGEST_MIN_S..=DIGEST_MAX_S).contains(&every) {
            return src.fail(
                &key,
                format!(
                    "a digest every {digest} is {}",
                    if every < DIGEST_MIN_S {
                        "hardly a digest: as many messages as alerts"
                    } else {
                        "news no longer"
                    }
                ),
                "use 15m to 7d, e.g. \"1h\" or \"24h\"",
            );
        }
    }
    Ok(())
}
