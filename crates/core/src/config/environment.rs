//! The enricher's environment, as the deployment sets it for a config: one
//! `WATCHPOST_TOPIC_<ROUTE>` per route with the topic's ARN, `WATCHPOST_GRAPH_ARN`,
//! `WATCHPOST_STATE_TABLE`, `WATCHPOST_KEY_ARNS` (names from `watchpost_contract::env`), and the
//! most bytes they can take, which Lambda limits. The deployment checks its own environment
//! against [`enricher_environment_bound`] in its tests. What of it the core reads itself (the
//! stack's keys, for the detections about them) is [`Deployed`].

use watchpost_contract::env::{GRAPH_ENV, KEYS_ENV, TABLE_ENV, TOPIC_ENV_PREFIX};

use super::Config;

/// What only the deployment knows of the stack, never written in the config file: the
/// enricher reads it from its environment (and `watchpost replay` from its own, so that a
/// replay can decide as the deployed enricher does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deployed {
    /// The stack's KMS keys in this region (`WATCHPOST_KEY_ARNS`, comma-separated).
    pub key_arns: Vec<String>,
}

impl Deployed {
    /// Reads it from an environment (`env` looks a variable up); what is unset is empty.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Deployed {
        let key_arns = env(KEYS_ENV)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Deployed { key_arns }
    }
}

/// How many keys the stack has in a region: one encrypts every topic (`alias/<stack>-sns`).
const STACK_KEYS_MAX: usize = 1;
/// A multi-Region key's id is the longest: `mrk-` and 32 hexadecimal digits.
const KEY_ID_MAX_LEN: usize = 36;
/// `ap-southeast-5`: the longest region code in use, for stacks that name no region.
const LONGEST_REGION: usize = 14;
/// A behavior graph's id: 32 hexadecimal digits.
const GRAPH_ID_LEN: usize = 32;

/// The most bytes the enricher's environment can take in any of the stack's regions (keys and
/// values, the way Lambda counts them), with route topics and the graph in the longest
/// partition and region the config allows. The deployment checks its own environment against
/// this bound in its tests.
pub fn enricher_environment_bound(config: &Config) -> usize {
    route_bytes(config).iter().sum::<usize>() + base_bytes(config)
}

/// The partition a region belongs to (ARNs in it start `arn:<partition>:`).
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// `arn:<partition>:<service>:<region>:<account>:` at its longest for the config's regions.
fn arn_prefix_len(config: &Config, service: &str) -> usize {
    let regional = if config.watchpost.regions.is_empty() {
        "aws-us-gov".len() + LONGEST_REGION
    } else {
        config
            .watchpost
            .regions
            .iter()
            .map(|r| partition(r).len() + r.len())
            .max()
            .unwrap_or(0)
    };
    "arn:".len() + regional + service.len() + ":::".len() + 12 + ":".len()
}

pub(super) fn route_bytes(config: &Config) -> Vec<usize> {
    config
        .routes
        .iter()
        .map(|route| {
            let arn = match &route.topic_arn {
                Some(arn) => arn.len(),
                None => {
                    arn_prefix_len(config, "sns")
                        + config.watchpost.stack.len()
                        + 1
                        + route.name.len()
                }
            };
            TOPIC_ENV_PREFIX.len() + route.name.len() + arn
        })
        .collect()
}

pub(super) fn base_bytes(config: &Config) -> usize {
    let graph = if config.detective.enabled {
        let arn = match &config.detective.graph_arn {
            Some(arn) => arn.len(),
            None => arn_prefix_len(config, "detective") + "graph:".len() + GRAPH_ID_LEN,
        };
        GRAPH_ENV.len() + arn
    } else {
        0
    };
    let keys = KEYS_ENV.len()
        + STACK_KEYS_MAX * (arn_prefix_len(config, "kms") + "key/".len() + KEY_ID_MAX_LEN)
        + (STACK_KEYS_MAX - 1);
    graph + TABLE_ENV.len() + config.enricher.state_table.len() + keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stacks_keys_are_read_from_a_comma_separated_list() {
        let env = |name: &str| {
            (name == "WATCHPOST_KEY_ARNS").then(|| {
                " arn:aws:kms:us-east-1:111122223333:key/a, arn:aws:kms:us-east-1:111122223333:key/b ,".to_owned()
            })
        };
        assert_eq!(
            Deployed::from_env(&env).key_arns,
            [
                "arn:aws:kms:us-east-1:111122223333:key/a",
                "arn:aws:kms:us-east-1:111122223333:key/b"
            ]
        );
        assert!(Deployed::from_env(&|_| None).key_arns.is_empty());
    }
}
