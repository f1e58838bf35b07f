//! Checks that keep alerts and alarms going somewhere. Every route needs a topic of its own:
//! two routes whose names map to the same `WATCHPOST_TOPIC_*` variable, or that name the same
//! `topic_arn`, would deliver one route's alerts twice to one topic (or to the other route's
//! subscribers) and record them as two routes reached. And a config that is to be deployed
//! must say who receives the pipeline's alarms, or turn them off explicitly: an alarm that
//! notifies nobody is the silence the on-call team trusts.

use std::collections::BTreeMap;

use super::defaults::USAGE_ALARM_INFIX;
use super::{Config, ConfigError};

/// The enricher's environment variable naming the Detective graph it investigates in.
pub const GRAPH_ENV: &str = "WATCHPOST_GRAPH_ARN";
/// The enricher's environment variable naming the alert-state table.
pub const TABLE_ENV: &str = "WATCHPOST_STATE_TABLE";
/// Prefix of the environment variables that carry a route's topic ARN to the enricher.
pub const TOPIC_ENV_PREFIX: &str = "WATCHPOST_TOPIC_";

/// The environment variable that carries a route's topic ARN: the name upper-cased, `-` → `_`.
pub fn topic_env_var(route: &str) -> String {
    format!(
        "{TOPIC_ENV_PREFIX}{}",
        route.to_ascii_uppercase().replace('-', "_")
    )
}

/// Why a route's name would collide with a name Watchpost gives its own resources, if it
/// would: a route's topic is `<stack>-<route>` and its delivery alarm
/// `<stack>-<route>-notifications-failed`.
pub(super) fn reserved_route_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if lower == "operations" {
        return Some(
            "would name its topic `<stack>-operations`, the topic of Watchpost's own alarms",
        );
    }
    // The usage-alarms rule and the core read every alarm named `<stack>-usage-…` as a usage
    // baseline: this route's delivery alarm would be taken for one.
    if lower.starts_with(USAGE_ALARM_INFIX.trim_start_matches('-')) {
        return Some(
            "would name its delivery alarm `<stack>-usage-…`, which Watchpost reads as a usage alarm",
        );
    }
    None
}

// See `Config::from_toml` for why the error is not boxed.
#[allow(clippy::result_large_err)]
pub(super) fn check_route_targets(
    config: &Config,
    file: &str,
    text: &str,
) -> Result<(), ConfigError> {
    let mut variables: BTreeMap<String, &str> = BTreeMap::new();
    let mut topics: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, route) in config.routes.iter().enumerate() {
        let variable = topic_env_var(&route.name);
        if let Some(first) = variables.insert(variable.clone(), &route.name) {
            return Err(ConfigError::at_text(
                file,
                text,
                format!("routes[{i}].name"),
                &format!("\"{}\"", route.name),
                format!(
                    "routes `{first}` and `{}` share the topic variable {variable}",
                    route.name
                ),
                "route names must differ by more than case and `-` versus `_`; rename one",
            ));
        }
        let Some(arn) = route.topic_arn.as_deref() else {
            continue;
        };
        if let Some(first) = topics.insert(arn, &route.name) {
            let needle = format!("\"{arn}\"");
            return Err(ConfigError::at_text(
                file,
                text,
                format!("routes[{i}].topic_arn"),
                &needle,
                format!(
                    "routes `{first}` and `{}` name the same topic {arn}",
                    route.name
                ),
                "each route needs a topic of its own; merge the two routes or give one another topic",
            ));
        }
    }
    Ok(())
}

// See `Config::from_toml` for why the error is not boxed.
#[allow(clippy::result_large_err)]
impl Config {
    /// Reads a config that is to be deployed (`validate`, `plan`, `apply`): what
    /// [`Config::load`] checks, and that the alarms reach someone.
    pub fn load_deployable(path: &std::path::Path) -> Result<Config, ConfigError> {
        let config = Config::load(path)?;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        check_operations_reach_someone(&config, &path.display().to_string(), &text)?;
        Ok(config)
    }
}

/// The operations topic must have a subscriber, unless the alarms are off.
#[allow(clippy::result_large_err)]
pub fn check_operations_reach_someone(
    config: &Config,
    file: &str,
    text: &str,
) -> Result<(), ConfigError> {
    let alarms = &config.alarms;
    if !alarms.enabled
        || alarms.operations_email.is_some()
        || !alarms.operations_subscriptions.is_empty()
    {
        return Ok(());
    }
    let mut err = ConfigError::at_text(
        file,
        text,
        "alarms".into(),
        "[alarms]",
        "the pipeline's alarms would notify nobody: the operations topic has no subscriber".into(),
        "set [alarms] operations_email, add an [[alarms.operations_subscriptions]], or turn the alarms off with [alarms] enabled = false",
    );
    if !text.contains("[alarms]") {
        err.column = None;
    }
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ConfigError {
        Config::from_toml(text, "watchpost.toml").unwrap_err()
    }

    #[test]
    fn route_names_that_share_a_topic_variable_are_an_error() {
        let err = error("[[routes]]\nname = \"sec-email\"\n\n[[routes]]\nname = \"sec_email\"\n");
        assert_eq!(err.key.as_deref(), Some("routes[1].name"), "{err}");
        assert_eq!(err.line, Some(5), "{err}");
        assert!(err.message.contains("WATCHPOST_TOPIC_SEC_EMAIL"), "{err}");
        let err = error("[[routes]]\nname = \"Pager\"\n[[routes]]\nname = \"pager\"\n");
        assert_eq!(err.key.as_deref(), Some("routes[1].name"), "{err}");
    }

    #[test]
    fn two_routes_on_one_topic_arn_are_an_error() {
        let arn = "arn:aws:sns:us-east-1:123456789012:alerts";
        let err = error(&format!(
            "[[routes]]\nname = \"a\"\ntopic_arn = \"{arn}\"\n[[routes]]\nname = \"b\"\nformat = \"json\"\ntopic_arn = \"{arn}\"\n"
        ));
        assert_eq!(err.key.as_deref(), Some("routes[1].topic_arn"), "{err}");
        assert_eq!(err.line, Some(7), "{err}");
        assert!(err.message.contains("same topic"), "{err}");
        assert!(err.to_string().starts_with("watchpost.toml:"), "{err}");
    }

    #[test]
    fn distinct_routes_pass() {
        Config::from_toml(
            "[[routes]]\nname = \"pager\"\ntopic_arn = \"arn:aws:sns:us-east-1:123456789012:a\"\n[[routes]]\nname = \"chat\"\ntopic_arn = \"arn:aws:sns:us-east-1:123456789012:b\"\n",
            "watchpost.toml",
        )
        .unwrap();
    }

    #[test]
    fn alarms_that_reach_nobody_are_refused_for_deployment() {
        let check = |text: &str| {
            let config = Config::from_toml(text, "watchpost.toml").unwrap();
            check_operations_reach_someone(&config, "watchpost.toml", text).map_err(Box::new)
        };
        let err = check("[alarms]\ndashboard = true\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("alarms"), "{err}");
        assert_eq!(err.line, Some(1), "{err}");
        assert!(
            err.hint.as_deref().unwrap().contains("enabled = false"),
            "{err}"
        );
        check("").unwrap_err();
        check("[alarms]\noperations_email = \"ops@example.com\"\n").unwrap();
        check("[alarms]\nenabled = false\n").unwrap();
        check(
            "[[alarms.operations_subscriptions]]\nprotocol = \"https\"\nendpoint = \"https://pager.example.com/hook\"\n",
        )
        .unwrap();
    }
}
