//! What a config must satisfy beyond its types, checked while it is read, before anything is
//! applied: Watchpost's own rules (names, references, ranges), then what AWS itself would refuse.
//! One file per area of the config, each with the limits AWS states for it and where AWS states
//! them; [`check`] runs them all in one fixed order and stops at the first failure. Each failure
//! names the key, points at the value and says what to do (or what AWS accepts). The
//! provisioning engine relies on these having run: a config that loads is one AWS will take.

// A config error is built once, on the way to the user (see `Config::from_toml`).
#![allow(clippy::result_large_err)]

mod activity;
mod alarms;
mod arn;
mod detective;
mod enricher;
mod environment;
mod general;
mod guardduty;
mod incidents;
mod metrics;
mod routes;
mod suppress;
mod warnings;

pub use alarms::check_operations_reach_someone;
pub use warnings::ConfigWarning;

use super::error::did_you_mean;
use super::locate::Target;
use super::{Config, ConfigError};

type Checked = Result<(), ConfigError>;

/// Every check, in the order errors are reported: Watchpost's own rules, then what AWS would
/// refuse (in the order of the example config's sections), then the detections and usage
/// baselines, then that every route has a topic of its own.
pub(super) fn check(config: &Config, file: &str, text: &str) -> Checked {
    let src = Source { file, text };
    general::stack(config, &src)?;
    routes::names(config, &src)?;
    incidents::incidents(config, &src)?;
    suppress::rules(config, &src)?;
    detective::members(config, &src)?;
    enricher::asynchronous_invocation(config, &src)?;

    general::regions(config, &src)?;
    general::adopt(config, &src)?;
    routes::topics_and_subscriptions(config, &src)?;
    metrics::namespace(config, &src)?;
    detective::graph(config, &src)?;
    guardduty::detector(config, &src)?;
    enricher::function(config, &src)?;
    alarms::alarms(config, &src)?;
    environment::size(config, &src)?;

    activity::detections_and_usage(config, &src)?;
    routes::distinct_targets(config, &src)
}

/// What `config` (read from `text`) says but probably does not mean: warnings, not errors.
pub(super) fn warnings(config: &Config, file: &str, text: &str) -> Vec<ConfigWarning> {
    warnings::warnings(config, &Source { file, text })
}

/// The file being checked, for locating what fails.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// Fails at `key`'s value.
    fn fail(&self, key: &str, message: impl Into<String>, hint: impl AsRef<str>) -> Checked {
        self.fail_at(&[(key, Target::Value)], message, hint)
    }

    /// Fails at the first of `keys` the file writes (the first names the error).
    fn fail_at(
        &self,
        keys: &[(&str, Target)],
        message: impl Into<String>,
        hint: impl AsRef<str>,
    ) -> Checked {
        Err(self.error(keys, message, hint))
    }

    /// Fails at the first place the file writes `needle`, reported at `key`.
    fn fail_text(&self, key: String, needle: &str, message: String, hint: &str) -> Checked {
        Err(ConfigError::at_text(
            self.file, self.text, key, needle, message, hint,
        ))
    }

    fn error(
        &self,
        keys: &[(&str, Target)],
        message: impl Into<String>,
        hint: impl AsRef<str>,
    ) -> ConfigError {
        ConfigError::at_key(self.file, self.text, keys, message.into(), hint.as_ref())
    }
}

fn suggest(given: &str, known: &[&str]) -> String {
    if let Some(same) = known.iter().find(|k| k.eq_ignore_ascii_case(given)) {
        return format!("did you mean `{same}`? (AWS compares these exactly)");
    }
    match did_you_mean(given, known) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("use one of: {}", known.join(", ")),
    }
}

fn is_name(text: &str, (min, max): (usize, usize), extra: &[u8]) -> bool {
    (min..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

fn is_resource_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A 12-digit AWS account id.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}
