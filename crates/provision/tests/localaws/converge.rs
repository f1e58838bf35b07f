//! Provisioning the whole pipeline against the local AWS: apply (every resource read back through the SDK), converge, minimal plans for additions, member batching, destroy.

use crate::common::*;

#[tokio::test]
async fn provision_converge_grow_and_destroy_against_the_local_aws() {
    let local = LocalAws::start().await;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let ports = counted_ports(&local);

    // Apply a full config; everything exists as configured.
    let config = config_with(2, false);
    let first = plan(&ports, &config, Mode::Apply).await;
    assert!(
        first.changes.iter().all(|c| c.action() == Action::Create),
        "{}",
        render::text(&first)
    );
    apply(&ports, &config, &first).await;

    let sns = aws_sdk_sns::Client::new(&sdk);
    let topics: Vec<String> = sns
        .list_topics()
        .send()
        .await
        .unwrap()
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn().map(str::to_owned))
        .collect();
    let pager = "arn:aws:sns:us-east-1:123456789012:wp-pager";
    assert!(topics.iter().any(|t| t == pager), "{topics:?}");
    assert!(
        topics.iter().any(|t| t.ends_with(":wp-operations")),
        "{topics:?}"
    );
    let attributes = sns
        .get_topic_attributes()
        .topic_arn(pager)
        .send()
        .await
        .unwrap();
    let attributes = attributes.attributes().unwrap();
    assert_eq!(attributes["KmsMasterKeyId"], "alias/wp-sns");
    assert!(attributes["Policy"].contains("EnricherPublishes"));
    let subs = sns
        .list_subscriptions_by_topic()
        .topic_arn(pager)
        .send()
        .await
        .unwrap();
    assert_eq!(subs.subscriptions().len(), 2);
    let kms = aws_sdk_kms::Client::new(&sdk);
    let key = kms
        .describe_key()
        .key_id("alias/wp-sns")
        .send()
        .await
        .unwrap();
    assert!(key.key_metadata().is_some());
    let detective = aws_sdk_detective::Client::new(&local.detective_sdk_config(DEFAULT_ACCOUNT));
    let graphs = detective.list_graphs().send().await.unwrap();
    let graph = graphs.graph_list()[0].arn().unwrap().to_owned();
    let members = detective
        .list_members()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap();
    assert_eq!(members.member_details().len(), 2);
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = dynamodb
        .describe_table()
        .table_name(&config.enricher.state_table)
        .send()
        .await
        .unwrap();
    let table = table.table().unwrap();
    let keys: Vec<(&str, &str)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(keys, vec![("pk", "HASH")]);
    assert_eq!(
        table.attribute_definitions()[0].attribute_type().as_str(),
        "S"
    );
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some("PAY_PER_REQUEST")
    );
    let ttl = dynamodb
        .describe_time_to_live()
        .table_name(&config.enricher.state_table)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
    assert_eq!(ttl.attribute_name(), Some("expires_at"));
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue_url = sqs
        .get_queue_url()
        .queue_name("wp-enricher-dlq")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let queue = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let queue = queue.attributes().unwrap();
    use aws_sdk_sqs::types::QueueAttributeName as Q;
    assert_eq!(queue[&Q::SqsManagedSseEnabled], "true");
    assert_eq!(queue[&Q::MessageRetentionPeriod], "1209600");
    let queue_tags = sqs
        .list_queue_tags()
        .queue_url(&queue_url)
        .send()
        .await
        .unwrap();
    assert_eq!(queue_tags.tags().unwrap()["watchpost:stack"], "wp");
    assert!(queue[&Q::Policy].contains("rule/wp-findings"), "{queue:?}");
    verify_deployment(&sdk, &config, &graph).await;

    // A second apply changes nothing.
    let second = plan(&ports, &config, Mode::Apply).await;
    assert!(second.is_empty(), "{}", render::text(&second));

    // A member, a route and its subscription more: exactly those are created.
    let grown = config_with(3, true);
    let third = plan(&ports, &grown, Mode::Apply).await;
    let summary: Vec<(Action, Kind, String)> = third
        .changes
        .iter()
        .map(|c| (c.action(), c.id.kind, c.id.name.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Action::Create, Kind::SnsTopic, "wp-chat".to_owned()),
            (
                Action::Create,
                Kind::SnsSubscription,
                "wp-chat/https:https://chat.example.com/hook".to_owned()
            ),
            (
                Action::Create,
                Kind::DetectiveMember,
                "300000000002".to_owned()
            ),
            // The enricher may publish to the new topic and learns its ARN; an alarm watches
            // the topic's failed notifications; the dashboard shows the route's deliveries.
            (
                Action::Update,
                Kind::IamRolePolicy,
                "wp-enricher".to_owned()
            ),
            (
                Action::Update,
                Kind::LambdaFunction,
                "wp-enricher".to_owned()
            ),
            (
                Action::Create,
                Kind::CloudwatchAlarm,
                "wp-chat-notifications-failed".to_owned()
            ),
            (Action::Update, Kind::CloudwatchDashboard, "wp".to_owned()),
        ],
        "{}",
        render::text(&third)
    );
    apply(&ports, &grown, &third).await;
    assert!(plan(&ports, &grown, Mode::Apply).await.is_empty());

    // 250 members more take at most 5 CreateMembers calls.
    let before = ports[0].1.detective.create_members.load(Ordering::SeqCst);
    let many = config_with(253, true);
    let fourth = plan(&ports, &many, Mode::Apply).await;
    assert_eq!(fourth.counts(), (250, 0, 0));
    apply(&ports, &many, &fourth).await;
    let calls = ports[0].1.detective.create_members.load(Ordering::SeqCst) - before;
    assert!(calls <= 5, "{calls} CreateMembers calls");
    assert!(plan(&ports, &many, Mode::Apply).await.is_empty());

    // Destroy leaves nothing the stack owns.
    let destroy = plan(&ports, &many, Mode::Destroy).await;
    assert!(destroy.changes.iter().all(|c| c.action() == Action::Delete));
    apply(&ports, &many, &destroy).await;
    let left = plan(&ports, &many, Mode::Destroy).await;
    assert!(left.is_empty(), "{}", render::text(&left));
    let topics = sns.list_topics().send().await.unwrap();
    assert!(
        !topics
            .topics()
            .iter()
            .any(|t| t.topic_arn().unwrap_or_default().contains(":wp-")),
        "{topics:?}"
    );
    assert!(
        dynamodb
            .describe_table()
            .table_name(&config.enricher.state_table)
            .send()
            .await
            .is_err()
    );
    assert!(
        sqs.get_queue_url()
            .queue_name("wp-enricher-dlq")
            .send()
            .await
            .is_err()
    );
    assert!(
        detective
            .list_graphs()
            .send()
            .await
            .unwrap()
            .graph_list()
            .is_empty()
    );
    let guardduty = aws_sdk_guardduty::Client::new(&sdk);
    assert!(
        guardduty
            .list_detectors()
            .send()
            .await
            .unwrap()
            .detector_ids()
            .is_empty()
    );
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let rules = events.list_rules().name_prefix("wp-").send().await.unwrap();
    assert!(rules.rules().is_empty(), "{rules:?}");
    let iam = aws_sdk_iam::Client::new(&sdk);
    assert!(
        iam.get_role()
            .role_name("wp-enricher-us-east-1")
            .send()
            .await
            .is_err()
    );
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    assert!(
        lambda
            .get_function()
            .function_name(&config.enricher.function_name)
            .send()
            .await
            .is_err()
    );
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&sdk);
    let alarms = cloudwatch
        .describe_alarms()
        .alarm_name_prefix("wp-")
        .send()
        .await
        .unwrap();
    assert!(alarms.metric_alarms().is_empty(), "{alarms:?}");
}

/// The enricher's role, function, rules, alarms and dashboard, read back through the SDK.
async fn verify_deployment(sdk: &aws_config::SdkConfig, config: &Config, graph: &str) {
    let iam = aws_sdk_iam::Client::new(sdk);
    let role = iam
        .get_role()
        .role_name("wp-enricher-us-east-1")
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_owned();
    let policy = iam
        .get_role_policy()
        .role_name("wp-enricher-us-east-1")
        .policy_name("wp-enricher")
        .send()
        .await
        .unwrap();
    // IAM answers with the document URL-encoded; the graph's id has nothing to encode.
    let graph_id = graph.rsplit(':').next().unwrap();
    assert!(policy.policy_document().contains(graph_id), "{policy:?}");

    let lambda = aws_sdk_lambda::Client::new(sdk);
    let function = lambda
        .get_function()
        .function_name(&config.enricher.function_name)
        .send()
        .await
        .unwrap();
    let configuration = function.configuration().unwrap();
    assert_eq!(configuration.role(), Some(role_arn.as_str()));
    assert_eq!(configuration.code_sha256(), package().sha256());
    let variables = configuration.environment().unwrap().variables().unwrap();
    assert_eq!(variables["WATCHPOST_GRAPH_ARN"], graph);
    assert_eq!(
        variables["WATCHPOST_TOPIC_PAGER"],
        "arn:aws:sns:us-east-1:123456789012:wp-pager"
    );
    let invoke = lambda
        .get_function_event_invoke_config()
        .function_name(&config.enricher.function_name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        invoke
            .destination_config()
            .and_then(|d| d.on_failure())
            .and_then(|f| f.destination()),
        Some("arn:aws:sqs:us-east-1:123456789012:wp-enricher-dlq")
    );
    let policy = lambda
        .get_policy()
        .function_name(&config.enricher.function_name)
        .send()
        .await
        .unwrap();
    assert!(
        policy.policy().unwrap().contains("rule/wp-findings"),
        "{policy:?}"
    );

    let events = aws_sdk_eventbridge::Client::new(sdk);
    let rule = events
        .describe_rule()
        .name("wp-findings")
        .send()
        .await
        .unwrap();
    assert!(rule.event_pattern().unwrap().contains("GuardDuty Finding"));
    let targets = events
        .list_targets_by_rule()
        .rule("wp-findings")
        .send()
        .await
        .unwrap();
    let target = &targets.targets()[0];
    assert_eq!(target.arn(), configuration.function_arn().unwrap());
    assert!(target.dead_letter_config().is_some());
    let sweep = events
        .describe_rule()
        .name("wp-sweep")
        .send()
        .await
        .unwrap();
    assert_eq!(sweep.schedule_expression(), Some("rate(5 minutes)"));

    let guardduty = aws_sdk_guardduty::Client::new(sdk);
    let detectors = guardduty.list_detectors().send().await.unwrap();
    let detector = guardduty
        .get_detector()
        .detector_id(&detectors.detector_ids()[0])
        .send()
        .await
        .unwrap();
    assert_eq!(
        detector.finding_publishing_frequency().map(|f| f.as_str()),
        Some("SIX_HOURS")
    );
    assert_eq!(detector.tags().unwrap()["watchpost:stack"], "wp");

    let cloudwatch = aws_sdk_cloudwatch::Client::new(sdk);
    let alarms = cloudwatch
        .describe_alarms()
        .alarm_name_prefix("wp-")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = alarms
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    assert!(names.contains(&"wp-enricher-errors"), "{names:?}");
    assert!(names.contains(&"wp-dead-letters"), "{names:?}");
    assert!(names.contains(&"wp-unusual-model-invocation"), "{names:?}");
    let unusual = alarms
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some("wp-unusual-model-invocation"))
        .unwrap();
    assert_eq!(unusual.threshold_metric_id(), Some("band"));
    assert_eq!(
        unusual.alarm_actions(),
        ["arn:aws:sns:us-east-1:123456789012:wp-operations"]
    );
    let dashboard = cloudwatch
        .get_dashboard()
        .dashboard_name("wp")
        .send()
        .await
        .unwrap();
    assert!(
        dashboard
            .dashboard_body()
            .unwrap()
            .contains("Findings by AI component")
    );
}
