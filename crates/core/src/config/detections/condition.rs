//! What must hold of a CloudTrail record, beyond its event name, for a detection to fire:
//! `UpdateDetector` only when it turns the detector off, `DeleteRule` only on the stack's own
//! rules, `CreateUser` only for a Bedrock API key's user. Data in the detection table, read here
//! against the record (`detail` of the EventBridge event) and the config, which knows the
//! stack's names.
//!
//! Paths are dotted, from the record's top (`requestParameters.enable`); `name[]` steps into
//! every element of a list (`requestParameters.Actions[].FindingFieldsUpdate.Workflow.Status`).
//! A key is matched exactly, else whatever its case: services write their request parameters
//! in their own API's case (Security Hub's are `PascalCase`).

use serde_json::Value;

use crate::config::Config;

/// A JSON value a condition compares with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Str(&'static str),
}

impl Literal {
    fn matches(self, value: &Value) -> bool {
        match (self, value) {
            (Literal::Bool(b), Value::Bool(v)) => b == *v,
            (Literal::Int(i), Value::Number(n)) => n.as_f64() == Some(i as f64),
            (Literal::Str(s), Value::String(v)) => s == v,
            // CloudTrail writes some parameters as strings of their values.
            (Literal::Bool(b), Value::String(v)) => v.eq_ignore_ascii_case(&b.to_string()),
            (Literal::Int(i), Value::String(v)) => v.trim().parse::<i64>() == Ok(i),
            _ => false,
        }
    }

    fn shown(self) -> String {
        match self {
            Literal::Bool(b) => b.to_string(),
            Literal::Int(i) => i.to_string(),
            Literal::Str(s) => format!("`{s}`"),
        }
    }
}

/// Which of the stack's own resources a call must touch. The stack's names come from the
/// config: rules and topics are `<stack>-…`, routes may name a topic of their own, the function
/// and the table are `[enricher]`'s, and the keys are the ones the deployment reports
/// (`WATCHPOST_KEY_ARNS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackResource {
    /// An EventBridge rule: a name, or an ARN `…:rule/<name>` (`…:rule/<bus>/<name>`).
    Rule,
    /// An SNS topic, by ARN.
    Topic,
    /// An SNS subscription, by ARN: its topic's ARN and `:<id>`.
    Subscription,
    /// The enricher function: a name, an ARN or a partial ARN, with or without a qualifier.
    Function,
    /// The alert-state table: a name or an ARN.
    Table,
    /// One of the stack's KMS keys: a key id or a key ARN.
    Key,
}

impl StackResource {
    pub fn as_str(self) -> &'static str {
        match self {
            StackResource::Rule => "EventBridge rules",
            StackResource::Topic => "SNS topics",
            StackResource::Subscription => "SNS topics' subscriptions",
            StackResource::Function => "enricher function",
            StackResource::Table => "alert-state table",
            StackResource::Key => "KMS keys",
        }
    }

    /// Whether `named` (as a call names it) is one of the stack's resources of this kind.
    pub fn names(self, named: &str, config: &Config) -> bool {
        let stack_prefix = format!("{}-", config.watchpost.stack);
        match self {
            StackResource::Rule => {
                let name = named.rsplit(['/']).next().unwrap_or(named);
                let arn_or_name = !named.contains(':') || named.contains(":rule/");
                arn_or_name && name.starts_with(&stack_prefix)
            }
            StackResource::Topic => is_stack_topic(named, &stack_prefix, config),
            StackResource::Subscription => named
                .rsplit_once(':')
                .is_some_and(|(topic, _)| is_stack_topic(topic, &stack_prefix, config)),
            StackResource::Function => function_name(named) == config.enricher.function_name,
            StackResource::Table => {
                let name = named.rsplit_once(":table/").map_or(named, |(_, n)| n);
                name == config.enricher.state_table
            }
            StackResource::Key => {
                let id = key_id(named);
                !id.is_empty() && config.deployed.key_arns.iter().any(|k| key_id(k) == id)
            }
        }
    }
}

/// A topic ARN is the stack's when its name is `<stack>-…` or a route publishes to it.
fn is_stack_topic(arn: &str, stack_prefix: &str, config: &Config) -> bool {
    let name = arn.rsplit(':').next().unwrap_or(arn);
    (arn.starts_with("arn:") && name.starts_with(stack_prefix))
        || config
            .routes
            .iter()
            .any(|r| r.topic_arn.as_deref() == Some(arn))
}

/// The function's name in `my-function`, `my-function:1`, `123456789012:function:my-function`
/// and `arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST` (Lambda API
/// reference, `FunctionName`).
fn function_name(named: &str) -> &str {
    let rest = named
        .split_once(":function:")
        .map_or(named, |(_, rest)| rest);
    rest.split(':').next().unwrap_or(rest)
}

/// The key id in a key id or a key ARN (`arn:aws:kms:…:key/<id>`).
fn key_id(named: &str) -> &str {
    named.rsplit_once(":key/").map_or(named, |(_, id)| id)
}

/// What must hold of a CloudTrail record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    /// A value at `path` is one of `values`.
    Equals {
        path: &'static str,
        values: &'static [Literal],
    },
    /// A string at `path` starts with `prefix`.
    StartsWith {
        path: &'static str,
        prefix: &'static str,
    },
    /// The value at `path` is a list with nothing in it (`filtersConfig: []`: every filter
    /// removed).
    EmptyList { path: &'static str },
    /// A string at one of `paths` names one of the stack's resources of this kind.
    OnStack {
        paths: &'static [&'static str],
        resource: StackResource,
    },
    /// `[usage] invocation_log_group` is set, and the log group at `path` is another or none.
    NotInvocationLogGroup { path: &'static str },
    /// At least one of these holds.
    AnyOf(&'static [Condition]),
}

impl Condition {
    /// Whether the condition holds of `record` (a CloudTrail record) for the stack of `config`.
    pub fn holds(&self, record: &Value, config: &Config) -> bool {
        match *self {
            Condition::Equals { path, values } => values_at(record, path)
                .iter()
                .any(|v| values.iter().any(|l| l.matches(v))),
            Condition::StartsWith { path, prefix } => values_at(record, path)
                .iter()
                .any(|v| v.as_str().is_some_and(|s| s.starts_with(prefix))),
            Condition::EmptyList { path } => values_at(record, path)
                .iter()
                .any(|v| v.as_array().is_some_and(Vec::is_empty)),
            Condition::OnStack { paths, resource } => paths.iter().any(|path| {
                values_at(record, path)
                    .iter()
                    .any(|v| v.as_str().is_some_and(|s| resource.names(s, config)))
            }),
            Condition::NotInvocationLogGroup { path } => config
                .usage
                .invocation_log_group
                .as_deref()
                .is_some_and(|expected| {
                    !values_at(record, path)
                        .iter()
                        .any(|v| v.as_str() == Some(expected))
                }),
            Condition::AnyOf(any) => any.iter().any(|c| c.holds(record, config)),
        }
    }

    /// The condition for people: ``requestParameters.enable` is false`.
    pub fn describe(&self) -> String {
        match *self {
            Condition::Equals { path, values } => {
                let shown: Vec<String> = values.iter().map(|v| v.shown()).collect();
                format!("`{path}` is {}", shown.join(" or "))
            }
            Condition::StartsWith { path, prefix } => format!("`{path}` starts with `{prefix}`"),
            Condition::EmptyList { path } => format!("`{path}` is an empty list"),
            Condition::OnStack { paths, resource } => {
                let paths: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
                let which = match resource {
                    // The stack has one of each.
                    StackResource::Function | StackResource::Table => "the stack's",
                    _ => "one of the stack's",
                };
                format!("{} names {which} {}", paths.join(" or "), resource.as_str())
            }
            Condition::NotInvocationLogGroup { path } => {
                format!("`{path}` is not `[usage] invocation_log_group`")
            }
            Condition::AnyOf(any) => {
                let shown: Vec<String> = any.iter().map(Condition::describe).collect();
                format!("one of: {}", shown.join("; "))
            }
        }
    }
}

/// Most values a path yields (a list of lists stays bounded, whatever a caller sent).
const VALUES_MAX: usize = 256;
/// A path is followed at most this deep.
const PATH_MAX_DEPTH: usize = 12;

/// Every value at `path` in `record`, nulls left out.
pub fn values_at<'a>(record: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut at: Vec<&Value> = vec![record];
    for (depth, step) in path.split('.').enumerate() {
        if depth >= PATH_MAX_DEPTH || at.is_empty() {
            return Vec::new();
        }
        let (key, every) = match step.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (step, false),
        };
        let mut next = Vec::new();
        for value in at {
            let Some(found) = member(value, key) else {
                continue;
            };
            match (every, found) {
                (true, Value::Array(items)) => next.extend(items.iter().take(VALUES_MAX)),
                (true, _) => {}
                (false, found) => next.push(found),
            }
            if next.len() >= VALUES_MAX {
                break;
            }
        }
        at = next;
    }
    at.retain(|v| !v.is_null());
    at
}

/// A member of an object by key: the exact key, else the first whatever its case.
fn member<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config() -> Config {
        let mut config = Config::from_toml(
            "[watchpost]\nstack = \"wp\"\n\n[[routes]]\nname = \"own\"\ntopic_arn = \"arn:aws:sns:us-east-1:111122223333:team-alerts\"\n",
            "w.toml",
        )
        .unwrap();
        config.deployed.key_arns = vec![
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into(),
        ];
        config
    }

    #[test]
    fn paths_step_into_lists_and_match_keys_whatever_their_case() {
        let record = json!({"requestParameters": {"actions": [
            {"FindingFieldsUpdate": {"Workflow": {"Status": "NEW"}}},
            {"FindingFieldsUpdate": {"Workflow": {"Status": "SUPPRESSED"}}},
        ], "n": null}});
        let path = "requestParameters.Actions[].FindingFieldsUpdate.Workflow.Status";
        assert_eq!(
            values_at(&record, path),
            vec![&json!("NEW"), &json!("SUPPRESSED")]
        );
        assert!(values_at(&record, "requestParameters.n").is_empty());
        assert!(values_at(&record, "requestParameters.missing[].x").is_empty());
        let suppressed = Condition::Equals {
            path,
            values: &[Literal::Str("SUPPRESSED"), Literal::Str("RESOLVED")],
        };
        assert!(suppressed.holds(&record, &config()));
    }

    #[test]
    fn literals_match_values_and_their_written_forms() {
        let off = Condition::Equals {
            path: "requestParameters.enable",
            values: &[Literal::Bool(false)],
        };
        for (enable, holds) in [
            (json!(false), true),
            (json!("false"), true),
            (json!(true), false),
        ] {
            let record = json!({"requestParameters": {"enable": enable}});
            assert_eq!(off.holds(&record, &config()), holds, "{record}");
        }
        let zero = Condition::Equals {
            path: "requestParameters.reservedConcurrentExecutions",
            values: &[Literal::Int(0)],
        };
        assert!(zero.holds(
            &json!({"requestParameters": {"reservedConcurrentExecutions": 0}}),
            &config()
        ));
        assert!(!zero.holds(
            &json!({"requestParameters": {"reservedConcurrentExecutions": 10}}),
            &config()
        ));
    }

    #[test]
    fn the_stacks_resources_are_told_by_their_names() {
        let config = config();
        let yes = [
            (StackResource::Rule, "wp-findings"),
            (
                StackResource::Rule,
                "arn:aws:events:us-east-1:111122223333:rule/wp-cloudtrail",
            ),
            (
                StackResource::Rule,
                "arn:aws:events:us-east-1:111122223333:rule/default/wp-sweep",
            ),
            (
                StackResource::Topic,
                "arn:aws:sns:us-east-1:111122223333:wp-operations",
            ),
            (
                StackResource::Topic,
                "arn:aws:sns:us-east-1:111122223333:team-alerts",
            ),
            (
                StackResource::Subscription,
                "arn:aws:sns:us-east-1:111122223333:wp-pager:5f2d1a7e-0000-4000-8000-000000000000",
            ),
            (StackResource::Function, "wp-enricher"),
            (StackResource::Function, "wp-enricher:$LATEST"),
            (StackResource::Function, "111122223333:function:wp-enricher"),
            (
                StackResource::Function,
                "arn:aws:lambda:us-east-1:111122223333:function:wp-enricher",
            ),
            (StackResource::Table, "wp-alert-state"),
            (
                StackResource::Table,
                "arn:aws:dynamodb:us-east-1:111122223333:table/wp-alert-state",
            ),
            (StackResource::Key, "1234abcd-12ab-34cd-56ef-1234567890ab"),
            (
                StackResource::Key,
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
        ];
        for (kind, named) in yes {
            assert!(kind.names(named, &config), "{kind:?} {named}");
        }
        let no = [
            (StackResource::Rule, "other-findings"),
            (
                StackResource::Rule,
                "arn:aws:sns:us-east-1:111122223333:wp-findings",
            ),
            (
                StackResource::Topic,
                "arn:aws:sns:us-east-1:111122223333:other",
            ),
            (StackResource::Topic, "wp-pager"),
            (StackResource::Function, "wp-enricher-2"),
            (StackResource::Table, "wp-alert-state-old"),
            (StackResource::Key, "ffffffff-12ab-34cd-56ef-1234567890ab"),
            (StackResource::Key, ""),
        ];
        for (kind, named) in no {
            assert!(!kind.names(named, &config), "{kind:?} {named}");
        }
    }

    #[test]
    fn the_invocation_log_group_condition_needs_the_configured_group() {
        let redirected = Condition::NotInvocationLogGroup {
            path: "requestParameters.loggingConfig.cloudWatchConfig.logGroupName",
        };
        let record = |group: &str| json!({"requestParameters": {"loggingConfig": {"cloudWatchConfig": {"logGroupName": group}}}});
        let mut config = config();
        assert!(
            !redirected.holds(&record("/elsewhere"), &config),
            "no group configured"
        );
        config.usage.invocation_log_group = Some("/aws/bedrock/invocations".into());
        assert!(redirected.holds(&record("/elsewhere"), &config));
        assert!(!redirected.holds(&record("/aws/bedrock/invocations"), &config));
        assert!(redirected.holds(&json!({"requestParameters": {}}), &config));
    }
}
