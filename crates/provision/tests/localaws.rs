//! The engine against the local AWS (moto and the Detective emulator) through the SDK
//! adapters: apply (every resource read back through the SDK), converge, minimal plans for
//! additions, member batching, destroy.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use watchpost_core::Config;
use watchpost_localaws::{DEFAULT_ACCOUNT, LocalAws, REGION};
use watchpost_provision::adapters::{
    AwsPorts, CloudwatchAdapter, DetectiveAdapter, DynamodbAdapter, EventsAdapter,
    GuarddutyAdapter, IamAdapter, KmsAdapter, LambdaAdapter, SnsAdapter, SqsAdapter, SsmAdapter,
    StsAdapter,
};
use watchpost_provision::artifact::{Package, zip_of};
use watchpost_provision::engine;
use watchpost_provision::ports::*;
use watchpost_provision::redrive::Outcome;
use watchpost_provision::spec::*;
use watchpost_provision::{Action, Kind, Mode, Planned, render};

/// The SDK adapters, with CreateMembers calls counted.
struct Counted {
    aws: AwsPorts,
    detective: CountingDetective,
}

struct CountingDetective {
    inner: DetectiveAdapter,
    create_members: AtomicUsize,
}

impl DetectivePort for CountingDetective {
    async fn list_graphs(&self) -> PortResult<Vec<String>> {
        self.inner.list_graphs().await
    }
    async fn create_graph(&self, tags: &Tags) -> PortResult<String> {
        self.inner.create_graph(tags).await
    }
    async fn delete_graph(&self, graph_arn: &str) -> PortResult<()> {
        self.inner.delete_graph(graph_arn).await
    }
    async fn graph_tags(&self, graph_arn: &str) -> PortResult<Tags> {
        self.inner.graph_tags(graph_arn).await
    }
    async fn tag_graph(&self, graph_arn: &str, tags: &Tags) -> PortResult<()> {
        self.inner.tag_graph(graph_arn, tags).await
    }
    async fn untag_graph(&self, graph_arn: &str, keys: &[String]) -> PortResult<()> {
        self.inner.untag_graph(graph_arn, keys).await
    }
    async fn list_members(&self, graph_arn: &str) -> PortResult<Vec<MemberState>> {
        self.inner.list_members(graph_arn).await
    }
    async fn create_members(
        &self,
        graph_arn: &str,
        invites: &[Invite],
        message: Option<&str>,
        disable_email_notification: bool,
    ) -> PortResult<Vec<Unprocessed>> {
        self.create_members.fetch_add(1, Ordering::SeqCst);
        self.inner
            .create_members(graph_arn, invites, message, disable_email_notification)
            .await
    }
    async fn delete_members(
        &self,
        graph_arn: &str,
        ids: &[String],
    ) -> PortResult<Vec<Unprocessed>> {
        self.inner.delete_members(graph_arn, ids).await
    }
    async fn datasource_packages(&self, graph_arn: &str) -> PortResult<BTreeMap<String, String>> {
        self.inner.datasource_packages(graph_arn).await
    }
    async fn enable_datasource_packages(&self, graph_arn: &str, p: &[String]) -> PortResult<()> {
        self.inner.enable_datasource_packages(graph_arn, p).await
    }
    async fn organization_admins(&self) -> PortResult<Vec<String>> {
        self.inner.organization_admins().await
    }
    async fn enable_organization_admin(&self, account_id: &str) -> PortResult<()> {
        self.inner.enable_organization_admin(account_id).await
    }
    async fn disable_organization_admin(&self) -> PortResult<()> {
        self.inner.disable_organization_admin().await
    }
    async fn auto_enable(&self, graph_arn: &str) -> PortResult<bool> {
        self.inner.auto_enable(graph_arn).await
    }
    async fn set_auto_enable(&self, graph_arn: &str, auto_enable: bool) -> PortResult<()> {
        self.inner.set_auto_enable(graph_arn, auto_enable).await
    }
}

impl Ports for Counted {
    type Sts = StsAdapter;
    type Detective = CountingDetective;
    type Kms = KmsAdapter;
    type Sns = SnsAdapter;
    type Dynamodb = DynamodbAdapter;
    type Sqs = SqsAdapter;
    type Iam = IamAdapter;
    type Lambda = LambdaAdapter;
    type Events = EventsAdapter;
    type Cloudwatch = CloudwatchAdapter;
    type Guardduty = GuarddutyAdapter;
    type Ssm = SsmAdapter;
    fn sts(&self) -> &StsAdapter {
        &self.aws.sts
    }
    fn detective(&self) -> &CountingDetective {
        &self.detective
    }
    fn kms(&self) -> &KmsAdapter {
        &self.aws.kms
    }
    fn sns(&self) -> &SnsAdapter {
        &self.aws.sns
    }
    fn dynamodb(&self) -> &DynamodbAdapter {
        &self.aws.dynamodb
    }
    fn sqs(&self) -> &SqsAdapter {
        &self.aws.sqs
    }
    fn iam(&self) -> &IamAdapter {
        &self.aws.iam
    }
    fn lambda(&self) -> &LambdaAdapter {
        &self.aws.lambda
    }
    fn events(&self) -> &EventsAdapter {
        &self.aws.events
    }
    fn cloudwatch(&self) -> &CloudwatchAdapter {
        &self.aws.cloudwatch
    }
    fn guardduty(&self) -> &GuarddutyAdapter {
        &self.aws.guardduty
    }
    fn ssm(&self) -> &SsmAdapter {
        &self.aws.ssm
    }
}

/// The SDK adapters for the local AWS's one region, CreateMembers counted.
fn counted_ports(local: &LocalAws) -> Vec<(String, Counted)> {
    let aws = AwsPorts::new(
        &local.sdk_config(DEFAULT_ACCOUNT),
        &local.detective_sdk_config(DEFAULT_ACCOUNT),
    );
    vec![(
        REGION.to_owned(),
        Counted {
            detective: CountingDetective {
                inner: aws.detective.clone(),
                create_members: AtomicUsize::new(0),
            },
            aws,
        },
    )]
}

/// A package moto accepts (it stores functions, it does not run them).
fn package() -> Package {
    Package::from_bytes(zip_of(&[
        ("bootstrap", b"#!/bin/sh\n"),
        ("watchpost.toml", b""),
    ]))
}

fn config_with(members: usize, extra_route: bool) -> Config {
    let members: Vec<String> = (0..members)
        .map(|i| {
            format!(
                "{{ account_id = \"{:012}\", email = \"m{i}@example.com\" }}",
                300_000_000_000u64 + i as u64
            )
        })
        .collect();
    let extra = if extra_route {
        "[[routes]]\nname = \"chat\"\nformat = \"chat\"\n  [[routes.subscriptions]]\n  protocol = \"https\"\n  endpoint = \"https://chat.example.com/hook\"\n"
    } else {
        ""
    };
    Config::from_toml(
        &format!(
            r#"
[watchpost]
stack = "wp"
regions = ["us-east-1"]
security_hub = true

[guardduty]
manage_detector = true
features = ["RUNTIME_MONITORING"]
finding_publishing_frequency = "SIX_HOURS"

[[routes]]
name = "pager"
  [[routes.subscriptions]]
  protocol = "https"
  endpoint = "https://pager.example.com/hook"
  [[routes.subscriptions]]
  protocol = "sqs"
  endpoint = "arn:aws:sqs:us-east-1:123456789012:siem"
  raw_message_delivery = true
  filter_policy = {{ sample = ["false"] }}
{extra}
[detective]
members = [{}]
invitation_message = "Please join"
datasource_packages = ["EKS_AUDIT"]
tags = {{ owner = "security" }}

[alarms]
operations_email = "ops@example.com"
"#,
            members.join(", ")
        ),
        "localaws.toml",
    )
    .unwrap()
}

async fn plan(ports: &[(String, Counted)], config: &Config, mode: Mode) -> Planned {
    engine::plan_all(ports, config, &package(), mode)
        .await
        .unwrap()
        .0
}

async fn apply(ports: &[(String, Counted)], config: &Config, plan: &Planned) {
    let report = engine::apply_all(ports, config, &package(), plan, &|_| {}).await;
    assert!(
        report.errors.is_empty(),
        "{}",
        report
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

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

#[tokio::test]
async fn dead_letters_go_back_to_the_function_and_only_then_leave_the_queue() {
    let local = LocalAws::start().await;
    // moto stores functions but runs them only in Docker; without, it accepts invocations.
    let (status, _) = watchpost_localaws::http(
        local.moto.addr(),
        "POST",
        "/moto-api/config",
        &[("Content-Type", "application/json")],
        r#"{"lambda": {"use_docker": false}}"#,
    )
    .await
    .unwrap();
    assert_eq!(status, 201);
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let config = config_with(0, false);
    let ports = counted_ports(&local);
    let first = plan(&ports, &config, Mode::Apply).await;
    apply(&ports, &config, &first).await;

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = sqs
        .get_queue_url()
        .queue_name("wp-enricher-dlq")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let destination_record = r#"{"version":"1.0","requestContext":{"condition":"RetriesExhausted"},"requestPayload":{"id":"e1","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"type":"Recon:EC2/PortProbeUnprotectedPort","severity":5.0}},"responsePayload":{"errorType":"Watchpost.DeliveryFailed.Retryable"}}"#;
    let eventbridge_event = r#"{"id":"e2","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"type":"Backdoor:EC2/C&CActivity.B","severity":8.0}}"#;
    for body in [destination_record, eventbridge_event, "garbage"] {
        sqs.send_message()
            .queue_url(&queue)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let function = &config.enricher.function_name;

    let (dlq, invoker) = (SqsAdapter::new(&sdk), LambdaAdapter::new(&sdk));
    let listed = watchpost_provision::redrive::redrive(&dlq, &invoker, &queue, function, 100, true)
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert!(listed.iter().all(|o| !o.redriven));
    assert!(
        listed.iter().any(|o| o.failure.as_deref()
            == Some("RetriesExhausted: Watchpost.DeliveryFailed.Retryable"))
    );

    let sent = watchpost_provision::redrive::redrive(&dlq, &invoker, &queue, function, 100, false)
        .await
        .unwrap();
    let redriven: Vec<&str> = sent
        .iter()
        .filter(|o| o.redriven)
        .map(|o| o.summary.as_str())
        .collect();
    assert_eq!(redriven.len(), 2, "{sent:#?}");
    assert!(redriven.iter().any(|s| s.ends_with("event e1")));
    assert!(redriven.iter().any(|s| s.ends_with("event e2")));
    let kept: Vec<&Outcome> = sent.iter().filter(|o| !o.redriven).collect();
    assert_eq!(kept.len(), 1);
    assert!(
        kept[0]
            .kept_because
            .as_deref()
            .unwrap()
            .contains("not JSON")
    );

    // Only the unreadable message is left (in flight until its visibility timeout ends).
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attributes = attributes.attributes().unwrap();
    use aws_sdk_sqs::types::QueueAttributeName as Q;
    let left: u32 = attributes[&Q::ApproximateNumberOfMessages]
        .parse::<u32>()
        .unwrap()
        + attributes[&Q::ApproximateNumberOfMessagesNotVisible]
            .parse::<u32>()
            .unwrap();
    assert_eq!(left, 1);
}

/// Regression, against the local AWS through the SDK: a subscription someone added by hand to a
/// stack topic was deleted by the next apply. It survives an apply that changes its topic's
/// subscriptions, and `outputs` lists it.
#[tokio::test]
async fn a_subscription_added_by_hand_survives_apply() {
    let local = LocalAws::start().await;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let ports = counted_ports(&local);
    let config = config_with(0, false);
    let first = plan(&ports, &config, Mode::Apply).await;
    apply(&ports, &config, &first).await;

    // A team subscribes its queue to the pager topic by hand.
    let sns = aws_sdk_sns::Client::new(&sdk);
    let pager = "arn:aws:sns:us-east-1:123456789012:wp-pager";
    let by_hand = sns
        .subscribe()
        .topic_arn(pager)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:123456789012:team-queue")
        .return_subscription_arn(true)
        .send()
        .await
        .unwrap()
        .subscription_arn()
        .unwrap()
        .to_owned();
    let (again, observations) = engine::plan_all(&ports, &config, &package(), Mode::Apply)
        .await
        .unwrap();
    assert!(again.is_empty(), "{}", render::text(&again));
    assert_eq!(
        observations[0].outputs.other_subscriptions,
        vec!["sqs:arn:aws:sqs:us-east-1:123456789012:team-queue on wp-pager"]
    );

    // The config drops its own queue subscription from the same topic: only that one goes.
    let mut smaller = config.clone();
    smaller.routes[0]
        .subscriptions
        .retain(|s| s.endpoint != "arn:aws:sqs:us-east-1:123456789012:siem");
    let change = plan(&ports, &smaller, Mode::Apply).await;
    let deletes: Vec<&str> = change
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete)
        .map(|c| c.id.name.as_str())
        .collect();
    assert_eq!(
        deletes,
        vec!["wp-pager/sqs:arn:aws:sqs:us-east-1:123456789012:siem"],
        "{}",
        render::text(&change)
    );
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let records = || async {
        let out = ssm
            .get_parameters_by_path()
            .path("/watchpost/wp/subscriptions")
            .recursive(true)
            .send()
            .await
            .unwrap();
        out.parameters()
            .iter()
            .filter_map(|p| p.value().map(str::to_owned))
            .collect::<Vec<String>>()
    };
    let dropped = change
        .changes
        .iter()
        .find(|c| c.action() == Action::Delete)
        .and_then(|c| c.physical_id().map(str::to_owned))
        .unwrap();
    assert!(records().await.contains(&dropped));
    assert!(!records().await.contains(&by_hand));
    apply(&ports, &smaller, &change).await;
    let left: Vec<String> = sns
        .list_subscriptions_by_topic()
        .topic_arn(pager)
        .send()
        .await
        .unwrap()
        .subscriptions()
        .iter()
        .filter_map(|s| s.subscription_arn().map(str::to_owned))
        .collect();
    assert!(left.contains(&by_hand), "{left:?}");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(plan(&ports, &smaller, Mode::Apply).await.is_empty());
    // Its record went with it; the https subscription's stays.
    let records = records().await;
    assert!(!records.contains(&dropped), "{records:?}");
    assert!(records.iter().any(|r| r.starts_with(pager)), "{records:?}");
}

/// Against the local AWS, through the SDK: a second run is refused while the lock is held, with
/// who holds it and since when (PutParameter without overwrite is the conditional write); the
/// holder's release or `--force-unlock` with its id frees it.
#[tokio::test]
async fn a_second_run_is_refused_while_one_holds_the_lock() {
    use watchpost_provision::lock::{self, LockError, LockInfo};

    let local = LocalAws::start().await;
    let ports = counted_ports(&local);
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
    lock::acquire_all(&ports, "wp", &alice).await.unwrap();
    let refused = lock::acquire_all(&ports, "wp", &bob).await.unwrap_err();
    assert!(matches!(&refused, LockError::Held { held, .. } if **held == alice));
    let message = refused.to_string();
    assert!(
        message.contains("user/alice")
            && message.contains("2026-11-29T20:01:00Z")
            && message.contains("--force-unlock a1"),
        "{message}"
    );
    // A wrong id frees nothing; Alice's release does.
    assert!(
        lock::force_unlock(&ports[0].1, REGION, "wp", "b2")
            .await
            .is_err()
    );
    assert!(lock::release_all(&ports, "wp", "a1").await.is_empty());
    lock::acquire_all(&ports, "wp", &bob).await.unwrap();
    // Bob's run died: his lock stays until forced out with its id.
    assert!(lock::acquire_all(&ports, "wp", &alice).await.is_err());
    let forced = lock::force_unlock(&ports[0].1, REGION, "wp", "b2")
        .await
        .unwrap();
    assert_eq!(forced, Some(bob));
    lock::acquire_all(&ports, "wp", &alice).await.unwrap();
}

/// Regression, against the local AWS: an untagged table with the configured name was updated,
/// tagged and later destroyed as the stack's. The plan stops and names it, until adopted.
#[tokio::test]
async fn an_untagged_table_with_the_configured_name_stops_the_plan() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };

    let local = LocalAws::start().await;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let ports = counted_ports(&local);
    let config = config_with(0, false);
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = &config.enricher.state_table;
    dynamodb
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let err = engine::plan_all(&ports, &config, &package(), Mode::Apply)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("dynamodb-table:{table}")), "{err}");
    assert!(err.contains("adopt = ["), "{err}");
    let tags = dynamodb
        .list_tags_of_resource()
        .resource_arn(format!(
            "arn:aws:dynamodb:{REGION}:{DEFAULT_ACCOUNT}:table/{table}"
        ))
        .send()
        .await
        .unwrap();
    assert!(tags.tags().is_empty(), "{tags:?}");
    // Adopted: the plan updates it (tags it) rather than stopping.
    let mut adopting = config.clone();
    adopting.watchpost.adopt = vec![format!("dynamodb-table:{table}")];
    let adoption = plan(&ports, &adopting, Mode::Apply).await;
    let change = adoption
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::DynamodbTable)
        .unwrap();
    assert_eq!(
        change.action(),
        Action::Update,
        "{}",
        render::text(&adoption)
    );
}

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
