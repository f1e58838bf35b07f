//! What Watchpost watches itself, besides GuardDuty: the rule that brings the CloudTrail
//! management events the detections read to the enricher (`[detections]`), the usage baselines
//! (`[usage]`: one anomaly-detection alarm per model or endpoint and metric), the rule that
//! brings those alarms' state changes to the enricher, and the dashboard's "AI usage" row.
//!
//! One contract with the core: a usage alarm is named `<stack>` + [`USAGE_ALARM_INFIX`] + …,
//! which is how `watchpost_core::event` tells the stack's usage alarms from any other,
//! and it watches one metric (`MetricStat`) whose dimensions name the model or endpoint.
//! Which models and endpoints: the config's lists, or what discovery found at plan time
//! ([`UsageTargets`]; the I/O is the engine's, the choice and its plan line are here).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use watchpost_core::Config;
use watchpost_core::config::defaults::USAGE_ALARM_INFIX;
use watchpost_core::config::detections;
use watchpost_core::event::{ALARM_DETAIL_TYPE, CLOUDTRAIL_DETAIL_TYPE};

use super::context::{Context, PERIOD_S, names, stack_tags};
use crate::model::Resource;
use crate::spec::*;

/// Longest event pattern EventBridge takes by default (EventBridge quotas, "Event pattern
/// size": 2048 characters, adjustable to 4096).
pub const EVENT_PATTERN_MAX_CHARS: usize = 2048;
/// Longest alarm name (CloudWatch API reference, PutMetricAlarm: AlarmName, 255).
pub const ALARM_NAME_MAX_CHARS: usize = 255;
/// Longest alarm description (CloudWatch API reference, PutMetricAlarm: AlarmDescription, 1024).
const ALARM_DESCRIPTION_MAX_CHARS: usize = 1024;
/// SageMaker names an endpoint's only variant this unless told otherwise (SageMaker developer
/// guide, CreateEndpointConfig examples); `endpoint` in `[usage] endpoints` means this one.
pub const DEFAULT_VARIANT: &str = "AllTraffic";

/// The namespaces, metrics and dimensions of the usage alarms: the core's one table, which the
/// config's checks read too.
pub use watchpost_core::usage_metrics::{BEDROCK, BEDROCK_MANTLE, SAGEMAKER, UsageNamespace};

/// The models and endpoints that get usage alarms: each a list of dimension values in the
/// order of its namespace's `dimensions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageTargets {
    pub bedrock: Vec<Vec<String>>,
    pub mantle: Vec<Vec<String>>,
    pub endpoints: Vec<Vec<String>>,
}

impl UsageTargets {
    /// What the config lists, without discovery (`endpoint` or `endpoint/variant`).
    pub fn listed(config: &Config) -> UsageTargets {
        if !config.usage.enabled {
            return UsageTargets::default();
        }
        let mut models: Vec<Vec<String>> = config
            .usage
            .models
            .iter()
            .map(|m| vec![m.clone()])
            .collect();
        models.sort();
        models.dedup();
        let mut endpoints: Vec<Vec<String>> = config
            .usage
            .endpoints
            .iter()
            .map(|e| match e.split_once('/') {
                Some((endpoint, variant)) => vec![endpoint.to_owned(), variant.to_owned()],
                None => vec![e.clone(), DEFAULT_VARIANT.to_owned()],
            })
            .collect();
        endpoints.sort();
        endpoints.dedup();
        UsageTargets {
            bedrock: models,
            mantle: Vec::new(),
            endpoints,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.bedrock.is_empty() && self.mantle.is_empty() && self.endpoints.is_empty()
    }
}

/// Whether discovery runs: usage on, discovery on.
pub fn discovers(config: &Config) -> bool {
    config.usage.enabled && config.usage.discover
}

/// The dimension values of `found` (ListMetrics' dimension sets) that name exactly one model
/// or endpoint of `ns`: the per-model level, not the account-wide or per-project aggregates.
pub fn targets_of(ns: &UsageNamespace, found: &[BTreeMap<String, String>]) -> Vec<Vec<String>> {
    let mut out: BTreeSet<Vec<String>> = BTreeSet::new();
    for dims in found {
        if dims.len() != ns.dimensions.len() {
            continue;
        }
        let values: Option<Vec<String>> = ns
            .dimensions
            .iter()
            .map(|d| dims.get(*d).cloned())
            .collect();
        if let Some(values) = values.filter(|v| v.iter().all(|s| !s.is_empty())) {
            out.insert(values);
        }
    }
    out.into_iter().collect()
}

/// Keeps at most `max` of `found` (sorted, so the same metrics always give the same alarms) and
/// says in one plan line what was found and what was kept.
pub fn choose(
    region: &str,
    what: &str,
    ns: &UsageNamespace,
    found: Vec<Vec<String>>,
    max: usize,
) -> (Vec<Vec<String>>, String) {
    let source = format!("ListMetrics {} {}", ns.namespace, ns.discovery_metric);
    let shown = |targets: &[Vec<String>]| -> String {
        targets
            .iter()
            .map(|t| t.join("/"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let total = found.len();
    if total == 0 {
        return (
            found,
            format!(
                "{region}: usage baselines: no {what} found ({source}); none alarmed until they have metrics (plan again) or are listed in [usage]"
            ),
        );
    }
    let kept: Vec<Vec<String>> = found.into_iter().take(max).collect();
    let line = if total > kept.len() {
        format!(
            "{region}: usage baselines: {total} {what} found ({source}); alarms on the first {} (usage.discover_max): {}; list the ones to watch in [usage] instead",
            kept.len(),
            shown(&kept)
        )
    } else {
        format!(
            "{region}: usage baselines: {total} {what} found ({source}): {}",
            shown(&kept)
        )
    };
    (kept, line)
}

/// The name of the alarm on `metric` of `target` (dimension values, `/`-joined). Within
/// CloudWatch's 255 characters: a longer one keeps its start and ends with a hash of the whole.
pub fn usage_alarm_name(
    stack: &str,
    ns: &UsageNamespace,
    metric: &str,
    target: &[String],
) -> String {
    let name = format!(
        "{stack}{USAGE_ALARM_INFIX}{}-{metric}-{}",
        ns.service,
        target.join("/")
    );
    if name.chars().count() <= ALARM_NAME_MAX_CHARS {
        return name;
    }
    let hash = format!("-{:016x}", fnv1a(name.as_bytes()));
    let keep: String = name
        .chars()
        .take(ALARM_NAME_MAX_CHARS - hash.len())
        .collect();
    keep + &hash
}

/// FNV-1a, 64 bits: a stable short hash for names (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The rule of the CloudTrail management events the detections read, and the rule of the usage
/// alarms' state changes, by name; as many as the config turns on.
pub fn activity_rule_names(config: &Config) -> Vec<String> {
    let stack = &config.watchpost.stack;
    let mut rules = Vec::new();
    if cloudtrail_pattern(config).is_some() {
        rules.push(names::cloudtrail_rule(stack));
    }
    if config.usage.enabled {
        rules.push(names::usage_alarms_rule(stack));
    }
    rules
}

/// The CloudTrail events of the services the detections in force watch (`aws.bedrock`,
/// `aws.sagemaker`), narrowed to the event names they read while the pattern stays within
/// EventBridge's size; beyond it, every management event of those services (the enricher
/// ignores the others). `None` when detections are off or none is in force.
pub fn cloudtrail_pattern(config: &Config) -> Option<Value> {
    if !config.detections.enabled {
        return None;
    }
    // The config was validated, so the detections resolve; a failure means none are in force.
    let detections = detections::resolve(&config.detections).unwrap_or_default();
    let sources: BTreeSet<&str> = detections.iter().map(|d| d.event_source.as_str()).collect();
    if sources.is_empty() {
        return None;
    }
    let names: BTreeSet<&str> = detections
        .iter()
        .flat_map(|d| d.event_names.iter().map(String::as_str))
        .collect();
    // CloudTrail events reach EventBridge with the source `aws.<service>` of the event source
    // `<service>.amazonaws.com` (EventBridge user guide, "Events from AWS services").
    let event_sources: Vec<String> = sources
        .iter()
        .map(|s| {
            let service = s.strip_suffix(".amazonaws.com").unwrap_or(s);
            format!("aws.{service}")
        })
        .collect();
    let mut pattern = json!({
        "source": event_sources,
        "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
        "detail": {
            "eventSource": sources,
            "eventName": names,
        },
    });
    if pattern.to_string().len() > EVENT_PATTERN_MAX_CHARS {
        pattern["detail"]
            .as_object_mut()
            .expect("an object")
            .remove("eventName");
    }
    Some(pattern)
}

/// State changes of this stack's usage alarms (and only theirs: the name prefix the core reads).
pub fn usage_alarms_pattern(config: &Config) -> Value {
    json!({
        "source": ["aws.cloudwatch"],
        "detail-type": [ALARM_DETAIL_TYPE],
        "detail": {
            "alarmName": [{ "prefix": format!("{}{USAGE_ALARM_INFIX}", config.watchpost.stack) }],
        },
    })
}

/// The two rules' properties, by name, in [`activity_rule_names`]' order.
pub(super) fn rule_specs(config: &Config) -> Vec<(String, RuleSpec)> {
    let stack = &config.watchpost.stack;
    let tags = stack_tags(config, &Tags::new());
    let mut specs = Vec::new();
    if let Some(pattern) = cloudtrail_pattern(config) {
        specs.push((
            names::cloudtrail_rule(stack),
            RuleSpec::on_events(
                format!(
                    "CloudTrail management events to the Watchpost enricher's detections ({stack})"
                ),
                pattern,
                tags.clone(),
            ),
        ));
    }
    if config.usage.enabled {
        specs.push((
            names::usage_alarms_rule(stack),
            RuleSpec::on_events(
                format!("State changes of Watchpost's usage alarms to the enricher ({stack})"),
                usage_alarms_pattern(config),
                tags,
            ),
        ));
    }
    specs
}

/// Each namespace with its targets.
fn namespaces(targets: &UsageTargets) -> [(&'static UsageNamespace, &[Vec<String>]); 3] {
    [
        (&BEDROCK, &targets.bedrock),
        (&BEDROCK_MANTLE, &targets.mantle),
        (&SAGEMAKER, &targets.endpoints),
    ]
}

/// The usage alarms: per target and metric (the metrics `[usage.metrics]` leaves enabled), an
/// anomaly-detection alarm on the metric's sum per period. No alarm actions: the state change
/// itself reaches the enricher through the usage-alarms rule, which alerts on the routes.
pub(super) fn usage_alarms(
    config: &Config,
    ctx: &Context,
    targets: &UsageTargets,
    out: &mut Vec<Resource>,
) {
    if !config.usage.enabled {
        return;
    }
    let stack = &config.watchpost.stack;
    for (ns, list) in namespaces(targets) {
        for target in list {
            for metric in ns.metrics {
                let settings = config.usage.metric(metric);
                if !settings.enabled {
                    continue;
                }
                let dimensions: Vec<Value> = ns
                    .dimensions
                    .iter()
                    .zip(target)
                    .map(|(name, value)| json!({ "Name": name, "Value": value }))
                    .collect();
                let side = if settings.upper_only {
                    "above"
                } else {
                    "outside"
                };
                let description: String = format!(
                    "Watchpost usage baseline: {metric} of {} {} {side} its anomaly-detection band ({} standard deviations, {} of {} periods of {} s). Its state changes go to the enricher, which alerts.",
                    ns.namespace,
                    target.join(" / "),
                    settings.band,
                    settings.datapoints_to_alarm,
                    settings.evaluation_periods,
                    settings.period_s
                )
                .chars()
                .take(ALARM_DESCRIPTION_MAX_CHARS)
                .collect();
                let spec = AlarmSpec {
                    description,
                    metrics: vec![
                        json!({
                            "Id": "usage",
                            "MetricStat": {
                                "Metric": {
                                    "Namespace": ns.namespace,
                                    "MetricName": metric,
                                    "Dimensions": dimensions,
                                },
                                "Period": settings.period_s,
                                "Stat": "Sum",
                            },
                            "ReturnData": true,
                        }),
                        json!({
                            "Id": "band",
                            "Expression": format!("ANOMALY_DETECTION_BAND(usage, {})", settings.band),
                            "ReturnData": true,
                        }),
                    ],
                    comparison_operator: if settings.upper_only {
                        "GreaterThanUpperThreshold"
                    } else {
                        "LessThanLowerOrGreaterThanUpperThreshold"
                    }
                    .to_owned(),
                    threshold: None,
                    threshold_metric_id: Some("band".to_owned()),
                    evaluation_periods: settings.evaluation_periods,
                    datapoints_to_alarm: settings.datapoints_to_alarm,
                    // No traffic is no spike.
                    treat_missing_data: "notBreaching".to_owned(),
                    alarm_actions: Vec::new(),
                    ok_actions: Vec::new(),
                    tags: stack_tags(config, &Tags::new()),
                };
                out.push(Resource::new(
                    &ctx.region,
                    &usage_alarm_name(stack, ns, metric, target),
                    spec,
                ));
            }
        }
    }
}

/// The dashboard's "AI usage" row at height `y`: tokens and invocations per model and endpoint,
/// each with its anomaly-detection band; empty when there is nothing to show.
pub(super) fn usage_widgets(
    config: &Config,
    ctx: &Context,
    targets: &UsageTargets,
    y: u32,
) -> Vec<Value> {
    if !config.usage.enabled || targets.is_empty() {
        return Vec::new();
    }
    let mut tokens = Vec::new();
    let mut invocations = Vec::new();
    let mut n = 0;
    for (ns, list) in namespaces(targets) {
        for target in list {
            for metric in ns.metrics {
                let into = match *metric {
                    "InputTokenCount" | "OutputTokenCount" | "TotalInputTokens"
                    | "TotalOutputTokens" => &mut tokens,
                    "Invocations" | "Inferences" => &mut invocations,
                    _ => continue,
                };
                n += 1;
                let id = format!("m{n}");
                let mut line = vec![json!(ns.namespace), json!(metric)];
                for (name, value) in ns.dimensions.iter().zip(target) {
                    line.push(json!(name));
                    line.push(json!(value));
                }
                line.push(json!({ "id": id, "label": format!("{metric} {}", target.join("/")) }));
                into.push(Value::Array(line));
                into.push(json!([{
                    "expression": format!("ANOMALY_DETECTION_BAND({id}, {})", config.usage.metric(metric).band),
                    "label": format!("expected {metric} {}", target.join("/")),
                    "id": format!("band{n}"),
                }]));
            }
        }
    }
    let widget = |title: &str, metrics: Vec<Value>, x: u32| {
        json!({
            "type": "metric",
            "x": x, "y": y + 1, "width": 12, "height": 6,
            "properties": {
                "title": title,
                "view": "timeSeries",
                "stacked": false,
                "region": ctx.region(),
                "stat": "Sum",
                "period": PERIOD_S,
                "metrics": metrics,
            }
        })
    };
    vec![
        json!({
            "type": "text", "x": 0, "y": y, "width": 24, "height": 1,
            "properties": { "markdown": "## AI usage\nPer model and endpoint, against the band CloudWatch learned; the usage alarms fire outside it." }
        }),
        widget("Tokens per model, with expected bands", tokens, 0),
        widget(
            "Invocations per model and endpoint, with expected bands",
            invocations,
            12,
        ),
    ]
}
