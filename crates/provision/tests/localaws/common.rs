//! What the local-AWS tests share: the SDK adapters with CreateMembers calls counted, the
//! test config, a package moto accepts, plan and apply.

pub use std::collections::BTreeMap;
pub use std::sync::atomic::{AtomicUsize, Ordering};

pub use watchpost_core::Config;
pub use watchpost_localaws::{DEFAULT_ACCOUNT, LocalAws, REGION};
pub use watchpost_provision::adapters::{
    AwsPorts, CloudwatchAdapter, DetectiveAdapter, DynamodbAdapter, EventsAdapter,
    GuarddutyAdapter, IamAdapter, KmsAdapter, LambdaAdapter, SnsAdapter, SqsAdapter, SsmAdapter,
    StsAdapter,
};
pub use watchpost_provision::artifact::{Package, zip_of};
pub use watchpost_provision::engine;
pub use watchpost_provision::ports::*;
pub use watchpost_provision::redrive::Outcome;
pub use watchpost_provision::spec::*;
pub use watchpost_provision::{Action, Kind, Mode, Planned, render};

/// The SDK adapters, with CreateMembers calls counted.
pub struct Counted {
    pub aws: AwsPorts,
    pub detective: CountingDetective,
}

pub struct CountingDetective {
    pub inner: DetectiveAdapter,
    pub create_members: AtomicUsize,
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
pub fn counted_ports(local: &LocalAws) -> Vec<(String, Counted)> {
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
pub fn package() -> Package {
    Package::from_bytes(zip_of(&[
        ("bootstrap", b"#!/bin/sh\n"),
        ("watchpost.toml", b""),
    ]))
}

pub fn config_with(members: usize, extra_route: bool) -> Config {
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

pub async fn plan(ports: &[(String, Counted)], config: &Config, mode: Mode) -> Planned {
    engine::plan_all(ports, config, &package(), mode)
        .await
        .unwrap()
        .0
}

pub async fn apply(ports: &[(String, Counted)], config: &Config, plan: &Planned) {
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
