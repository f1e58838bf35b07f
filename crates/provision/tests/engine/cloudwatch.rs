//! Amazon CloudWatch: the pipeline's alarms and dashboard, and the usage baselines (anomaly-detection alarms on listed and discovered models and endpoints, the cap and the plan line, the contract with the core).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use watchpost_core::finding::ParsedEvent;

use crate::common::*;

#[tokio::test]
async fn every_way_to_lose_an_alert_has_an_alarm_on_the_dashboard() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let state = account.state();
    let metric_of = |name: &str| {
        let alarm = state
            .alarms
            .get(name)
            .unwrap_or_else(|| panic!("no alarm {name}: {:?}", state.alarms.keys()));
        let stat = &alarm.metrics[0]["MetricStat"]["Metric"];
        (
            stat["Namespace"].as_str().unwrap().to_owned(),
            stat["MetricName"].as_str().unwrap().to_owned(),
        )
    };
    for (alarm, namespace, metric) in [
        ("wp-enricher-throttles", "AWS/Lambda", "Throttles"),
        (
            "wp-async-events-dropped",
            "AWS/Lambda",
            "AsyncEventsDropped",
        ),
        (
            "wp-destination-delivery-failures",
            "AWS/Lambda",
            "DestinationDeliveryFailures",
        ),
        (
            "wp-dead-letter-age",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
        ),
        (
            "wp-pager-notifications-failed",
            "AWS/SNS",
            "NumberOfNotificationsFailed",
        ),
        ("wp-follow-ups-abandoned", "Watchpost", "FollowUpsAbandoned"),
        ("wp-findings-rejected", "Watchpost", "FindingsRejected"),
        (
            "wp-deduplication-unavailable",
            "Watchpost",
            "DeduplicationUnavailable",
        ),
    ] {
        assert_eq!(
            metric_of(alarm),
            (namespace.to_owned(), metric.to_owned()),
            "{alarm}"
        );
    }
    // One per route topic, by the topic's name.
    for route in &config.routes {
        let alarm = &state.alarms[&format!("wp-{}-notifications-failed", route.name)];
        let dims = &alarm.metrics[0]["MetricStat"]["Metric"]["Dimensions"][0];
        assert_eq!(dims["Name"], "TopicName");
    }
    let dashboard = state.dashboards["wp"].body.to_string();
    for metric in [
        "AsyncEventsDropped",
        "DestinationDeliveryFailures",
        "ApproximateAgeOfOldestMessage",
        "NumberOfNotificationsFailed",
        "FollowUpsAbandoned",
        "FindingsRejected",
    ] {
        assert!(dashboard.contains(metric), "{metric} not on the dashboard");
    }
}

/// Regression: an alarm with the stack's name but no tags planned "create" on every run
/// (PutMetricAlarm ignores tags on an existing alarm). Now it stops the plan as not the stack's,
/// and once adopted it is tagged and the next plan is empty.
#[tokio::test]
async fn an_untagged_alarm_is_not_created_forever() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let name = {
        let mut state = account.state();
        let (name, alarm) = state.alarms.iter_mut().next().unwrap();
        alarm.tags.clear();
        name.clone()
    };
    let err = plan_region(&account, &config, &package("1"), REGION, Mode::Apply)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("cloudwatch-alarm:{name}")), "{err}");
    let mut adopting = config.clone();
    adopting.watchpost.adopt = vec![format!("cloudwatch-alarm:{name}")];
    let adoption = plan(&account, &adopting, Mode::Apply).await;
    assert_eq!(adoption.changes.len(), 1, "{}", render::text(&adoption));
    assert_eq!(adoption.changes[0].action(), Action::Update);
    apply(&account, &adopting, &adoption).await;
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

#[tokio::test]
async fn the_plan_lists_the_activity_rules_and_a_usage_alarm_per_listed_model_and_metric() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = activity_config(
        r#"
[usage]
models = ["anthropic.claude-3-haiku-20240307-v1:0"]
endpoints = ["churn", "fraud/blue"]
"#,
    );
    let first = plan(&account, &config, Mode::Apply).await;
    for kind in [
        Kind::EventsRule,
        Kind::EventsTargets,
        Kind::LambdaPermission,
    ] {
        let names = named(&first, kind);
        assert!(
            names.contains(&"wp-cloudtrail".to_owned()),
            "{kind}: {names:?}"
        );
        assert!(
            names.contains(&"wp-alarm-states".to_owned()),
            "{kind}: {names:?}"
        );
    }
    let alarms = named(&first, Kind::CloudwatchAlarm);
    for rule in ["wp-cloudtrail", "wp-alarm-states"] {
        assert!(
            alarms.contains(&format!("{rule}-failed-invocations")),
            "{alarms:?}"
        );
    }
    let mut usage = usage_alarms(&first);
    usage.sort();
    let model = "anthropic.claude-3-haiku-20240307-v1:0";
    let mut want: Vec<String> = [
        "Invocations",
        "InputTokenCount",
        "OutputTokenCount",
        "InvocationThrottles",
        "InvocationClientErrors",
    ]
    .iter()
    .map(|m| format!("wp-usage-bedrock-{m}-{model}"))
    .chain(["churn/AllTraffic", "fraud/blue"].iter().flat_map(|e| {
        ["Invocations", "Invocation4XXErrors"].map(|m| format!("wp-usage-sagemaker-{m}-{e}"))
    }))
    .collect();
    want.sort();
    assert_eq!(usage, want);
    // Listed models are not looked for; the OpenAI-compatible endpoint is (only where used).
    assert_eq!(account.count("ListMetrics"), 1);

    let change = first
        .changes
        .iter()
        .find(|c| c.id.name == "wp-usage-sagemaker-Invocation4XXErrors-fraud/blue")
        .unwrap();
    let Some(Spec::CloudwatchAlarm(alarm)) = change.spec.want() else {
        panic!("an alarm: {change:?}");
    };
    assert_eq!(alarm.comparison_operator, "GreaterThanUpperThreshold");
    assert_eq!(alarm.threshold_metric_id.as_deref(), Some("band"));
    assert_eq!(
        (alarm.datapoints_to_alarm, alarm.evaluation_periods),
        (2, 3)
    );
    assert!(alarm.alarm_actions.is_empty() && alarm.ok_actions.is_empty());
    assert_eq!(
        alarm.metrics[0]["MetricStat"]["Metric"]["Dimensions"],
        json!([
            { "Name": "EndpointName", "Value": "fraud" },
            { "Name": "VariantName", "Value": "blue" }
        ])
    );
    assert_eq!(
        alarm.metrics[1]["Expression"],
        "ANOMALY_DETECTION_BAND(usage, 3)"
    );
}

#[tokio::test]
async fn per_metric_settings_shape_the_alarm_and_a_disabled_metric_has_none() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = activity_config(
        r#"
[usage]
models = ["m1"]
[usage.metrics.InputTokenCount]
band = 5.0
period_s = 60
evaluation_periods = 10
datapoints_to_alarm = 6
upper_only = false
[usage.metrics.InvocationThrottles]
enabled = false
"#,
    );
    let first = plan(&account, &config, Mode::Apply).await;
    let usage = usage_alarms(&first);
    assert!(
        !usage.iter().any(|n| n.contains("InvocationThrottles")),
        "{usage:?}"
    );
    let change = first
        .changes
        .iter()
        .find(|c| c.id.name == "wp-usage-bedrock-InputTokenCount-m1")
        .unwrap();
    let Some(Spec::CloudwatchAlarm(alarm)) = change.spec.want() else {
        panic!("an alarm");
    };
    assert_eq!(
        alarm.comparison_operator,
        "LessThanLowerOrGreaterThanUpperThreshold"
    );
    assert_eq!(
        (alarm.datapoints_to_alarm, alarm.evaluation_periods),
        (6, 10)
    );
    assert_eq!(alarm.metrics[0]["MetricStat"]["Period"], 60);
    assert_eq!(
        alarm.metrics[1]["Expression"],
        "ANOMALY_DETECTION_BAND(usage, 5)"
    );
}

#[tokio::test]
async fn discovery_alarms_on_the_models_and_endpoints_with_metrics_up_to_the_cap_and_says_so() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    for i in 0..12 {
        metric(
            &account,
            "AWS/Bedrock",
            "Invocations",
            &[("ModelId", &format!("model-{i:02}"))],
        );
    }
    // Aggregates (no dimension, other dimension sets) are not models.
    metric(&account, "AWS/Bedrock", "Invocations", &[]);
    metric(
        &account,
        "AWS/Bedrock",
        "InputTokenCount",
        &[("ModelId", "tokens-only")],
    );
    metric(
        &account,
        "AWS/SageMaker",
        "Invocations",
        &[("EndpointName", "churn"), ("VariantName", "AllTraffic")],
    );
    metric(
        &account,
        "AWS/SageMaker",
        "Invocations",
        &[("EndpointName", "churn")],
    );
    metric(
        &account,
        "AWS/BedrockMantle",
        "Inferences",
        &[("Model", "openai.gpt-oss-120b")],
    );
    metric(
        &account,
        "AWS/BedrockMantle",
        "Inferences",
        &[("Model", "openai.gpt-oss-120b"), ("Project", "proj_1")],
    );
    let config = activity_config("[usage]\ndiscover_max = 3\n");
    let first = plan(&account, &config, Mode::Apply).await;
    let usage = usage_alarms(&first);
    let models: std::collections::BTreeSet<&str> = usage
        .iter()
        .filter_map(|n| n.strip_prefix("wp-usage-bedrock-Invocations-"))
        .collect();
    assert_eq!(
        models.into_iter().collect::<Vec<_>>(),
        ["model-00", "model-01", "model-02"]
    );
    assert_eq!(
        usage
            .iter()
            .filter(|n| n.starts_with("wp-usage-bedrock-"))
            .count(),
        3 * 5
    );
    assert_eq!(
        usage
            .iter()
            .filter(|n| n.starts_with("wp-usage-sagemaker-"))
            .count(),
        2,
        "{usage:?}"
    );
    assert!(
        usage.contains(&"wp-usage-bedrockmantle-TotalOutputTokens-openai.gpt-oss-120b".to_owned())
    );
    assert_eq!(
        usage
            .iter()
            .filter(|n| n.starts_with("wp-usage-bedrockmantle-"))
            .count(),
        4
    );
    let notes = first.notes.join("\n");
    assert!(
        notes.contains(
            "us-east-1: usage baselines: 12 Bedrock models found (ListMetrics AWS/Bedrock Invocations); alarms on the first 3 (usage.discover_max): model-00, model-01, model-02"
        ),
        "{notes}"
    );
    assert!(
        notes.contains("1 SageMaker endpoint variants found (ListMetrics AWS/SageMaker Invocations): churn/AllTraffic"),
        "{notes}"
    );
    assert!(render::text(&first).contains("note: us-east-1: usage baselines: 12 Bedrock models"));
}

#[tokio::test]
async fn nothing_found_is_a_plan_line_and_no_usage_alarm() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let first = plan(&account, &activity_config(""), Mode::Apply).await;
    assert!(usage_alarms(&first).is_empty());
    let notes = first.notes.join("\n");
    assert!(
        notes.contains(
            "usage baselines: no Bedrock models found (ListMetrics AWS/Bedrock Invocations)"
        ),
        "{notes}"
    );
    assert!(
        notes.contains("usage baselines: no SageMaker endpoint variants found"),
        "{notes}"
    );
    // The state-change rule stays: alarms appear as soon as a plan finds metrics.
    assert!(named(&first, Kind::EventsRule).contains(&"wp-alarm-states".to_owned()));
}

#[tokio::test]
async fn usage_and_activity_rules_converge_and_destroy_removes_them() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    metric(&account, "AWS/Bedrock", "Invocations", &[("ModelId", "m1")]);
    metric(
        &account,
        "AWS/SageMaker",
        "Invocations",
        &[("EndpointName", "e1"), ("VariantName", "AllTraffic")],
    );
    let config = activity_config("");
    let first = plan(&account, &config, Mode::Apply).await;
    assert_eq!(usage_alarms(&first).len(), 7);
    apply(&account, &config, &first).await;
    {
        let state = account.state();
        assert!(state.rules.contains_key("wp-cloudtrail"));
        assert!(state.rules.contains_key("wp-alarm-states"));
        assert_eq!(state.targets["wp-alarm-states"].len(), 1);
        assert_eq!(
            state
                .alarms
                .keys()
                .filter(|n| n.starts_with("wp-usage-"))
                .count(),
            7
        );
        let body = state.dashboards["wp"].body.to_string();
        assert!(body.contains("## AI usage"), "{body}");
        assert!(body.contains("ANOMALY_DETECTION_BAND(m"), "{body}");
    }
    let second = plan(&account, &config, Mode::Apply).await;
    assert!(second.is_empty(), "{}", render::text(&second));

    // A model whose metrics aged out loses its alarms; the others stay.
    account
        .state()
        .metrics
        .retain(|(ns, _, _)| ns != "AWS/Bedrock");
    let shrink = plan(&account, &config, Mode::Apply).await;
    let deleted: Vec<&str> = shrink
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete)
        .map(|c| c.id.name.as_str())
        .collect();
    assert_eq!(deleted.len(), 5, "{deleted:?}");
    assert!(deleted.iter().all(|n| n.starts_with("wp-usage-bedrock-")));

    let destroy = plan(&account, &config, Mode::Destroy).await;
    apply(&account, &config, &destroy).await;
    let state = account.state();
    assert!(state.rules.is_empty(), "{:?}", state.rules.keys());
    assert!(state.alarms.is_empty(), "{:?}", state.alarms.keys());
}

#[tokio::test]
async fn turning_usage_and_detections_off_removes_their_rules_and_alarms() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config_on = activity_config("[usage]\nmodels = [\"m1\"]\n");
    let first = plan(&account, &config_on, Mode::Apply).await;
    apply(&account, &config_on, &first).await;
    let off = activity_config("[usage]\nenabled = false\n[detections]\nenabled = false\n");
    let plan_off = plan(&account, &off, Mode::Apply).await;
    let deleted: Vec<String> = plan_off
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete)
        .map(|c| c.id.to_string())
        .collect();
    for gone in [
        "us-east-1 events-rule wp-cloudtrail",
        "us-east-1 events-rule wp-alarm-states",
        "us-east-1 cloudwatch-alarm wp-usage-bedrock-Invocations-m1",
        "us-east-1 cloudwatch-alarm wp-cloudtrail-failed-invocations",
    ] {
        assert!(deleted.iter().any(|d| d == gone), "{gone} in {deleted:#?}");
    }
    // Without usage, nothing is looked for.
    let before = account.count("ListMetrics");
    apply(&account, &off, &plan_off).await;
    assert!(plan(&account, &off, Mode::Apply).await.is_empty());
    assert_eq!(account.count("ListMetrics"), before);
}

#[test]
fn alarm_names_stay_within_cloudwatchs_limit_and_keep_the_usage_prefix() {
    let long = vec!["m".repeat(300)];
    let a = desired::usage_alarm_name("wp", &desired::BEDROCK, "Invocations", &long);
    let b = desired::usage_alarm_name(
        "wp",
        &desired::BEDROCK,
        "Invocations",
        &[format!("{}x", "m".repeat(299))],
    );
    assert_eq!(a.chars().count(), 255);
    assert!(a.starts_with("wp-usage-bedrock-Invocations-mmm"));
    assert_ne!(a, b, "two long ids share a start but not a name");
    assert_eq!(
        desired::usage_alarm_name(
            "wp",
            &desired::SAGEMAKER,
            "Invocations",
            &["e".into(), "v".into()]
        ),
        "wp-usage-sagemaker-Invocations-e/v"
    );
}

/// The CloudWatch alarm state-change event of `alarm` (CloudWatch user guide, "Alarm events and
/// EventBridge"): the configuration's metrics in the event's camelCase form.
fn state_change(name: &str, alarm: &AlarmSpec) -> Value {
    let metrics: Vec<Value> = alarm
        .metrics
        .iter()
        .map(|q| match q.get("MetricStat") {
            Some(stat) => {
                let dims: BTreeMap<String, String> = stat["Metric"]["Dimensions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        (
                            d["Name"].as_str().unwrap().to_owned(),
                            d["Value"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                json!({
                    "id": q["Id"],
                    "metricStat": {
                        "metric": {
                            "namespace": stat["Metric"]["Namespace"],
                            "name": stat["Metric"]["MetricName"],
                            "dimensions": dims,
                        },
                        "period": stat["Period"],
                        "stat": stat["Stat"],
                    },
                    "returnData": true,
                })
            }
            None => json!({ "id": q["Id"], "expression": q["Expression"], "returnData": true }),
        })
        .collect();
    json!({
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT,
        "time": "2026-11-20T03:30:04Z",
        "region": REGION,
        "resources": [format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}")],
        "detail": {
            "alarmName": name,
            "state": {
                "value": "ALARM",
                "reason": "Thresholds Crossed",
                "reasonData": "{\"period\": 300, \"recentDatapoints\": [900.0, 1000.0], \"recentUpperThresholds\": [100.0, 100.0], \"recentLowerThresholds\": [0.0, 0.0]}",
                "timestamp": "2026-11-20T03:30:04.653+0000"
            },
            "previousState": { "value": "OK", "timestamp": "2026-11-19T22:00:04.000+0000" },
            "configuration": { "description": alarm.description, "metrics": metrics }
        }
    })
}

/// One contract: every usage alarm provisioning creates is, when it fires, one of the stack's
/// usage findings for the core, naming the model or endpoint the alarm watches.
#[tokio::test]
async fn a_provisioned_usage_alarm_firing_is_a_usage_finding_for_the_core() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = activity_config(
        "[usage]\nmodels = [\"anthropic.claude-3-5-sonnet-20240620-v1:0\"]\nendpoints = [\"churn\"]\n",
    );
    let first = plan(&account, &config, Mode::Apply).await;
    apply(&account, &config, &first).await;
    let alarms = account.state().alarms.clone();
    let mut checked = 0;
    for (name, alarm) in alarms.iter().filter(|(n, _)| n.starts_with("wp-usage-")) {
        let event = state_change(name, alarm);
        let Some(ParsedEvent::Findings { findings, .. }) =
            watchpost_core::event::parse_activity("CloudWatch Alarm State Change", &event, &config)
        else {
            panic!("{name} is not a usage finding");
        };
        let Some(watchpost_core::finding::Observation::Usage(change)) = &findings[0].observation
        else {
            panic!("{name}: no usage observation");
        };
        let want = if name.contains("-sagemaker-") {
            ("endpoint", "churn / AllTraffic")
        } else {
            ("model", "anthropic.claude-3-5-sonnet-20240620-v1:0")
        };
        assert_eq!((change.target_kind, change.target.as_str()), want, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 7);
    // The pipeline's own alarms are not usage findings.
    let (name, alarm) = alarms
        .iter()
        .find(|(n, _)| !n.starts_with("wp-usage-"))
        .unwrap();
    assert!(matches!(
        watchpost_core::event::parse_activity(
            "CloudWatch Alarm State Change",
            &state_change(name, alarm),
            &config
        ),
        Some(ParsedEvent::Ignored(_))
    ));
}

/// Regression: an untagged alarm with the name of a usage alarm that discovery wants was not in
/// the set checked for "not ours" (observation compared against the listed models only), so the
/// plan said "create", PutMetricAlarm overwrote the alarm, and every later plan said "create"
/// again (PutMetricAlarm does not tag an alarm that exists). It stops the plan, as an untagged
/// alarm of any other name the stack wants does.
#[tokio::test]
async fn an_untagged_alarm_named_like_a_discovered_usage_alarm_stops_the_plan() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    metric(&account, "AWS/Bedrock", "Invocations", &[("ModelId", "m1")]);
    let theirs = AlarmSpec {
        description: "the team's own".into(),
        metrics: Vec::new(),
        comparison_operator: "GreaterThanThreshold".into(),
        threshold: Some(1.0),
        threshold_metric_id: None,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        treat_missing_data: "missing".into(),
        alarm_actions: Vec::new(),
        ok_actions: Vec::new(),
        tags: Tags::new(),
    };
    account
        .state()
        .alarms
        .insert("wp-usage-bedrock-Invocations-m1".into(), theirs.clone());
    let err = plan_region(
        &account,
        &activity_config(""),
        &package("1"),
        REGION,
        Mode::Apply,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("cloudwatch-alarm:wp-usage-bedrock-Invocations-m1"),
        "{err}"
    );
    assert_eq!(account.count("PutMetricAlarm"), 0);
    assert_eq!(
        account.state().alarms["wp-usage-bedrock-Invocations-m1"],
        theirs
    );
}
