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

/// The security team's graph as the property and these tests make it: its owner's tags, one
/// CloudFormation put there, an account the team invited and one the organization enabled.
fn teams_graph(account: &FakeAccount) -> String {
    let graph = "arn:aws:detective:us-east-1:123456789012:graph:7eaa0000000000000000000000000000";
    let mut state = account.state();
    state.graphs.insert(
        graph.to_owned(),
        Tags::from([
            ("Owner".to_owned(), "security-team".to_owned()),
            (
                "aws:cloudformation:stack-name".to_owned(),
                "security-baseline".to_owned(),
            ),
        ]),
    );
    let members = state.members.entry(graph.to_owned()).or_default();
    for (id, email, kind) in [
        (
            "222222222222",
            "team@example.com",
            InvitationType::Invitation,
        ),
        (
            "333333333333",
            "org@example.com",
            InvitationType::Organization,
        ),
    ] {
        members.insert(
            id.to_owned(),
            MemberState {
                account_id: id.to_owned(),
                email: email.to_owned(),
                status: "ENABLED".to_owned(),
                invitation_type: kind,
            },
        );
    }
    graph.to_owned()
}

/// The accounts in `graph`, with their emails.
fn members_of(account: &FakeAccount, graph: &str) -> Vec<(String, String)> {
    account.state().members[graph]
        .values()
        .map(|m| (m.account_id.clone(), m.email.clone()))
        .collect()
}

/// Regression: with `[detective] graph_arn` naming the team's graph, every invited member the
/// config did not list counted as the stack's, so the first apply (with `members = []`, the
/// default) removed the team's members. A member is the stack's only when Watchpost recorded
/// inviting it; the graph keeps the others, and its own tags, through apply and destroy.
#[tokio::test]
async fn a_graph_named_by_graph_arn_keeps_the_members_and_tags_watchpost_did_not_set() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let graph = teams_graph(&account);
    let mut config = config("");
    config.detective.graph_arn = Some(graph.clone());
    config.detective.members.clear();
    let before = members_of(&account, &graph);
    let first = plan(&account, &config, Mode::Apply).await;
    assert!(
        !first
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::DetectiveMember),
        "{}",
        render::text(&first)
    );
    apply(&account, &config, &first).await;
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
    let destroy = plan(&account, &config, Mode::Destroy).await;
    apply(&account, &config, &destroy).await;
    assert_eq!(members_of(&account, &graph), before);
    let tags = account.state().graphs[&graph].clone();
    assert_eq!(tags["Owner"], "security-team");
    assert_eq!(tags["aws:cloudformation:stack-name"], "security-baseline");
    assert_eq!(account.count("DeleteMembers"), 0);
    assert_eq!(account.count("UntagResource"), 0);
}

/// Regression: the desired tags of a graph Watchpost found were `[detective] tags` only, so
/// apply removed the graph's own (an owner's, a cost centre's), and a graph with an `aws:` tag
/// (CloudFormation's) failed every apply. Watchpost adds and updates only the keys the config
/// names.
#[tokio::test]
async fn a_found_graph_keeps_its_own_tags_and_gets_the_configs() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let graph = teams_graph(&account);
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    apply(&account, &config, &first).await;
    let tags = account.state().graphs[&graph].clone();
    assert_eq!(tags["Owner"], "security-team");
    assert_eq!(tags["aws:cloudformation:stack-name"], "security-baseline");
    assert_eq!(tags["owner"], "security");
    assert!(!tags.contains_key("watchpost:stack"));
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

/// Regression: a member the organization enabled that the config also listed, with another
/// email, was planned as an update (removed, then invited again: the account dropped out of
/// the graph) and removed by destroy. The organization's members are never the stack's.
#[tokio::test]
async fn a_member_the_organization_enabled_is_never_removed_or_invited_again() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let graph = teams_graph(&account);
    let mut config = config("");
    config.detective.members = Config::from_toml(
        "[detective]\nmembers = [{ account_id = \"333333333333\", email = \"listed@example.com\" }]",
        "members.toml",
    )
    .unwrap()
    .detective
    .members;
    let first = plan(&account, &config, Mode::Apply).await;
    assert!(
        !first
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::DetectiveMember),
        "{}",
        render::text(&first)
    );
    apply(&account, &config, &first).await;
    let destroy = plan(&account, &config, Mode::Destroy).await;
    apply(&account, &config, &destroy).await;
    assert!(
        members_of(&account, &graph).contains(&("333333333333".into(), "org@example.com".into()))
    );
    assert_eq!(
        account.count("DeleteMembers") + account.count("CreateMembers"),
        0
    );
}

/// Regression: an EnableOrganizationAdminAccount that Detective refused (apply run outside the
/// management account) left the record written before it; when the organization's team then
/// designated that account by hand, destroy took it for the stack's and disabled the whole
/// organization's administrator. Every refused enable, wherever it falls in the run.
#[tokio::test(start_paused = true)]
async fn a_refused_enable_leaves_no_record_to_claim_the_organizations_administrator() {
    use watchpost_provision::fake::faults::{Fault, Faulty};
    let mut config = config("");
    organization(&mut config);
    let mut refused = 0;
    for n in 0..400 {
        let account = Faulty::new(FakeAccount::new(ACCOUNT, REGION));
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
        if calls[n] != ("enable_organization_admin", Some("failed")) {
            continue;
        }
        refused += 1;
        // The organization's own team designates the administrator, by hand.
        account.inner.state().org_admins = vec![ACCOUNT.to_owned()];
        let planned = plan_region(&account, &config, &package("1"), REGION, Mode::Destroy)
            .await
            .unwrap()
            .0;
        let _ = apply_region(&account, &config, &package("1"), &planned, REGION, &|_| {}).await;
        assert_eq!(
            account.inner.state().org_admins,
            vec![ACCOUNT.to_owned()],
            "enable refused at call {n}, then destroy"
        );
    }
    assert!(refused > 0, "no run had its enable refused");
}
