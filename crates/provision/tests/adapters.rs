//! The SDK adapters' partial-failure and refusal paths, over `aws-smithy-mocks`: answers moto
//! and the Detective emulator do not give (a batch call that succeeds with failed entries, a
//! confirmation still pending, Lambda busy with an earlier update, IAM not yet propagated,
//! access denied, a key pending deletion, a parameter that exists already, a table from before
//! billing modes, a URL-encoded policy, a partition other than `aws`). Every adapter has its
//! tests here. The engine reads what these tests pin: the code AWS sent, the message, and which
//! entries failed.

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
use watchpost_provision::adapters::{
    CloudwatchAdapter, DetectiveAdapter, DynamodbAdapter, EventsAdapter, GuarddutyAdapter,
    IamAdapter, KmsAdapter, LambdaAdapter, SnsAdapter, SqsAdapter, SsmAdapter, StsAdapter,
};
use watchpost_provision::ports::{
    CloudwatchPort, DetectivePort, DynamodbPort, EventsPort, GuarddutyPort, IamPort, Invite,
    KmsPort, LambdaPort, ParametersPort, PortError, SnsPort, SqsPort, StsPort,
};
use watchpost_provision::spec::{
    BillingMode, Deferred, FunctionSpec, PolicyDocument, Protocol, SubscriptionSpec, TargetSpec,
};

const GRAPH: &str = "arn:aws:detective:us-east-1:111122223333:graph:0123456789abcdef";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:watchpost-pager";

fn target(id: &str) -> TargetSpec {
    TargetSpec {
        id: id.into(),
        arn: "arn:aws:lambda:us-east-1:111122223333:function:watchpost-enricher".into(),
        maximum_retry_attempts: 185,
        maximum_event_age_s: 86_400,
        dead_letter_arn: Some("arn:aws:sqs:us-east-1:111122223333:watchpost-enricher-dlq".into()),
        input: None,
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

// ---- The adapters moto covers only on their happy path: what they make of AWS's other answers.

/// An error AWS answered with (every SDK crate shares smithy's error metadata).
fn error(code: &str, message: &str) -> aws_sdk_sns::error::ErrorMetadata {
    aws_sdk_sns::error::ErrorMetadata::builder()
        .code(code)
        .message(message)
        .build()
}

/// The partition comes from the caller's ARN (GovCloud, China), not from an assumption.
#[tokio::test]
async fn the_callers_partition_is_read_from_its_arn() {
    let rule = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account("111122223333")
            .arn("arn:aws-us-gov:iam::111122223333:user/alice")
            .user_id("AIDA")
            .build()
    });
    let sts = StsAdapter::from_client(mock_client!(aws_sdk_sts, [&rule]));
    let identity = sts.identity().await.unwrap();
    assert_eq!(identity.account_id, "111122223333");
    assert_eq!(identity.partition, "aws-us-gov");
    assert_eq!(identity.arn, "arn:aws-us-gov:iam::111122223333:user/alice");
}

/// The lock is a conditional write: a parameter that exists already is a lost race (`false`),
/// not an error; one that is not there reads as `None` and is already deleted.
#[tokio::test]
async fn parameter_store_answers_are_a_lost_race_an_absence_and_a_done_delete() {
    use aws_sdk_ssm::operation::delete_parameter::DeleteParameterError;
    use aws_sdk_ssm::operation::get_parameter::GetParameterError;
    use aws_sdk_ssm::operation::put_parameter::PutParameterError;
    let exists = mock!(aws_sdk_ssm::Client::put_parameter).then_error(|| {
        PutParameterError::generic(error(
            "ParameterAlreadyExists",
            "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
        ))
    });
    let absent = mock!(aws_sdk_ssm::Client::get_parameter)
        .then_error(|| GetParameterError::generic(error("ParameterNotFound", "")));
    let gone = mock!(aws_sdk_ssm::Client::delete_parameter)
        .then_error(|| DeleteParameterError::generic(error("ParameterNotFound", "")));
    let ssm = SsmAdapter::from_client(mock_client!(
        aws_sdk_ssm,
        RuleMode::MatchAny,
        [&exists, &absent, &gone]
    ));
    assert!(
        !ssm.create_parameter("/watchpost/wp/lock", "{}")
            .await
            .unwrap()
    );
    assert_eq!(ssm.parameter("/watchpost/wp/lock").await.unwrap(), None);
    ssm.delete_parameter("/watchpost/wp/lock").await.unwrap();
}

/// A key scheduled for deletion is found but marked so (apply then treats it as absent and
/// reuses its alias); an alias that does not exist is no key at all.
#[tokio::test]
async fn a_key_pending_deletion_is_marked_and_a_missing_alias_is_no_key() {
    use aws_sdk_kms::operation::describe_key::{DescribeKeyError, DescribeKeyOutput};
    use aws_sdk_kms::operation::get_key_policy::GetKeyPolicyOutput;
    use aws_sdk_kms::operation::list_resource_tags::ListResourceTagsOutput;
    use aws_sdk_kms::types::{KeyMetadata, KeyState, Tag};
    let described = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(|r| r.key_id() == Some("alias/wp-sns"))
        .then_output(|| {
            DescribeKeyOutput::builder()
                .key_metadata(
                    KeyMetadata::builder()
                        .key_id("k1")
                        .arn("arn:aws:kms:us-east-1:111122223333:key/k1")
                        .key_state(KeyState::PendingDeletion)
                        .enabled(false)
                        .description("Encrypts the SNS topics of Watchpost stack wp")
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let missing = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(|r| r.key_id() == Some("alias/other-sns"))
        .then_error(|| {
            DescribeKeyError::generic(error(
                "NotFoundException",
                "Alias alias/other-sns is not found.",
            ))
        });
    let policy = mock!(aws_sdk_kms::Client::get_key_policy).then_output(|| {
        GetKeyPolicyOutput::builder()
            .policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
            .build()
    });
    let tags = mock!(aws_sdk_kms::Client::list_resource_tags).then_output(|| {
        ListResourceTagsOutput::builder()
            .tags(
                Tag::builder()
                    .tag_key("watchpost:stack")
                    .tag_value("wp")
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let kms = KmsAdapter::from_client(mock_client!(
        aws_sdk_kms,
        RuleMode::MatchAny,
        [&described, &missing, &policy, &tags]
    ));
    let key = kms.key_by_alias("alias/wp-sns").await.unwrap().unwrap();
    assert!(key.extra.pending_deletion);
    assert_eq!(key.extra.key_id, "k1");
    assert!(!key.spec.enabled);
    assert_eq!(key.spec.policy["Version"], "2012-10-17");
    assert_eq!(key.spec.tags["watchpost:stack"], "wp");
    assert_eq!(kms.key_by_alias("alias/other-sns").await.unwrap(), None);
}

/// A table created before billing modes existed reports none: it is provisioned. A TTL that is
/// being disabled is no TTL.
#[tokio::test]
async fn a_table_without_a_billing_summary_is_provisioned_and_a_disabling_ttl_is_none() {
    use aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput;
    use aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput;
    use aws_sdk_dynamodb::operation::list_tags_of_resource::ListTagsOfResourceOutput;
    use aws_sdk_dynamodb::types::{
        KeySchemaElement, KeyType, TableDescription, TimeToLiveDescription, TimeToLiveStatus,
    };
    let described = mock!(aws_sdk_dynamodb::Client::describe_table).then_output(|| {
        DescribeTableOutput::builder()
            .table(
                TableDescription::builder()
                    .table_arn("arn:aws:dynamodb:us-east-1:111122223333:table/wp-alert-state")
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name("pk")
                            .key_type(KeyType::Hash)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
    });
    let ttl = mock!(aws_sdk_dynamodb::Client::describe_time_to_live).then_output(|| {
        DescribeTimeToLiveOutput::builder()
            .time_to_live_description(
                TimeToLiveDescription::builder()
                    .attribute_name("expires_at")
                    .time_to_live_status(TimeToLiveStatus::Disabling)
                    .build(),
            )
            .build()
    });
    let tags = mock!(aws_sdk_dynamodb::Client::list_tags_of_resource)
        .then_output(|| ListTagsOfResourceOutput::builder().build());
    let dynamodb = DynamodbAdapter::from_client(mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        [&described, &ttl, &tags]
    ));
    let table = dynamodb.table("wp-alert-state").await.unwrap().unwrap();
    assert_eq!(table.spec.billing_mode, BillingMode::Provisioned);
    assert_eq!(table.spec.ttl_attribute, None);
    assert_eq!(table.spec.partition_key, "pk");
    assert!(!table.spec.sse_enabled);
}

/// A queue that does not exist is `None`, by SQS's own code for it; received messages keep
/// their id, body and receipt (what deleting one takes).
#[tokio::test]
async fn a_missing_queue_is_none_and_messages_keep_their_receipt() {
    use aws_sdk_sqs::operation::get_queue_url::GetQueueUrlError;
    use aws_sdk_sqs::operation::receive_message::ReceiveMessageOutput;
    use aws_sdk_sqs::types::Message;
    let missing = mock!(aws_sdk_sqs::Client::get_queue_url).then_error(|| {
        GetQueueUrlError::generic(error(
            "AWS.SimpleQueueService.NonExistentQueue",
            "The specified queue does not exist.",
        ))
    });
    let received = mock!(aws_sdk_sqs::Client::receive_message).then_output(|| {
        ReceiveMessageOutput::builder()
            .messages(
                Message::builder()
                    .message_id("m1")
                    .body("{}")
                    .receipt_handle("r1")
                    .build(),
            )
            .build()
    });
    let sqs = SqsAdapter::from_client(mock_client!(
        aws_sdk_sqs,
        RuleMode::MatchAny,
        [&missing, &received]
    ));
    assert_eq!(sqs.queue_url("wp-enricher-dlq").await.unwrap(), None);
    assert_eq!(sqs.queue("wp-enricher-dlq").await.unwrap(), None);
    let messages = sqs.receive("https://queue", 10, 0, 1).await.unwrap();
    assert_eq!(
        messages,
        vec![watchpost_provision::ports::Message {
            id: "m1".into(),
            body: "{}".into(),
            receipt: "r1".into(),
        }]
    );
}

/// IAM returns policy documents URL-encoded: read as the JSON they are. A role without the
/// inline policy has none.
#[tokio::test]
async fn an_inline_policy_is_read_url_decoded_and_a_missing_one_is_none() {
    use aws_sdk_iam::operation::get_role_policy::{GetRolePolicyError, GetRolePolicyOutput};
    let encoded = mock!(aws_sdk_iam::Client::get_role_policy)
        .match_requests(|r| r.policy_name() == Some("wp-enricher"))
        .then_output(|| {
            GetRolePolicyOutput::builder()
                .role_name("wp-enricher-us-east-1")
                .policy_name("wp-enricher")
                .policy_document(
                    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D",
                )
                .build()
                .unwrap()
        });
    let missing = mock!(aws_sdk_iam::Client::get_role_policy)
        .match_requests(|r| r.policy_name() == Some("other"))
        .then_error(|| {
            GetRolePolicyError::generic(error(
                "NoSuchEntity",
                "The role policy with name other cannot be found.",
            ))
        });
    let iam = IamAdapter::from_client(mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        [&encoded, &missing]
    ));
    let policy = iam
        .role_policy("wp-enricher-us-east-1", "wp-enricher")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        policy,
        PolicyDocument::new(serde_json::json!({"Version": "2012-10-17", "Statement": []}))
    );
    assert_eq!(
        iam.role_policy("wp-enricher-us-east-1", "other")
            .await
            .unwrap(),
        None
    );
}

/// A dashboard that does not exist is `None` (CloudWatch says `ResourceNotFound`); an alarm's
/// metric queries read back in the form Watchpost writes them, with its tags.
#[tokio::test]
async fn a_missing_dashboard_is_none_and_an_alarm_reads_back_as_written() {
    use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
    use aws_sdk_cloudwatch::operation::get_dashboard::GetDashboardError;
    use aws_sdk_cloudwatch::operation::list_tags_for_resource::ListTagsForResourceOutput;
    use aws_sdk_cloudwatch::types::{
        ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat, Tag,
    };
    let missing = mock!(aws_sdk_cloudwatch::Client::get_dashboard).then_error(|| {
        GetDashboardError::generic(error("ResourceNotFound", "Dashboard wp does not exist"))
    });
    let alarms = mock!(aws_sdk_cloudwatch::Client::describe_alarms).then_output(|| {
        DescribeAlarmsOutput::builder()
            .metric_alarms(
                MetricAlarm::builder()
                    .alarm_name("wp-enricher-errors")
                    .alarm_arn("arn:aws:cloudwatch:us-east-1:111122223333:alarm:wp-enricher-errors")
                    .comparison_operator(ComparisonOperator::GreaterThanThreshold)
                    .threshold(0.0)
                    .evaluation_periods(1)
                    .datapoints_to_alarm(1)
                    .treat_missing_data("notBreaching")
                    .metrics(
                        MetricDataQuery::builder()
                            .id("errors")
                            .metric_stat(
                                MetricStat::builder()
                                    .metric(
                                        Metric::builder()
                                            .namespace("AWS/Lambda")
                                            .metric_name("Errors")
                                            .dimensions(
                                                Dimension::builder()
                                                    .name("FunctionName")
                                                    .value("wp-enricher")
                                                    .build(),
                                            )
                                            .build(),
                                    )
                                    .period(300)
                                    .stat("Sum")
                                    .build(),
                            )
                            .return_data(true)
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let tags = mock!(aws_sdk_cloudwatch::Client::list_tags_for_resource).then_output(|| {
        ListTagsForResourceOutput::builder()
            .tags(Tag::builder().key("watchpost:stack").value("wp").build())
            .build()
    });
    let cloudwatch = CloudwatchAdapter::from_client(mock_client!(
        aws_sdk_cloudwatch,
        RuleMode::MatchAny,
        [&missing, &alarms, &tags]
    ));
    assert_eq!(cloudwatch.dashboard("wp").await.unwrap(), None);
    let found = cloudwatch.alarms("wp-").await.unwrap();
    let alarm = &found["wp-enricher-errors"];
    assert_eq!(alarm.spec.tags["watchpost:stack"], "wp");
    assert_eq!(
        alarm.spec.metrics,
        vec![serde_json::json!({
            "Id": "errors",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": "wp-enricher"}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": true,
        })]
    );
}

/// A detector's features count only when enabled and named by the config; its tags come with
/// it (a detector Watchpost did not create has none of the stack's).
#[tokio::test]
async fn only_enabled_named_features_count_and_the_detectors_tags_come_with_it() {
    use aws_sdk_guardduty::operation::get_detector::GetDetectorOutput;
    use aws_sdk_guardduty::operation::list_detectors::ListDetectorsOutput;
    use aws_sdk_guardduty::types::{
        DetectorFeatureConfigurationResult, DetectorFeatureResult, FeatureStatus,
        FindingPublishingFrequency,
    };
    let listed = mock!(aws_sdk_guardduty::Client::list_detectors)
        .then_output(|| ListDetectorsOutput::builder().detector_ids("d1").build());
    let detector = mock!(aws_sdk_guardduty::Client::get_detector).then_output(|| {
        GetDetectorOutput::builder()
            .service_role("arn:aws:iam::111122223333:role/aws-service-role/guardduty")
            .status(aws_sdk_guardduty::types::DetectorStatus::Enabled)
            .finding_publishing_frequency(FindingPublishingFrequency::SixHours)
            .features(
                DetectorFeatureConfigurationResult::builder()
                    .name(DetectorFeatureResult::RuntimeMonitoring)
                    .status(FeatureStatus::Enabled)
                    .build(),
            )
            .features(
                DetectorFeatureConfigurationResult::builder()
                    .name(DetectorFeatureResult::S3DataEvents)
                    .status(FeatureStatus::Disabled)
                    .build(),
            )
            .features(
                DetectorFeatureConfigurationResult::builder()
                    .name(DetectorFeatureResult::EbsMalwareProtection)
                    .status(FeatureStatus::Enabled)
                    .build(),
            )
            .tags("team", "security")
            .build()
    });
    let guardduty = GuarddutyAdapter::from_client(mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&listed, &detector]
    ));
    let found = guardduty
        .detector(&["RUNTIME_MONITORING".into(), "S3_DATA_EVENTS".into()])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "d1");
    assert_eq!(found.spec.features, vec!["RUNTIME_MONITORING".to_owned()]);
    assert_eq!(found.spec.finding_publishing_frequency, "SIX_HOURS");
    assert_eq!(found.extra["team"], "security");
}
