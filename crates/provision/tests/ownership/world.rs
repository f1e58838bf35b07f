//! Generated accounts and runs: a prior state (what a security team, another stack and an
//! earlier run of this stack left in the account), configs, and the operations run on them,
//! each with at most one fault.

use proptest::prelude::*;
use serde_json::json;
use watchpost_core::Config;
use watchpost_provision::fake::faults::Fault;
use watchpost_provision::fake::{Actor, FakeAccount};
use watchpost_provision::ports::{InvitationType, MemberState};
use watchpost_provision::spec::*;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
/// The security team's own graph, which the stack may find or be told to use.
pub const TEAM_GRAPH: &str =
    "arn:aws:detective:us-east-1:123456789012:graph:7eaa0000000000000000000000000000";
/// The security team's topic, which a route may name as its `topic_arn`.
pub const TEAM_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:team-alerts";
/// Accounts: one the team invited, one the organization enabled, one only the config names.
pub const INVITED_BY_TEAM: &str = "222222222222";
pub const ENABLED_BY_ORGANIZATION: &str = "333333333333";
pub const ONLY_IN_CONFIG: &str = "444444444444";
/// The endpoint a config subscribes and someone may have subscribed by hand first.
pub const PAGER: &str = "https://pager.example.com/hook";

/// What the account holds before the first operation.
#[derive(Debug, Clone, Default)]
pub struct Prior {
    /// The team's graph, with its own tags (a CloudFormation one among them) and members.
    pub team_graph: bool,
    /// An organization administrator was designated before Watchpost.
    pub organization_admin: bool,
    /// A GuardDuty detector was there before.
    pub detector: bool,
    /// The team's topic, with a subscription of the team's own, and one to the endpoint the
    /// config also subscribes (with its own filter and redrive policies).
    pub team_topic: bool,
    pub team_subscribes_pager: bool,
    /// Untagged resources someone made with names the stack wants.
    pub untagged_table: bool,
    pub untagged_alarm: bool,
    /// An untagged alarm with the name of a usage alarm discovery will want.
    pub untagged_usage_alarm: bool,
    /// Another stack's resources and records.
    pub other_stack: bool,
    /// An earlier apply of this stack (with the first config), then someone's subscription on
    /// one of its topics.
    pub earlier_apply: bool,
    pub hand_subscription_on_stack_topic: bool,
}

/// One config, as choices.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Name the team's graph in `[detective] graph_arn`.
    pub graph_arn: bool,
    /// `[detective] members`: the team's invitee (with another email), the organization's
    /// member (with another email), an account only the config names.
    pub list_invited_by_team: bool,
    pub list_enabled_by_organization: bool,
    pub list_only_in_config: bool,
    pub organization: bool,
    pub manage_detector: bool,
    /// A route on the team's topic subscribing the pager endpoint.
    pub team_route: bool,
    pub security_hub: bool,
    pub usage: bool,
    pub alarms: bool,
    /// Adopt the untagged table and alarm.
    pub adopt: bool,
}

/// What to run.
#[derive(Debug, Clone)]
pub enum Operation {
    Apply { config: usize, fault: Option<Fault> },
    Destroy { config: usize, fault: Option<Fault> },
}

#[derive(Debug, Clone)]
pub struct Case {
    pub prior: Prior,
    pub configs: Vec<Choices>,
    pub operations: Vec<Operation>,
}

fn prior() -> impl Strategy<Value = Prior> {
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(|((a, b, c, d), (e, f, g, h), (i, j, k))| Prior {
            team_graph: a,
            organization_admin: b,
            detector: c,
            team_topic: d,
            team_subscribes_pager: d && e,
            untagged_table: f,
            untagged_alarm: g,
            untagged_usage_alarm: h,
            other_stack: i,
            earlier_apply: j,
            hand_subscription_on_stack_topic: j && k,
        })
}

fn choices() -> impl Strategy<Value = Choices> {
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(|((a, b, c, d), (e, f, g, h), (i, j, k))| Choices {
            graph_arn: a,
            list_invited_by_team: b,
            list_enabled_by_organization: c,
            list_only_in_config: d,
            organization: e,
            manage_detector: f,
            team_route: g,
            security_hub: h,
            usage: i,
            alarms: j,
            adopt: k,
        })
}

fn fault() -> impl Strategy<Value = Option<Fault>> {
    prop_oneof![
        3 => Just(None),
        1 => (0usize..160).prop_map(|n| Some(Fault::Fail(n))),
        1 => (0usize..160).prop_map(|n| Some(Fault::Lose(n))),
        1 => (0usize..160).prop_map(|n| Some(Fault::Retry(n))),
        1 => (0usize..160).prop_map(|n| Some(Fault::Kill(n))),
    ]
}

fn operation(configs: usize) -> impl Strategy<Value = Operation> {
    prop_oneof![
        3 => (0..configs, fault()).prop_map(|(config, fault)| Operation::Apply { config, fault }),
        1 => (0..configs, fault()).prop_map(|(config, fault)| Operation::Destroy { config, fault }),
    ]
}

pub fn case() -> impl Strategy<Value = Case> {
    (prior(), prop::collection::vec(choices(), 1..=2)).prop_flat_map(|(prior, configs)| {
        let n = configs.len();
        (
            Just(prior),
            Just(configs),
            prop::collection::vec(operation(n), 1..=4),
        )
            .prop_map(|(prior, configs, operations)| Case {
                prior,
                configs,
                operations,
            })
    })
}

/// The config the choices make.
pub fn config(c: &Choices, prior: &Prior) -> Config {
    let mut text = String::from("[watchpost]\nstack = \"wp\"\nregions = [\"us-east-1\"]\n");
    text += &format!("security_hub = {}\n", c.security_hub);
    let mut adopt = Vec::new();
    if c.adopt && prior.untagged_table {
        adopt.push("\"dynamodb-table:wp-alert-state\"".to_owned());
    }
    if c.adopt && prior.untagged_alarm {
        adopt.push("\"cloudwatch-alarm:wp-enricher-errors\"".to_owned());
    }
    if c.adopt && prior.untagged_usage_alarm {
        adopt.push("\"cloudwatch-alarm:wp-usage-bedrock-Invocations-m1\"".to_owned());
    }
    text += &format!("adopt = [{}]\n", adopt.join(", "));
    text += &format!(
        "\n[[routes]]\nname = \"pager\"\n  [[routes.subscriptions]]\n  protocol = \"https\"\n  endpoint = \"{PAGER}\"\n"
    );
    // A route names the team's topic only where the team has one.
    if c.team_route && prior.team_topic {
        text += &format!(
            "\n[[routes]]\nname = \"team\"\ntopic_arn = \"{TEAM_TOPIC}\"\n  [[routes.subscriptions]]\n  protocol = \"https\"\n  endpoint = \"{PAGER}\"\n"
        );
    }
    text += "\n[detective]\ntags = { owner = \"security\" }\n";
    if c.graph_arn && prior.team_graph {
        text += &format!("graph_arn = \"{TEAM_GRAPH}\"\n");
    }
    let mut members = Vec::new();
    if c.list_invited_by_team {
        members.push(format!(
            "{{ account_id = \"{INVITED_BY_TEAM}\", email = \"listed@example.com\" }}"
        ));
    }
    if c.list_enabled_by_organization {
        members.push(format!(
            "{{ account_id = \"{ENABLED_BY_ORGANIZATION}\", email = \"listed@example.com\" }}"
        ));
    }
    if c.list_only_in_config {
        members.push(format!(
            "{{ account_id = \"{ONLY_IN_CONFIG}\", email = \"new@example.com\" }}"
        ));
    }
    text += &format!("members = [{}]\n", members.join(", "));
    if c.organization {
        text += &format!(
            "\n[detective.organization]\nadmin_account_id = \"{ACCOUNT}\"\nauto_enable = true\n"
        );
    }
    text += &format!("\n[guardduty]\nmanage_detector = {}\n", c.manage_detector);
    text += &format!("\n[usage]\nenabled = {}\n", c.usage);
    if c.alarms {
        text += "\n[alarms]\noperations_email = \"ops@example.com\"\n";
    } else {
        text += "\n[alarms]\nenabled = false\n";
    }
    Config::from_toml(&text, "generated.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Puts `prior` into `account`, made by someone else (apart from the earlier apply, which the
/// caller runs).
pub fn someone_elses(account: &FakeAccount, prior: &Prior) {
    let mut s = account.state();
    s.actor = Actor::Someone;
    let tags = |pairs: &[(&str, &str)]| -> Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    if prior.team_graph {
        s.graphs.insert(
            TEAM_GRAPH.to_owned(),
            tags(&[
                ("Owner", "security-team"),
                ("aws:cloudformation:stack-name", "security-baseline"),
            ]),
        );
        let members = s.members.entry(TEAM_GRAPH.to_owned()).or_default();
        for (account, email, kind) in [
            (
                INVITED_BY_TEAM,
                "team@example.com",
                InvitationType::Invitation,
            ),
            (
                ENABLED_BY_ORGANIZATION,
                "org@example.com",
                InvitationType::Organization,
            ),
        ] {
            members.insert(
                account.to_owned(),
                MemberState {
                    account_id: account.to_owned(),
                    email: email.to_owned(),
                    status: "ENABLED".to_owned(),
                    invitation_type: kind,
                },
            );
        }
    }
    if prior.organization_admin {
        s.org_admins = vec![ACCOUNT.to_owned()];
    }
    if prior.detector {
        s.detector = Some(watchpost_provision::ports::Found {
            id: "team-detector".to_owned(),
            spec: DetectorSpec {
                finding_publishing_frequency: "SIX_HOURS".to_owned(),
                features: Vec::new(),
            },
            extra: tags(&[("team", "security")]),
        });
    }
    let subscription = |topic: &str, endpoint: &str| SubscriptionSpec {
        topic_arn: topic.to_owned(),
        protocol: Protocol::Https,
        endpoint: endpoint.to_owned(),
        filter_policy: Some(json!({ "severity": ["HIGH"] })),
        raw_message_delivery: true,
        filter_policy_scope: Some("MessageBody".to_owned()),
        redrive_policy: Some(json!({
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:team-dlq"
        })),
    };
    if prior.team_topic {
        s.topics.insert(
            TEAM_TOPIC.to_owned(),
            TopicSpec {
                kms_master_key_id: None,
                policy: None,
                tags: tags(&[("Owner", "security-team")]),
            },
        );
        s.subscriptions.insert(
            format!("{TEAM_TOPIC}:team-own"),
            subscription(TEAM_TOPIC, "https://team.example.com/hook"),
        );
        if prior.team_subscribes_pager {
            s.subscriptions.insert(
                format!("{TEAM_TOPIC}:team-pager"),
                subscription(TEAM_TOPIC, PAGER),
            );
        }
    }
    if prior.untagged_table {
        s.tables.insert(
            "wp-alert-state".to_owned(),
            (
                "arn:aws:dynamodb:us-east-1:123456789012:table/wp-alert-state".to_owned(),
                TableSpec {
                    partition_key: "pk".to_owned(),
                    billing_mode: BillingMode::Provisioned,
                    sse_enabled: false,
                    ttl_attribute: None,
                    tags: tags(&[("team", "data")]),
                },
            ),
        );
    }
    let alarm = |description: &str| AlarmSpec {
        description: description.to_owned(),
        metrics: Vec::new(),
        comparison_operator: "GreaterThanThreshold".to_owned(),
        threshold: Some(1.0),
        threshold_metric_id: None,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        treat_missing_data: "missing".to_owned(),
        alarm_actions: Vec::new(),
        ok_actions: Vec::new(),
        tags: Tags::new(),
    };
    if prior.untagged_alarm {
        s.alarms
            .insert("wp-enricher-errors".to_owned(), alarm("the team's own"));
    }
    // A model with metrics: discovery wants its usage alarms.
    s.metrics.push((
        "AWS/Bedrock".to_owned(),
        "Invocations".to_owned(),
        [("ModelId".to_owned(), "m1".to_owned())].into(),
    ));
    if prior.untagged_usage_alarm {
        s.alarms.insert(
            "wp-usage-bedrock-Invocations-m1".to_owned(),
            alarm("the team's own usage alarm"),
        );
    }
    if prior.other_stack {
        let other = tags(&[("watchpost:stack", "other")]);
        s.topics.insert(
            "arn:aws:sns:us-east-1:123456789012:other-pager".to_owned(),
            TopicSpec {
                kms_master_key_id: None,
                policy: None,
                tags: other.clone(),
            },
        );
        s.tables.insert(
            "other-alert-state".to_owned(),
            (
                "arn:aws:dynamodb:us-east-1:123456789012:table/other-alert-state".to_owned(),
                TableSpec {
                    partition_key: "pk".to_owned(),
                    billing_mode: BillingMode::PayPerRequest,
                    sse_enabled: true,
                    ttl_attribute: None,
                    tags: other.clone(),
                },
            ),
        );
        s.keys.insert(
            "other-key".to_owned(),
            (
                "arn:aws:kms:us-east-1:123456789012:key/other-key".to_owned(),
                KeySpec {
                    description: "another stack's".to_owned(),
                    policy: PolicyDocument::new(json!({})),
                    tags: other,
                    enabled: true,
                    aliased: true,
                },
                false,
            ),
        );
        s.aliases
            .insert("alias/other-sns".to_owned(), "other-key".to_owned());
        s.parameters.insert(
            "/watchpost/other/subscriptions/x".to_owned(),
            "arn:aws:sns:us-east-1:123456789012:other-pager:x".to_owned(),
        );
    }
    s.actor = Actor::Watchpost;
}
