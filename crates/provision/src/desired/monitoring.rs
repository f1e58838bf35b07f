//! Watching the pipeline: alarms on what must never happen silently (enricher errors, events
//! in the dead-letter queue, rules that could not invoke the enricher), anomaly-detection
//! alarms on findings per AI component ("unusual activity"), all notifying the operations
//! topic; and the dashboard.

use serde_json::{Value, json};
use watchpost_core::component::Component;
use watchpost_core::metrics::FINDINGS;
use watchpost_core::severity::SeverityLabel;
use watchpost_core::{Config, decide::Outcome};
use watchpost_enricher::handler::metric;

use super::{Context, enricher_rules, names, resource, stack_tags};
use crate::model::{Kind, Resource};
use crate::ports::*;

/// Alarms evaluate five-minute periods.
const PERIOD_S: u32 = 300;

/// A query returning one metric's statistic.
fn metric_stat(
    id: &str,
    namespace: &str,
    metric: &str,
    dims: &[(&str, &str)],
    stat: &str,
) -> Value {
    let dimensions: Vec<Value> = dims
        .iter()
        .map(|(name, value)| json!({ "Name": name, "Value": value }))
        .collect();
    json!({
        "Id": id,
        "MetricStat": {
            "Metric": { "Namespace": namespace, "MetricName": metric, "Dimensions": dimensions },
            "Period": PERIOD_S,
            "Stat": stat,
        },
        "ReturnData": true,
    })
}

/// An alarm that fires as soon as one period's value is above zero.
fn above_zero(config: &Config, ctx: &Context, description: String, query: Value) -> AlarmSpec {
    let ops = ctx.topic_arn(&names::operations_topic(&config.watchpost.stack));
    AlarmSpec {
        description,
        metrics: vec![query],
        comparison_operator: "GreaterThanThreshold".to_owned(),
        threshold: Some(0.0),
        threshold_metric_id: None,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        treat_missing_data: "notBreaching".to_owned(),
        alarm_actions: vec![ops.clone()],
        ok_actions: vec![ops],
        tags: stack_tags(config, &Tags::new()),
    }
}

/// The alarms, by name.
pub(super) fn alarms(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    let stack = &config.watchpost.stack;
    let function = config.enricher.function_name.as_str();
    let dlq = names::dlq(stack);
    let mut alarms = vec![
        (
            names::alarm(stack, "enricher-errors"),
            above_zero(
                config,
                ctx,
                format!(
                    "The enricher ({function}) failed an invocation: the event is retried, then lands in {dlq}. Read the function's log."
                ),
                metric_stat(
                    "errors",
                    "AWS/Lambda",
                    "Errors",
                    &[("FunctionName", function)],
                    "Sum",
                ),
            ),
        ),
        (
            names::alarm(stack, "dead-letters"),
            above_zero(
                config,
                ctx,
                format!(
                    "Events the enricher could not process are waiting in {dlq}: see the README, \"Replaying dead letters\"."
                ),
                metric_stat(
                    "visible",
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    &[("QueueName", &dlq)],
                    "Maximum",
                ),
            ),
        ),
    ];
    for rule in enricher_rules(config) {
        alarms.push((
            format!("{rule}-failed-invocations"),
            above_zero(
                config,
                ctx,
                format!(
                    "EventBridge rule {rule} could not invoke the enricher: the events went to {dlq}."
                ),
                metric_stat("failed", "AWS/Events", "FailedInvocations", &[("RuleName", &rule)], "Sum"),
            ),
        ));
    }
    if config.alarms.anomaly_detection {
        for component in Component::ALL {
            let name = component.as_str();
            let ops = ctx.topic_arn(&names::operations_topic(stack));
            alarms.push((
                names::alarm(stack, &format!("unusual-{name}")),
                AlarmSpec {
                    description: format!(
                        "Unusual activity: more {name} findings than usual (above the anomaly-detection band). Look at the alerts of the last hour and the Detective graph."
                    ),
                    metrics: vec![
                        metric_stat(
                            "findings",
                            &config.metrics.namespace,
                            FINDINGS,
                            &[("Component", name)],
                            "Sum",
                        ),
                        json!({
                            "Id": "band",
                            "Expression": format!("ANOMALY_DETECTION_BAND(findings, {})", config.alarms.anomaly_band),
                            "ReturnData": true,
                        }),
                    ],
                    comparison_operator: "GreaterThanUpperThreshold".to_owned(),
                    threshold: None,
                    threshold_metric_id: Some("band".to_owned()),
                    evaluation_periods: 3,
                    datapoints_to_alarm: 2,
                    treat_missing_data: "notBreaching".to_owned(),
                    alarm_actions: vec![ops],
                    ok_actions: Vec::new(),
                    tags: stack_tags(config, &Tags::new()),
                },
            ));
        }
    }
    for (name, spec) in alarms {
        out.push(resource(ctx, Kind::CloudwatchAlarm, &name, spec));
    }
}

/// The dashboard, when the config wants one.
pub(super) fn dashboard(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    if !config.alarms.dashboard {
        return;
    }
    out.push(resource(
        ctx,
        Kind::CloudwatchDashboard,
        &names::dashboard(&config.watchpost.stack),
        DashboardSpec {
            body: dashboard_body(config, ctx),
        },
    ));
}

/// The console address of the dashboard.
pub fn dashboard_url(ctx: &Context, name: &str) -> String {
    let region = ctx.region();
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}"
    )
}

/// A time-series widget of the metrics `[namespace, name, dim, value, …]`.
fn graph(title: &str, metrics: Vec<Value>, stat: &str, x: u32, y: u32, region: &str) -> Value {
    json!({
        "type": "metric",
        "x": x, "y": y, "width": 12, "height": 6,
        "properties": {
            "title": title,
            "view": "timeSeries",
            "stacked": false,
            "region": region,
            "stat": stat,
            "period": PERIOD_S,
            "metrics": metrics,
        }
    })
}

/// The dashboard's body: findings by component, severity and outcome; alerts delivered per
/// route and delivery failures; the enricher's duration and errors; the dead-letter queue; the
/// alarms.
pub fn dashboard_body(config: &Config, ctx: &Context) -> Value {
    let ns = config.metrics.namespace.as_str();
    let region = ctx.region();
    let stack = &config.watchpost.stack;
    let function = config.enricher.function_name.as_str();
    let by = |dimension: &str, values: Vec<&str>| -> Vec<Value> {
        values
            .into_iter()
            .map(|v| json!([ns, FINDINGS, dimension, v]))
            .collect()
    };
    let components = by(
        "Component",
        Component::ALL.iter().map(|c| c.as_str()).collect(),
    );
    let severities = by(
        "Severity",
        SeverityLabel::ALL.iter().map(|s| s.as_str()).collect(),
    );
    let outcomes = by(
        "Outcome",
        [
            Outcome::Alert,
            Outcome::Suppressed,
            Outcome::Ignored,
            Outcome::Rejected,
        ]
        .iter()
        .map(|o| o.as_str())
        .collect(),
    );
    let mut delivery: Vec<Value> = config
        .routes
        .iter()
        .map(|r| json!([ns, metric::ALERTS_DELIVERED, "Route", r.name]))
        .collect();
    delivery.push(json!([ns, metric::DELIVERY_FAILED, { "stat": "Sum" }]));
    delivery.push(json!([ns, metric::FOLLOW_UPS_DELIVERED, { "stat": "Sum" }]));
    let duration = vec![
        json!(["AWS/Lambda", "Duration", "FunctionName", function, { "stat": "p50" }]),
        json!(["AWS/Lambda", "Duration", "FunctionName", function, { "stat": "p99" }]),
    ];
    let errors = vec![
        json!(["AWS/Lambda", "Errors", "FunctionName", function]),
        json!(["AWS/Lambda", "Throttles", "FunctionName", function]),
        json!(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", names::dlq(stack), { "stat": "Maximum" }]),
        json!([ns, metric::ENRICHMENT_UNAVAILABLE]),
    ];
    let alarm_arns: Vec<String> = {
        let mut acc = Vec::new();
        alarms(config, ctx, &mut acc);
        acc.iter().map(|r| ctx.alarm_arn(&r.id.name)).collect()
    };
    json!({
        "widgets": [
            {
                "type": "text", "x": 0, "y": 0, "width": 24, "height": 2,
                "properties": { "markdown": format!(
                    "# Watchpost {stack}\nGuardDuty findings about AI workloads, what the enricher made of them, and whether alerts reached people. Alarms notify the operations topic."
                ) }
            },
            graph("Findings by AI component", components, "Sum", 0, 2, region),
            graph("Findings by severity", severities, "Sum", 12, 2, region),
            graph("Findings by outcome", outcomes, "Sum", 0, 8, region),
            graph("Alerts delivered per route, failures, follow-ups", delivery, "Sum", 12, 8, region),
            graph("Enricher duration (ms)", duration, "Average", 0, 14, region),
            graph("Enricher errors, throttles, dead letters, enrichment unavailable", errors, "Sum", 12, 14, region),
            {
                "type": "alarm", "x": 0, "y": 20, "width": 24, "height": 4,
                "properties": { "title": "Alarms", "alarms": alarm_arns }
            }
        ]
    })
}
