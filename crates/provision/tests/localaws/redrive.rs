//! Dead letters back to the function through the SDK adapters, deleted only once Lambda took them.

use crate::common::*;

#[tokio::test]
async fn dead_letters_go_back_to_the_function_and_only_then_leave_the_queue() {
    let local = LocalAws::start().await;
    // moto stores functions but runs them only in Docker; without, it accepts invocations.
    let (status, _) = watchpost_localaws::http(
        local.moto.addr(),
        "POST",
        "/moto-api/config",
        &[("Content-Type", "application/json")],
        r#"{"lambda": {"use_docker": false}}"#,
    )
    .await
    .unwrap();
    assert_eq!(status, 201);
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let config = config_with(0, false);
    let ports = counted_ports(&local);
    let first = plan(&ports, &config, Mode::Apply).await;
    apply(&ports, &config, &first).await;

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = sqs
        .get_queue_url()
        .queue_name("wp-enricher-dlq")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let destination_record = r#"{"version":"1.0","requestContext":{"condition":"RetriesExhausted"},"requestPayload":{"id":"e1","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"type":"Recon:EC2/PortProbeUnprotectedPort","severity":5.0}},"responsePayload":{"errorType":"Watchpost.DeliveryFailed.Retryable"}}"#;
    let eventbridge_event = r#"{"id":"e2","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"type":"Backdoor:EC2/C&CActivity.B","severity":8.0}}"#;
    for body in [destination_record, eventbridge_event, "garbage"] {
        sqs.send_message()
            .queue_url(&queue)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let function = &config.enricher.function_name;

    let (dlq, invoker) = (SqsAdapter::new(&sdk), LambdaAdapter::new(&sdk));
    let listed = watchpost_provision::redrive::redrive(&dlq, &invoker, &queue, function, 100, true)
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert!(listed.iter().all(|o| !o.redriven));
    assert!(
        listed.iter().any(|o| o.failure.as_deref()
            == Some("RetriesExhausted: Watchpost.DeliveryFailed.Retryable"))
    );

    let sent = watchpost_provision::redrive::redrive(&dlq, &invoker, &queue, function, 100, false)
        .await
        .unwrap();
    let redriven: Vec<&str> = sent
        .iter()
        .filter(|o| o.redriven)
        .map(|o| o.summary.as_str())
        .collect();
    assert_eq!(redriven.len(), 2, "{sent:#?}");
    assert!(redriven.iter().any(|s| s.ends_with("event e1")));
    assert!(redriven.iter().any(|s| s.ends_with("event e2")));
    let kept: Vec<&Outcome> = sent.iter().filter(|o| !o.redriven).collect();
    assert_eq!(kept.len(), 1);
    assert!(
        kept[0]
            .kept_because
            .as_deref()
            .unwrap()
            .contains("not JSON")
    );

    // Only the unreadable message is left (in flight until its visibility timeout ends).
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attributes = attributes.attributes().unwrap();
    use aws_sdk_sqs::types::QueueAttributeName as Q;
    let left: u32 = attributes[&Q::ApproximateNumberOfMessages]
        .parse::<u32>()
        .unwrap()
        + attributes[&Q::ApproximateNumberOfMessagesNotVisible]
            .parse::<u32>()
            .unwrap();
    assert_eq!(left, 1);
}
