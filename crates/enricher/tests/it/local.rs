//! Against the local AWS: moto (SNS, SQS, DynamoDB, CloudWatch) and the Detective emulator,
//! through the real adapters. Skipped, saying so, only when moto's virtualenv is missing.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use serde_json::Value;
use watchpost_enricher::HandlerError;
use watchpost_enricher::init::{LambdaHandler, handler_with};
use watchpost_localaws::{
    DEFAULT_ACCOUNT, DetectiveConfig, DetectiveEmulator, MotoServer, workspace_root,
};

use crate::common::*;

const ROUTES: [(&str, &str); 3] = [("pager", "text"), ("chat", "chat"), ("machines", "json")];
const TABLE: &str = "watchpost-alert-state";

/// moto and the emulator, with topics, one queue subscribed to each, the state table and a graph.
pub struct Local {
    /// Kept for its drop, which stops moto.
    #[allow(dead_code)]
    pub moto: MotoServer,
    pub detective: DetectiveEmulator,
    pub sdk: SdkConfig,
    pub detective_sdk: SdkConfig,
    /// Route → (topic ARN, queue URL).
    pub routes: BTreeMap<&'static str, (String, String)>,
    pub graph_arn: String,
    pub config: String,
}

/// Starts the local AWS, or says why not and returns `None` when moto is not installed.
pub async fn start(investigation_delay: Duration) -> Option<Local> {
    let moto_bin = workspace_root().join(".local/venv/bin/moto_server");
    if !moto_bin.exists() {
        eprintln!(
            "SKIPPED: moto is not installed at {}; run `just local-venv` to run the local AWS tests",
            moto_bin.display()
        );
        return None;
    }
    let detective = DetectiveEmulator::start_with(DetectiveConfig {
        investigation_delay,
        ..Default::default()
    })
    .await;
    let moto = MotoServer::start().await;
    let sdk = watchpost_localaws::sdk_config(&moto.endpoint_url(), DEFAULT_ACCOUNT);
    let detective_sdk = detective.sdk_config(DEFAULT_ACCOUNT);

    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    dynamodb
        .create_table()
        .table_name(TABLE)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create the state table");
    let graph_arn = aws_sdk_detective::Client::new(&detective_sdk)
        .create_graph()
        .send()
        .await
        .expect("create a behavior graph")
        .graph_arn
        .unwrap();

    let mut routes = BTreeMap::new();
    let mut config = String::from(
        "[watchpost]\nstack = \"watchpost\"\n\n[metrics]\nmode = \"put-metric-data\"\n\n",
    );
    for (route, format) in ROUTES {
        let (topic, queue) = topic_with_queue(&sdk, route).await;
        config.push_str(&format!(
            "[[routes]]\nname = \"{route}\"\nformat = \"{format}\"\ntopic_arn = \"{topic}\"\n\n"
        ));
        routes.insert(route, (topic, queue));
    }
    config.push_str(&format!(
        "[detective]\ngraph_arn = \"{graph_arn}\"\nbudget_ms = 2000\n"
    ));
    Some(Local {
        moto,
        detective,
        sdk,
        detective_sdk,
        routes,
        graph_arn,
        config,
    })
}

/// Creates (or re-creates) the route's topic and subscribes a queue to it.
pub async fn topic_with_queue(sdk: &SdkConfig, route: &str) -> (String, String) {
    let sns = aws_sdk_sns::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let topic = sns
        .create_topic()
        .name(format!("watchpost-{route}"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let queue = sqs
        .create_queue()
        .queue_name(format!("watchpost-{route}-inbox"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .unwrap();
    (topic, queue)
}

impl Local {
    pub fn handler(&self) -> LambdaHandler {
        handler_with(settings(&self.config), &self.sdk, &self.detective_sdk)
    }

    /// The SNS envelopes waiting in a route's queue (deleted as read), waiting up to
    /// `expect` of them for a few seconds.
    pub async fn received(&self, route: &str, expect: usize) -> Vec<Value> {
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let queue = &self.routes[route].1;
        let mut out = Vec::new();
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(if expect == 0 { 1 } else { 5 });
        while tokio::time::Instant::now() < deadline {
            let answer = sqs
                .receive_message()
                .queue_url(queue)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            for message in answer.messages() {
                out.push(serde_json::from_str(message.body().unwrap()).unwrap());
                sqs.delete_message()
                    .queue_url(queue)
                    .receipt_handle(message.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
            if expect > 0 && out.len() >= expect {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        out
    }
}

fn attribute<'a>(envelope: &'a Value, name: &str) -> &'a str {
    envelope["MessageAttributes"][name]["Value"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_finding_reaches_each_route_queue_once_even_when_two_instances_get_it() {
    let Some(local) = start(Duration::from_secs(3)).await else {
        return;
    };
    let (a, b) = (local.handler(), local.handler());
    let (first, second) = tokio::join!(
        a.handle(event(BEDROCK_EVENT), "req-a"),
        b.handle(event(BEDROCK_EVENT), "req-b")
    );
    // One instance delivers; the other finds the alert claimed (suppressed) or still being
    // delivered (a retryable error whose retry then finds it delivered).
    let outcomes = [&first, &second];
    assert_eq!(
        outcomes
            .iter()
            .filter(|r| r
                .as_ref()
                .is_ok_and(|v| v["findings"][0]["outcome"] == "alert"))
            .count(),
        1,
        "{outcomes:?}"
    );
    for result in outcomes {
        if let Err(err) = result {
            assert!(matches!(err, HandlerError::AlertInFlight(_)), "{err}");
        }
    }
    let pager = local.received("pager", 1).await;
    assert_eq!(pager.len(), 1, "{pager:?}");
    let envelope = &pager[0];
    assert!(
        envelope["Subject"]
            .as_str()
            .unwrap()
            .starts_with("[MEDIUM] model-invocation: "),
        "{envelope}"
    );
    assert!(
        envelope["Message"]
            .as_str()
            .unwrap()
            .contains("Why this is AI-related")
    );
    assert_eq!(attribute(envelope, "severity"), "MEDIUM");
    assert_eq!(attribute(envelope, "component"), "model-invocation");
    assert_eq!(attribute(envelope, "format"), "text");
    let chat = local.received("chat", 1).await;
    assert_eq!(chat.len(), 1);
    let document: Value = serde_json::from_str(chat[0]["Message"].as_str().unwrap()).unwrap();
    // One thread per incident: the card's is the incident's key.
    assert!(attribute(envelope, "incident").starts_with("WP-"));
    assert_eq!(
        document["metadata"]["threadId"],
        attribute(envelope, "incident")
    );
    assert_eq!(local.received("machines", 1).await.len(), 1);

    // A third delivery, later, is a duplicate.
    let answer = a.handle(event(BEDROCK_EVENT), "req-c").await.unwrap();
    assert_eq!(answer["findings"][0]["outcome"], "suppressed");
    assert!(local.received("pager", 0).await.is_empty());

    // PutMetricData reached CloudWatch.
    let metrics = aws_sdk_cloudwatch::Client::new(&local.sdk)
        .list_metrics()
        .namespace("Watchpost")
        .metric_name("AlertsDelivered")
        .send()
        .await
        .unwrap();
    assert!(!metrics.metrics().is_empty());
}

#[tokio::test]
async fn a_high_ai_finding_on_an_iam_user_is_investigated_and_the_sweep_follows_up() {
    let Some(local) = start(Duration::from_millis(300)).await else {
        return;
    };
    let handler = local.handler();
    let answer = handler.handle(high_bedrock_event(), "req-1").await.unwrap();
    let id = answer["findings"][0]["investigation_id"]
        .as_str()
        .expect("an investigation")
        .to_owned();
    let pager = local.received("pager", 1).await;
    let subject = pager[0]["Subject"].as_str().unwrap().to_owned();
    assert!(pager[0]["Message"].as_str().unwrap().contains(&id));
    let alert = pager[0].clone();
    local.received("chat", 1).await;
    local.received("machines", 1).await;

    tokio::time::sleep(Duration::from_millis(600)).await;
    let answer = handler
        .handle(event(SCHEDULED_EVENT), "sweep-1")
        .await
        .unwrap();
    assert_eq!(
        answer["sweep"]["followed_up"][0]["investigation_id"],
        id.as_str(),
        "{answer}"
    );
    let follow_up = local.received("pager", 1).await;
    assert_eq!(follow_up.len(), 1);
    let message = follow_up[0]["Message"].as_str().unwrap();
    assert!(message.contains(&subject), "{message}");
    assert!(message.contains("Indicators"), "{message}");
    assert_eq!(attribute(&follow_up[0], "alert_kind"), "followup");
    // The alert's attributes, kept in DynamoDB with the investigation: a subscription that let
    // the alert through lets its follow-up through.
    for name in [
        "account",
        "component",
        "finding_type",
        "region",
        "sample",
        "severity",
    ] {
        assert_eq!(
            attribute(&follow_up[0], name),
            attribute(&alert, name),
            "{name}"
        );
    }
    let chat = local.received("chat", 1).await;
    let document: Value = serde_json::from_str(chat[0]["Message"].as_str().unwrap()).unwrap();
    // The follow-up joins its alert's incident thread.
    assert!(attribute(&alert, "incident").starts_with("WP-"));
    assert_eq!(
        document["metadata"]["threadId"],
        attribute(&alert, "incident")
    );

    // Once only.
    handler
        .handle(event(SCHEDULED_EVENT), "sweep-2")
        .await
        .unwrap();
    assert!(local.received("pager", 0).await.is_empty());
    assert!(local.graph_arn.starts_with("arn:aws:detective:"));
}

#[tokio::test]
async fn sns_failing_fails_retryably_and_the_retry_sends_only_the_missing_route() {
    let Some(local) = start(Duration::from_secs(3)).await else {
        return;
    };
    let sns = aws_sdk_sns::Client::new(&local.sdk);
    sns.delete_topic()
        .topic_arn(&local.routes["chat"].0)
        .send()
        .await
        .unwrap();
    let handler = local.handler();
    let err = handler
        .handle(event(BEDROCK_EVENT), "req-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, HandlerError::DeliveryFailed(ref f) if f.len() == 1 && f[0].0 == "chat"),
        "{err}"
    );
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "Watchpost.DeliveryFailed.Retryable");
    assert_eq!(local.received("pager", 1).await.len(), 1);
    assert_eq!(local.received("machines", 1).await.len(), 1);

    // The topic is back (same name, same ARN); Lambda retries the event.
    let (topic, _) = topic_with_queue(&local.sdk, "chat").await;
    assert_eq!(topic, local.routes["chat"].0);
    handler.handle(event(BEDROCK_EVENT), "req-1").await.unwrap();
    assert_eq!(local.received("chat", 1).await.len(), 1);
    assert!(
        local.received("pager", 0).await.is_empty(),
        "pager was already reached"
    );
    assert!(
        local.received("machines", 0).await.is_empty(),
        "machines was already reached"
    );
}

#[tokio::test]
async fn detective_throttling_still_delivers_the_alert_marked() {
    let Some(local) = start(Duration::from_secs(3)).await else {
        return;
    };
    local
        .detective
        .set_faults(r#"{"throttle_rate": 1.0}"#)
        .await;
    let answer = local
        .handler()
        .handle(high_bedrock_event(), "req-1")
        .await
        .unwrap();
    let note = answer["findings"][0]["notes"][0].as_str().unwrap();
    assert_eq!(
        note,
        "Detective enrichment unavailable: throttled (TooManyRequestsException)"
    );
    let pager = local.received("pager", 1).await;
    assert!(
        pager[0]["Message"]
            .as_str()
            .unwrap()
            .contains("Detective enrichment unavailable")
    );

    // Down altogether: the same.
    local
        .detective
        .set_faults(r#"{"fail": {"ListInvestigations": 500}}"#)
        .await;
    let mut update = high_bedrock_event();
    update["detail"]["severity"] = serde_json::json!(9.5);
    update["detail"]["service"]["count"] = serde_json::json!(8);
    let answer = local.handler().handle(update, "req-2").await.unwrap();
    let note = answer["findings"][0]["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with("Detective enrichment unavailable: "),
        "{note}"
    );
    assert_eq!(local.received("pager", 1).await.len(), 1);
}

/// A second alert reusing an investigation adds the routes it reached (once each) to the
/// entry the first alert made, through DynamoDB's conditional put and list_append.
#[tokio::test]
async fn a_reused_investigation_gains_the_routes_of_each_alert() {
    let Some(local) = start(Duration::from_secs(3)).await else {
        return;
    };
    use watchpost_enricher::adapters::dynamodb::DynamoStore;
    use watchpost_enricher::ports::{AlertStore, OpenInvestigation};
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&local.sdk), TABLE);
    let first = OpenInvestigation {
        investigation_id: "000000000000000000000000000000042".into(),
        graph_arn: local.graph_arn.clone(),
        entity_arn: "arn:aws:iam::111122223333:user/svc".into(),
        alert_key: "111122223333/us-east-1/first".into(),
        subject: "the first alert".into(),
        routes: vec!["chat".into()],
        started_at: NOW,
        alert_attributes: Default::default(),
    };
    store.remember_investigation(&first).await.unwrap();
    let second = OpenInvestigation {
        alert_key: "111122223333/us-east-1/second".into(),
        subject: "the second alert".into(),
        routes: vec!["pager".into(), "chat".into()],
        started_at: NOW + 60,
        ..first.clone()
    };
    store.remember_investigation(&second).await.unwrap();
    let open = store.open_investigations().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (
            open[0].investigation.alert_key.as_str(),
            open[0].investigation.routes.clone()
        ),
        (
            first.alert_key.as_str(),
            vec!["chat".to_owned(), "pager".to_owned()]
        )
    );
}

#[tokio::test]
async fn open_investigations_are_items_of_their_own_beyond_one_item_s_size() {
    let Some(local) = start(Duration::from_secs(3)).await else {
        return;
    };
    use watchpost_enricher::adapters::dynamodb::DynamoStore;
    use watchpost_enricher::ports::{AlertStore, OpenInvestigation};
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&local.sdk), TABLE);
    // 500 entries of over 1 KB: more than DynamoDB's 400 KB item limit would hold together.
    let subject = "s".repeat(1_000);
    for n in 0..500 {
        store
            .remember_investigation(&OpenInvestigation {
                investigation_id: format!("{n:032}"),
                graph_arn: local.graph_arn.clone(),
                entity_arn: "arn:aws:iam::111122223333:user/svc".into(),
                alert_key: format!("111122223333/us-east-1/f{n}"),
                subject: subject.clone(),
                routes: vec!["pager".into(), "chat".into()],
                started_at: NOW,
                alert_attributes: Default::default(),
            })
            .await
            .unwrap();
    }
    let open = store.open_investigations().await.unwrap();
    assert_eq!(open.len(), 500);
    // A sweep takes one, another sweep cannot, and once settled it is gone.
    let id = open[0].investigation.investigation_id.clone();
    assert_eq!(
        store
            .claim_investigation(&id, "s1", NOW, NOW + 45)
            .await
            .unwrap(),
        Some(vec!["chat".to_owned(), "pager".to_owned()])
    );
    assert_eq!(
        store
            .claim_investigation(&id, "s2", NOW + 1, NOW + 46)
            .await
            .unwrap(),
        None
    );
    // `pager` heard it, `chat` did not: the entry stays for `chat`, failing since then, and
    // another sweep may take it.
    assert!(
        !store
            .followed_up(&id, "s1", &["pager".to_owned()], Some(NOW + 2))
            .await
            .unwrap()
    );
    let again = store.open_investigations().await.unwrap();
    let entry = again
        .iter()
        .find(|o| o.investigation.investigation_id == id)
        .unwrap();
    assert_eq!(
        (entry.failing_since, entry.investigation.routes.clone()),
        (Some(NOW + 2), vec!["chat".to_owned()])
    );
    assert_eq!(
        store
            .claim_investigation(&id, "s2", NOW + 3, NOW + 48)
            .await
            .unwrap(),
        Some(vec!["chat".to_owned()])
    );
    // The last route reached: forgotten.
    assert!(
        store
            .followed_up(&id, "s2", &["chat".to_owned()], None)
            .await
            .unwrap()
    );
    assert_eq!(store.open_investigations().await.unwrap().len(), 499);
    let other = again[1].investigation.investigation_id.clone();
    assert!(store.forget_investigation(&other).await.unwrap());
    assert_eq!(store.open_investigations().await.unwrap().len(), 498);
}

/// Six related findings (one principal) handled at once by six instances against DynamoDB:
/// one incident, opened once; the pager, which takes incidents, is paged once; the machines'
/// route receives all six.
#[tokio::test]
async fn related_findings_at_once_open_one_incident_in_dynamodb() {
    let Some(mut local) = start(Duration::from_secs(3)).await else {
        return;
    };
    local.config = local.config.replace(
        "name = \"pager\"\nformat = \"text\"",
        "name = \"pager\"\nformat = \"text\"\ntakes = \"incidents\"",
    );
    let handlers: Vec<LambdaHandler> = (0..6).map(|_| local.handler()).collect();
    let requests: Vec<String> = (0..6).map(|n| format!("req-{n}")).collect();
    let runs = handlers
        .iter()
        .zip(&requests)
        .enumerate()
        .map(|(n, (handler, request))| {
            let mut finding = event(BEDROCK_EVENT);
            finding["detail"]["id"] = serde_json::json!(format!("related{n}"));
            handler.handle(finding, request)
        });
    for answer in futures_util::future::join_all(runs).await {
        assert_eq!(answer.unwrap()["findings"][0]["outcome"], "alert");
    }
    let machines = local.received("machines", 6).await;
    assert_eq!(machines.len(), 6);
    let incidents: std::collections::BTreeSet<&str> =
        machines.iter().map(|m| attribute(m, "incident")).collect();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let kinds: Vec<&str> = machines
        .iter()
        .map(|m| attribute(m, "alert_kind"))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "new").count(),
        1,
        "{kinds:?}"
    );
    let pages = local.received("pager", 1).await;
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert_eq!(attribute(&pages[0], "alert_kind"), "new");
    assert_eq!(
        attribute(&pages[0], "incident"),
        *incidents.first().unwrap()
    );
}

/// The digest calls against DynamoDB: an alert is kept once however often, a route's digest of
/// one period is taken by one sweep at a time and sent once, and a failed one is released with
/// its alerts kept.
#[tokio::test]
async fn digests_in_dynamodb_are_kept_once_taken_once_and_released_on_failure() {
    let Some(local) = start(Duration::from_secs(3)).await else {
        return;
    };
    use watchpost_core::SeverityLabel;
    use watchpost_enricher::adapters::dynamodb::DynamoStore;
    use watchpost_enricher::ports::{DigestEntry, DigestStore};
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&local.sdk), TABLE);
    let entry = |n: usize| DigestEntry {
        route: "chat".into(),
        member: format!("111122223333/us-east-1/f{n}#1"),
        at: NOW + n as i64,
        severity: SeverityLabel::Medium,
        component: "model-invocation".into(),
        finding_type: "Impact:IAMUser/AnomalousModelInvocation".into(),
        account: "111122223333".into(),
        region: "us-east-1".into(),
        about: "arn:aws:iam::111122223333:user/svc".into(),
        subject: format!("alert {n}"),
        finding_id: format!("f{n}"),
        incident: None,
        link: None,
    };
    for n in 0..3 {
        store
            .keep_for_digest(&entry(n), NOW + 86_400)
            .await
            .unwrap();
    }
    store
        .keep_for_digest(&entry(0), NOW + 86_400)
        .await
        .unwrap();
    let kept = store.digest_entries("chat").await.unwrap();
    assert_eq!(kept, vec![entry(0), entry(1), entry(2)]);
    assert!(store.digest_entries("pager").await.unwrap().is_empty());

    let period = NOW + 3_600;
    assert!(
        store
            .claim_digest("chat", period, "a", NOW, NOW + 40)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_digest("chat", period, "b", NOW + 1, NOW + 41)
            .await
            .unwrap()
    );
    store.digest_failed("chat", "a").await.unwrap();
    assert_eq!(store.digest_entries("chat").await.unwrap().len(), 3);
    assert!(
        store
            .claim_digest("chat", period, "b", NOW + 2, NOW + 42)
            .await
            .unwrap()
    );
    let members: Vec<String> = kept[..2].iter().map(|e| e.member.clone()).collect();
    store
        .digest_sent("chat", period, "b", &members)
        .await
        .unwrap();
    assert_eq!(store.digest_entries("chat").await.unwrap(), vec![entry(2)]);
    assert!(
        !store
            .claim_digest("chat", period, "c", NOW + 3, NOW + 43)
            .await
            .unwrap()
    );
    // A lease that ran out is taken over.
    assert!(
        store
            .claim_digest("chat", period + 3_600, "c", NOW + 3, NOW + 43)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_digest("chat", period + 3_600, "d", NOW + 50, NOW + 90)
            .await
            .unwrap()
    );
}
