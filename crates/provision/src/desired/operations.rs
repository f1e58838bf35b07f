//! The direct operations path: a rule of its own, `<stack>-pipeline`, that sends the CloudTrail
//! calls of the pipeline detections on the stack's own rules, topics, function, table and keys
//! straight to the operations topic. The enricher alerts on the same calls through
//! `<stack>-cloudtrail`; this path does not go through the enricher, its rule or a route topic,
//! so the news still reaches the operations subscribers when one of those is what was switched
//! off.
//!
//! The pattern narrows each detection's calls as far as EventBridge can say it (the stack's
//! names, a parameter's value, callers other than `[detections] deployers`), and widens
//! step by step while it is over EventBridge's size: the subscribers may then also get calls
//! the enricher would not alert on, never fewer.

use serde_json::{Map, Value, json};
use watchpost_core::Config;
use watchpost_core::config::detections::{
    self, Condition, Detection, Kind, Literal, StackResource,
};
use watchpost_core::event::CLOUDTRAIL_DETAIL_TYPE;

use super::activity::EVENT_PATTERN_MAX_CHARS;
use super::context::{Context, names, resource, stack_tags};
use crate::limits;
use crate::model::Resource;
use crate::spec::*;

/// What the operations subscribers read: the call's name, service, account, region, time and
/// CloudTrail event id, each set by AWS. Never the whole event: its user agent, parameters,
/// error message and session names are the caller's to choose, and reached an operator's mail
/// as live links. The enricher's alert about the same call shows them, defanged.
pub const OPERATIONS_INPUT_PATHS: &[(&str, &str)] = &[
    ("account", "$.account"),
    ("id", "$.detail.eventID"),
    ("name", "$.detail.eventName"),
    ("region", "$.region"),
    ("source", "$.detail.eventSource"),
    ("time", "$.time"),
];

/// The operations subscribers' message (an EventBridge input template: a JSON string, with
/// `<name>` for each of [`OPERATIONS_INPUT_PATHS`]).
const OPERATIONS_INPUT_TEMPLATE: &str = "\"Watchpost's pipeline was changed: <name> (<source>) in account <account>, <region>, at <time>. The enricher's alert about it may not come: this change may be what stopped it. First look up CloudTrail event <id> (CloudTrail console, Event history) to see who made it, then run `watchpost plan` to see what it changed.\"";

/// The operations target's input: only what AWS sets, in a sentence.
pub fn operations_input() -> TargetInput {
    TargetInput {
        paths: OPERATIONS_INPUT_PATHS
            .iter()
            .map(|(name, path)| ((*name).to_owned(), (*path).to_owned()))
            .collect(),
        template: OPERATIONS_INPUT_TEMPLATE.to_owned(),
    }
}

/// The pipeline detections in force on the stack's own resources (its rules, topics,
/// function, table and keys): the changes that can stop the enricher's own path. None when
/// detections are off. What blinds GuardDuty, Security Hub, CloudTrail or Detective leaves that
/// path whole, and reaches the routes through it.
fn stack_detections(config: &Config) -> Vec<Detection> {
    if !config.detections.enabled {
        return Vec::new();
    }
    // The config was validated, so the detections resolve; a failure means none are in force.
    detections::resolve(&config.detections)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.kind == Kind::Pipeline)
        .filter(|d| {
            d.conditions
                .iter()
                .any(|c| matches!(c, Condition::OnStack { .. }))
        })
        .collect()
}

/// Whether the config calls for the operations rule: a detection on the stack's resources is
/// in force.
pub fn has_operations_rule(config: &Config) -> bool {
    !stack_detections(config).is_empty()
}

/// How far a pattern narrows the calls: each step lets more through than the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Narrowing {
    /// Each detection's calls, with its conditions, and not its deployers' calls.
    Callers,
    /// Each detection's calls, with its conditions.
    Conditions,
    /// Each service's calls by name.
    Names,
    /// Every management event of the services.
    Sources,
}

/// The pattern of the operations rule, `None` when no detection on the stack's resources is in
/// force: the narrowest of [`Narrowing`]'s steps that fits EventBridge's size.
pub fn operations_pattern(config: &Config, ctx: &Context) -> Option<Value> {
    let detections = stack_detections(config);
    if detections.is_empty() {
        return None;
    }
    let steps = [
        Narrowing::Callers,
        Narrowing::Conditions,
        Narrowing::Names,
        Narrowing::Sources,
    ];
    let mut pattern = Value::Null;
    for step in steps {
        pattern = pattern_at(&detections, config, ctx, step);
        if pattern.to_string().len() <= EVENT_PATTERN_MAX_CHARS {
            break;
        }
    }
    Some(pattern)
}

fn pattern_at(detections: &[Detection], config: &Config, ctx: &Context, step: Narrowing) -> Value {
    let mut sources: Vec<&str> = detections.iter().map(|d| d.event_source.as_str()).collect();
    sources.sort();
    sources.dedup();
    // CloudTrail events reach EventBridge with the source `aws.<service>`.
    let event_sources: Vec<String> = sources
        .iter()
        .map(|s| format!("aws.{}", s.strip_suffix(".amazonaws.com").unwrap_or(s)))
        .collect();
    let mut pattern = json!({
        "source": event_sources,
        "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
    });
    let calls =
        |of: &[&Detection]| -> Vec<Value> { merged(of.iter().map(|d| calls_of(d, config, ctx))) };
    let branches: Vec<Value> = match step {
        Narrowing::Callers => {
            let anyone: Vec<&Detection> = detections
                .iter()
                .filter(|d| d.deployers.is_empty())
                .collect();
            let mut branches: Vec<Value> = calls(&anyone)
                .into_iter()
                .map(|detail| json!({ "detail": detail }))
                .collect();
            // The detections that leave their deployers' calls to them, one branch per list of
            // deployers (the config has one): the calls, by anyone else.
            let mut lists: Vec<&Vec<String>> = detections
                .iter()
                .map(|d| &d.deployers)
                .filter(|deployers| !deployers.is_empty())
                .collect();
            lists.sort();
            lists.dedup();
            for deployers in lists {
                let theirs: Vec<&Detection> = detections
                    .iter()
                    .filter(|d| &d.deployers == deployers)
                    .collect();
                branches.push(json!({ "detail": {
                    "userIdentity": not_by(deployers),
                    "$or": calls(&theirs),
                } }));
            }
            branches
        }
        Narrowing::Conditions => calls(&detections.iter().collect::<Vec<_>>())
            .into_iter()
            .map(|detail| json!({ "detail": detail }))
            .collect(),
        Narrowing::Names => sources
            .iter()
            .map(|source| {
                let mut names: Vec<&str> = detections
                    .iter()
                    .filter(|d| d.event_source == *source)
                    .flat_map(|d| d.event_names.iter().map(String::as_str))
                    .collect();
                names.sort();
                names.dedup();
                json!({ "detail": { "eventSource": [source], "eventName": names } })
            })
            .collect(),
        Narrowing::Sources => {
            pattern["detail"] = json!({ "eventSource": sources });
            return pattern;
        }
    };
    pattern["$or"] = Value::Array(branches);
    pattern
}

/// A caller other than `deployers`, under `userIdentity`: a role's caller is the role from the
/// session's issuer, a user's its own ARN (as the detections read them); `anything-but` needs
/// the field, so each has its branch.
fn not_by(deployers: &[String]) -> Value {
    let not = json!([{ "anything-but": deployers }]);
    json!({ "$or": [
        { "type": ["AssumedRole"], "sessionContext": { "sessionIssuer": { "arn": not } } },
        { "type": [{ "anything-but": ["AssumedRole"] }], "arn": not },
    ] })
}

/// The calls, those that differ only in their event names made one (the Lambda calls on the
/// function, say), in the order they first appear.
fn merged(calls: impl Iterator<Item = Map<String, Value>>) -> Vec<Value> {
    let mut out: Vec<(Map<String, Value>, Vec<Value>)> = Vec::new();
    for mut call in calls {
        let names = call
            .remove("eventName")
            .and_then(|names| names.as_array().cloned())
            .unwrap_or_default();
        match out.iter_mut().find(|(rest, _)| *rest == call) {
            Some((_, all)) => all.extend(names),
            None => out.push((call, names)),
        }
    }
    out.into_iter()
        .map(|(mut call, names)| {
            call.insert("eventName".into(), Value::Array(names));
            Value::Object(call)
        })
        .collect()
}

/// One detection's calls, under `detail`: its source and names, and what its conditions say
/// that a pattern can (the rest is left out, which lets more through).
fn calls_of(d: &Detection, config: &Config, ctx: &Context) -> Map<String, Value> {
    let mut detail = Map::new();
    detail.insert("eventSource".into(), json!([d.event_source]));
    detail.insert("eventName".into(), json!(d.event_names));
    for condition in d.conditions {
        if let Some((path, values)) = condition_values(condition, config, ctx) {
            insert_path(&mut detail, path, values);
        }
    }
    detail
}

/// A condition as a path under the record and the values a pattern accepts there, when a
/// pattern can say it.
fn condition_values<'a>(
    condition: &'a Condition,
    config: &Config,
    ctx: &Context,
) -> Option<(&'a str, Value)> {
    match *condition {
        Condition::Equals { path, values } if !path.contains("[]") => {
            // CloudTrail writes some parameters as strings of their values.
            let mut accepted = Vec::new();
            for value in values {
                match *value {
                    Literal::Bool(b) => accepted.extend([json!(b), json!(b.to_string())]),
                    Literal::Int(i) => accepted.extend([json!(i), json!(i.to_string())]),
                    Literal::Str(s) => accepted.push(json!(s)),
                }
            }
            Some((path, Value::Array(accepted)))
        }
        Condition::StartsWith { path, prefix } if !path.contains("[]") => {
            Some((path, json!([{ "prefix": prefix }])))
        }
        Condition::OnStack {
            paths: [path],
            resource,
        } if !path.contains("[]") => {
            stack_names(resource, config, ctx).map(|names| (*path, Value::Array(names)))
        }
        _ => None,
    }
}

/// How calls name the stack's resources of a kind, as pattern values; `None` when a pattern
/// cannot list them (the keys' ARNs are only known once they exist).
fn stack_names(resource: StackResource, config: &Config, ctx: &Context) -> Option<Vec<Value>> {
    let stack = &config.watchpost.stack;
    let topics = || {
        let mut names = vec![json!({ "prefix": ctx.topic_arn(&format!("{stack}-")) })];
        names.extend(
            config
                .routes
                .iter()
                .filter_map(|r| r.topic_arn.as_ref())
                .map(|arn| json!({ "prefix": arn })),
        );
        names
    };
    match resource {
        StackResource::Rule => Some(vec![json!({ "prefix": format!("{stack}-") })]),
        StackResource::Topic | StackResource::Subscription => Some(topics()),
        // A name, an ARN or a partial ARN (these calls take no qualifier but DeleteFunction,
        // where one deletes a version only).
        StackResource::Function => {
            let name = &config.enricher.function_name;
            Some(vec![
                json!(name),
                json!({ "suffix": format!(":function:{name}") }),
            ])
        }
        StackResource::Table => {
            let table = &config.enricher.state_table;
            Some(vec![json!(table), json!(ctx.table_arn(table))])
        }
        StackResource::Key => None,
    }
}

/// Puts `values` at the dotted `path` under `detail`.
fn insert_path(detail: &mut Map<String, Value>, path: &str, values: Value) {
    let mut node = detail;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            node.insert(part.to_owned(), values);
            return;
        }
        node = node
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("the paths of one detection do not cross");
    }
}

/// The operations rule and its one target, the operations topic (no Lambda permission: SNS's
/// topic policy admits the rule, [`super::operations_topic_policy`]).
pub(super) fn rule(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    let Some(pattern) = operations_pattern(config, ctx) else {
        return;
    };
    let stack = &config.watchpost.stack;
    let name = names::operations_rule(stack);
    out.push(resource(
        ctx,
        &name,
        RuleSpec::on_events(
            format!(
                "CloudTrail calls that blind Watchpost or change its stack, straight to the operations topic ({stack})"
            ),
            pattern,
            stack_tags(config, &Tags::new()),
        ),
    ));
    out.push(resource(
        ctx,
        &name,
        TargetsSpec {
            targets: vec![TargetSpec {
                id: names::OPERATIONS_TARGET.to_owned(),
                arn: ctx.topic_arn(&names::operations_topic(stack)),
                maximum_retry_attempts: limits::EVENTS_TARGET_RETRY_ATTEMPTS,
                maximum_event_age_s: config.enricher.maximum_event_age_s,
                dead_letter_arn: Some(ctx.queue_arn(&names::dlq(stack))),
                input: Some(operations_input()),
            }],
        },
    ));
}
