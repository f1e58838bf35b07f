//! Plans across services: convergence, destroy, rendering, values known only after apply, what stops a plan, drift, and how apply reports an error.

use crate::common::*;

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

/// The rendered plans, as first recorded beside the engine's code (`src/snapshots`, under the
/// names they were recorded with): rendering must not change them.
#[tokio::test]
async fn rendered_plans() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../src/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let _recorded_where_they_were = settings.bind_to_scope();
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    insta::assert_snapshot!(
        "watchpost_provision__tests__first_plan_text",
        render::text(&first)
    );
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
    insta::assert_snapshot!(
        "watchpost_provision__tests__change_plan_text",
        render::text(&second)
    );
    insta::assert_snapshot!(
        "watchpost_provision__tests__change_plan_json",
        serde_json::to_string_pretty(&render::json(&second)).unwrap()
    );
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
            watchpost_provision::spec::SpecChange::LambdaFunction(diff) => diff.want().cloned(),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        function.environment["WATCHPOST_GRAPH_ARN"],
        watchpost_provision::spec::Deferred::Unknown(watchpost_provision::spec::Unknown::GraphArn)
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

/// Regression: an untagged table (or queue, role, function, rule, topic, alarm) that happened
/// to carry a configured name was updated and tagged, and destroy then deleted it.
#[tokio::test]
async fn an_untagged_resource_with_a_configured_name_stops_the_plan_until_adopted() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let untagged = TableSpec {
        tags: Tags::new(),
        ..watchpost_provision::desired::state_table(&config)
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

/// A region that cannot be read names what, with the call's error as the source only: its
/// text used to include the source's too, so a printed chain showed AWS's message twice.
#[test]
fn an_observe_error_shows_the_call_error_once_in_its_chain() {
    let error = watchpost_provision::engine::ObserveError {
        region: REGION.into(),
        what: "the SQS queue wp-dlq".into(),
        source: PortError::Other {
            call: "GetQueueUrl",
            code: "AccessDenied".into(),
            message: "not authorized to perform sqs:GetQueueUrl".into(),
        },
    };
    let rendered = chain(&watchpost_provision::engine::PlanError::from(error));
    assert_eq!(
        rendered,
        "us-east-1: cannot read the SQS queue wp-dlq: GetQueueUrl: AccessDenied: not authorized to perform sqs:GetQueueUrl"
    );
}
