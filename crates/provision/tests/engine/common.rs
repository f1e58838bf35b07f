//! What every engine test shares: the account and region, the test configs, a package, and
//! plan / apply / converge over the in-memory account (the crate's `fake` feature).

pub use watchpost_core::Config;
pub use watchpost_provision::artifact::{Package, zip_of};
pub use watchpost_provision::desired::{self, Context, names};
pub use watchpost_provision::engine::{Planned, apply_region, chain, plan_region};
pub use watchpost_provision::fake::FakeAccount;
pub use watchpost_provision::model::{Action, Mode, Plan};
pub use watchpost_provision::ports::{
    CloudwatchPort, DetectivePort, DynamodbPort, GuarddutyPort, InvitationType, LambdaPort,
    MemberState, ParametersPort, PortError, SnsPort, SqsPort,
};
pub use watchpost_provision::render;
pub use watchpost_provision::spec::{
    AlarmSpec, BillingMode, DetectorSpec, Kind, PolicyDocument, Protocol, QueueSpec, Spec,
    SubscriptionSpec, TableSpec, Tags, TargetSpec, TopicSpec,
};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

pub fn config(extra: &str) -> Config {
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
pub fn package(version: &str) -> Package {
    let zip = zip_of(&[("bootstrap", format!("\x7fELF {version}").as_bytes())]);
    Package::from_bytes(
        watchpost_provision::artifact::with_config(&zip, "[watchpost]\nstack = \"wp\"\n").unwrap(),
    )
}

pub fn context() -> Context {
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

pub async fn plan(account: &FakeAccount, config: &Config, mode: Mode) -> Planned {
    plan_region(account, config, &package("1"), REGION, mode)
        .await
        .unwrap()
        .0
}

pub async fn apply(account: &FakeAccount, config: &Config, plan: &Planned) {
    let report = apply_region(account, config, &package("1"), plan, REGION, &|_| {}).await;
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

pub async fn converge(account: &FakeAccount, config: &Config) {
    let first = plan(account, config, Mode::Apply).await;
    apply(account, config, &first).await;
}

/// The test config with the siem route's subscription left out.
pub fn config_without_siem() -> Config {
    let mut config = config("");
    for route in &mut config.routes {
        if route.name == "siem" {
            route.subscriptions.clear();
        }
    }
    config
}

pub fn organization(config: &mut Config) {
    config.detective.organization = Some(watchpost_core::config::Organization {
        admin_account_id: ACCOUNT.into(),
        auto_enable: true,
    });
}

/// The smaller config the usage and activity tests start from: one route.
pub fn activity_config(extra: &str) -> Config {
    let text = format!(
        r#"
[watchpost]
stack = "wp"
regions = ["us-east-1"]

[[routes]]
name = "pager"
  [[routes.subscriptions]]
  protocol = "https"
  endpoint = "https://pager.example.com/hook"
{extra}
"#
    );
    Config::from_toml(&text, "test.toml").unwrap()
}

/// Names of the plan's changes of `kind`.
pub fn named(plan: &Plan, kind: Kind) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| c.id.kind == kind)
        .map(|c| c.id.name.clone())
        .collect()
}

pub fn usage_alarms(plan: &Plan) -> Vec<String> {
    named(plan, Kind::CloudwatchAlarm)
        .into_iter()
        .filter(|n| n.starts_with("wp-usage-"))
        .collect()
}

/// A metric with data in the fake account.
pub fn metric(account: &FakeAccount, namespace: &str, name: &str, dims: &[(&str, &str)]) {
    account.state().metrics.push((
        namespace.to_owned(),
        name.to_owned(),
        dims.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    ));
}
