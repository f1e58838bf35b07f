//! Engine tests over the in-memory account: convergence, drift, destroy, rendered plans.

use watchpost_core::Config;

use crate::engine::{apply_region, plan_region};
use crate::fake::FakeAccount;
use crate::model::{Action, Kind, Mode, Plan};
use crate::ports::*;
use crate::render;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

fn config(extra: &str) -> Config {
    let text = format!(
        r#"
[watchpost]
stack = "wp"
regions = ["us-east-1"]

[[routes]]
name = "pager"
min_severity = "HIGH"
  [[routes.subscriptions]]
  protocol = "https"
  endpoint = "https://pager.example.com/hook"

[[routes]]
name = "siem"
format = "json"
  [[routes.subscriptions]]
  protocol = "sqs"
  endpoint = "arn:aws:sqs:us-east-1:123456789012:siem"
  raw_message_delivery = true
  filter_policy = {{ sample = ["false"] }}

[detective]
members = [
  {{ account_id = "111122223333", email = "a@example.com" }},
  {{ account_id = "444455556666", email = "b@example.com" }},
]
invitation_message = "Please join"
datasource_packages = ["EKS_AUDIT"]
tags = {{ owner = "security" }}

[alarms]
operations_email = "ops@example.com"
{extra}
"#
    );
    Config::from_toml(&text, "test.toml").unwrap()
}

async fn plan(account: &FakeAccount, config: &Config, mode: Mode) -> Plan {
    plan_region(account, config, REGION, mode).await.unwrap().0
}

async fn apply(account: &FakeAccount, config: &Config, plan: &Plan) {
    let report = apply_region(account, config, REGION, &plan.changes, &|_| {}).await;
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

async fn converge(account: &FakeAccount, config: &Config) {
    let first = plan(account, config, Mode::Apply).await;
    apply(account, config, &first).await;
}

#[tokio::test]
async fn plan_apply_plan_is_empty() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    assert!(first.changes.iter().all(|c| c.action == Action::Create));
    apply(&account, &config, &first).await;
    let second = plan(&account, &config, Mode::Apply).await;
    assert!(second.is_empty(), "{}", render::text(&second));
    // The email subscription waits for confirmation, and the plan says so.
    assert!(
        second
            .notes
            .iter()
            .any(|n| n.contains("PendingConfirmation")),
        "{:?}",
        second.notes
    );
}

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
            .find(|(_, s)| s.protocol == "https")
            .map(|(arn, _)| arn.clone())
            .unwrap();
        state.subscriptions.remove(&https);
        let topic = state
            .topics
            .get_mut("arn:aws:sns:us-east-1:123456789012:wp-pager")
            .unwrap();
        topic.policy = Some(serde_json::json!({"Version": "2012-10-17", "Statement": []}));
    }
    let drift = plan(&account, &config, Mode::Apply).await;
    let summary: Vec<(Action, Kind, &str)> = drift
        .changes
        .iter()
        .map(|c| (c.action, c.id.kind, c.id.name.as_str()))
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
        ]
    );
    assert_eq!(drift.changes[0].reason, "policy changed");
    apply(&account, &config, &drift).await;
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

#[tokio::test]
async fn destroy_removes_exactly_what_the_stack_owns() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    // Someone else's topic under the stack's prefix, without the stack tag.
    account.state().topics.insert(
        "arn:aws:sns:us-east-1:123456789012:wp-theirs".into(),
        TopicSpec {
            kms_master_key_id: None,
            policy: None,
            tags: Tags::from([("team".to_owned(), "data".to_owned())]),
        },
    );
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(destroy.changes.iter().all(|c| c.action == Action::Delete));
    assert!(
        !destroy
            .changes
            .iter()
            .any(|c| c.id.name.contains("wp-theirs"))
    );
    apply(&account, &config, &destroy).await;
    {
        let state = account.state();
        assert_eq!(
            state.topics.keys().collect::<Vec<_>>(),
            vec!["arn:aws:sns:us-east-1:123456789012:wp-theirs"]
        );
        assert!(state.graphs.is_empty());
        assert!(state.keys.values().all(|(_, _, pending)| *pending));
    }
    let after = plan(&account, &config, Mode::Destroy).await;
    assert!(after.is_empty(), "{}", render::text(&after));
}

#[tokio::test]
async fn a_graph_that_exists_is_adopted_not_created() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let existing = account.create_graph(&Tags::new()).await.unwrap();
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    let graph = first
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::DetectiveGraph)
        .unwrap();
    assert_eq!(graph.action, Action::Update);
    assert_eq!(graph.physical_id.as_deref(), Some(existing.as_str()));
    apply(&account, &config, &first).await;
    assert_eq!(account.count("CreateGraph"), 1);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

#[tokio::test]
async fn members_are_invited_fifty_per_call_and_removed_when_they_leave_the_config() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let members: Vec<String> = (0..120)
        .map(|i| {
            format!(
                "{{ account_id = \"{:012}\", email = \"m{i}@example.com\" }}",
                200_000_000_000u64 + i
            )
        })
        .collect();
    let mut config = config("");
    config.detective.members = Config::from_toml(
        &format!("[detective]\nmembers = [{}]", members.join(",")),
        "members.toml",
    )
    .unwrap()
    .detective
    .members;
    converge(&account, &config).await;
    assert_eq!(account.count("CreateMembers"), 3);
    config.detective.members.truncate(100);
    let shrink = plan(&account, &config, Mode::Apply).await;
    assert_eq!(shrink.counts(), (0, 0, 20));
    apply(&account, &config, &shrink).await;
    assert_eq!(account.count("DeleteMembers"), 1);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

#[tokio::test]
async fn organization_mode_enables_the_admin_and_auto_enable() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let mut config = config;
    config.detective.organization = Some(watchpost_core::config::Organization {
        admin_account_id: ACCOUNT.into(),
        auto_enable: true,
    });
    converge(&account, &config).await;
    assert_eq!(account.state().org_admins, vec![ACCOUNT.to_owned()]);
    assert!(account.state().auto_enable.values().all(|v| *v));
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

#[tokio::test]
async fn rendered_plans() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    insta::assert_snapshot!("first_plan_text", render::text(&first));
    apply(&account, &config, &first).await;
    account
        .state()
        .topics
        .get_mut("arn:aws:sns:us-east-1:123456789012:wp-siem")
        .unwrap()
        .tags
        .insert("watchpost:stack".into(), "wp".into());
    let mut changed = config.clone();
    changed.detective.members.pop();
    changed.routes[0].subscriptions[0].endpoint = "https://pager.example.com/v2".into();
    let second = plan(&account, &changed, Mode::Apply).await;
    insta::assert_snapshot!("change_plan_text", render::text(&second));
    insta::assert_snapshot!(
        "change_plan_json",
        serde_json::to_string_pretty(&render::json(&second)).unwrap()
    );
}

#[tokio::test]
async fn the_state_table_and_dead_letter_queue_are_created_as_the_enricher_needs() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    let kinds: Vec<Kind> = first.changes.iter().map(|c| c.id.kind).collect();
    // Created after the topics they do not depend on and before anything that would use them.
    let queue = kinds.iter().position(|k| *k == Kind::SqsQueue).unwrap();
    let table = kinds
        .iter()
        .position(|k| *k == Kind::DynamodbTable)
        .unwrap();
    assert!(queue < table && table == kinds.len() - 1, "{kinds:?}");
    apply(&account, &config, &first).await;
    {
        let state = account.state();
        let (arn, table) = &state.tables[&config.enricher.state_table];
        assert_eq!(
            arn,
            &format!(
                "arn:aws:dynamodb:us-east-1:123456789012:table/{}",
                config.enricher.state_table
            )
        );
        assert_eq!(table.partition_key, "pk");
        assert_eq!(table.billing_mode, "PAY_PER_REQUEST");
        assert!(table.sse_enabled);
        assert_eq!(table.ttl_attribute.as_deref(), Some("expires_at"));
        assert_eq!(table.tags["watchpost:stack"], "wp");
        let (url, queue) = &state.queues["wp-enricher-dlq"];
        assert_eq!(
            url,
            "https://sqs.us-east-1.amazonaws.com/123456789012/wp-enricher-dlq"
        );
        assert!(queue.sqs_managed_sse);
        assert_eq!(queue.message_retention_seconds, 1_209_600);
        assert_eq!(queue.tags["watchpost:stack"], "wp");
    }
    assert_eq!(account.count("UpdateTimeToLive"), 1);
    let (second, observation) = plan_region(&account, &config, REGION, Mode::Apply)
        .await
        .unwrap();
    assert!(second.is_empty(), "{}", render::text(&second));
    assert_eq!(
        observation.outputs.state_table.as_deref(),
        Some(config.enricher.state_table.as_str())
    );
    assert_eq!(
        observation.outputs.dead_letter_queue.as_deref(),
        Some("https://sqs.us-east-1.amazonaws.com/123456789012/wp-enricher-dlq")
    );
}

#[tokio::test]
async fn a_disabled_ttl_and_a_changed_queue_are_repaired() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    {
        let mut state = account.state();
        let table = state.tables.get_mut(&config.enricher.state_table).unwrap();
        table.1.ttl_attribute = None;
        let queue = state.queues.get_mut("wp-enricher-dlq").unwrap();
        queue.1.message_retention_seconds = 345_600;
        queue.1.sqs_managed_sse = false;
    }
    let drift = plan(&account, &config, Mode::Apply).await;
    let summary: Vec<(Action, Kind, &str)> = drift
        .changes
        .iter()
        .map(|c| (c.action, c.id.kind, c.reason.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Action::Update,
                Kind::SqsQueue,
                "message_retention_seconds, sqs_managed_sse changed"
            ),
            (Action::Update, Kind::DynamodbTable, "ttl_attribute changed"),
        ]
    );
    apply(&account, &config, &drift).await;
    assert_eq!(account.count("UpdateTimeToLive"), 2);
    assert_eq!(account.count("SetQueueAttributes"), 1);
    assert_eq!(account.count("TagQueue") + account.count("UpdateTable"), 0);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

#[tokio::test]
async fn destroy_deletes_the_tagged_table_and_queue_and_leaves_untagged_ones_alone() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let destroy = plan(&account, &config, Mode::Destroy).await;
    let kinds: Vec<Kind> = destroy.changes.iter().map(|c| c.id.kind).collect();
    // Deleted before what they came after, in reverse creation order.
    assert_eq!(&kinds[..2], &[Kind::DynamodbTable, Kind::SqsQueue]);
    apply(&account, &config, &destroy).await;
    assert!(account.state().tables.is_empty());
    assert!(account.state().queues.is_empty());

    // Same names, someone else's (no stack tag): destroy plans nothing for them.
    let theirs = Tags::from([("team".to_owned(), "data".to_owned())]);
    let table = TableSpec {
        tags: theirs.clone(),
        ..crate::desired::state_table(&config)
    };
    account
        .create_table(&config.enricher.state_table, &table)
        .await
        .unwrap();
    let queue = QueueSpec {
        tags: theirs,
        ..crate::desired::dead_letter_queue(&config)
    };
    account
        .create_queue("wp-enricher-dlq", &queue)
        .await
        .unwrap();
    let again = plan(&account, &config, Mode::Destroy).await;
    assert!(again.is_empty(), "{}", render::text(&again));
    apply(&account, &config, &again).await;
    assert_eq!(account.count("DeleteTable"), 1);
    assert_eq!(account.count("DeleteQueue"), 1);
    assert_eq!(account.state().tables.len(), 1);
    assert_eq!(account.state().queues.len(), 1);
}
