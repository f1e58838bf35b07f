//! Amazon Detective: the graph, its members, organization mode.

use crate::common::*;

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
