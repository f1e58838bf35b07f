//! The direct operations path: the CloudTrail calls that change the stack's own resources reach
//! the operations topic's subscribers by a rule of their own, without the enricher.

use serde_json::{Value, json};

use crate::common::*;

const OPERATIONS_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:wp-operations";
const RULE: &str = "wp-pipeline";
const RULE_ARN: &str = "arn:aws:events:us-east-1:123456789012:rule/wp-pipeline";

/// The test config, with a queue subscribed to the operations topic for its subscribers and a
/// deployer role.
fn config() -> Config {
    Config::from_toml(
        r#"
[watchpost]
stack = "wp"
regions = ["us-east-1"]

[[routes]]
name = "pager"
  [[routes.subscriptions]]
  protocol = "https"
  endpoint = "https://pager.example.com/hook"

[detective]
enabled = false

[detections]
deployers = ["arn:aws:iam::123456789012:role/wp-deployer"]

[alarms]
operations_subscriptions = [{ protocol = "sqs", endpoint = "arn:aws:sqs:us-east-1:123456789012:ops-inbox", raw_message_delivery = true }]
"#,
        "operations.toml",
    )
    .unwrap()
}

/// A CloudTrail record of `event_name` on `source`, by an assumed role, as EventBridge
/// delivers it.
fn call(source: &str, event_name: &str, role: &str, parameters: Value) -> Value {
    let service = source.trim_start_matches("aws.");
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": format!("arn:aws:sts::123456789012:assumed-role/{role}/session"),
            "sessionContext": { "sessionIssuer": {
                "type": "Role",
                "arn": format!("arn:aws:iam::123456789012:role/{role}"),
            } },
        },
        "eventSource": format!("{service}.amazonaws.com"),
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "requestParameters": parameters,
        "eventType": "AwsApiCall",
        // What a caller chooses: it must reach nobody's mail.
        "userAgent": "curl/8.4.0 https://evil-c2.example.net/beacon",
        "errorMessage": "see https://evil-c2.example.net/why @channel",
    })
}

/// Regression for the pipeline watching itself through itself: the alert that the enricher's
/// rule was disabled went through that rule. `apply` makes `wp-pipeline` with the calls of the
/// detections on the stack's resources as its pattern and the operations topic as its one
/// target; the topic's policy and its key admit EventBridge for that rule only; and an event
/// put on the bus that the pattern matches reaches the operations topic's subscriber, while
/// calls on other resources, the deployer's own changes and what leaves the enricher's path
/// whole do not.
///
/// The enricher is taken off `wp-cloudtrail` first, as an attacker would: what reaches the
/// subscriber does not go through it. moto's EventBridge matches rules but does not deliver to
/// SNS targets (it delivers to SQS, CloudWatch Logs and event buses, and fails PutEvents for a
/// matching rule with another target): the test puts a queue in the topic's place on the rule
/// to see what the rule matched, and publishes each match to the rule's SNS target as
/// EventBridge would. Everything else is the SDK against moto.
#[tokio::test]
async fn changes_to_the_stack_reach_the_operations_subscribers_by_a_rule_of_their_own() {
    let local = LocalAws::start().await;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let inbox = sqs
        .create_queue()
        .queue_name("ops-inbox")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let ports = counted_ports(&local);
    let config = config();
    let planned = plan(&ports, &config, Mode::Apply).await;
    apply(&ports, &config, &planned).await;

    // The rule, its pattern and its one target.
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let rule = events.describe_rule().name(RULE).send().await.unwrap();
    assert_eq!(rule.arn(), Some(RULE_ARN));
    assert_eq!(rule.state().map(|s| s.as_str()), Some("ENABLED"));
    let pattern: Value = serde_json::from_str(rule.event_pattern().unwrap()).unwrap();
    let sources = pattern["source"].as_array().unwrap();
    for source in [
        "aws.events",
        "aws.sns",
        "aws.lambda",
        "aws.dynamodb",
        "aws.kms",
    ] {
        assert!(sources.contains(&json!(source)), "{source}: {pattern}");
    }
    let targets = events
        .list_targets_by_rule()
        .rule(RULE)
        .send()
        .await
        .unwrap();
    let input = targets.targets()[0]
        .input_transformer()
        .expect("an input transformer")
        .clone();
    let targets: Vec<(&str, &str)> = targets
        .targets()
        .iter()
        .map(|t| (t.id(), t.arn()))
        .collect();
    assert_eq!(targets, vec![("operations", OPERATIONS_TOPIC)]);

    // The topic's policy and the key's admit EventBridge for that rule only.
    let sns = aws_sdk_sns::Client::new(&sdk);
    let attributes = sns
        .get_topic_attributes()
        .topic_arn(OPERATIONS_TOPIC)
        .send()
        .await
        .unwrap();
    let policy: Value = serde_json::from_str(&attributes.attributes().unwrap()["Policy"]).unwrap();
    assert_admits_the_rule_only(&policy, "sns:Publish");
    let kms = aws_sdk_kms::Client::new(&sdk);
    let key = kms
        .describe_key()
        .key_id("alias/wp-sns")
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let key_policy = kms
        .get_key_policy()
        .key_id(key)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    let key_policy: Value = serde_json::from_str(key_policy.policy().unwrap()).unwrap();
    assert_admits_events_to(&key_policy, "kms:GenerateDataKey");

    // moto fails PutEvents when a matching rule targets an SNS topic: a queue takes the
    // topic's place on the rule, to see what the rule matches.
    events
        .remove_targets()
        .rule(RULE)
        .ids("operations")
        .send()
        .await
        .unwrap();
    let seen = sqs
        .create_queue()
        .queue_name("rule-matches")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    events
        .put_targets()
        .rule(RULE)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("test-matches")
                .arn("arn:aws:sqs:us-east-1:123456789012:rule-matches")
                .input_transformer(input)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    // The blinding itself: the enricher is taken off the rule that brings it CloudTrail calls
    // (moto would also refuse to put an event that a rule targeting a function matches).
    events
        .remove_targets()
        .rule("wp-cloudtrail")
        .ids("enricher")
        .send()
        .await
        .unwrap();

    let cases = [
        // The enricher's findings rule disabled by someone: news.
        (
            call(
                "aws.events",
                "DisableRule",
                "dev-sandbox",
                json!({ "name": "wp-findings" }),
            ),
            true,
        ),
        // Another team's rule: not Watchpost's business.
        (
            call(
                "aws.events",
                "DisableRule",
                "dev-sandbox",
                json!({ "name": "team-rule" }),
            ),
            false,
        ),
        // The enricher throttled to nothing: news; throttled to 5: not.
        (
            call(
                "aws.lambda",
                "PutFunctionConcurrency20171031",
                "dev-sandbox",
                json!({ "functionName": "wp-enricher", "reservedConcurrentExecutions": 0 }),
            ),
            true,
        ),
        (
            call(
                "aws.lambda",
                "PutFunctionConcurrency20171031",
                "dev-sandbox",
                json!({ "functionName": "wp-enricher", "reservedConcurrentExecutions": 5 }),
            ),
            false,
        ),
        // The enricher's code changed by someone else: news; by the deployer: theirs.
        (
            call(
                "aws.lambda",
                "UpdateFunctionCode20150331v2",
                "dev-sandbox",
                json!({ "functionName": "wp-enricher" }),
            ),
            true,
        ),
        (
            call(
                "aws.lambda",
                "UpdateFunctionCode20150331v2",
                "wp-deployer",
                json!({ "functionName": "wp-enricher" }),
            ),
            false,
        ),
        // A route topic deleted: news.
        (
            call(
                "aws.sns",
                "DeleteTopic",
                "dev-sandbox",
                json!({ "topicArn": "arn:aws:sns:us-east-1:123456789012:wp-pager" }),
            ),
            true,
        ),
        // The state table deleted: news; another table: not.
        (
            call(
                "aws.dynamodb",
                "DeleteTable",
                "dev-sandbox",
                json!({ "tableName": "wp-alert-state" }),
            ),
            true,
        ),
        (
            call(
                "aws.dynamodb",
                "DeleteTable",
                "dev-sandbox",
                json!({ "tableName": "team-table" }),
            ),
            false,
        ),
        // GuardDuty turned off leaves the enricher's path whole: the routes hear of it.
        (
            call(
                "aws.guardduty",
                "UpdateDetector",
                "dev-sandbox",
                json!({ "detectorId": "abc", "enable": false }),
            ),
            false,
        ),
    ];
    for (detail, _) in &cases {
        let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
            .source(format!(
                "aws.{}",
                detail["eventSource"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches(".amazonaws.com")
            ))
            .detail_type("AWS API Call via CloudTrail")
            .detail(detail.to_string())
            .build();
        let out = events.put_events().entries(entry).send().await.unwrap();
        assert_eq!(out.failed_entry_count(), 0, "{detail}");
    }

    // What the rule matched, as its target's input transformer made it, published to its SNS
    // target as EventBridge would.
    let matched = drain(&sqs, &seen, cases.len()).await;
    for message in &matched {
        let text = message
            .as_str()
            .unwrap_or_else(|| panic!("not text: {message}"));
        sns.publish()
            .topic_arn(targets[0].1)
            .message(text)
            .send()
            .await
            .unwrap();
    }
    let received: Vec<String> = drain_text(&sqs, &inbox, cases.len()).await;
    let expected: Vec<String> = cases
        .iter()
        .filter(|(_, news)| *news)
        .map(|(detail, _)| {
            format!(
                "Watchpost's pipeline was changed: {} ({}) in account 123456789012, us-east-1,",
                detail["eventName"].as_str().unwrap(),
                detail["eventSource"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(received.len(), expected.len(), "{received:#?}");
    for (text, start) in received.iter().zip(&expected) {
        assert!(text.starts_with(start), "{text}\nexpected: {start}");
        // The caller's own strings reach nobody: no link, no mention.
        assert!(!text.contains("evil-c2") && !text.contains('@'), "{text}");
    }
}

/// `policy` has one statement for EventBridge, allowing `action` for the operations rule only.
fn assert_admits_the_rule_only(policy: &Value, action: &str) {
    let statement = assert_admits_events_to(policy, action);
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:SourceArn"], RULE_ARN,
        "{statement}"
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:SourceAccount"], DEFAULT_ACCOUNT,
        "{statement}"
    );
}

/// `policy` has one statement for EventBridge, allowing `action`; returns it.
fn assert_admits_events_to(policy: &Value, action: &str) -> Value {
    let statements: Vec<&Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Principal"]["Service"] == "events.amazonaws.com")
        .collect();
    assert_eq!(statements.len(), 1, "{policy}");
    let statement = statements[0];
    let actions = &statement["Action"];
    assert!(
        actions == action
            || actions
                .as_array()
                .is_some_and(|a| a.contains(&json!(action))),
        "{statement}"
    );
    statement.clone()
}

/// The bodies of up to `max` messages on the queue, as text, in the order they arrived.
async fn drain_text(sqs: &aws_sdk_sqs::Client, url: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let batch = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        if batch.messages().is_empty() || out.len() >= max {
            return out;
        }
        for message in batch.messages() {
            out.push(message.body().unwrap().to_owned());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

/// The JSON bodies of up to `max` messages on the queue, in the order they arrived.
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str, max: usize) -> Vec<Value> {
    drain_text(sqs, url, max)
        .await
        .iter()
        .map(|body| serde_json::from_str(body).unwrap())
        .collect()
}
