//! The enricher's settings: the same TOML file as the CLI's (`WATCHPOST_CONFIG`, default
//! `watchpost.toml` in `$LAMBDA_TASK_ROOT`), plus what is only known after provisioning, which
//! may come from the environment instead: `WATCHPOST_TOPIC_<ROUTE>` (route name upper-cased,
//! `-` → `_`), `WATCHPOST_GRAPH_ARN`, `WATCHPOST_STATE_TABLE`, `WATCHPOST_KEY_ARNS` (the stack's
//! keys, for the detections about them). Environment values win. Read once, at init. The
//! names are the deployer's too: they live in [`watchpost_contract::env`]. And the region the
//! function runs in, from Lambda's own `AWS_REGION`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use watchpost_contract::env::{
    CONFIG_ENV, DEFAULT_CONFIG_FILE, GRAPH_ENV, TABLE_ENV, TASK_ROOT_ENV, topic_env_var,
};
use watchpost_core::Config;
use watchpost_core::config::Deployed;

/// The region the function runs in, as Lambda sets it (Lambda developer guide, "Defined
/// runtime environment variables").
pub const REGION_ENV: &str = "AWS_REGION";

/// Everything the handler needs to know, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    /// Route name → topic ARN, for every route.
    pub topics: BTreeMap<String, String>,
    pub graph_arn: Option<String>,
    pub table: String,
    /// The region the function runs in, when the environment says: a Security Hub copy
    /// aggregated from another region of the stack is left to that region's enricher.
    pub region: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Config(#[from] Box<watchpost_core::config::ConfigError>),
    #[error(
        "route `{route}` has no topic: set `topic_arn` on the route in {file} or the environment variable {var}"
    )]
    MissingTopic {
        route: String,
        var: String,
        file: String,
    },
}

/// The config file's path from the environment.
pub fn config_path(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    if let Some(path) = env(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let root = env(TASK_ROOT_ENV).unwrap_or_else(|| ".".into());
    PathBuf::from(root).join(DEFAULT_CONFIG_FILE)
}

impl Settings {
    /// Loads the settings from the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        let env = |name: &str| std::env::var(name).ok();
        let path = config_path(&env);
        let config = Config::load(&path).map_err(Box::new)?;
        Settings::resolve(config, &path.display().to_string(), &env)
    }

    /// Fills in what the config leaves to the environment (`env` looks a variable up).
    pub fn resolve(
        config: Config,
        file: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let non_empty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let mut topics = BTreeMap::new();
        for route in &config.routes {
            let var = topic_env_var(&route.name);
            let arn = non_empty(&var)
                .or_else(|| route.topic_arn.clone())
                .ok_or_else(|| SettingsError::MissingTopic {
                    route: route.name.clone(),
                    var: var.clone(),
                    file: file.to_owned(),
                })?;
            topics.insert(route.name.clone(), arn);
        }
        let mut config = config;
        config.deployed = Deployed::from_env(env);
        let graph_arn = non_empty(GRAPH_ENV).or_else(|| config.detective.graph_arn.clone());
        let table = non_empty(TABLE_ENV).unwrap_or_else(|| config.enricher.state_table.clone());
        let region = non_empty(REGION_ENV).map(|r| r.trim().to_owned());
        Ok(Settings {
            config,
            topics,
            graph_arn,
            table,
            region,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_fills_in_topics_graph_and_table() {
        let config = Config::from_toml(
            "[[routes]]\nname = \"ml-pager\"\n[[routes]]\nname = \"chat\"\nformat = \"chat\"\ntopic_arn = \"arn:aws:sns:us-east-1:123456789012:from-file\"\n",
            "watchpost.toml",
        )
        .unwrap();
        let env = |name: &str| match name {
            "WATCHPOST_TOPIC_ML_PAGER" => {
                Some("arn:aws:sns:us-east-1:123456789012:pager".to_owned())
            }
            "WATCHPOST_GRAPH_ARN" => {
                Some("arn:aws:detective:us-east-1:123456789012:graph:abc".to_owned())
            }
            "WATCHPOST_KEY_ARNS" => {
                Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd".to_owned())
            }
            _ => None,
        };
        let settings = Settings::resolve(config, "watchpost.toml", &env).unwrap();
        assert_eq!(
            settings.topics["ml-pager"],
            "arn:aws:sns:us-east-1:123456789012:pager"
        );
        assert_eq!(
            settings.topics["chat"],
            "arn:aws:sns:us-east-1:123456789012:from-file"
        );
        assert_eq!(
            settings.graph_arn.as_deref(),
            Some("arn:aws:detective:us-east-1:123456789012:graph:abc")
        );
        assert_eq!(settings.table, "watchpost-alert-state");
        assert_eq!(
            settings.config.deployed.key_arns,
            ["arn:aws:kms:us-east-1:123456789012:key/1234abcd"]
        );
    }

    #[test]
    fn a_route_without_a_topic_names_the_variable_to_set() {
        let err = Settings::resolve(Config::default(), "watchpost.toml", &|_| None).unwrap_err();
        assert!(err.to_string().contains("WATCHPOST_TOPIC_DEFAULT"), "{err}");
    }

    #[test]
    fn config_path_defaults_to_the_task_root() {
        let env = |name: &str| (name == "LAMBDA_TASK_ROOT").then(|| "/var/task".to_owned());
        assert_eq!(config_path(&env), PathBuf::from("/var/task/watchpost.toml"));
    }
}
