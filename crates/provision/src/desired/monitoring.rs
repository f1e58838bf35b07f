//! Watching the pipeline: alarms on every way it can lose or degrade an alert (enricher errors
//! and throttles, asynchronous events dropped, a dead-letter queue that could not be written or
//! whose letters grow old, rules that could not invoke the enricher, notifications SNS could not
//! deliver to a route's subscribers, follow-ups given up, unreadable findings, deliveries
//! without deduplication), anomaly-detection alarms on findings per AI component ("unusual
//! activity"), all notifying the operations topic; and the dashboard.

use serde_json::{Value, json};
use watchpost_contract::metric;
use watchpost_contract::metric::FINDINGS;
use watchpost_core::component::Component;
use watchpost_core::severity::SeverityLabel;
use watchpost_core::{Config, decide::Outcome};

use super::activity::{UsageTargets, usage_widgets};
use super::context::{Context, PERIOD_S, names, resource, route_topics, stack_tags};
use super::function::enricher_rules;
use crate::model::Resource;
use crate::spec::*;

/// Dead letters older than this alarm: halfway to SQS deleting them (14 days' retention).
const DEAD_LETTER_AGE_ALARM_S: f64 = 7.0 * 86_400.0;

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
    above(config, ctx, description, query, 0.0)
}

/// An alarm that fires as soon as one period's value is above `threshold`.
fn above(
    config: &Config,
    ctx: &Context,
    description: String,
    query: Value,
    threshold: f64,
) -> AlarmSpec {
    let ops = ctx.topic_arn(&names::operations_topic(&config.watchpost.stack));
    AlarmSpec {
        description,
        metrics: vec![query],
        comparison_operator: "GreaterThanThreshold".to_owned(),
        threshold: Some(threshold),
        threshold_metric_id: None,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        treat_missing_data: "notBreaching".to_owned(),
        alarm_actions: vec![ops.clone()],
        ok_actions: vec![ops],
        tags: stack_tags(config, &Tags::new()),
    }
}

/// The alarms, by name; none when `[alarms] enabled = false`.
pub(super) fn alarms(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    if !config.alarms.enabled {
        return;
    }
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
    let lambda = |id: &str, metric: &str| {
        metric_stat(
            id,
            "AWS/Lambda",
            metric,
            &[("FunctionName", function)],
            "Sum",
        )
    };
    alarms.push((
        names::alarm(stack, "enricher-throttles"),
        above_zero(
            config,
            ctx,
            format!(
                "Lambda throttled the enricher ({function}): asynchronous events wait and are retried, but may expire. Check the account's concurrency and any reserved concurrency."
            ),
            lambda("throttles", "Throttles"),
        ),
    ));
    alarms.push((
        names::alarm(stack, "async-events-dropped"),
        above_zero(
            config,
            ctx,
            format!(
                "Lambda dropped events meant for the enricher ({function}) without processing them (too old, or retries exhausted without a destination): findings were lost. Check the function's asynchronous configuration (`./dev plan`) and its throttles."
            ),
            lambda("dropped", "AsyncEventsDropped"),
        ),
    ));
    alarms.push((
        names::alarm(stack, "destination-delivery-failures"),
        above_zero(
            config,
            ctx,
            format!(
                "Lambda could not send failed events of the enricher ({function}) to {dlq}: they are lost. Check the queue exists and the role's policy allows sqs:SendMessage on it (`./dev plan`)."
            ),
            lambda("destination", "DestinationDeliveryFailures"),
        ),
    ));
    alarms.push((
        names::alarm(stack, "dead-letter-age"),
        above(
            config,
            ctx,
            format!(
                "The oldest event in {dlq} is over 7 days old; SQS deletes it at 14. Replay the dead letters (`./dev redrive`) or drop them on purpose."
            ),
            metric_stat(
                "age",
                "AWS/SQS",
                "ApproximateAgeOfOldestMessage",
                &[("QueueName", &dlq)],
                "Maximum",
            ),
            DEAD_LETTER_AGE_ALARM_S,
        ),
    ));
    for topic in route_topics(config, ctx) {
        alarms.push((
            names::alarm(stack, &format!("{}-notifications-failed", topic.route)),
            above_zero(
                config,
                ctx,
                format!(
                    "SNS could not deliver alerts of route {} (topic {}) to a subscriber after its retries: someone did not get them. Check the topic's subscriptions (an https endpoint down, a queue's or key's policy).",
                    topic.route, topic.name
                ),
                metric_stat(
                    "failed",
                    "AWS/SNS",
                    "NumberOfNotificationsFailed",
                    &[("TopicName", &topic.name)],
                    "Sum",
                ),
            ),
        ));
    }
    let ns = config.metrics.namespace.as_str();
    for (what, name, description) in [
        (
            "follow-ups-abandoned",
            metric::FOLLOW_UPS_ABANDONED,
            "The enricher gave up sending a Detective follow-up after failing too many sweeps: read the function's log (`follow-up given up`) for its routes and investigation.",
        ),
        (
            "findings-rejected",
            metric::FINDINGS_REJECTED,
            "A finding in a Security Hub event could not be read (the others were processed): read the function's log (`finding in a batch rejected`).",
        ),
        (
            "deduplication-unavailable",
            metric::DEDUPLICATION_UNAVAILABLE,
            "The enricher could not use its alert state (DynamoDB): alerts went out marked and may be doubled, or waited for a retry. Check the table and the role's policy.",
        ),
    ] {
        alarms.push((
            names::alarm(stack, what),
            above_zero(
                config,
                ctx,
                description.to_owned(),
                metric_stat(&what.replace('-', "_"), ns, name, &[], "Sum"),
            ),
        ));
    }
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
        out.push(resource(ctx, &name, spec));
    }
}

/// The dashboard, when the config wants one.
pub(super) fn dashboard(
    config: &Config,
    ctx: &Context,
    usage: &UsageTargets,
    out: &mut Vec<Resource>,
) {
    if !config.alarms.dashboard {
        return;
    }
    out.push(resource(
        ctx,
        &names::dashboard(&config.watchpost.stack),
        DashboardSpec {
            body: dashboard_body_with(config, ctx, usage),
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
/// alarms; AI usage of the models and endpoints the config lists.
pub fn dashboard_body(config: &Config, ctx: &Context) -> Value {
    dashboard_body_with(config, ctx, &UsageTargets::listed(config))
}

/// [`dashboard_body`], with the "AI usage" row on `usage`.
pub fn dashboard_body_with(config: &Config, ctx: &Context, usage: &UsageTargets) -> Value {
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
    let dlq = names::dlq(stack);
    let mut losses = vec![
        json!(["AWS/Lambda", "Throttles", "FunctionName", function]),
        json!(["AWS/Lambda", "AsyncEventsDropped", "FunctionName", function]),
        json!([
            "AWS/Lambda",
            "DestinationDeliveryFailures",
            "FunctionName",
            function
        ]),
        json!([ns, metric::FOLLOW_UPS_ABANDONED]),
        json!([ns, metric::FINDINGS_REJECTED]),
        json!([ns, metric::DEDUPLICATION_UNAVAILABLE]),
    ];
    losses.extend(route_topics(config, ctx).iter().map(|topic| {
        json!([
            "AWS/SNS",
            "NumberOfNotificationsFailed",
            "TopicName",
            topic.name
        ])
    }));
    let dead_letter_age = vec![json!([
        "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", dlq, { "stat": "Maximum" }
    ])];
    let alarm_arns: Vec<String> = {
        let mut acc = Vec::new();
        alarms(config, ctx, &mut acc);
        acc.iter().map(|r| ctx.alarm_arn(&r.id.name)).collect()
    };
    let mut widgets = vec![
        json!({
            "type": "text", "x": 0, "y": 0, "width": 24, "height": 2,
            "properties": { "markdown": format!(
                "# Watchpost {stack}\nGuardDuty findings about AI workloads, what the enricher made of them, and whether alerts reached people. Alarms notify the operations topic."
            ) }
        }),
        graph("Findings by AI component", components, "Sum", 0, 2, region),
        graph("Findings by severity", severities, "Sum", 12, 2, region),
        graph("Findings by outcome", outcomes, "Sum", 0, 8, region),
        graph(
            "Alerts delivered per route, failures, follow-ups",
            delivery,
            "Sum",
            12,
            8,
            region,
        ),
        graph("Enricher duration (ms)", duration, "Average", 0, 14, region),
        graph(
            "Enricher errors, throttles, dead letters, enrichment unavailable",
            errors,
            "Sum",
            12,
            14,
            region,
        ),
        graph(
            "Ways to lose an alert: dropped, undeliverable, given up, unreadable, undeduplicated",
            losses,
            "Sum",
            0,
            20,
            region,
        ),
        graph(
            "Age of the oldest dead letter (s)",
            dead_letter_age,
            "Maximum",
            12,
            20,
            region,
        ),
    ];
    // No alarm widget when there are no alarms to show (`[alarms] enabled = false`).
    if !alarm_arns.is_empty() {
        widgets.push(json!({
            "type": "alarm", "x": 0, "y": 26, "width": 24, "height": 4,
            "properties": { "title": "Alarms", "alarms": alarm_arns }
        }));
    }
    widgets.extend(usage_widgets(config, ctx, usage, 30));
    json!({ "widgets": widgets })
}
