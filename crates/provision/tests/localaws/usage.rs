//! Usage baselines and the activity rules against moto.

use crate::common::*;

/// Usage baselines and the activity rules against moto: models and endpoints discovered from
/// the metrics that exist (ListMetrics), one anomaly-detection alarm per metric read back as
/// CloudWatch stores it, the CloudTrail and alarm-state rules with the enricher as target, a
/// second plan with nothing to do, and destroy removing them all. moto stores alarms without
/// evaluating them, so their state changes are the enricher's and the demo's tests.
#[tokio::test]
async fn usage_alarms_on_discovered_models_converge_and_are_destroyed_against_the_local_aws() {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};

    let local = LocalAws::start().await;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let ports = counted_ports(&local);
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&sdk);
    let datum = |name: &str, dims: &[(&str, &str)]| {
        MetricDatum::builder()
            .metric_name(name)
            .set_dimensions(Some(
                dims.iter()
                    .map(|(k, v)| Dimension::builder().name(*k).value(*v).build())
                    .collect(),
            ))
            .value(1.0)
            .build()
    };
    // What Bedrock and SageMaker publish (moto takes the AWS/ namespaces from anyone).
    for (namespace, data) in [
        (
            "AWS/Bedrock",
            vec![
                datum(
                    "Invocations",
                    &[("ModelId", "anthropic.claude-3-haiku-20240307-v1:0")],
                ),
                datum("Invocations", &[]),
            ],
        ),
        (
            "AWS/SageMaker",
            vec![datum(
                "Invocations",
                &[("EndpointName", "churn"), ("VariantName", "AllTraffic")],
            )],
        ),
    ] {
        cloudwatch
            .put_metric_data()
            .namespace(namespace)
            .set_metric_data(Some(data))
            .send()
            .await
            .unwrap();
    }

    let config = config_with(0, false);
    let first = plan(&ports, &config, Mode::Apply).await;
    let text = render::text(&first);
    assert!(
        text.contains("usage baselines: 1 Bedrock models found (ListMetrics AWS/Bedrock Invocations): anthropic.claude-3-haiku-20240307-v1:0"),
        "{text}"
    );
    apply(&ports, &config, &first).await;

    let alarms = cloudwatch
        .describe_alarms()
        .alarm_name_prefix("wp-usage-")
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = alarms
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "wp-usage-bedrock-InputTokenCount-anthropic.claude-3-haiku-20240307-v1:0",
            "wp-usage-bedrock-InvocationClientErrors-anthropic.claude-3-haiku-20240307-v1:0",
            "wp-usage-bedrock-InvocationThrottles-anthropic.claude-3-haiku-20240307-v1:0",
            "wp-usage-bedrock-Invocations-anthropic.claude-3-haiku-20240307-v1:0",
            "wp-usage-bedrock-OutputTokenCount-anthropic.claude-3-haiku-20240307-v1:0",
            "wp-usage-sagemaker-Invocation4XXErrors-churn/AllTraffic",
            "wp-usage-sagemaker-Invocations-churn/AllTraffic",
        ]
    );
    let alarm = alarms
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some("wp-usage-sagemaker-Invocations-churn/AllTraffic"))
        .unwrap();
    assert_eq!(alarm.threshold_metric_id(), Some("band"));
    assert_eq!(
        alarm.comparison_operator().map(|c| c.as_str()),
        Some("GreaterThanUpperThreshold")
    );
    let metric = alarm.metrics()[0].metric_stat().unwrap().metric().unwrap();
    assert_eq!(metric.namespace(), Some("AWS/SageMaker"));
    let dims: Vec<(&str, &str)> = metric
        .dimensions()
        .iter()
        .map(|d| (d.name().unwrap(), d.value().unwrap()))
        .collect();
    assert_eq!(
        dims,
        [("EndpointName", "churn"), ("VariantName", "AllTraffic")]
    );
    assert_eq!(
        alarm.metrics()[1].expression(),
        Some("ANOMALY_DETECTION_BAND(usage, 3)")
    );

    let events = aws_sdk_eventbridge::Client::new(&sdk);
    for rule in ["wp-cloudtrail", "wp-alarm-states"] {
        let described = events.describe_rule().name(rule).send().await.unwrap();
        let pattern: serde_json::Value =
            serde_json::from_str(described.event_pattern().unwrap()).unwrap();
        assert!(pattern["detail-type"].is_array(), "{rule}: {pattern}");
        let targets = events
            .list_targets_by_rule()
            .rule(rule)
            .send()
            .await
            .unwrap();
        let arns: Vec<&str> = targets.targets().iter().map(|t| t.arn()).collect();
        assert_eq!(
            arns,
            [format!(
                "arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT}:function:wp-enricher"
            )],
            "{rule}"
        );
    }

    let second = plan(&ports, &config, Mode::Apply).await;
    assert!(second.is_empty(), "{}", render::text(&second));

    let destroy = plan(&ports, &config, Mode::Destroy).await;
    apply(&ports, &config, &destroy).await;
    let left = cloudwatch
        .describe_alarms()
        .alarm_name_prefix("wp-")
        .send()
        .await
        .unwrap();
    assert!(
        left.metric_alarms().is_empty(),
        "{:?}",
        left.metric_alarms()
    );
    let rules = events.list_rules().name_prefix("wp-").send().await.unwrap();
    assert!(rules.rules().is_empty(), "{:?}", rules.rules());
}
