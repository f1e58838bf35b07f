//! Amazon DynamoDB: the alert-state table; with it the dead-letter queue (Amazon SQS), which is created and destroyed beside it.

use crate::common::*;

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
        ..watchpost_provision::desired::state_table(&config)
    };
    account
        .create_table(&config.enricher.state_table, &table)
        .await
        .unwrap();
    let queue = QueueSpec {
        tags: theirs,
        ..watchpost_provision::desired::dead_letter_queue(&config, &context())
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
        ..watchpost_provision::desired::state_table(&config)
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
