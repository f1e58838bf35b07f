//! What Watchpost did not create stays as it is, through the SDK against the local AWS: a
//! team's graph named by `graph_arn` (its members and tags), and a subscription someone made on
//! a route's `topic_arn` topic to an endpoint the config names too.

use crate::common::*;
use watchpost_localaws::DetectiveConfig;

/// A config with the pager route, and `extra` appended (more routes, a `[detective]` section).
fn config(extra: &str) -> Config {
    Config::from_toml(
        &format!(
            r#"
[watchpost]
stack = "wp"
regions = ["us-east-1"]

[[routes]]
name = "pager"
  [[routes.subscriptions]]
  protocol = "https"
  endpoint = "https://pager.example.com/hook"

[alarms]
enabled = false
{extra}
"#
        ),
        "ownership.toml",
    )
    .unwrap()
}

/// Apply, then the plan after it is empty.
async fn converge(ports: &[(String, Counted)], config: &Config) {
    let first = plan(ports, config, Mode::Apply).await;
    apply(ports, config, &first).await;
    let again = plan(ports, config, Mode::Apply).await;
    assert!(again.is_empty(), "{}", render::text(&again));
}

/// A team's graph, named by `graph_arn`, with a member the team invited and the team's own
/// tags: apply adds only the config's tag key, and neither apply nor destroy removes the
/// member or the team's tags (the config's `members` is empty, the default).
#[tokio::test]
async fn a_team_graph_named_by_graph_arn_keeps_its_members_and_tags() {
    let local = LocalAws::start().await;
    let ports = counted_ports(&local);
    let detective = aws_sdk_detective::Client::new(&local.detective_sdk_config(DEFAULT_ACCOUNT));
    let graph = detective
        .create_graph()
        .tags("Owner", "security-team")
        .tags("CostCenter", "42")
        .send()
        .await
        .unwrap()
        .graph_arn()
        .unwrap()
        .to_owned();
    detective
        .create_members()
        .graph_arn(&graph)
        .accounts(
            aws_sdk_detective::types::Account::builder()
                .account_id("222222222222")
                .email_address("team@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let members = || async {
        detective
            .list_members()
            .graph_arn(&graph)
            .send()
            .await
            .unwrap()
            .member_details()
            .iter()
            .map(|m| {
                (
                    m.account_id().unwrap_or_default().to_owned(),
                    m.email_address().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let tags = || async {
        detective
            .list_tags_for_resource()
            .resource_arn(&graph)
            .send()
            .await
            .unwrap()
            .tags()
            .cloned()
            .unwrap_or_default()
    };
    let team_members = members().await;
    assert_eq!(team_members.len(), 1, "{team_members:?}");
    let config = config(&format!(
        "[detective]\ngraph_arn = \"{graph}\"\ntags = {{ owner = \"security\" }}\n"
    ));

    converge(&ports, &config).await;
    converge(&ports, &config).await;
    assert_eq!(members().await, team_members);
    let after_apply = tags().await;
    assert_eq!(
        after_apply.get("Owner").map(String::as_str),
        Some("security-team")
    );
    assert_eq!(
        after_apply.get("CostCenter").map(String::as_str),
        Some("42")
    );
    assert_eq!(
        after_apply.get("owner").map(String::as_str),
        Some("security")
    );

    let destroy = plan(&ports, &config, Mode::Destroy).await;
    assert!(
        destroy
            .changes
            .iter()
            .all(|c| !matches!(c.id.kind, Kind::DetectiveGraph | Kind::DetectiveMember)),
        "{}",
        render::text(&destroy)
    );
    apply(&ports, &config, &destroy).await;
    assert_eq!(members().await, team_members);
    let after_destroy = tags().await;
    assert_eq!(
        after_destroy.get("Owner").map(String::as_str),
        Some("security-team")
    );
    assert_eq!(
        after_destroy.get("CostCenter").map(String::as_str),
        Some("42")
    );
}

/// A subscription someone made on the team's topic to the endpoint a route with that
/// `topic_arn` names, with its own filter and redrive policies, counts as the route's and is
/// never changed: after two applies it has the same attributes, and there is no second one.
#[tokio::test]
async fn a_subscription_made_by_hand_to_a_configured_endpoint_is_left_as_it_is() {
    let local = LocalAws::start().await;
    let ports = counted_ports(&local);
    let sns = aws_sdk_sns::Client::new(&local.sdk_config(DEFAULT_ACCOUNT));
    let topic = sns
        .create_topic()
        .name("team-alerts")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_owned();
    let endpoint = "https://pager.example.com/hook";
    let redrive = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:team-dlq"}"#;
    let by_hand = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("https")
        .endpoint(endpoint)
        .attributes("FilterPolicy", r#"{"severity":["HIGH"]}"#)
        .attributes("RedrivePolicy", redrive)
        .attributes("RawMessageDelivery", "true")
        .return_subscription_arn(true)
        .send()
        .await
        .unwrap()
        .subscription_arn()
        .unwrap()
        .to_owned();
    let attributes = || async {
        let mut attributes = sns
            .get_subscription_attributes()
            .subscription_arn(&by_hand)
            .send()
            .await
            .unwrap()
            .attributes()
            .cloned()
            .unwrap_or_default();
        // What SNS counts or derives, not what a caller sets.
        for derived in ["PendingConfirmation", "ConfirmationWasAuthenticated"] {
            attributes.remove(derived);
        }
        attributes
    };
    let before = attributes().await;
    assert_eq!(
        before.get("RedrivePolicy").map(String::as_str),
        Some(redrive),
        "{before:?}"
    );
    let config = config(&format!(
        "\n[[routes]]\nname = \"team\"\ntopic_arn = \"{topic}\"\n  [[routes.subscriptions]]\n  protocol = \"https\"\n  endpoint = \"{endpoint}\"\n"
    ));

    converge(&ports, &config).await;
    converge(&ports, &config).await;
    assert_eq!(attributes().await, before);
    let on_topic: Vec<String> = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap()
        .subscriptions()
        .iter()
        .filter_map(|s| s.subscription_arn().map(str::to_owned))
        .collect();
    assert_eq!(on_topic, vec![by_hand.clone()]);

    let destroy = plan(&ports, &config, Mode::Destroy).await;
    apply(&ports, &config, &destroy).await;
    assert_eq!(attributes().await, before);
}

/// An account the organization enabled in its graph, which the config also lists with another
/// email: apply neither removes it nor invites it again (no CreateMembers at all), its email
/// stays the organization's, and destroy leaves it and the administrator designated before.
#[tokio::test]
async fn an_organization_member_the_config_lists_with_another_email_is_left_as_it_is() {
    let organization_member = "333333333333";
    let local = LocalAws::start_with(DetectiveConfig {
        organization_accounts: [organization_member.to_owned()].into(),
        ..DetectiveConfig::default()
    })
    .await;
    let ports = counted_ports(&local);
    let detective = aws_sdk_detective::Client::new(&local.detective_sdk_config(DEFAULT_ACCOUNT));
    // The organization designates this account and enables its member, before Watchpost.
    detective
        .enable_organization_admin_account()
        .account_id(DEFAULT_ACCOUNT)
        .send()
        .await
        .unwrap();
    let graph = detective
        .list_graphs()
        .send()
        .await
        .unwrap()
        .graph_list()
        .first()
        .and_then(|g| g.arn())
        .unwrap()
        .to_owned();
    detective
        .create_members()
        .graph_arn(&graph)
        .accounts(
            aws_sdk_detective::types::Account::builder()
                .account_id(organization_member)
                .email_address("org@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let members = || async {
        detective
            .list_members()
            .graph_arn(&graph)
            .send()
            .await
            .unwrap()
            .member_details()
            .iter()
            .map(|m| {
                (
                    m.account_id().unwrap_or_default().to_owned(),
                    m.email_address().unwrap_or_default().to_owned(),
                    m.status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    m.invitation_type()
                        .map(|t| t.as_str().to_owned())
                        .unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = members().await;
    assert_eq!(
        before,
        vec![(
            organization_member.to_owned(),
            "org@example.com".to_owned(),
            "ENABLED".to_owned(),
            "ORGANIZATION".to_owned()
        )]
    );
    let config = config(&format!(
        "[detective]\nmembers = [{{ account_id = \"{organization_member}\", email = \"listed@example.com\" }}]\n\n[detective.organization]\nadmin_account_id = \"{DEFAULT_ACCOUNT}\"\nauto_enable = true\n"
    ));

    converge(&ports, &config).await;
    assert_eq!(members().await, before);
    assert_eq!(
        ports[0].1.detective.create_members.load(Ordering::SeqCst),
        0,
        "the organization's member was invited again"
    );

    let destroy = plan(&ports, &config, Mode::Destroy).await;
    assert!(
        destroy.changes.iter().all(|c| !matches!(
            c.id.kind,
            Kind::DetectiveGraph | Kind::DetectiveMember | Kind::DetectiveOrganization
        )),
        "{}",
        render::text(&destroy)
    );
    apply(&ports, &config, &destroy).await;
    assert_eq!(members().await, before);
    let admins: Vec<String> = detective
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap()
        .administrators()
        .iter()
        .filter_map(|a| a.account_id().map(str::to_owned))
        .collect();
    assert_eq!(admins, vec![DEFAULT_ACCOUNT.to_owned()]);
}
