//! AWS Lambda: the enricher function, its package, its environment and role.

use crate::common::*;

/// The config refuses an enricher environment over Lambda's 4 KB from a bound it computes
/// itself; the environment the deployment actually sets must never exceed that bound.
#[test]
fn the_configs_environment_bound_covers_the_deployed_environment() {
    let config = config("");
    let ctx = Context {
        graph_arn: Some(format!(
            "arn:aws:detective:{REGION}:{ACCOUNT}:graph:{}",
            "0".repeat(32)
        )),
        ..context()
    };
    let env = watchpost_provision::desired::enricher_environment(&config, &ctx);
    let bytes: usize = env.iter().map(|(k, v)| k.len() + v.to_string().len()).sum();
    let bound = watchpost_core::config::enricher_environment_bound(&config);
    assert!(bytes <= bound, "{bytes} bytes deployed, bound {bound}");
    assert!(
        bound - bytes < 64,
        "a loose bound: {bound} for {bytes} bytes"
    );
}

#[tokio::test]
async fn the_enricher_is_deployed_with_its_role_rules_alarms_and_dashboard() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    config.watchpost.security_hub = watchpost_core::config::SecurityHub::Cspm;
    converge(&account, &config).await;
    {
        let state = account.state();
        let graph = state.graphs.keys().next().unwrap().clone();
        let (key_arn, _, _) = state.keys.values().next().unwrap().clone();

        // The role Lambda assumes, and a policy naming what exists (no placeholder left).
        let role = &state.roles["wp-enricher-us-east-1"];
        assert_eq!(
            role.trust_policy["Statement"][0]["Principal"]["Service"],
            "lambda.amazonaws.com"
        );
        let policy = state.role_policies
            [&("wp-enricher-us-east-1".to_owned(), "wp-enricher".to_owned())]
            .to_string();
        assert!(!policy.contains("known after apply"), "{policy}");
        assert!(
            policy.contains(&graph) && policy.contains(&key_arn),
            "{policy}"
        );
        assert!(policy.contains("arn:aws:sqs:us-east-1:123456789012:wp-enricher-dlq"));

        // The function: the package, the settings the enricher reads, failures to the queue.
        let function = &state.functions[&config.enricher.function_name];
        assert_eq!(function.code_sha256, package("1").sha256().unwrap());
        assert_eq!(function.runtime, "provided.al2023");
        assert_eq!(
            function.architecture,
            watchpost_core::config::Architecture::Arm64
        );
        assert_eq!(
            function.environment["WATCHPOST_TOPIC_PAGER"],
            "arn:aws:sns:us-east-1:123456789012:wp-pager"
        );
        assert_eq!(function.environment["WATCHPOST_GRAPH_ARN"], graph);
        assert_eq!(
            function.environment["WATCHPOST_STATE_TABLE"],
            config.enricher.state_table
        );
        let invoke = &state.invoke_configs[&config.enricher.function_name];
        assert_eq!(
            invoke.on_failure_arn,
            "arn:aws:sqs:us-east-1:123456789012:wp-enricher-dlq"
        );

        // Findings (severity-filtered: nothing below LOW could alert… so no filter by default),
        // Security Hub's copies, the sweep, the detections' CloudTrail events and the usage
        // alarms' state changes; each invoking the function with a retry policy and the
        // dead-letter queue, and each allowed to. Beside them, the operations rule, to the
        // operations topic.
        let all: Vec<&String> = state.rules.keys().collect();
        assert_eq!(
            all,
            vec![
                "wp-alarm-states",
                "wp-cloudtrail",
                "wp-findings",
                "wp-pipeline",
                "wp-securityhub",
                "wp-sweep"
            ]
        );
        let operations: Vec<&TargetSpec> = state.targets["wp-pipeline"].values().collect();
        assert_eq!(operations.len(), 1);
        assert_eq!(
            operations[0].arn,
            "arn:aws:sns:us-east-1:123456789012:wp-operations"
        );
        let rules: Vec<&String> = all.into_iter().filter(|r| *r != "wp-pipeline").collect();
        assert_eq!(
            state.rules["wp-sweep"].schedule_expression.as_deref(),
            Some("rate(5 minutes)")
        );
        for rule in rules {
            let targets: Vec<&TargetSpec> = state.targets[rule].values().collect();
            assert_eq!(targets.len(), 1, "{rule}");
            assert!(
                targets[0]
                    .arn
                    .ends_with(&format!(":function:{}", config.enricher.function_name))
            );
            assert!(
                targets[0]
                    .dead_letter_arn
                    .as_deref()
                    .unwrap()
                    .ends_with(":wp-enricher-dlq")
            );
            let permission = &state.permissions[&config.enricher.function_name][rule];
            assert_eq!(permission.principal, "events.amazonaws.com");
            assert_eq!(
                permission.source_arn,
                format!("arn:aws:events:us-east-1:123456789012:rule/{rule}")
            );
        }
        // The queue admits exactly those rules and the operations rule.
        let queue_policy = state.queues["wp-enricher-dlq"].1.policy.clone().unwrap();
        assert_eq!(
            queue_policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"]
                .as_array()
                .unwrap()
                .len(),
            6
        );

        // Alarms notify the operations topic; one anomaly alarm per AI component.
        let ops = "arn:aws:sns:us-east-1:123456789012:wp-operations";
        assert!(
            state
                .alarms
                .values()
                .all(|a| a.alarm_actions == vec![ops.to_owned()])
        );
        assert!(state.alarms.contains_key("wp-enricher-errors"));
        assert!(state.alarms.contains_key("wp-dead-letters"));
        assert_eq!(
            state
                .alarms
                .keys()
                .filter(|n| n.starts_with("wp-unusual-"))
                .count(),
            watchpost_core::Component::ALL.len()
        );
        let unusual = &state.alarms["wp-unusual-model-invocation"];
        assert_eq!(unusual.threshold_metric_id.as_deref(), Some("band"));
        assert_eq!(
            unusual.metrics[1]["Expression"],
            "ANOMALY_DETECTION_BAND(findings, 2)"
        );
        let dashboard = state.dashboards["wp"].body.to_string();
        assert!(dashboard.contains("Findings by AI component"));
    }

    let (again, observation) = plan_region(&account, &config, &package("1"), REGION, Mode::Apply)
        .await
        .unwrap();
    assert!(again.is_empty(), "{}", render::text(&again));
    assert!(observation.outputs.function_arn.is_some());
    assert_eq!(
        observation.outputs.dashboard_url.as_deref(),
        Some(
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/wp"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn create_function_waits_for_iam_to_propagate_the_new_role() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    account.state().role_propagation_failures = 3;
    let config = config("");
    converge(&account, &config).await;
    assert_eq!(account.count("CreateFunction"), 4);
    assert!(
        account
            .state()
            .functions
            .contains_key(&config.enricher.function_name)
    );

    // A role that never becomes usable: the error is reported, not retried forever.
    let account = FakeAccount::new(ACCOUNT, REGION);
    account.state().role_propagation_failures = 100;
    let first = plan(&account, &config, Mode::Apply).await;
    let report = apply_region(&account, &config, &package("1"), &first, REGION, &|_| {}).await;
    let failed: Vec<Kind> = report.errors.iter().map(|e| e.id.kind).collect();
    assert!(failed.contains(&Kind::LambdaFunction), "{failed:?}");
    assert!(
        report.errors[0]
            .cause
            .to_string()
            .contains("cannot be assumed by Lambda"),
        "{:?}",
        report.errors
    );
    assert_eq!(
        account.count("CreateFunction"),
        1 + watchpost_provision::limits::IAM_PROPAGATION_BACKOFF_S.len()
    );
}

#[tokio::test]
async fn a_new_package_updates_only_the_code() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let (plan, _) = plan_region(&account, &config, &package("2"), REGION, Mode::Apply)
        .await
        .unwrap();
    let reasons: Vec<String> = plan.changes.iter().map(|c| c.reason.to_string()).collect();
    let summary: Vec<(Action, Kind, &str)> = plan
        .changes
        .iter()
        .zip(&reasons)
        .map(|(c, reason)| (c.action(), c.id.kind, reason.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![(Action::Update, Kind::LambdaFunction, "code_sha256 changed")]
    );
    let report = apply_region(&account, &config, &package("2"), &plan, REGION, &|_| {}).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(account.count("UpdateFunctionCode"), 1);
    assert_eq!(account.count("UpdateFunctionConfiguration"), 0);
    assert_eq!(
        account.state().functions[&config.enricher.function_name].code_sha256,
        package("2").sha256().unwrap()
    );
}

#[tokio::test]
async fn without_a_package_the_plan_says_what_to_build_and_the_rest_is_applied() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let missing = Package::build(std::path::Path::new("/nonexistent/bootstrap.zip"), "");
    let (plan, _) = plan_region(&account, &config, &missing, REGION, Mode::Apply)
        .await
        .unwrap();
    assert!(
        plan.notes.iter().any(|n| n.contains("just lambda")),
        "{:?}",
        plan.notes
    );
    let report = apply_region(&account, &config, &missing, &plan, REGION, &|_| {}).await;
    let function_error = report
        .errors
        .iter()
        .find(|e| e.id.kind == Kind::LambdaFunction)
        .unwrap();
    assert!(
        function_error.cause.to_string().contains("just lambda"),
        "{function_error}"
    );
    assert!(account.state().topics.len() >= 3);
    assert!(account.state().rules.contains_key("wp-findings"));

    // Once the function exists, a missing package leaves its code alone.
    apply(
        &account,
        &config,
        &plan_region(&account, &config, &package("1"), REGION, Mode::Apply)
            .await
            .unwrap()
            .0,
    )
    .await;
    let (later, _) = plan_region(&account, &config, &missing, REGION, Mode::Apply)
        .await
        .unwrap();
    assert!(later.is_empty(), "{}", render::text(&later));
}
