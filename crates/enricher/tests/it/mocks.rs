//! Adapters over `aws-smithy-mocks`: the error paths a local emulator cannot produce.

use aws_sdk_detective::operation::list_investigations::ListInvestigationsError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
use aws_sdk_sns::operation::publish::PublishError;
use aws_smithy_mocks::{mock, mock_client};
use watchpost_core::metrics::MetricCounts;
use watchpost_core::state::AlertRecord;
use watchpost_enricher::adapters::cloudwatch::{PUT_METRIC_DATA_MAX_DATUMS, PutMetricData};
use watchpost_enricher::adapters::detective::DetectiveInvestigations;
use watchpost_enricher::adapters::dynamodb::DynamoStore;
use watchpost_enricher::adapters::sns::SnsNotifier;
use watchpost_enricher::memory::{FixedClock, MemoryMetrics, MemoryNotifier, MemoryStore};
use watchpost_enricher::ports::{
    AlertStore, Claim, ClaimOutcome, MetricsSink, Notifier, Publication, StoredAlert,
};
use watchpost_enricher::{Handler, HandlerError, PortError, Ports};

use crate::common::*;

fn publication() -> Publication {
    Publication {
        topic_arn: PAGER_TOPIC.into(),
        subject: Some("[HIGH] test".into()),
        message: "body".into(),
        attributes: [("severity".to_owned(), "HIGH".to_owned())].into(),
    }
}

#[tokio::test]
async fn sns_throttling_is_a_retryable_delivery_failure() {
    let rule = mock!(aws_sdk_sns::Client::publish)
        .sequence()
        .error(|| {
            PublishError::generic(
                aws_sdk_sns::error::ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let notifier = SnsNotifier::new(mock_client!(aws_sdk_sns, [&rule]));
    let err = notifier.publish(&publication()).await.unwrap_err();
    assert!(
        matches!(err, PortError::Throttled { ref code, .. } if code == "Throttling"),
        "{err:?}"
    );
    assert!(err.is_retryable());

    // Through the handler: the invocation fails retryably.
    let world = World::new();
    let handler = Handler::new(
        settings(CONFIG),
        Ports {
            notifier,
            metrics: &world.metrics,
            detective: &world.detective,
            store: &world.store,
            clock: &world.clock,
        },
    );
    let err = handler
        .handle(event(BEDROCK_EVENT), "req-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, HandlerError::DeliveryFailed(ref f) if f.len() == 3),
        "{err}"
    );
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "Watchpost.DeliveryFailed.Retryable");
}

#[tokio::test]
async fn publish_sends_string_attributes_and_the_subject() {
    let rule = mock!(aws_sdk_sns::Client::publish)
        .match_requests(|req| {
            req.subject() == Some("[HIGH] test")
                && req
                    .message_attributes()
                    .and_then(|a| a.get("severity"))
                    .is_some_and(|v| v.data_type() == "String" && v.string_value() == Some("HIGH"))
        })
        .then_output(|| {
            aws_sdk_sns::operation::publish::PublishOutput::builder()
                .message_id("m-1")
                .build()
        });
    let notifier = SnsNotifier::new(mock_client!(aws_sdk_sns, [&rule]));
    assert_eq!(notifier.publish(&publication()).await.unwrap(), "m-1");
}

#[tokio::test]
async fn dynamodb_conditional_check_failed_means_already_claimed() {
    let rule = mock!(aws_sdk_dynamodb::Client::put_item).then_error(|| {
        PutItemError::ConditionalCheckFailedException(
            ConditionalCheckFailedException::builder()
                .message("The conditional request failed")
                .build(),
        )
    });
    let store = DynamoStore::new(
        mock_client!(aws_sdk_dynamodb, [&rule]),
        "watchpost-alert-state",
    );
    let claim = Claim {
        stored: StoredAlert {
            record: AlertRecord {
                key: "111122223333/us-east-1/abc".into(),
                count: 1,
                band: watchpost_core::SeverityLabel::High,
                notified_at: NOW,
                routes_delivered: Vec::new(),
            },
            previous: None,
            routes: vec!["pager".into()],
            complete: false,
            lease_until: NOW + 30,
            token: "t".into(),
        },
        expected_token: None,
        expires_at: NOW + 86_400,
    };
    assert_eq!(
        store.claim(&claim).await.unwrap(),
        ClaimOutcome::AlreadyClaimed
    );
}

#[tokio::test]
async fn dynamodb_throttling_marks_the_alert_deduplication_unavailable() {
    let rule = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
        aws_sdk_dynamodb::operation::get_item::GetItemError::generic(
            aws_sdk_dynamodb::error::ErrorMetadata::builder()
                .code("ProvisionedThroughputExceededException")
                .message("Rate of requests exceeds the allowed throughput")
                .build(),
        )
    });
    let store = DynamoStore::new(
        mock_client!(aws_sdk_dynamodb, [&rule]),
        "watchpost-alert-state",
    );
    let world = World::new();
    let handler = Handler::new(
        settings(CONFIG),
        Ports {
            notifier: &world.notifier,
            metrics: &world.metrics,
            detective: &world.detective,
            store,
            clock: &world.clock,
        },
    );
    let answer = handler.handle(event(BEDROCK_EVENT), "req-1").await.unwrap();
    let note = answer["findings"][0]["notes"][0].as_str().unwrap();
    assert_eq!(
        note,
        "deduplication unavailable: throttled (ProvisionedThroughputExceededException)"
    );
    assert_eq!(world.notifier.published().len(), 3);
}

#[tokio::test]
async fn detective_access_denied_leaves_the_alert_marked_enrichment_unavailable() {
    let rule = mock!(aws_sdk_detective::Client::list_investigations).then_error(|| {
        ListInvestigationsError::AccessDeniedException(
            aws_sdk_detective::types::error::AccessDeniedException::builder()
                .message("User is not authorized to perform: detective:ListInvestigations")
                .meta(
                    aws_sdk_detective::error::ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .build(),
                )
                .build(),
        )
    });
    let detective = DetectiveInvestigations::new(mock_client!(aws_sdk_detective, [&rule]));
    let (notifier, metrics, store, clock) = (
        MemoryNotifier::default(),
        MemoryMetrics::default(),
        MemoryStore::default(),
        FixedClock::at(NOW),
    );
    let handler = Handler::new(
        settings(CONFIG),
        Ports {
            notifier: &notifier,
            metrics: &metrics,
            detective,
            store: &store,
            clock: &clock,
        },
    );
    let answer = handler.handle(high_bedrock_event(), "req-1").await.unwrap();
    let note = answer["findings"][0]["notes"][0].as_str().unwrap();
    assert_eq!(
        note,
        "Detective enrichment unavailable: access denied (AccessDeniedException)"
    );
    assert_eq!(notifier.published().len(), 3);
    assert!(
        notifier.published()[0]
            .message
            .contains("Detective enrichment unavailable")
    );
    assert_eq!(
        metrics.total(watchpost_contract::metric::ENRICHMENT_UNAVAILABLE),
        1
    );
}

#[tokio::test]
async fn put_metric_data_batches_at_most_a_thousand_datums_per_call() {
    let rule = mock!(aws_sdk_cloudwatch::Client::put_metric_data)
        .match_requests(|req| {
            req.namespace() == Some("Watchpost")
                && req.metric_data().len() <= PUT_METRIC_DATA_MAX_DATUMS
        })
        .sequence()
        .output(|| {
            aws_sdk_cloudwatch::operation::put_metric_data::PutMetricDataOutput::builder().build()
        })
        .repeatedly()
        .build();
    let sink = PutMetricData::new(mock_client!(aws_sdk_cloudwatch, [&rule]), "Watchpost");
    let mut counts = MetricCounts::default();
    for route in 0..800 {
        counts.count("AlertsDelivered", "Route", &format!("route-{route}"));
    }
    // 800 documents with two dimension sets each: 1,600 datums.
    sink.emit(&counts, NOW * 1000).await.unwrap();
    assert_eq!(rule.num_calls(), 2);
}
