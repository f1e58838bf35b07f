//! The SDK adapters' partial-failure and refusal paths, over `aws-smithy-mocks`: answers moto
//! and the Detective emulator do not give (a batch call that succeeds with failed entries, a
//! confirmation still pending, Lambda busy with an earlier update, IAM not yet propagated,
//! access denied). The engine reads what these tests pin: the code AWS sent, the message, and
//! which entries failed.

use aws_sdk_detective::operation::create_members::CreateMembersOutput;
use aws_sdk_detective::operation::delete_members::DeleteMembersOutput;
use aws_sdk_detective::types::UnprocessedAccount;
use aws_sdk_eventbridge::operation::put_targets::PutTargetsOutput;
use aws_sdk_eventbridge::operation::remove_targets::RemoveTargetsOutput;
use aws_sdk_eventbridge::types::{PutTargetsResultEntry, RemoveTargetsResultEntry};
use aws_sdk_lambda::operation::create_function::CreateFunctionError;
use aws_sdk_lambda::operation::update_function_code::UpdateFunctionCodeError;
use aws_sdk_sns::operation::list_subscriptions_by_topic::ListSubscriptionsByTopicOutput;
use aws_sdk_sns::operation::list_topics::ListTopicsError;
use aws_sdk_sns::operation::subscribe::SubscribeOutput;
use aws_sdk_sns::types::Subscription;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use watchpost_provision::adapters::{DetectiveAdapter, EventsAdapter, LambdaAdapter, SnsAdapter};
use watchpost_provision::ports::{
    DetectivePort, EventsPort, Invite, LambdaPort, PortError, SnsPort,
};
use watchpost_provision::spec::{Deferred, FunctionSpec, Protocol, SubscriptionSpec, TargetSpec};

const GRAPH: &str = "arn:aws:detective:us-east-1:111122223333:graph:0123456789abcdef";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:watchpost-pager";

fn target(id: &str) -> TargetSpec {
    TargetSpec {
        id: id.into(),
        arn: "arn:aws:lambda:us-east-1:111122223333:function:watchpost-enricher".into(),
        maximum_retry_attempts: 185,
        maximum_event_age_s: 86_400,
        dead_letter_arn: Some("arn:aws:sqs:us-east-1:111122223333:watchpost-enricher-dlq".into()),
    }
}

fn lambda_error(code: &str, message: &str) -> aws_sdk_lambda::error::ErrorMetadata {
    aws_sdk_lambda::error::ErrorMetadata::builder()
        .code(code)
        .message(message)
        .build()
}

#[tokio::test]
async fn a_put_targets_answer_with_a_failed_entry_is_an_error_naming_the_target_and_code() {
    let rule = mock!(aws_sdk_eventbridge::Client::put_targets).then_output(|| {
        PutTargetsOutput::builder()
            .failed_entry_count(1)
            .failed_entries(
                PutTargetsResultEntry::builder()
                    .target_id("enricher")
                    .error_code("ConcurrentModificationException")
                    .error_message("Another update is in progress")
                    .build(),
            )
            .build()
    });
    let events = EventsAdapter::from_client(mock_client!(aws_sdk_eventbridge, [&rule]));
    let err = events
        .put_targets("watchpost-findings", &[target("enricher")])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ConcurrentModificationException");
    assert!(err.message().contains("target enricher"), "{err}");
    assert!(err.to_string().starts_with("PutTargets: "), "{err}");
}

#[tokio::test]
async fn a_remove_targets_answer_with_a_failed_entry_is_an_error_too() {
    let rule = mock!(aws_sdk_eventbridge::Client::remove_targets).then_output(|| {
        RemoveTargetsOutput::builder()
            .failed_entry_count(1)
            .failed_entries(
                RemoveTargetsResultEntry::builder()
                    .target_id("someone-elses")
                    .error_code("InternalException")
                    .build(),
            )
            .build()
    });
    let events = EventsAdapter::from_client(mock_client!(aws_sdk_eventbridge, [&rule]));
    let err = events
        .remove_targets("watchpost-findings", &["someone-elses".into()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "InternalException");
    assert!(err.message().contains("target someone-elses"), "{err}");
}

#[tokio::test]
async fn detective_unprocessed_accounts_come_back_with_their_reasons() {
    let create = mock!(aws_sdk_detective::Client::create_members).then_output(|| {
        CreateMembersOutput::builder()
            .unprocessed_accounts(
                UnprocessedAccount::builder()
                    .account_id("444455556666")
                    .reason("The account is not a member of the organization")
                    .build(),
            )
            .build()
    });
    let delete = mock!(aws_sdk_detective::Client::delete_members).then_output(|| {
        DeleteMembersOutput::builder()
            .account_ids("777788889999")
            .unprocessed_accounts(
                UnprocessedAccount::builder()
                    .account_id("444455556666")
                    .build(),
            )
            .build()
    });
    let detective = DetectiveAdapter::from_client(mock_client!(
        aws_sdk_detective,
        RuleMode::MatchAny,
        [&create, &delete]
    ));
    let invites = [
        Invite {
            account_id: "444455556666".into(),
            email: "ml@example.com".into(),
        },
        Invite {
            account_id: "777788889999".into(),
            email: "data@example.com".into(),
        },
    ];
    let unprocessed = detective
        .create_members(GRAPH, &invites, None, true)
        .await
        .unwrap();
    assert_eq!(unprocessed.len(), 1);
    assert_eq!(unprocessed[0].account_id, "444455556666");
    assert_eq!(
        unprocessed[0].reason,
        "The account is not a member of the organization"
    );

    let unprocessed = detective
        .delete_members(GRAPH, &["444455556666".into(), "777788889999".into()])
        .await
        .unwrap();
    // No reason from Detective still says something.
    assert_eq!(unprocessed.len(), 1);
    assert_eq!(unprocessed[0].reason, "no reason given");
}

#[tokio::test]
async fn a_subscription_awaiting_confirmation_has_no_arn_and_its_attributes_are_not_read() {
    let subscribe = mock!(aws_sdk_sns::Client::subscribe).then_output(|| {
        SubscribeOutput::builder()
            .subscription_arn("pending confirmation")
            .build()
    });
    let list = mock!(aws_sdk_sns::Client::list_subscriptions_by_topic).then_output(|| {
        ListSubscriptionsByTopicOutput::builder()
            .subscriptions(
                Subscription::builder()
                    .subscription_arn("PendingConfirmation")
                    .protocol("email")
                    .endpoint("oncall@example.com")
                    .topic_arn(TOPIC)
                    .build(),
            )
            .build()
    });
    // No rule for GetSubscriptionAttributes: calling it would fail the test.
    let sns = SnsAdapter::from_client(mock_client!(
        aws_sdk_sns,
        RuleMode::MatchAny,
        [&subscribe, &list]
    ));
    let spec = SubscriptionSpec {
        topic_arn: TOPIC.into(),
        protocol: Protocol::Email,
        endpoint: "oncall@example.com".into(),
        filter_policy: None,
        raw_message_delivery: false,
        filter_policy_scope: None,
        redrive_policy: None,
    };
    assert_eq!(sns.subscribe(&spec).await.unwrap(), None);
    let listed = sns.subscriptions(TOPIC).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].arn, None);
    assert_eq!(listed[0].spec.endpoint, "oncall@example.com");
}

#[tokio::test]
async fn access_denied_keeps_the_call_and_the_code() {
    let rule = mock!(aws_sdk_sns::Client::list_topics).then_error(|| {
        ListTopicsError::generic(
            aws_sdk_sns::error::ErrorMetadata::builder()
                .code("AuthorizationError")
                .message("User is not authorized to perform: SNS:ListTopics")
                .build(),
        )
    });
    let sns = SnsAdapter::from_client(mock_client!(aws_sdk_sns, [&rule]));
    let err = sns.list_topics().await.unwrap_err();
    assert!(matches!(err, PortError::Other { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "ListTopics: AuthorizationError: User is not authorized to perform: SNS:ListTopics"
    );
}

#[tokio::test]
async fn lambda_busy_with_an_earlier_update_is_a_conflict_with_its_code() {
    let rule = mock!(aws_sdk_lambda::Client::update_function_code).then_error(|| {
        UpdateFunctionCodeError::generic(lambda_error(
            "ResourceConflictException",
            "The operation cannot be performed at this time. An update is in progress for \
             resource: arn:aws:lambda:us-east-1:111122223333:function:watchpost-enricher",
        ))
    });
    let lambda = LambdaAdapter::from_client(mock_client!(aws_sdk_lambda, [&rule]));
    let err = lambda
        .update_code("watchpost-enricher", b"zip")
        .await
        .unwrap_err();
    // The engine waits and retries on exactly this code.
    assert!(matches!(err, PortError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(err.code(), "ResourceConflictException");
}

#[tokio::test]
async fn lambda_refusing_a_role_iam_has_not_propagated_keeps_code_and_message() {
    let rule = mock!(aws_sdk_lambda::Client::create_function).then_error(|| {
        CreateFunctionError::generic(lambda_error(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        ))
    });
    let lambda = LambdaAdapter::from_client(mock_client!(aws_sdk_lambda, [&rule]));
    let spec = FunctionSpec {
        role_arn: "arn:aws:iam::111122223333:role/watchpost-enricher-us-east-1".into(),
        runtime: "provided.al2023".into(),
        handler: "bootstrap".into(),
        architecture: watchpost_core::config::Architecture::Arm64,
        memory_mb: 256,
        timeout_s: 60,
        environment: [(
            "WATCHPOST_STATE_TABLE".to_owned(),
            Deferred::Known("watchpost-alert-state".to_owned()),
        )]
        .into(),
        code_sha256: Deferred::Known("abc".into()),
        tags: Default::default(),
    };
    let err = lambda
        .create_function("watchpost-enricher", &spec, b"zip")
        .await
        .unwrap_err();
    // The engine retries while IAM propagates on this code and a message naming the role.
    assert!(matches!(err, PortError::Invalid { .. }), "{err:?}");
    assert_eq!(err.code(), "InvalidParameterValueException");
    assert!(err.message().contains("role defined for the function"));
}
