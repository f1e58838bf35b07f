//! What the enricher reads from its environment, and where its config travels: the same TOML
//! file as the CLI's (`WATCHPOST_CONFIG`, default `watchpost.toml` in `$LAMBDA_TASK_ROOT`, which
//! is where the deployer puts it in the package), plus what is only known after provisioning:
//! `WATCHPOST_TOPIC_<ROUTE>` (route name upper-cased, `-` → `_`), `WATCHPOST_GRAPH_ARN`,
//! `WATCHPOST_STATE_TABLE`.

/// Names the config file.
pub const CONFIG_ENV: &str = "WATCHPOST_CONFIG";
/// The file looked for in the task root when `WATCHPOST_CONFIG` is unset; the deployer adds
/// the config to the package under this name.
pub const DEFAULT_CONFIG_FILE: &str = "watchpost.toml";
/// Lambda's directory of the unpacked package (Lambda developer guide, "Defined runtime
/// environment variables").
pub const TASK_ROOT_ENV: &str = "LAMBDA_TASK_ROOT";
/// The graph and table variables, and `WATCHPOST_TOPIC_<ROUTE>` for each route's topic ARN.
/// The core defines them because validating a config needs them (routes whose variables
/// collide, the 4 KB environment limit); this crate is where both sides read them.
pub use watchpost_core::config::{GRAPH_ENV, TABLE_ENV, TOPIC_ENV_PREFIX, topic_env_var};
