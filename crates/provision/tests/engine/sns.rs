//! Amazon SNS: the topics, their policies, and which subscriptions are the stack's.

use crate::common::*;

#[tokio::test]
async fn a_deleted_subscription_and_a_changed_topic_policy_are_repaired() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    {
        let mut state = account.state();
        let https = state
            .subscriptions
            .iter()
            .find(|(_, s)| s.protocol == Protocol::Https)
            .map(|(arn, _)| arn.clone())
            .unwrap();
        state.subscriptions.remove(&https);
        let topic = state
            .topics
            .get_mut("arn:aws:sns:us-east-1:123456789012:wp-pager")
            .unwrap();
        topic.policy = Some(PolicyDocument::new(
            serde_json::json!({"Version": "2012-10-17", "Statement": []}),
        ));
    }
    let drift = plan(&account, &config, Mode::Apply).await;
    let summary: Vec<(Action, Kind, &str)> = drift
        .changes
        .iter()
        .map(|c| (c.action(), c.id.kind, c.id.name.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Action::Update, Kind::SnsTopic, "wp-pager"),
            (
                Action::Create,
                Kind::SnsSubscription,
                "wp-pager/https:https://pager.example.com/hook"
            ),
            // The record of the subscription removed by hand goes too.
            (
                Action::Delete,
                Kind::StackRecord,
                "/watchpost/wp/subscriptions/00000003"
            ),
        ]
    );
    assert_eq!(drift.changes[0].reason.to_string(), "policy changed");
    apply(&account, &config, &drift).await;
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

/// Regression: every confirmed subscription on a stack topic counted as the stack's, so the
/// next apply deleted AWS Chatbot's (or any team's) subscription and chat alerts stopped.
#[tokio::test]
async fn a_subscription_added_by_hand_survives_apply_and_destroy_plans() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let chatbot = SubscriptionSpec {
        topic_arn: "arn:aws:sns:us-east-1:123456789012:wp-pager".into(),
        protocol: Protocol::Https,
        endpoint: "https://global.sns-api.chatbot.amazonaws.com".into(),
        filter_policy: None,
        raw_message_delivery: false,
        filter_policy_scope: None,
        redrive_policy: None,
    };
    // Added by hand, through the API, not by Watchpost.
    let arn = account.subscribe(&chatbot).await.unwrap().unwrap();
    let after = plan(&account, &config, Mode::Apply).await;
    assert!(after.is_empty(), "{}", render::text(&after));
    let (_, observation) = plan_region(&account, &config, &package("1"), REGION, Mode::Apply)
        .await
        .unwrap();
    assert_eq!(
        observation.outputs.other_subscriptions,
        vec!["https:https://global.sns-api.chatbot.amazonaws.com on wp-pager"]
    );
    // A config change that removes another subscription leaves it too.
    let smaller = config_without_siem();
    let change = plan(&account, &smaller, Mode::Apply).await;
    assert!(!change.is_empty());
    apply(&account, &smaller, &change).await;
    assert!(account.state().subscriptions.contains_key(&arn));
    // Destroy removes the topic (and so, in AWS, its subscriptions), but plans no Unsubscribe
    // of a subscription that is not the stack's.
    let destroy = plan(&account, &smaller, Mode::Destroy).await;
    assert!(
        !destroy
            .changes
            .iter()
            .any(|c| c.physical_id() == Some(arn.as_str())),
        "{}",
        render::text(&destroy)
    );
}

/// What Watchpost created and the config no longer names is removed, record and all.
#[tokio::test]
async fn a_subscription_dropped_from_the_config_is_removed_with_its_record() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let records = |account: &FakeAccount| {
        account
            .state()
            .parameters
            .keys()
            .filter(|k| k.starts_with("/watchpost/wp/subscriptions/"))
            .count()
    };
    // The https and sqs subscriptions (the email one waits for confirmation, without an ARN).
    assert_eq!(records(&account), 2);
    let smaller = config_without_siem();
    let change = plan(&account, &smaller, Mode::Apply).await;
    let deletes: Vec<&str> = change
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete && c.id.kind == Kind::SnsSubscription)
        .map(|c| c.id.name.as_str())
        .collect();
    assert_eq!(
        deletes,
        vec!["wp-siem/sqs:arn:aws:sqs:us-east-1:123456789012:siem"]
    );
    apply(&account, &smaller, &change).await;
    assert_eq!(records(&account), 1);
    assert!(plan(&account, &smaller, Mode::Apply).await.is_empty());
}

#[tokio::test]
async fn operations_subscriptions_are_managed_and_alarms_can_be_turned_off() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    config.alarms.operations_subscriptions = vec![watchpost_core::config::Subscription {
        protocol: watchpost_core::config::Protocol::Https,
        endpoint: "https://ops.example.com/hook".into(),
        filter_policy: None,
        raw_message_delivery: false,
    }];
    converge(&account, &config).await;
    {
        let state = account.state();
        assert!(
            state
                .subscriptions
                .values()
                .any(|s| s.endpoint == "https://ops.example.com/hook"
                    && s.topic_arn.ends_with(":wp-operations")),
            "{:?}",
            state.subscriptions
        );
        assert!(!state.alarms.is_empty());
    }
    config.alarms.enabled = false;
    converge(&account, &config).await;
    assert!(account.state().alarms.is_empty());
}

#[test]
fn only_the_pipeline_publishes_to_the_topics_and_uses_their_key() {
    let config = config("");
    let ctx = context();
    let services = |policy: &serde_json::Value| -> Vec<String> {
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["Principal"].get("Service"))
            .flat_map(|p| match p {
                serde_json::Value::Array(list) => list.clone(),
                other => vec![other.clone()],
            })
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect()
    };
    // No rule targets a topic: a service principal on a route topic would let anyone who can
    // create a rule named like the stack's publish forged alerts.
    let route = watchpost_provision::desired::route_topic_policy(
        &config,
        &ctx,
        "arn:aws:sns:us-east-1:123456789012:wp-pager",
    );
    assert!(services(&route).is_empty(), "{route}");
    // The key: CloudWatch's alarms, and EventBridge for the operations rule only.
    let key = watchpost_provision::desired::key_policy(&config, &ctx);
    assert_eq!(
        services(&key),
        ["cloudwatch.amazonaws.com", "events.amazonaws.com"],
        "{key}"
    );
    let events = key["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Principal"]["Service"] == "events.amazonaws.com")
        .unwrap();
    // No source conditions on the key: SNS does not support them in a key policy for
    // EventBridge, and every delivery would fail. The topic policy admits the one rule.
    assert!(events.get("Condition").is_none(), "{events}");
    let operations = watchpost_provision::desired::operations_topic_policy(
        &config,
        &ctx,
        "arn:aws:sns:us-east-1:123456789012:wp-operations",
    );
    let events = operations["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Principal"]["Service"] == "events.amazonaws.com")
        .unwrap();
    assert_eq!(
        events["Condition"]["ArnEquals"]["aws:SourceArn"],
        "arn:aws:events:us-east-1:123456789012:rule/wp-pipeline"
    );
    // The role's policy is the rendered one, dead-letter queue and key included, once the
    // key and the graph exist; before that it is known only after apply.
    assert!(matches!(
        watchpost_provision::desired::role_policy(&config, &ctx),
        watchpost_provision::spec::Deferred::Unknown(_)
    ));
    let ctx = Context {
        graph_arn: Some("arn:aws:detective:us-east-1:123456789012:graph:g".into()),
        key_arn: Some("arn:aws:kms:us-east-1:123456789012:key/k".into()),
        ..context()
    };
    let role = watchpost_provision::desired::role_policy(&config, &ctx).to_string();
    assert!(
        role.contains("sqs:SendMessage") && role.contains("kms:GenerateDataKey"),
        "{role}"
    );
}

/// Regression: a subscription someone made by hand on a route's `topic_arn` topic, to an
/// endpoint the config also names, was planned as an update on every apply (its filter policy
/// replaced, its redrive policy removed), though Watchpost never recorded it as its own. It is
/// left as it is, and counts as the subscription the config asks for.
#[tokio::test]
async fn a_hand_made_subscription_on_a_routes_own_topic_is_left_as_it_is() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let team = "arn:aws:sns:us-east-1:123456789012:team-alerts";
    account.state().topics.insert(
        team.into(),
        TopicSpec {
            kms_master_key_id: None,
            policy: None,
            tags: Tags::from([("Owner".to_owned(), "security-team".to_owned())]),
        },
    );
    let theirs = SubscriptionSpec {
        topic_arn: team.into(),
        protocol: Protocol::Https,
        endpoint: "https://pager.example.com/hook".into(),
        filter_policy: Some(serde_json::json!({ "severity": ["HIGH"] })),
        raw_message_delivery: true,
        filter_policy_scope: Some("MessageBody".into()),
        redrive_policy: Some(serde_json::json!({
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:team-dlq"
        })),
    };
    let arn = format!("{team}:by-hand");
    account
        .state()
        .subscriptions
        .insert(arn.clone(), theirs.clone());
    let mut config = config("");
    config.routes[0].topic_arn = Some(team.into());
    for _ in 0..2 {
        let planned = plan(&account, &config, Mode::Apply).await;
        assert!(
            !planned
                .changes
                .iter()
                .any(|c| c.physical_id() == Some(arn.as_str())),
            "{}",
            render::text(&planned)
        );
        apply(&account, &config, &planned).await;
    }
    assert_eq!(account.state().subscriptions[&arn], theirs);
    assert_eq!(account.count("SetSubscriptionAttributes"), 0);
}

/// Regression: a Subscribe that SNS refused (access denied on a team's topic) left the intent
/// written before it, and a subscription the team made later to the same endpoint then
/// counted as the stack's: apply replaced its filter and redrive policies, destroy removed it.
/// Every refused Subscribe, wherever it falls in the run.
#[tokio::test(start_paused = true)]
async fn a_refused_subscribe_leaves_no_intent_to_claim_a_later_hand_made_subscription() {
    use watchpost_provision::fake::faults::{Fault, Faulty};
    let team = "arn:aws:sns:us-east-1:123456789012:team-alerts";
    let mut config = config("");
    config.routes[0].topic_arn = Some(team.into());
    let mut refused = 0;
    for n in 0..400 {
        let account = Faulty::new(FakeAccount::new(ACCOUNT, REGION));
        account.inner.state().topics.insert(
            team.into(),
            TopicSpec {
                kms_master_key_id: None,
                policy: None,
                tags: Tags::new(),
            },
        );
        let planned = plan_region(&account, &config, &package("1"), REGION, Mode::Apply)
            .await
            .unwrap()
            .0;
        account.set(Some(Fault::Fail(n)));
        let _ = apply_region(&account, &config, &package("1"), &planned, REGION, &|_| {}).await;
        let calls = account.calls();
        account.set(None);
        if calls.len() <= n {
            break;
        }
        let on_team_topic = |account: &Faulty<FakeAccount>| {
            account
                .inner
                .state()
                .subscriptions
                .values()
                .any(|s| s.topic_arn == team)
        };
        if calls[n] != ("subscribe", Some("failed")) || on_team_topic(&account) {
            continue;
        }
        refused += 1;
        let theirs = SubscriptionSpec {
            topic_arn: team.into(),
            protocol: Protocol::Https,
            endpoint: "https://pager.example.com/hook".into(),
            filter_policy: Some(serde_json::json!({ "severity": ["HIGH"] })),
            raw_message_delivery: true,
            filter_policy_scope: Some("MessageBody".into()),
            redrive_policy: Some(serde_json::json!({
                "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:team-dlq"
            })),
        };
        let arn = format!("{team}:by-hand");
        account
            .inner
            .state()
            .subscriptions
            .insert(arn.clone(), theirs.clone());
        for mode in [Mode::Apply, Mode::Apply, Mode::Destroy] {
            let planned = plan_region(&account, &config, &package("1"), REGION, mode)
                .await
                .unwrap()
                .0;
            let _ = apply_region(&account, &config, &package("1"), &planned, REGION, &|_| {}).await;
            assert_eq!(
                account.inner.state().subscriptions.get(&arn),
                Some(&theirs),
                "Subscribe refused at call {n}, then {mode:?}"
            );
        }
    }
    assert!(
        refused > 0,
        "no run had its Subscribe on the team's topic refused"
    );
}
