//! What the enricher reads from its environment, and where its config travels: the same TOML
//! file as the CLI's (`WATCHPOST_CONFIG`, default `watchpost.toml` in `$LAMBDA_TASK_ROOT`, which
//! is where the deployer puts it in the package), plus what is only known after provisioning:
//! `WATCHPOST_TOPIC_<ROUTE>` (route name upper-cased, `-` → `_`), `WATCHPOST_GRAPH_ARN`,
//! `WATCHPOST_STATE_TABLE`, `WATCHPOST_KEY_ARNS`. The core's config checks that a config's
//! variables neither collide nor outgrow Lambda's environment.

/// Names the config file, for the enricher and the CLI's recipes alike.
pub const CONFIG_ENV: &str = "WATCHPOST_CONFIG";
/// The file looked for in the task root when `WATCHPOST_CONFIG` is unset; the deployer adds
/// the config to the package under this name.
pub const DEFAULT_CONFIG_FILE: &str = "watchpost.toml";
/// Lambda's directory of the unpacked package (Lambda developer guide, "Defined runtime
/// environment variables").
pub const TASK_ROOT_ENV: &str = "LAMBDA_TASK_ROOT";
/// The enricher's environment variable naming the Detective graph it investigates in.
pub const GRAPH_ENV: &str = "WATCHPOST_GRAPH_ARN";
/// The enricher's environment variable naming the alert-state table.
pub const TABLE_ENV: &str = "WATCHPOST_STATE_TABLE";
/// The enricher's environment variable naming the stack's KMS keys in its region (the topics'
/// keys), comma-separated: the detections of a key disabled or its policy replaced read it.
pub const KEYS_ENV: &str = "WATCHPOST_KEY_ARNS";
/// Prefix of the environment variables that carry a route's topic ARN to the enricher.
pub const TOPIC_ENV_PREFIX: &str = "WATCHPOST_TOPIC_";

/// The environment variable that carries a route's topic ARN: the name upper-cased, `-` → `_`.
pub fn topic_env_var(route: &str) -> String {
    format!(
        "{TOPIC_ENV_PREFIX}{}",
        route.to_ascii_uppercase().replace('-', "_")
    )
}
