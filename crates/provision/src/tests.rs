//! Engine tests over the in-memory account: convergence, drift, destroy, rendered plans.

use watchpost_core::Config;

use crate::artifact::{Package, zip_of};
use crate::desired::Context;
use crate::engine::Planned;
use crate::engine::{apply_region, chain, plan_region};
use crate::fake::FakeAccount;
use crate::model::{Action, Mode};
use crate::ports::*;
use crate::render;
use crate::spec::Kind;
use crate::spec::*;

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

/// A deployment package: a stand-in binary and the config.
fn package(version: &str) -> Package {
    let zip = zip_of(&[("bootstrap", format!("\x7fELF {version}").as_bytes())]);
    Package::from_bytes(
        crate::artifact::with_config(&zip, "[watchpost]\nstack = \"wp\"\n").unwrap(),
    )
}

fn context() -> Context {
    Context {
        region: REGION.into(),
        account_id: ACCOUNT.into(),
        partition: "aws".into(),
        graph_arn: None,
        graph_adopted: false,
        key_arn: None,
        code_sha256: None,
    }
}

async fn plan(account: &FakeAccount, config: &Config, mode: Mode) -> Planned {
    plan_region(account, config, &package("1"), REGION, mode)
        .await
        .unwrap()
        .0
}

async fn apply(account: &FakeAccount, config: &Config, plan: &Planned) {
    let report = apply_region(account, config, &package("1"), &plan, REGION, &|_| {}).await;
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

async fn converge(account: &FakeAccount, config: &Config) {
    let first = plan(account, config, Mode::Apply).await;
    apply(account, config, &first).await;
}

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
    let env = crate::desired::enricher_environment(&config, &ctx);
    let bytes: usize = env.iter().map(|(k, v)| k.len() + v.to_string().len()).sum();
    let bound = watchpost_core::config::enricher_environment_bound(&config);
    assert!(bytes <= bound, "{bytes} bytes deployed, bound {bound}");
    assert!(
        bound - bytes < 64,
        "a loose bound: {bound} for {bytes} bytes"
    );
}

#[tokio::test]
async fn plan_apply_plan_is_empty() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    assert!(first.changes.iter().all(|c| c.action() == Action::Create));
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
        ]
    );
    assert_eq!(drift.changes[0].reason.to_string(), "policy changed");
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
    assert!(destroy.changes.iter().all(|c| c.action() == Action::Delete));
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
    assert_eq!(graph.action(), Action::Update);
    assert_eq!(graph.physical_id(), Some(existing.as_str()));
    apply(&account, &config, &first).await;
    assert_eq!(account.count("CreateGraph"), 1);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
    // It carries the config's tags but not the stack's, so destroy leaves it (and removes
    // the members Watchpost invited).
    assert!(!account.state().graphs[&existing].contains_key("watchpost:stack"));
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(
        !destroy
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::DetectiveGraph)
    );
    assert!(
        destroy
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::DetectiveMember)
    );
    apply(&account, &config, &destroy).await;
    assert!(account.state().graphs.contains_key(&existing));
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
    // Created after the topics they do not depend on and before the function that uses them.
    let position = |kind| kinds.iter().position(|k| *k == kind).unwrap();
    let (queue, table) = (position(Kind::SqsQueue), position(Kind::DynamodbTable));
    assert!(
        queue < table && table < position(Kind::LambdaFunction),
        "{kinds:?}"
    );
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
        assert_eq!(table.billing_mode, BillingMode::PayPerRequest);
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
    let (second, observation) = plan_region(&account, &config, &package("1"), REGION, Mode::Apply)
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
    let reasons: Vec<String> = drift.changes.iter().map(|c| c.reason.to_string()).collect();
    let summary: Vec<(Action, Kind, &str)> = drift
        .changes
        .iter()
        .zip(&reasons)
        .map(|(c, reason)| (c.action(), c.id.kind, reason.as_str()))
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
    // Deleted in reverse creation order: the function before the table it uses, the table
    // before the queue.
    let position = |kind| kinds.iter().position(|k| *k == kind).unwrap();
    assert!(position(Kind::LambdaFunction) < position(Kind::DynamodbTable));
    assert_eq!(position(Kind::DynamodbTable) + 1, position(Kind::SqsQueue));
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
        ..crate::desired::dead_letter_queue(&config, &context())
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

#[tokio::test]
async fn the_enricher_is_deployed_with_its_role_rules_alarms_and_dashboard() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    config.watchpost.security_hub = true;
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
        // Security Hub's copies, the sweep, AI services' CloudTrail events and the usage
        // alarms' state changes; each invoking the function with a retry policy and the
        // dead-letter queue, and each allowed to.
        let rules: Vec<&String> = state.rules.keys().collect();
        assert_eq!(
            rules,
            vec![
                "wp-alarm-states",
                "wp-cloudtrail",
                "wp-findings",
                "wp-securityhub",
                "wp-sweep"
            ]
        );
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
        // The queue admits exactly those rules.
        let queue_policy = state.queues["wp-enricher-dlq"].1.policy.clone().unwrap();
        assert_eq!(
            queue_policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"]
                .as_array()
                .unwrap()
                .len(),
            5
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

#[tokio::test]
async fn the_findings_rule_filters_on_the_lowest_severity_that_can_alert() {
    let mut config = config("");
    config.thresholds.ai_min_severity = watchpost_core::SeverityLabel::Medium;
    config.thresholds.other_min_severity = watchpost_core::SeverityLabel::High;
    config.thresholds.alert_samples = false;
    assert_eq!(
        crate::desired::findings_pattern(&config)["detail"]["severity"][0]["numeric"],
        serde_json::json!([">=", 4.0])
    );
    // Samples alert at any severity while alert_samples is on: they pass the filter too.
    config.thresholds.alert_samples = true;
    let pattern = crate::desired::findings_pattern(&config);
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
        crate::desired::findings_pattern(&config)
            .get("$or")
            .is_none()
    );
    assert!(
        crate::desired::findings_pattern(&config)
            .get("detail")
            .is_none()
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
        1 + crate::limits::IAM_PROPAGATION_BACKOFF_S.len()
    );
}

/// An apply error keeps the failed call's error as its source (not its text), and the chain
/// the CLI prints shows AWS's message once: the change, then the call's error.
#[tokio::test(start_paused = true)]
async fn a_failed_call_is_the_apply_errors_source_and_shows_once_in_its_chain() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    account.state().role_propagation_failures = u32::MAX;
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    let report = apply_region(&account, &config, &package("1"), &first, REGION, &|_| {}).await;
    let error = report
        .errors
        .iter()
        .find(|e| e.id.kind == Kind::LambdaFunction)
        .expect("the function failed");
    let source = std::error::Error::source(error)
        .and_then(|s| s.downcast_ref::<PortError>())
        .expect("the source is the port's error");
    assert_eq!(source.code(), "InvalidParameterValueException");
    let rendered = chain(error);
    assert_eq!(
        rendered,
        format!("{} (Create): {source}", error.id),
        "the change, then the call's error"
    );
    assert_eq!(rendered.matches(source.message()).count(), 1, "{rendered}");
}

/// A cause that explains a call's error (KMS not seeing the new role yet) keeps the call's
/// error as its own source: the chain reads hint, then AWS's message, each once.
#[tokio::test(start_paused = true)]
async fn an_explained_call_error_keeps_the_call_error_as_its_source() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    account.state().key_policy_propagation_failures = u32::MAX;
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    let report = apply_region(&account, &config, &package("1"), &first, REGION, &|_| {}).await;
    let error = report
        .errors
        .iter()
        .find(|e| e.id.kind == Kind::KmsKey)
        .expect("the key failed");
    let hint = std::error::Error::source(error).expect("a cause");
    assert!(hint.to_string().contains("not visible to KMS"), "{hint}");
    let call = hint
        .source()
        .and_then(|s| s.downcast_ref::<PortError>())
        .expect("the call's error under the hint");
    assert_eq!(call.code(), "MalformedPolicyDocumentException");
    let rendered = chain(error);
    assert_eq!(rendered.matches(call.message()).count(), 1, "{rendered}");
    assert_eq!(
        rendered.matches("not visible to KMS").count(),
        1,
        "{rendered}"
    );
}

/// A region that cannot be read names what, with the call's error as the source only: its
/// text used to include the source's too, so a printed chain showed AWS's message twice.
#[test]
fn an_observe_error_shows_the_call_error_once_in_its_chain() {
    let error = crate::engine::ObserveError {
        region: REGION.into(),
        what: "the SQS queue wp-dlq".into(),
        source: PortError::Other {
            call: "GetQueueUrl",
            code: "AccessDenied".into(),
            message: "not authorized to perform sqs:GetQueueUrl".into(),
        },
    };
    let rendered = chain(&crate::engine::PlanError::from(error));
    assert_eq!(
        rendered,
        "us-east-1: cannot read the SQS queue wp-dlq: GetQueueUrl: AccessDenied: not authorized to perform sqs:GetQueueUrl"
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

#[tokio::test]
async fn a_target_replaced_by_hand_is_restored_and_a_dropped_rule_is_removed() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    config.watchpost.security_hub = true;
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
            },
        );
    }
    config.watchpost.security_hub = false;
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

#[tokio::test]
async fn a_detector_that_was_there_is_managed_but_never_deleted() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    config.guardduty.manage_detector = true;
    config.guardduty.features = vec!["RUNTIME_MONITORING".into()];
    let id = account
        .create_detector(
            &DetectorSpec {
                finding_publishing_frequency: "SIX_HOURS".into(),
                features: Vec::new(),
            },
            &Tags::new(),
        )
        .await
        .unwrap();
    let first = plan(&account, &config, Mode::Apply).await;
    let detector = first
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::GuarddutyDetector)
        .unwrap();
    assert_eq!(detector.action(), Action::Update);
    assert_eq!(detector.physical_id(), Some(id.as_str()));
    apply(&account, &config, &first).await;
    assert_eq!(
        account.state().detector.as_ref().unwrap().spec,
        DetectorSpec {
            finding_publishing_frequency: "FIFTEEN_MINUTES".into(),
            features: vec!["RUNTIME_MONITORING".into()],
        }
    );
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(
        !destroy
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::GuarddutyDetector)
    );

    // One Watchpost created is its own, and goes with the stack.
    let account = FakeAccount::new(ACCOUNT, REGION);
    converge(&account, &config).await;
    assert_eq!(account.count("CreateDetector"), 1);
    let destroy = plan(&account, &config, Mode::Destroy).await;
    apply(&account, &config, &destroy).await;
    assert!(account.state().detector.is_none());
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
    let route = crate::desired::route_topic_policy(
        &config,
        &ctx,
        "arn:aws:sns:us-east-1:123456789012:wp-pager",
    );
    assert!(services(&route).is_empty(), "{route}");
    let key = crate::desired::key_policy(&config, &ctx);
    assert_eq!(services(&key), ["cloudwatch.amazonaws.com"], "{key}");
    // The role's policy is the rendered one, dead-letter queue and key included, once the
    // key and the graph exist; before that it is known only after apply.
    assert!(matches!(
        crate::desired::role_policy(&config, &ctx),
        crate::spec::Deferred::Unknown(_)
    ));
    let ctx = Context {
        graph_arn: Some("arn:aws:detective:us-east-1:123456789012:graph:g".into()),
        key_arn: Some("arn:aws:kms:us-east-1:123456789012:key/k".into()),
        ..context()
    };
    let role = crate::desired::role_policy(&config, &ctx).to_string();
    assert!(
        role.contains("sqs:SendMessage") && role.contains("kms:GenerateDataKey"),
        "{role}"
    );
}

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

#[tokio::test]
async fn a_table_of_the_stack_with_another_key_is_planned_as_a_replacement_and_replaced() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    account
        .state()
        .tables
        .get_mut(&config.enricher.state_table)
        .unwrap()
        .1
        .partition_key = "id".into();
    let plan = plan(&account, &config, Mode::Apply).await;
    let changes: Vec<(Action, Kind)> = plan
        .changes
        .iter()
        .map(|c| (c.action(), c.id.kind))
        .collect();
    assert_eq!(changes, vec![(Action::Replace, Kind::DynamodbTable)]);
    assert!(
        plan.changes[0]
            .reason
            .to_string()
            .contains("cannot change a table's key"),
        "{}",
        plan.changes[0].reason
    );
    // The plan shows it, before apply: one line marked -/+, the key's change, one of each.
    let text = render::text(&plan);
    assert!(text.contains("-/+ us-east-1  dynamodb-table"), "{text}");
    assert!(text.contains("partition_key: \"id\" -> \"pk\""), "{text}");
    assert!(
        text.contains("Plan: 1 to create, 0 to update, 1 to delete."),
        "{text}"
    );
    assert_eq!(render::json(&plan)["changes"][0]["action"], "replace");

    apply(&account, &config, &plan).await;
    assert_eq!(account.count("DeleteTable"), 1);
    assert_eq!(account.count("CreateTable"), 2);
    assert_eq!(
        account.state().tables[&config.enricher.state_table]
            .1
            .partition_key,
        "pk"
    );
    let again = self::plan(&account, &config, Mode::Apply).await;
    assert!(again.is_empty(), "{}", render::text(&again));
}

#[tokio::test]
async fn a_table_of_someone_else_with_another_key_is_never_replaced() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let theirs = TableSpec {
        partition_key: "id".into(),
        tags: Tags::from([("team".to_owned(), "data".to_owned())]),
        ..crate::desired::state_table(&config)
    };
    account
        .create_table(&config.enricher.state_table, &theirs)
        .await
        .unwrap();
    // Even adopted, someone else's table is updated in place, never replaced.
    let mut config = config;
    config.watchpost.adopt = vec!["dynamodb-table:wp-alert-state".into()];
    let plan = plan(&account, &config, Mode::Apply).await;
    let table = plan
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::DynamodbTable)
        .unwrap();
    assert_eq!(table.action(), Action::Update);
    let report = apply_region(&account, &config, &package("1"), &plan, REGION, &|_| {}).await;
    let error = report
        .errors
        .iter()
        .find(|e| e.id.kind == Kind::DynamodbTable)
        .unwrap();
    assert!(
        error.cause.to_string().contains("cannot change a key"),
        "{error}: {}",
        error.cause
    );
    assert_eq!(account.count("DeleteTable"), 0);
}

#[tokio::test]
async fn values_known_only_after_apply_are_typed_and_shown_as_such() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    let function = first
        .changes
        .iter()
        .find_map(|c| match &c.spec {
            crate::spec::SpecChange::LambdaFunction(diff) => diff.want().cloned(),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        function.environment["WATCHPOST_GRAPH_ARN"],
        crate::spec::Deferred::Unknown(crate::spec::Unknown::GraphArn)
    );
    let json = render::json(&first);
    let policy = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "iam-role-policy")
        .unwrap();
    assert_eq!(
        policy["after"]["policy"],
        "(known after apply: detective graph ARN)"
    );
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

/// The test config with the siem route's subscription left out.
fn config_without_siem() -> Config {
    let mut config = config("");
    for route in &mut config.routes {
        if route.name == "siem" {
            route.subscriptions.clear();
        }
    }
    config
}

/// The stack's lock: a second run is refused with who holds it and since when; only the
/// holder's id releases it, by the run or by `--force-unlock`.
#[tokio::test]
async fn a_second_run_is_refused_while_the_lock_is_held() {
    use crate::lock::{self, LockError, LockInfo};
    let account = FakeAccount::new(ACCOUNT, REGION);
    let alice = LockInfo {
        id: "a1".into(),
        holder: "arn:aws:iam::123456789012:user/alice (alice@laptop, pid 7)".into(),
        operation: "apply".into(),
        since: "2026-11-29T20:01:00Z".into(),
    };
    let bob = LockInfo {
        id: "b2".into(),
        holder: "arn:aws:iam::123456789012:user/bob (bob@ci, pid 9)".into(),
        ..alice.clone()
    };
    lock::acquire(&account, REGION, "wp", &alice).await.unwrap();
    let refused = lock::acquire(&account, REGION, "wp", &bob)
        .await
        .unwrap_err();
    assert!(matches!(&refused, LockError::Held { held, .. } if **held == alice));
    let message = refused.to_string();
    assert!(
        message.contains("user/alice") && message.contains("2026-11-29T20:01:00Z"),
        "{message}"
    );
    assert!(message.contains("--force-unlock a1"), "{message}");
    // Bob's release does not free Alice's lock; a wrong id does not force it.
    lock::release(&account, REGION, "wp", "b2").await.unwrap();
    assert!(lock::acquire(&account, REGION, "wp", &bob).await.is_err());
    assert!(matches!(
        lock::force_unlock(&account, REGION, "wp", "zz").await,
        Err(LockError::OtherHolder { .. })
    ));
    // Alice's run ends (or is forced out): Bob gets it; other stacks were never locked.
    let forced = lock::force_unlock(&account, REGION, "wp", "a1")
        .await
        .unwrap();
    assert_eq!(forced, Some(alice.clone()));
    lock::acquire(&account, REGION, "wp", &bob).await.unwrap();
    lock::acquire(&account, REGION, "other", &alice)
        .await
        .unwrap();
    lock::release(&account, REGION, "wp", "b2").await.unwrap();
    assert!(
        lock::force_unlock(&account, REGION, "wp", "b2")
            .await
            .unwrap()
            .is_none()
    );
}

/// Regression: an untagged table (or queue, role, function, rule, topic, alarm) that happened
/// to carry a configured name was updated and tagged, and destroy then deleted it.
#[tokio::test]
async fn an_untagged_resource_with_a_configured_name_stops_the_plan_until_adopted() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let untagged = TableSpec {
        tags: Tags::new(),
        ..crate::desired::state_table(&config)
    };
    account
        .create_table(&config.enricher.state_table, &untagged)
        .await
        .unwrap();
    account.state().topics.insert(
        "arn:aws:sns:us-east-1:123456789012:wp-pager".into(),
        TopicSpec {
            kms_master_key_id: None,
            policy: None,
            tags: Tags::new(),
        },
    );
    let err = plan_region(&account, &config, &package("1"), REGION, Mode::Apply)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("sns-topic:wp-pager") && message.contains("dynamodb-table:wp-alert-state"),
        "{message}"
    );
    assert!(message.contains("adopt = ["), "{message}");
    // Nothing was touched.
    assert_eq!(account.count("TagResource"), 0);
    assert_eq!(account.count("CreateTopic"), 0);
    // Destroy plans nothing for them either.
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(destroy.is_empty(), "{}", render::text(&destroy));

    // Adopted explicitly: the plan updates (tags) them instead of creating or skipping.
    let mut adopting = config.clone();
    adopting.watchpost.adopt = vec![
        "dynamodb-table:wp-alert-state".into(),
        "sns-topic:wp-pager".into(),
    ];
    let adoption = plan(&account, &adopting, Mode::Apply).await;
    for (kind, name) in [
        (Kind::DynamodbTable, "wp-alert-state"),
        (Kind::SnsTopic, "wp-pager"),
    ] {
        let change = adoption
            .changes
            .iter()
            .find(|c| c.id.kind == kind && c.id.name == name)
            .unwrap();
        assert_eq!(change.action(), Action::Update, "{kind}");
    }
    apply(&account, &adopting, &adoption).await;
    // Now the stack's: the original config plans without stopping.
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
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

fn organization(config: &mut Config) {
    config.detective.organization = Some(watchpost_core::config::Organization {
        admin_account_id: ACCOUNT.into(),
        auto_enable: true,
    });
}

/// Regression: in organization mode apply deleted the members the organization enabled on its
/// own (auto-enable), and destroy disabled an administrator that was there before Watchpost.
#[tokio::test]
async fn organization_members_and_an_earlier_administrator_are_left_alone() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    organization(&mut config);
    // The organization's administrator existed before the stack.
    account.state().org_admins = vec![ACCOUNT.to_owned()];
    converge(&account, &config).await;
    assert_eq!(account.count("EnableOrganizationAdminAccount"), 0);
    // An account the organization enabled by itself.
    {
        let mut state = account.state();
        let graph = state.graphs.keys().next().unwrap().clone();
        state.members.entry(graph).or_default().insert(
            "777788889999".into(),
            MemberState {
                account_id: "777788889999".into(),
                email: "auto@example.com".into(),
                status: "ENABLED".into(),
                invitation_type: InvitationType::Organization,
            },
        );
    }
    let again = plan(&account, &config, Mode::Apply).await;
    assert!(again.is_empty(), "{}", render::text(&again));
    let destroy = plan(&account, &config, Mode::Destroy).await;
    let touched: Vec<(Kind, &str)> = destroy
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.id.kind,
                Kind::DetectiveOrganization | Kind::DetectiveMember
            )
        })
        .map(|c| (c.id.kind, c.id.name.as_str()))
        .collect();
    // The two invited members go with the graph; the administrator and the organization's own
    // member stay.
    assert_eq!(
        touched,
        vec![
            (Kind::DetectiveMember, "111122223333"),
            (Kind::DetectiveMember, "444455556666"),
        ]
    );
}

/// An administrator Watchpost enabled is the stack's: destroy disables it.
/// An administrator Watchpost enabled is the stack's: destroy disables it.
#[tokio::test]
async fn an_administrator_the_stack_enabled_is_disabled_by_destroy() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    organization(&mut config);
    converge(&account, &config).await;
    assert_eq!(account.count("EnableOrganizationAdminAccount"), 1);
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(
        destroy
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::DetectiveOrganization),
        "{}",
        render::text(&destroy)
    );
    apply(&account, &config, &destroy).await;
    assert!(account.state().org_admins.is_empty());
}

/// Regression: CreateKey failed outright when the key policy named the enricher's role IAM had
/// not propagated yet; it is retried like CreateFunction.
#[tokio::test(start_paused = true)]
async fn create_key_waits_for_iam_to_propagate_the_new_role() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    account.state().key_policy_propagation_failures = 2;
    let config = config("");
    converge(&account, &config).await;
    assert_eq!(account.count("CreateKey"), 3);
    assert_eq!(account.state().keys.len(), 1);
}

/// Regression: an apply that stopped between CreateKey and CreateAlias left a tagged key that
/// no later apply saw (they looked by alias only), so each created another key and the first
/// was never removed. The key is found by the stack's tag and given its alias.
#[tokio::test]
async fn a_key_left_without_its_alias_is_found_by_its_tag_and_not_created_again() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let key_id = account.state().aliases.remove("alias/wp-sns").unwrap();
    let repair = plan(&account, &config, Mode::Apply).await;
    let summary: Vec<(Action, Kind)> = repair
        .changes
        .iter()
        .map(|c| (c.action(), c.id.kind))
        .collect();
    assert_eq!(
        summary,
        vec![(Action::Update, Kind::KmsKey)],
        "{}",
        render::text(&repair)
    );
    assert_eq!(repair.changes[0].physical_id(), Some(key_id.as_str()));
    assert_eq!(repair.changes[0].reason.to_string(), "aliased changed");
    apply(&account, &config, &repair).await;
    assert_eq!(account.count("CreateKey"), 1);
    assert_eq!(account.state().aliases["alias/wp-sns"], key_id);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
    // Destroy finds it the same way.
    account.state().aliases.clear();
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(
        destroy
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::KmsKey && c.physical_id() == Some(key_id.as_str())),
        "{}",
        render::text(&destroy)
    );
}

/// Regression: a disabled key (every encrypted publish then fails) was not seen as drift.
#[tokio::test]
async fn a_disabled_key_is_enabled_again() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    for (_, spec, _) in account.state().keys.values_mut() {
        spec.enabled = false;
    }
    let repair = plan(&account, &config, Mode::Apply).await;
    assert_eq!(repair.changes.len(), 1, "{}", render::text(&repair));
    assert_eq!(repair.changes[0].reason.to_string(), "enabled changed");
    apply(&account, &config, &repair).await;
    assert_eq!(account.count("EnableKey"), 1);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

/// Regression: drift in what Watchpost sets went unseen: a managed policy attached to the
/// enricher's role, a permission statement widened beyond its three compared fields, a
/// subscription's filter policy scope and redrive policy. Each plans an update that puts it back.
#[tokio::test]
async fn drift_in_every_field_watchpost_sets_is_seen_and_repaired() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    {
        let mut state = account.state();
        let role = state.roles.values_mut().next().unwrap();
        role.managed_policies = vec![admin.to_owned()];
        let statement = state
            .permissions
            .values_mut()
            .next()
            .unwrap()
            .get_mut("wp-findings")
            .unwrap();
        statement.other = Some(serde_json::json!({
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}
        }));
        let sqs = state
            .subscriptions
            .values_mut()
            .find(|s| s.protocol == Protocol::Sqs)
            .unwrap();
        sqs.filter_policy_scope = Some("MessageBody".into());
        sqs.redrive_policy = Some(serde_json::json!({
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:elsewhere"
        }));
    }
    let repair = plan(&account, &config, Mode::Apply).await;
    let reasons: Vec<String> = repair
        .changes
        .iter()
        .map(|c| c.reason.to_string())
        .collect();
    let summary: Vec<(Action, Kind, &str)> = repair
        .changes
        .iter()
        .zip(&reasons)
        .map(|(c, reason)| (c.action(), c.id.kind, reason.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Action::Update, Kind::IamRole, "managed_policies changed"),
            (
                Action::Update,
                Kind::SnsSubscription,
                "filter_policy_scope, redrive_policy changed"
            ),
            (Action::Update, Kind::LambdaPermission, "other changed"),
        ],
        "{}",
        render::text(&repair)
    );
    apply(&account, &config, &repair).await;
    assert_eq!(account.count("DetachRolePolicy"), 1);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());

    // A role with a managed policy attached is still removed by destroy (IAM refuses to delete
    // it until the policy is detached).
    account
        .state()
        .roles
        .values_mut()
        .next()
        .unwrap()
        .managed_policies = vec![admin.to_owned()];
    let destroy = plan(&account, &config, Mode::Destroy).await;
    apply(&account, &config, &destroy).await;
    assert!(account.state().roles.is_empty());
}
