//! A subscription someone added by hand survives apply.

use crate::common::*;

/// Regression, against the local AWS through the SDK: a subscription someone added by hand to a
/// stack topic was deleted by the next apply. It survives an apply that changes its topic's
/// subscriptions, and `outputs` lists it.
#[tokio::test]
async fn a_subscription_added_by_hand_survives_apply() {
    let local = LocalAws::start().await;
    let sdk = local.sdk_config(DEFAULT_ACCOUNT);
    let ports = counted_ports(&local);
    let config = config_with(0, false);
    let first = plan(&ports, &config, Mode::Apply).await;
    apply(&ports, &config, &first).await;

    // A team subscribes its queue to the pager topic by hand.
    let sns = aws_sdk_sns::Client::new(&sdk);
    let pager = "arn:aws:sns:us-east-1:123456789012:wp-pager";
    let by_hand = sns
        .subscribe()
        .topic_arn(pager)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:123456789012:team-queue")
        .return_subscription_arn(true)
        .send()
        .await
        .unwrap()
        .subscription_arn()
        .unwrap()
        .to_owned();
    let (again, observations) = engine::plan_all(&ports, &config, &package(), Mode::Apply)
        .await
        .unwrap();
    assert!(again.is_empty(), "{}", render::text(&again));
    assert_eq!(
        observations[0].outputs.other_subscriptions,
        vec!["sqs:arn:aws:sqs:us-east-1:123456789012:team-queue on wp-pager"]
    );

    // The config drops its own queue subscription from the same topic: only that one goes.
    let mut smaller = config.clone();
    smaller.routes[0]
        .subscriptions
        .retain(|s| s.endpoint != "arn:aws:sqs:us-east-1:123456789012:siem");
    let change = plan(&ports, &smaller, Mode::Apply).await;
    let deletes: Vec<&str> = change
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete)
        .map(|c| c.id.name.as_str())
        .collect();
    assert_eq!(
        deletes,
        vec!["wp-pager/sqs:arn:aws:sqs:us-east-1:123456789012:siem"],
        "{}",
        render::text(&change)
    );
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let records = || async {
        let out = ssm
            .get_parameters_by_path()
            .path("/watchpost/wp/subscriptions")
            .recursive(true)
            .send()
            .await
            .unwrap();
        out.parameters()
            .iter()
            .filter_map(|p| p.value().map(str::to_owned))
            .collect::<Vec<String>>()
    };
    let dropped = change
        .changes
        .iter()
        .find(|c| c.action() == Action::Delete)
        .and_then(|c| c.physical_id().map(str::to_owned))
        .unwrap();
    assert!(records().await.contains(&dropped));
    assert!(!records().await.contains(&by_hand));
    apply(&ports, &smaller, &change).await;
    let left: Vec<String> = sns
        .list_subscriptions_by_topic()
        .topic_arn(pager)
        .send()
        .await
        .unwrap()
        .subscriptions()
        .iter()
        .filter_map(|s| s.subscription_arn().map(str::to_owned))
        .collect();
    assert!(left.contains(&by_hand), "{left:?}");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(plan(&ports, &smaller, Mode::Apply).await.is_empty());
    // Its record went with it; the https subscription's stays.
    let records = records().await;
    assert!(!records.contains(&dropped), "{records:?}");
    assert!(records.iter().any(|r| r.starts_with(pager)), "{records:?}");
}
