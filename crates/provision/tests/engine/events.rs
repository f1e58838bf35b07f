//! Amazon EventBridge: the rules that feed the enricher, their patterns and targets.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn the_findings_rule_filters_on_the_lowest_severity_that_can_alert() {
    let mut config = config("");
    config.thresholds.ai_min_severity = watchpost_core::SeverityLabel::Medium;
    config.thresholds.other_min_severity = watchpost_core::SeverityLabel::High;
    config.thresholds.alert_samples = false;
    assert_eq!(
        watchpost_provision::desired::findings_pattern(&config)["detail"]["severity"][0]["numeric"],
        serde_json::json!([">=", 4.0])
    );
    // Samples alert at any severity while alert_samples is on: they pass the filter too.
    config.thresholds.alert_samples = true;
    let pattern = watchpost_provision::desired::findings_pattern(&config);
    assert!(pattern.get("detail").is_none());
    assert_eq!(
        pattern["$or"][0]["detail"]["severity"][0]["numeric"],
        serde_json::json!([">=", 4.0])
    );
    assert_eq!(
        pattern["$or"][1]["detail"]["service"]["additionalInfo"]["sample"][0],
        true
    );
    config.thresholds.ai_min_severity = watchpost_core::SeverityLabel::Low;
    assert!(
        watchpost_provision::desired::findings_pattern(&config)
            .get("$or")
            .is_none()
    );
    assert!(
        watchpost_provision::desired::findings_pattern(&config)
            .get("detail")
            .is_none()
    );
}

#[tokio::test]
async fn a_target_replaced_by_hand_is_restored_and_a_dropped_rule_is_removed() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    config.watchpost.security_hub = watchpost_core::config::SecurityHub::Cspm;
    converge(&account, &config).await;
    {
        let mut state = account.state();
        let targets = state.targets.get_mut("wp-findings").unwrap();
        targets.clear();
        targets.insert(
            "tap".into(),
            TargetSpec {
                id: "tap".into(),
                arn: "arn:aws:sqs:us-east-1:123456789012:tap".into(),
                maximum_retry_attempts: 0,
                maximum_event_age_s: 60,
                dead_letter_arn: None,
                input: None,
            },
        );
    }
    config.watchpost.security_hub = watchpost_core::config::SecurityHub::Off;
    let drift = plan(&account, &config, Mode::Apply).await;
    let summary: Vec<(Action, Kind, &str)> = drift
        .changes
        .iter()
        .map(|c| (c.action(), c.id.kind, c.id.name.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Action::Update, Kind::SqsQueue, "wp-enricher-dlq"),
            (Action::Update, Kind::EventsTargets, "wp-findings"),
            // The dashboard's alarm widget lists the stack's alarms.
            (Action::Update, Kind::CloudwatchDashboard, "wp"),
            (
                Action::Delete,
                Kind::CloudwatchAlarm,
                "wp-securityhub-failed-invocations"
            ),
            (Action::Delete, Kind::LambdaPermission, "wp-securityhub"),
            (Action::Delete, Kind::EventsTargets, "wp-securityhub"),
            (Action::Delete, Kind::EventsRule, "wp-securityhub"),
        ]
    );
    apply(&account, &config, &drift).await;
    {
        let state = account.state();
        assert_eq!(
            state.targets["wp-findings"].keys().collect::<Vec<_>>(),
            vec!["enricher"]
        );
        assert!(!state.rules.contains_key("wp-securityhub"));
    }
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

/// `security_hub` picks the Security Hub rules: each choice provisions its rules (with their
/// failed-invocations alarms), and the plan says what each catches and costs.
#[tokio::test]
async fn security_hub_provisions_the_cspm_rule_the_v2_rule_or_both_and_the_plan_says_why() {
    use watchpost_core::config::SecurityHub;
    let cases = [
        (SecurityHub::Off, vec![]),
        (SecurityHub::Cspm, vec!["wp-securityhub"]),
        (SecurityHub::V2, vec!["wp-securityhub-v2"]),
        (
            SecurityHub::Both,
            vec!["wp-securityhub", "wp-securityhub-v2"],
        ),
    ];
    for (choice, expected) in cases {
        let account = FakeAccount::new(ACCOUNT, REGION);
        let mut config = config("");
        config.watchpost.security_hub = choice;
        let first = plan(&account, &config, Mode::Apply).await;
        let rules: Vec<&str> = first
            .changes
            .iter()
            .filter(|c| c.id.kind == Kind::EventsRule && c.id.name.starts_with("wp-securityhub"))
            .map(|c| c.id.name.as_str())
            .collect();
        assert_eq!(rules, expected, "{choice:?}");
        let alarms = first
            .changes
            .iter()
            .filter(|c| {
                c.id.kind == Kind::CloudwatchAlarm
                    && c.id.name.starts_with("wp-securityhub")
                    && c.id.name.ends_with("-failed-invocations")
            })
            .count();
        assert_eq!(alarms, expected.len(), "{choice:?}: one alarm per rule");
        let notes: Vec<&String> = first
            .notes
            .iter()
            .filter(|n| n.contains("security_hub"))
            .collect();
        for rule in &expected {
            assert!(
                notes
                    .iter()
                    .any(|n| n.contains(&format!("{rule} reads")) && n.contains("costs")),
                "{choice:?}: the plan says what {rule} catches and costs: {notes:?}"
            );
        }
        assert_eq!(
            notes.iter().any(|n| n.contains("up to three times")),
            choice == SecurityHub::Both
        );
        apply(&account, &config, &first).await;
        if choice.v2() {
            assert_eq!(
                account.state().rules["wp-securityhub-v2"].event_pattern,
                Some(desired::securityhub_v2_pattern())
            );
        }
        assert!(
            plan(&account, &config, Mode::Apply).await.is_empty(),
            "{choice:?}"
        );
    }
}

#[test]
fn the_cloudtrail_pattern_names_the_events_the_detections_in_force_read() {
    // The AI services' detections alone: their names fit.
    let ai_only = activity_config(&pipeline_off());
    let pattern = desired::cloudtrail_pattern(&ai_only).unwrap();
    assert_eq!(
        pattern["source"],
        json!(["aws.bedrock", "aws.iam", "aws.sagemaker"])
    );
    assert_eq!(
        pattern["detail-type"],
        json!(["AWS API Call via CloudTrail"])
    );
    assert_eq!(
        pattern["detail"]["eventSource"],
        json!([
            "bedrock.amazonaws.com",
            "iam.amazonaws.com",
            "sagemaker.amazonaws.com"
        ])
    );
    let names: Vec<&str> = pattern["detail"]["eventName"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for name in [
        "PutFoundationModelEntitlement",
        "DeleteModelInvocationLoggingConfiguration",
        "DeleteGuardrail",
        "CreatePresignedDomainUrl",
        "CreateTrainingJob",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(pattern.to_string().len() <= desired::EVENT_PATTERN_MAX_CHARS);

    // A detection turned off drops its calls; with every SageMaker one off, SageMaker goes.
    let narrowed = desired::cloudtrail_pattern(&activity_config(&format!(
        r#"{}
[[detections.rules]]
id = "sagemaker-presigned-url"
enabled = false
[[detections.rules]]
id = "accelerated-training-job"
enabled = false
"#,
        pipeline_off()
    )))
    .unwrap();
    assert_eq!(narrowed["source"], json!(["aws.bedrock", "aws.iam"]));
    assert!(!narrowed.to_string().contains("CreateTrainingJob"));

    assert!(
        desired::cloudtrail_pattern(&activity_config("[detections]\nenabled = false\n")).is_none()
    );
}

/// `[[detections.rules]]` that turn every pipeline detection off.
fn pipeline_off() -> String {
    use watchpost_core::config::detections::{DEFAULTS, Kind};
    DEFAULTS
        .iter()
        .filter(|d| d.kind == Kind::Pipeline)
        .map(|d| format!("[[detections.rules]]\nid = \"{}\"\nenabled = false\n", d.id))
        .collect()
}

/// With every default in force, the names are over EventBridge's size: the pattern matches the
/// services, and the enricher reads the names.
#[test]
fn the_default_cloudtrail_pattern_matches_the_services_of_every_detection() {
    let pattern = desired::cloudtrail_pattern(&activity_config("")).unwrap();
    assert_eq!(
        pattern["source"],
        json!([
            "aws.bedrock",
            "aws.cloudtrail",
            "aws.detective",
            "aws.dynamodb",
            "aws.events",
            "aws.guardduty",
            "aws.iam",
            "aws.kms",
            "aws.lambda",
            "aws.sagemaker",
            "aws.securityhub",
            "aws.sns"
        ])
    );
    assert!(pattern["detail"].get("eventName").is_none(), "{pattern}");
    assert!(pattern.to_string().len() <= desired::EVENT_PATTERN_MAX_CHARS);
}

#[test]
fn a_pattern_over_eventbridges_size_matches_the_services_and_leaves_names_to_the_enricher() {
    let many: Vec<String> = (0..120)
        .map(|i| format!("\"SomeBedrockCall{i:03}\""))
        .collect();
    let config = activity_config(&format!(
        r#"
[[detections.rules]]
id = "many-calls"
event_source = "bedrock.amazonaws.com"
event_names = [{}]
severity = 5.0
rationale = "Many calls."
"#,
        many.join(", ")
    ));
    let pattern = desired::cloudtrail_pattern(&config).unwrap();
    assert!(pattern["detail"].get("eventName").is_none(), "{pattern}");
    assert!(pattern.to_string().len() <= desired::EVENT_PATTERN_MAX_CHARS);
    assert!(
        pattern["source"]
            .as_array()
            .unwrap()
            .contains(&json!("aws.bedrock"))
    );
}

#[test]
fn the_usage_alarm_rule_matches_only_this_stacks_usage_alarms() {
    let pattern = desired::usage_alarms_pattern(&activity_config(""));
    assert_eq!(pattern["source"], json!(["aws.cloudwatch"]));
    assert_eq!(
        pattern["detail"]["alarmName"],
        json!([{ "prefix": "wp-usage-" }])
    );
    // No alarm of the stack's own pipeline carries the usage prefix (their state changes are
    // for the operations topic, not alerts).
    let config = activity_config("[usage]\nmodels = [\"m1\"]\n");
    let ctx = watchpost_provision::desired::Context {
        region: REGION.into(),
        account_id: ACCOUNT.into(),
        partition: "aws".into(),
        graph_arn: Some("arn:aws:detective:us-east-1:123456789012:graph:1".into()),
        graph_adopted: false,
        key_arn: Some("arn:aws:kms:us-east-1:123456789012:key/1".into()),
        code_sha256: Some("x".into()),
    };
    let resources = desired::desired(&config, &ctx);
    for r in resources
        .iter()
        .filter(|r| r.id.kind == Kind::CloudwatchAlarm)
    {
        let is_usage = r.id.name.starts_with("wp-usage-");
        let Spec::CloudwatchAlarm(alarm) = &r.spec else {
            unreachable!()
        };
        let on_ai_metrics = alarm.metrics[0]["MetricStat"]["Metric"]["Namespace"]
            .as_str()
            .is_some_and(|ns| ["AWS/Bedrock", "AWS/BedrockMantle", "AWS/SageMaker"].contains(&ns));
        assert_eq!(is_usage, on_ai_metrics, "{}", r.id.name);
    }
    assert_eq!(names::usage_alarms_rule("wp"), "wp-alarm-states");
}

/// The operations rule's pattern: the calls of the detections on the stack's own resources,
/// narrowed as each detection's conditions say (the stack's rules, concurrency 0) and without
/// the deployers' own changes, within EventBridge's size; no rule when detections are off.
#[test]
fn the_operations_rule_matches_the_stack_calls_narrowed_as_the_detections_are() {
    let mut config =
        config("[detections]\ndeployers = [\"arn:aws:iam::123456789012:role/wp-deployer\"]\n");
    let pattern = desired::operations_pattern(&config, &context()).unwrap();
    assert!(
        pattern.to_string().len() <= desired::EVENT_PATTERN_MAX_CHARS,
        "{} characters",
        pattern.to_string().len()
    );
    assert_eq!(
        pattern["detail-type"],
        json!(["AWS API Call via CloudTrail"])
    );
    assert_eq!(
        pattern["source"],
        json!([
            "aws.dynamodb",
            "aws.events",
            "aws.kms",
            "aws.lambda",
            "aws.sns"
        ])
    );
    let branches = pattern["$or"].as_array().unwrap();
    let calls = |branch: &serde_json::Value| -> Vec<serde_json::Value> {
        match branch["detail"].get("$or") {
            Some(calls) => calls.as_array().unwrap().clone(),
            None => vec![branch["detail"].clone()],
        }
    };
    let find = |name: &str| {
        branches
            .iter()
            .find_map(|b| {
                calls(b)
                    .into_iter()
                    .find(|c| c["eventName"].as_array().unwrap().contains(&json!(name)))
                    .map(|c| (b.clone(), c))
            })
            .unwrap_or_else(|| panic!("no branch for {name}: {pattern}"))
    };
    let (disable, call) = find("DisableRule");
    assert_eq!(
        call["requestParameters"]["name"],
        json!([{ "prefix": "wp-" }])
    );
    // Deleting a rule alerts whoever does it; replacing the enricher's code is the deployer's.
    assert!(disable["detail"].get("userIdentity").is_none());
    let (update, _) = find("UpdateFunctionCode20150331v2");
    assert_eq!(
        update["detail"]["userIdentity"]["$or"][0]["sessionContext"]["sessionIssuer"]["arn"],
        json!([{ "anything-but": ["arn:aws:iam::123456789012:role/wp-deployer"] }])
    );
    let (_, throttle) = find("PutFunctionConcurrency20171031");
    assert_eq!(
        throttle["requestParameters"]["reservedConcurrentExecutions"],
        json!([0, "0"])
    );
    config.detections.enabled = false;
    assert!(desired::operations_pattern(&config, &context()).is_none());
    assert!(!desired::has_operations_rule(&config));
}

/// The operations subscribers read a sentence of what AWS sets about the call (its name,
/// service, account, region, time and event id), never the raw event: a caller chooses its
/// user agent, parameters, error message and session name, and the raw event put them in an
/// operator's mail as live links.
#[test]
fn the_operations_topic_receives_only_what_aws_sets_about_a_call() {
    let config = config("");
    let ctx = context();
    let rule = names::operations_rule("wp");
    let targets: Vec<TargetSpec> = desired::desired(&config, &ctx)
        .into_iter()
        .filter(|r| r.id.name == rule)
        .filter_map(|r| match r.spec {
            Spec::EventsTargets(t) => Some(t.targets),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(targets.len(), 1, "{targets:?}");
    let input = targets[0].input.as_ref().expect("an input transformer");
    let set_by_aws = [
        "$.account",
        "$.region",
        "$.time",
        "$.detail.eventID",
        "$.detail.eventName",
        "$.detail.eventSource",
    ];
    for (name, path) in &input.paths {
        assert!(set_by_aws.contains(&path.as_str()), "{name}: {path}");
        assert!(input.template.contains(&format!("<{name}>")), "{name}");
    }
    // A JSON string, as EventBridge takes a template that is text.
    let text: String = serde_json::from_str(&input.template.replace(['<', '>'], "")).unwrap();
    assert!(
        text.starts_with("Watchpost's pipeline was changed"),
        "{text}"
    );
}
