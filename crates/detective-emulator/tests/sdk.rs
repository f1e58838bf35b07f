//! The emulator through the official Rust SDK (aws-sdk-detective), unchanged but for the
//! endpoint: what Watchpost's provisioning and alert code will see.

use std::time::Duration;

use aws_sdk_detective::Client;
use aws_sdk_detective::primitives::DateTime;
use aws_sdk_detective::types::{
    Account, DatasourcePackage, DatasourcePackageIngestState, ErrorCode, Field, FilterCriteria,
    IndicatorType, MemberStatus, SortCriteria, SortOrder, State, Status, StringFilter,
};
use watchpost_detective_emulator::Config;
use watchpost_localaws::{DetectiveConfig, DetectiveEmulator};

const ADMIN: &str = "111111111111";
const MEMBER: &str = "222222222222";
const OTHER_MEMBER: &str = "333333333333";
const MANAGEMENT: &str = "999999999999";

fn client(emulator: &DetectiveEmulator, account: &str) -> Client {
    Client::new(&emulator.sdk_config(account))
}

fn account(id: &str) -> Account {
    Account::builder()
        .account_id(id)
        .email_address(format!("security+{id}@example.com"))
        .build()
        .unwrap()
}

/// Emulator whose investigations finish quickly.
async fn fast_emulator() -> DetectiveEmulator {
    DetectiveEmulator::start_with(DetectiveConfig {
        investigation_delay: Duration::from_millis(200),
        ..Config::default()
    })
    .await
}

async fn new_graph(admin: &Client) -> String {
    admin
        .create_graph()
        .send()
        .await
        .unwrap()
        .graph_arn
        .unwrap()
}

#[tokio::test]
async fn graph_lifecycle_with_idempotent_create_and_tags() {
    let emulator = DetectiveEmulator::start().await;
    let admin = client(&emulator, ADMIN);

    let arn = admin
        .create_graph()
        .tags("team", "security")
        .send()
        .await
        .unwrap()
        .graph_arn
        .unwrap();
    assert!(
        arn.starts_with(&format!("arn:aws:detective:us-east-1:{ADMIN}:graph:")),
        "{arn}"
    );
    let again = new_graph(&admin).await;
    assert_eq!(
        again, arn,
        "the same administrator always gets the same graph"
    );

    let graphs = admin
        .list_graphs()
        .send()
        .await
        .unwrap()
        .graph_list
        .unwrap();
    assert_eq!(graphs.len(), 1);
    assert_eq!(graphs[0].arn(), Some(arn.as_str()));
    assert!(graphs[0].created_time().is_some());

    // Another account in the same emulator has its own graph.
    let other = new_graph(&client(&emulator, MEMBER)).await;
    assert_ne!(other, arn);

    admin
        .tag_resource()
        .resource_arn(&arn)
        .tags("cost-center", "1234")
        .send()
        .await
        .unwrap();
    let tags = admin
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(tags.get("team").map(String::as_str), Some("security"));
    assert_eq!(tags.get("cost-center").map(String::as_str), Some("1234"));
    admin
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = admin
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(tags.keys().collect::<Vec<_>>(), ["cost-center"]);

    let err = admin
        .tag_resource()
        .resource_arn(&arn)
        .tags("aws:reserved", "x")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_validation_exception());

    admin.delete_graph().graph_arn(&arn).send().await.unwrap();
    assert!(
        admin
            .list_graphs()
            .send()
            .await
            .unwrap()
            .graph_list
            .unwrap()
            .is_empty()
    );
    let err = admin
        .delete_graph()
        .graph_arn(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}

#[tokio::test]
async fn members_in_batches_paginate_and_can_be_removed() {
    let emulator = DetectiveEmulator::start().await;
    let admin = client(&emulator, ADMIN);
    let graph = new_graph(&admin).await;

    let ids: Vec<String> = (0..120)
        .map(|i| format!("{:012}", 500_000_000_000u64 + i))
        .collect();
    for batch in ids.chunks(50) {
        let out = admin
            .create_members()
            .graph_arn(&graph)
            .set_accounts(Some(batch.iter().map(|id| account(id)).collect()))
            .disable_email_notification(true)
            .send()
            .await
            .unwrap();
        assert_eq!(out.members().len(), batch.len());
        assert!(out.unprocessed_accounts().is_empty());
        assert!(
            out.members()
                .iter()
                .all(|m| m.status() == Some(&MemberStatus::Invited))
        );
    }

    // Already-invited accounts and the administrator itself are unprocessed, not errors.
    let out = admin
        .create_members()
        .graph_arn(&graph)
        .accounts(account(&ids[0]))
        .accounts(account(ADMIN))
        .accounts(account("600000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.members().len(), 1);
    let unprocessed: Vec<&str> = out
        .unprocessed_accounts()
        .iter()
        .filter_map(|u| u.account_id())
        .collect();
    assert_eq!(unprocessed, [ids[0].as_str(), ADMIN]);
    assert!(
        out.unprocessed_accounts()
            .iter()
            .all(|u| u.reason().is_some())
    );

    // ListMembers pages through all 121 members, 50 at a time.
    let mut listed = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = admin
            .list_members()
            .graph_arn(&graph)
            .max_results(50)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        listed.extend(
            page.member_details()
                .iter()
                .filter_map(|m| m.account_id().map(str::to_string)),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!((pages, listed.len()), (3, 121));
    assert_eq!(&listed[..120], &ids[..]);

    // The SDK's paginator walks the same pages.
    let via_paginator: Vec<_> = admin
        .list_members()
        .graph_arn(&graph)
        .max_results(50)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(via_paginator.len(), 3);

    let got = admin
        .get_members()
        .graph_arn(&graph)
        .account_ids(&ids[5])
        .account_ids("700000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.member_details()[0].email_address(),
        Some(format!("security+{}@example.com", ids[5]).as_str())
    );
    assert_eq!(got.member_details()[0].administrator_id(), Some(ADMIN));
    assert_eq!(
        got.unprocessed_accounts()[0].account_id(),
        Some("700000000000")
    );

    let removed = admin
        .delete_members()
        .graph_arn(&graph)
        .set_account_ids(Some(ids[..10].to_vec()))
        .account_ids(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.account_ids().len(), 10);
    assert_eq!(removed.unprocessed_accounts()[0].account_id(), Some(ADMIN));
    let left = admin
        .list_members()
        .graph_arn(&graph)
        .max_results(200)
        .send()
        .await
        .unwrap();
    assert_eq!(left.member_details().len(), 111);
    assert!(left.next_token().is_none());

    // Only the administrator may manage members.
    let err = client(&emulator, MEMBER)
        .list_members()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_access_denied_exception());
}

#[tokio::test]
async fn invitations_are_accepted_rejected_and_left_by_member_accounts() {
    let emulator = DetectiveEmulator::start().await;
    let admin = client(&emulator, ADMIN);
    let member = client(&emulator, MEMBER);
    let other = client(&emulator, OTHER_MEMBER);
    let graph = new_graph(&admin).await;
    admin
        .create_members()
        .graph_arn(&graph)
        .accounts(account(MEMBER))
        .accounts(account(OTHER_MEMBER))
        .send()
        .await
        .unwrap();

    let invitations = member
        .list_invitations()
        .send()
        .await
        .unwrap()
        .invitations
        .unwrap();
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0].graph_arn(), Some(graph.as_str()));
    assert_eq!(invitations[0].status(), Some(&MemberStatus::Invited));
    assert_eq!(invitations[0].administrator_id(), Some(ADMIN));

    member
        .accept_invitation()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap();
    let details = admin
        .get_members()
        .graph_arn(&graph)
        .account_ids(MEMBER)
        .send()
        .await
        .unwrap();
    let enabled = &details.member_details()[0];
    assert_eq!(enabled.status(), Some(&MemberStatus::Enabled));
    let usage = enabled
        .volume_usage_by_datasource_package()
        .expect("enabled members report volume");
    assert!(
        usage[&DatasourcePackage::DetectiveCore]
            .volume_usage_in_bytes()
            .unwrap_or_default()
            > 0
    );
    let err = member
        .accept_invitation()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_conflict_exception(), "{err:?}");

    other
        .reject_invitation()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap();
    assert!(
        other
            .list_invitations()
            .send()
            .await
            .unwrap()
            .invitations()
            .is_empty()
    );
    let err = other
        .accept_invitation()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let members = admin.list_members().graph_arn(&graph).send().await.unwrap();
    let accounts: Vec<_> = members
        .member_details()
        .iter()
        .filter_map(|m| m.account_id())
        .collect();
    assert_eq!(accounts, [MEMBER]);

    member
        .disassociate_membership()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap();
    assert!(
        admin
            .list_members()
            .graph_arn(&graph)
            .send()
            .await
            .unwrap()
            .member_details()
            .is_empty()
    );
}

#[tokio::test]
async fn organization_admin_and_configuration() {
    let emulator = DetectiveEmulator::start().await;
    let management = client(&emulator, MANAGEMENT);
    let admin = client(&emulator, ADMIN);

    management
        .enable_organization_admin_account()
        .account_id(ADMIN)
        .send()
        .await
        .unwrap();
    let admins = management
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap()
        .administrators
        .unwrap();
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0].account_id(), Some(ADMIN));
    assert!(admins[0].delegation_time().is_some());
    // Enabling the admin enabled Detective for it: its graph is the organization graph.
    let graph = new_graph(&admin).await;
    assert_eq!(admins[0].graph_arn(), Some(graph.as_str()));

    let auto = admin
        .describe_organization_configuration()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap()
        .auto_enable;
    assert!(!auto);
    admin
        .update_organization_configuration()
        .graph_arn(&graph)
        .auto_enable(true)
        .send()
        .await
        .unwrap();
    let auto = admin
        .describe_organization_configuration()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap()
        .auto_enable;
    assert!(auto);

    let err = client(&emulator, MEMBER)
        .describe_organization_configuration()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_access_denied_exception());
}

#[tokio::test]
async fn datasource_packages_start_and_list() {
    let emulator = DetectiveEmulator::start().await;
    let admin = client(&emulator, ADMIN);
    let graph = new_graph(&admin).await;

    let packages = admin
        .list_datasource_packages()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap()
        .datasource_packages
        .unwrap();
    assert_eq!(packages.len(), 2);
    let core = &packages[&DatasourcePackage::DetectiveCore];
    assert_eq!(
        core.datasource_package_ingest_state(),
        Some(&DatasourcePackageIngestState::Started)
    );
    assert!(
        core.last_ingest_state_change().unwrap()[&DatasourcePackageIngestState::Started]
            .timestamp()
            .is_some()
    );

    admin
        .update_datasource_packages()
        .graph_arn(&graph)
        .datasource_packages(DatasourcePackage::AsffSecurityhubFinding)
        .send()
        .await
        .unwrap();
    let packages = admin
        .list_datasource_packages()
        .graph_arn(&graph)
        .send()
        .await
        .unwrap()
        .datasource_packages
        .unwrap();
    assert_eq!(packages.len(), 3);
}

#[tokio::test]
async fn investigation_runs_to_successful_with_indicators() {
    let emulator = fast_emulator().await;
    let admin = client(&emulator, ADMIN);
    let graph = new_graph(&admin).await;
    let user = "arn:aws:iam::111111111111:user/alice";
    let now = DateTime::from_secs(1_790_000_000);

    let id = admin
        .start_investigation()
        .graph_arn(&graph)
        .entity_arn(user)
        .scope_start_time(DateTime::from_secs(now.secs() - 86_400))
        .scope_end_time(now)
        .send()
        .await
        .unwrap()
        .investigation_id
        .unwrap();
    assert_eq!(id.len(), 21);
    assert!(id.bytes().all(|b| b.is_ascii_digit()));

    let running = admin
        .get_investigation()
        .graph_arn(&graph)
        .investigation_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(running.status(), Some(&Status::Running));
    assert_eq!(running.entity_type().map(|t| t.as_str()), Some("IAM_USER"));
    assert_eq!(running.scope_end_time(), Some(&now));

    let done = poll_until_done(&admin, &graph, &id).await;
    assert_eq!(done.status(), Some(&Status::Successful));
    assert_eq!(done.state(), Some(&State::Active));
    let severity = done
        .severity()
        .expect("a finished investigation has a severity")
        .clone();

    let indicators = admin
        .list_indicators()
        .graph_arn(&graph)
        .investigation_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(indicators.investigation_id(), Some(id.as_str()));
    let found = indicators.indicators();
    assert!(!found.is_empty());
    let related = found
        .iter()
        .find(|i| i.indicator_type() == Some(&IndicatorType::RelatedFinding))
        .and_then(|i| i.indicator_detail()?.related_finding_detail())
        .expect("a related GuardDuty finding");
    assert!(
        related
            .arn()
            .unwrap()
            .starts_with("arn:aws:guardduty:us-east-1:111111111111:detector/")
    );
    assert!(related.r#type().unwrap().contains("IAMUser"));

    // Deterministic: the same entity yields the same report in a fresh investigation.
    let again = admin
        .start_investigation()
        .graph_arn(&graph)
        .entity_arn(user)
        .scope_start_time(DateTime::from_secs(now.secs() - 3600))
        .scope_end_time(now)
        .send()
        .await
        .unwrap()
        .investigation_id
        .unwrap();
    let again_done = poll_until_done(&admin, &graph, &again).await;
    assert_eq!(again_done.severity(), Some(&severity));
    let again_found = admin
        .list_indicators()
        .graph_arn(&graph)
        .investigation_id(&again)
        .send()
        .await
        .unwrap();
    assert_eq!(again_found.indicators(), found);

    // Filter by type, and page one at a time.
    let first = found[0].indicator_type().unwrap().clone();
    let only = admin
        .list_indicators()
        .graph_arn(&graph)
        .investigation_id(&id)
        .indicator_type(first.clone())
        .send()
        .await
        .unwrap();
    assert!(
        only.indicators()
            .iter()
            .all(|i| i.indicator_type() == Some(&first))
    );
    let page = admin
        .list_indicators()
        .graph_arn(&graph)
        .investigation_id(&id)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.indicators().len(), 1);
    assert_eq!(page.next_token().is_some(), found.len() > 1);

    // Archive one; filter and sort the list.
    admin
        .update_investigation_state()
        .graph_arn(&graph)
        .investigation_id(&id)
        .state(State::Archived)
        .send()
        .await
        .unwrap();
    let archived = admin
        .list_investigations()
        .graph_arn(&graph)
        .filter_criteria(
            FilterCriteria::builder()
                .state(StringFilter::builder().value("ARCHIVED").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = archived
        .investigation_details()
        .iter()
        .filter_map(|d| d.investigation_id())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let same_severity = admin
        .list_investigations()
        .graph_arn(&graph)
        .filter_criteria(
            FilterCriteria::builder()
                .severity(
                    StringFilter::builder()
                        .value(severity.as_str())
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(same_severity.investigation_details().len(), 2);
    assert!(
        same_severity
            .investigation_details()
            .iter()
            .all(|d| d.severity() == Some(&severity))
    );
    let oldest_first = admin
        .list_investigations()
        .graph_arn(&graph)
        .sort_criteria(
            SortCriteria::builder()
                .field(Field::CreatedTime)
                .sort_order(SortOrder::Asc)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = oldest_first
        .investigation_details()
        .iter()
        .filter_map(|d| d.investigation_id())
        .collect();
    assert_eq!(ids, [id.as_str(), again.as_str()]);
    assert!(
        oldest_first
            .investigation_details()
            .iter()
            .all(|d| d.entity_arn() == Some(user))
    );
}

async fn poll_until_done(
    admin: &Client,
    graph: &str,
    id: &str,
) -> aws_sdk_detective::operation::get_investigation::GetInvestigationOutput {
    for _ in 0..50 {
        let out = admin
            .get_investigation()
            .graph_arn(graph)
            .investigation_id(id)
            .send()
            .await
            .unwrap();
        if out.status() != Some(&Status::Running) {
            return out;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("investigation {id} still RUNNING after 2.5 s");
}

#[tokio::test]
async fn validation_errors_follow_the_model() {
    let emulator = DetectiveEmulator::start().await;
    let admin = client(&emulator, ADMIN);
    let graph = new_graph(&admin).await;

    let err = admin
        .create_members()
        .graph_arn("arn:aws:detective:us-east-1:111111111111:graph:not-hex")
        .accounts(account(MEMBER))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_detective::operation::create_members::CreateMembersError::ValidationException(v) =
        err
    else {
        panic!("expected ValidationException, got {err:?}");
    };
    assert_eq!(v.error_code(), Some(&ErrorCode::InvalidGraphArn));

    let too_many: Vec<Account> = (0..51)
        .map(|i| account(&format!("{:012}", 400_000_000_000u64 + i)))
        .collect();
    let err = admin
        .create_members()
        .graph_arn(&graph)
        .set_accounts(Some(too_many))
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_validation_exception());

    let err = admin
        .get_investigation()
        .graph_arn(&graph)
        .investigation_id("12345")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_validation_exception());
    let err = admin
        .get_investigation()
        .graph_arn(&graph)
        .investigation_id("000000000000000000042")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());

    let err = admin
        .start_investigation()
        .graph_arn(&graph)
        .entity_arn("arn:aws:s3:::not-a-principal")
        .scope_start_time(DateTime::from_secs(1_700_000_000))
        .scope_end_time(DateTime::from_secs(1_700_003_600))
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_validation_exception());

    let err = admin
        .create_members()
        .graph_arn(&graph)
        .accounts(account("12345"))
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_validation_exception());
}

#[tokio::test]
async fn injected_faults_give_the_documented_error_types() {
    let emulator = fast_emulator().await;
    let admin = client(&emulator, ADMIN);
    let graph = new_graph(&admin).await;
    let start = || {
        admin
            .start_investigation()
            .graph_arn(&graph)
            .entity_arn("arn:aws:iam::111111111111:role/ci-deployer")
            .scope_start_time(DateTime::from_secs(1_700_000_000))
            .scope_end_time(DateTime::from_secs(1_700_003_600))
            .send()
    };

    emulator.set_faults(r#"{"throttle_rate": 1.0}"#).await;
    let err = start().await.unwrap_err().into_service_error();
    assert!(err.is_too_many_requests_exception(), "{err:?}");

    emulator
        .set_faults(r#"{"fail": {"StartInvestigation": 500}}"#)
        .await;
    let err = start().await.unwrap_err().into_service_error();
    assert!(err.is_internal_server_exception(), "{err:?}");
    // Other operations are unaffected.
    admin.list_graphs().send().await.unwrap();

    emulator
        .set_faults(r#"{"fail": {"StartInvestigation": 403}}"#)
        .await;
    let err = start().await.unwrap_err().into_service_error();
    assert!(err.is_access_denied_exception(), "{err:?}");

    emulator.set_faults(r#"{"latency_ms": 150}"#).await;
    let began = std::time::Instant::now();
    start().await.unwrap();
    assert!(began.elapsed() >= Duration::from_millis(150));

    // Reset forgets the graph and the faults.
    emulator.reset().await;
    assert!(
        admin
            .list_graphs()
            .send()
            .await
            .unwrap()
            .graph_list()
            .is_empty()
    );
    let err = start().await.unwrap_err().into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}
