//! Property tests: whatever a finding's strings, severity and count, the rendered alerts stay
//! safe for their readers (subject, JSON, chat markdown, SNS size), and the event parser never
//! panics and reads an event's text as it reads the parsed event. Case counts are modest so the suite stays fast.

use proptest::prelude::*;
use serde_json::{Value, json};
use watchpost_core::Config;
use watchpost_core::SeverityLabel;
use watchpost_core::config::ChatClient;
use watchpost_core::config::Format;
use watchpost_core::event::{parse_event, parse_event_value};
use watchpost_core::finding::{Origin, ParsedEvent, SourcedFinding, deserialize_finding};
use watchpost_core::incident::{IncidentKind, IncidentView};
use watchpost_core::links::Links;
use watchpost_core::pipeline::evaluate;
use watchpost_core::render::chat::{LINK_MAX_CHARS, check_custom_notification};
use watchpost_core::render::markdown::Markdown;
use watchpost_core::render::pager::{
    check_opsgenie_close, check_opsgenie_create, check_pagerduty_event,
};
use watchpost_core::render::{Enrichment, MESSAGE_MAX_BYTES, SUBJECT_MAX_CHARS};

const CASES: u32 = 256;

/// Pieces attackers like: mentions, links, markdown, controls, bidi overrides, separators.
const HOSTILE: &[&str] = &[
    "@here",
    "@channel",
    "<!channel>",
    "<!here|here>",
    "<@U024BE7LH>",
    "[click](https://evil.example)",
    "https://",
    "HTTP://",
    "ftp://",
    "www.",
    "evil.example",
    ".com",
    ".",
    "\u{3002}",
    "/",
    ":",
    "<at>",
    "{{DATE(2017-02-14T06:08:39Z, SHORT)}}",
    "alice@corp.example",
    "＊",
    "＿",
    "｀",
    "＞",
    "!",
    "a",
    "9",
    "](",
    "[",
    "]",
    "(",
    ")",
    "*",
    "_",
    "`",
    "~",
    "#",
    "|",
    ">",
    "<",
    "&",
    "\\",
    "\"",
    "'",
    "\n",
    "\r\n",
    "\t",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{202e}",
    "\u{2066}",
    "\u{200b}",
    "\u{feff}",
    "测试",
    "🔒",
    "ＡＢＣ",
    "é",
    " ",
    "  ",
    "i-0a1b2c3d",
    "p4d.24xlarge",
    "sagemaker-us-east-1-111122223333",
    "AmazonSageMaker-ExecutionRole-x",
    "bedrock",
    "InvokeModel",
    "ai-workflow",
    "watchpost:component",
    "ml-data",
];

/// Arbitrary text: any Unicode, hostile fragments, or (rarely) something very long.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        4 => prop::collection::vec(prop::sample::select(HOSTILE), 0..24).prop_map(|parts| parts.concat()),
        2 => "\\PC{0,40}",
        // Rare, and long enough that a few of them exceed SNS's 256 KiB together.
        1 => (prop::sample::select(HOSTILE), 1_000usize..60_000).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn severity() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0..=10.0f64,
        -1.0e9..1.0e9f64,
        Just(0.0),
        Just(9.0),
        Just(f64::MAX),
        Just(f64::MIN)
    ]
}

/// Every finding string the renderers show, drawn independently.
#[derive(Clone)]
struct Strings {
    finding_type: String,
    title: String,
    description: String,
    id: String,
    region: String,
    resource_type: String,
    instance_id: String,
    instance_type: String,
    user_name: String,
    bucket: String,
    tag_key: String,
    tag_value: String,
    user_agent: String,
    api: String,
    service: String,
    asn_org: String,
    country: String,
    domain: String,
    model: String,
}

/// Failures print each string's length and start, not 40 000 repeated characters.
impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields = [
            ("finding_type", &self.finding_type),
            ("title", &self.title),
            ("description", &self.description),
            ("id", &self.id),
            ("region", &self.region),
            ("resource_type", &self.resource_type),
            ("instance_id", &self.instance_id),
            ("instance_type", &self.instance_type),
            ("user_name", &self.user_name),
            ("bucket", &self.bucket),
            ("tag_key", &self.tag_key),
            ("tag_value", &self.tag_value),
            ("user_agent", &self.user_agent),
            ("api", &self.api),
            ("service", &self.service),
            ("asn_org", &self.asn_org),
            ("country", &self.country),
            ("domain", &self.domain),
            ("model", &self.model),
        ];
        let mut s = f.debug_struct("Strings");
        for (name, value) in fields {
            let start: String = value.chars().take(80).collect();
            s.field(name, &format!("{} bytes: {start:?}", value.len()));
        }
        s.finish()
    }
}

impl Strings {
    fn all(&self) -> [&String; 19] {
        [
            &self.finding_type,
            &self.title,
            &self.description,
            &self.id,
            &self.region,
            &self.resource_type,
            &self.instance_id,
            &self.instance_type,
            &self.user_name,
            &self.bucket,
            &self.tag_key,
            &self.tag_value,
            &self.user_agent,
            &self.api,
            &self.service,
            &self.asn_org,
            &self.country,
            &self.domain,
            &self.model,
        ]
    }
}

fn strings() -> impl Strategy<Value = Strings> {
    // proptest implements Strategy for tuples of up to 12; two halves cover the 19 fields.
    (
        (
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
        ),
        (
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
            text(),
        ),
    )
        .prop_map(|(a, b)| Strings {
            finding_type: a.0,
            title: a.1,
            description: a.2,
            id: a.3,
            region: a.4,
            resource_type: a.5,
            instance_id: a.6,
            instance_type: a.7,
            user_name: a.8,
            bucket: a.9,
            tag_key: b.0,
            tag_value: b.1,
            user_agent: b.2,
            api: b.3,
            service: b.4,
            asn_org: b.5,
            country: b.6,
            domain: b.7,
            model: b.8,
        })
}

/// A GuardDuty finding (camelCase, as EventBridge delivers it) carrying the strings.
fn finding_json(s: &Strings, severity: f64, count: i64, sample: bool) -> Value {
    let tags = json!([{ "key": s.tag_key, "value": s.tag_value }, { "key": "ai-workflow", "value": s.tag_value }]);
    json!({
        "schemaVersion": "2.0",
        "accountId": "111122223333",
        "region": s.region,
        "partition": "aws",
        "id": s.id,
        "arn": format!("arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/{}", s.id),
        "type": s.finding_type,
        "severity": severity,
        "createdAt": "2026-03-02T08:14:09.512Z",
        "updatedAt": "2026-03-02T08:14:09.512Z",
        "title": s.title,
        "description": s.description,
        "resource": {
            "resourceType": s.resource_type,
            "instanceDetails": { "instanceId": s.instance_id, "instanceType": s.instance_type, "tags": tags },
            "accessKeyDetails": { "accessKeyId": "ASIAEXAMPLE", "principalId": "AIDAEXAMPLE", "userName": s.user_name, "userType": "IAMUser" },
            "s3BucketDetails": [{ "name": s.bucket, "arn": format!("arn:aws:s3:::{}", s.bucket), "tags": tags }],
            "modelDetails": [{ "modelId": s.model }],
            "bedrockGuardrailDetails": {
                "guardrails": [{ "arn": s.model, "version": s.tag_value }],
                "guardrailAction": s.api,
                "guardrailSource": s.service,
                "contentPolicyFilters": [{ "type": s.tag_key, "confidence": s.country, "action": s.domain }],
            },
        },
        "service": {
            "serviceName": "guardduty",
            "archived": false,
            "count": count,
            "eventFirstSeen": "2026-03-02T07:58:41.000Z",
            "eventLastSeen": "2026-03-02T08:09:12.000Z",
            "additionalInfo": { "sample": sample },
            "detection": { "anomaly": { "unusual": { "behavior": { "IAMUser": {
                s.tag_key.clone(): { "profileType": "FREQUENCY", "profileSubtype": s.tag_value, "observations": { "text": [s.user_agent, s.domain] } },
                s.bucket.clone(): { "profileType": "VOLUME", "profileSubtype": s.asn_org, "observations": { "number": [i64::MAX, i64::MIN, count] } },
            } } } } },
            "action": {
                "actionType": "AWS_API_CALL",
                "awsApiCallAction": {
                    "api": s.api,
                    "serviceName": s.service,
                    "userAgent": s.user_agent,
                    "remoteIpDetails": {
                        "ipAddressV4": "198.51.100.23",
                        "organization": { "asn": "64500", "asnOrg": s.asn_org },
                        "country": { "countryName": s.country },
                    },
                },
                "dnsRequestAction": { "domain": s.domain },
            },
        },
    })
}

/// Every finding alerts, to every format.
fn all_formats_config() -> Config {
    Config::from_toml(
        r#"
[thresholds]
other_min_severity = "LOW"

[[routes]]
name = "text"
format = "text"

[[routes]]
name = "json"
format = "json"

[[routes]]
name = "chat"
format = "chat"

[[routes]]
name = "teams"
format = "chat"
chat_client = "teams"
"#,
        "properties.toml",
    )
    .expect("valid config")
}

/// [`all_formats_config`] and a route for each pager.
fn every_format_config() -> Config {
    let mut config = all_formats_config();
    for format in ["pagerduty", "opsgenie"] {
        let route: watchpost_core::config::Route =
            toml::from_str(&format!("name = \"{format}\"\nformat = \"{format}\""))
                .expect("a route");
        config.routes.push(route);
    }
    config
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, max_shrink_iters: 256, ..ProptestConfig::default() })]

    #[test]
    fn rendered_alerts_are_safe_whatever_the_finding_says(
        s in strings(),
        severity in severity(),
        count in any::<i64>(),
        sample in any::<bool>(),
    ) {
        let config = all_formats_config();
        let finding = deserialize_finding(finding_json(&s, severity, count, sample))
            .expect("well-typed finding");
        let evaluation = evaluate(SourcedFinding { finding: Box::new(finding), origin: Origin::GuardDuty, observation: None }, &config, None, 0);
        prop_assert!(evaluation.is_alert(), "{}", evaluation.decision.reason);
        let alerts = evaluation.render(&config, &Enrichment::default());
        prop_assert_eq!(alerts.len(), 4);
        let backslashes_given = s.all().iter().map(|t| t.matches('\\').count()).sum::<usize>();
        let links = evaluation.links();
        assert_alerts_are_safe(&alerts, backslashes_given, &[], &links, |md| {
            // Console links too long to carry are left out (`LINK_MAX_CHARS`).
            [
                (&links.guardduty, "GuardDuty"),
                (&links.detective_finding, "Detective"),
            ]
            .into_iter()
            .filter_map(|(url, label)| url.as_deref().map(|url| (url, label)))
            .filter(|(url, _)| url.chars().count() <= LINK_MAX_CHARS)
            .map(|(url, label)| md.link(url, label))
            .collect()
        })?;
    }

    /// Whatever a finding says and whatever its incident is about (a principal's or a
    /// resource's name: the attacker's choice), every format, pagers included, tells the
    /// incident within the invariants every alert keeps, and carries its key.
    #[test]
    fn alerts_of_an_incident_are_safe_whatever_it_is_about(
        s in strings(),
        about in text(),
        kind in prop::sample::select(&[IncidentKind::New, IncidentKind::Update, IncidentKind::Escalation, IncidentKind::Resolved][..]),
        alerts in 1u32..100_000,
        severity in severity(),
    ) {
        let config = every_format_config();
        let finding = deserialize_finding(finding_json(&s, severity, 1, false))
            .expect("well-typed finding");
        let evaluation = evaluate(SourcedFinding { finding: Box::new(finding), origin: Origin::GuardDuty, observation: None }, &config, None, 0);
        prop_assert!(evaluation.is_alert(), "{}", evaluation.decision.reason);
        let enrichment = Enrichment {
            incident: Some(IncidentView {
                key: "WP-00C0FFEE42".to_owned(),
                kind,
                opened_at: 1_772_438_400,
                alerts,
                about: about.clone(),
                severity: SeverityLabel::High,
                first_for: Vec::new(),
                closed: false,
            }),
            ..Enrichment::default()
        };
        let rendered = evaluation.render(&config, &enrichment);
        prop_assert_eq!(rendered.len(), 6);
        for alert in &rendered {
            prop_assert!(alert.subject.ends_with(" [WP-00C0FFEE42]"), "{:?}", alert.subject);
            prop_assert!(alert.message.contains("WP-00C0FFEE42"), "{} has no key", alert.route);
            prop_assert_eq!(&alert.attributes["incident"], "WP-00C0FFEE42");
        }
        let backslashes_given = s.all().into_iter().chain([&about]).map(|t| t.matches('\\').count()).sum::<usize>();
        let links = evaluation.links();
        assert_alerts_are_safe(&rendered, backslashes_given, &[], &links, |md| {
            [
                (&links.guardduty, "GuardDuty"),
                (&links.detective_finding, "Detective"),
            ]
            .into_iter()
            .filter_map(|(url, label)| url.as_deref().map(|url| (url, label)))
            .filter(|(url, _)| url.chars().count() <= LINK_MAX_CHARS)
            .map(|(url, label)| md.link(url, label))
            .collect()
        })?;
    }

    #[test]
    fn finding_text_written_for_chat_cannot_format_link_or_mention(
        text in text(),
        max_chars in 1usize..400,
    ) {
        for client in [ChatClient::Slack, ChatClient::Teams] {
            let md = Markdown::new(client);
            let backslashes = text.matches('\\').count();
            for written in [md.text(&text, max_chars), md.code(&text, max_chars)] {
                prop_assert!(written.chars().count() <= max_chars.max(1), "{} chars for {max_chars}: {written:?}", written.chars().count());
                let written = match client {
                    ChatClient::Slack => written.strip_prefix('`').and_then(|w| w.strip_suffix('`')).map(str::to_owned).unwrap_or(written),
                    ChatClient::Teams => written,
                };
                assert_card_text_is_safe(client, &written, &[], backslashes)?;
            }
        }
    }

    #[test]
    fn parse_event_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        prop_assert_eq!(parse_event(&bytes), parsed_as_a_whole(&bytes));
    }

    #[test]
    fn parse_event_never_panics_on_mangled_fixtures(
        index in 0usize..64,
        cut in any::<prop::sample::Index>(),
        junk in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        // A real event, cut anywhere and spliced with junk: the shapes the parser sees most.
        let fixtures = fixture_texts();
        let text = &fixtures[index % fixtures.len()];
        let at = cut.index(text.len() + 1);
        let mut bytes = text[..at].to_vec();
        bytes.extend_from_slice(&junk);
        bytes.extend_from_slice(&text[at..]);
        prop_assert_eq!(parse_event(&bytes), parsed_as_a_whole(&bytes));
    }

    #[test]
    fn parse_event_never_panics_on_arbitrary_json_in_a_finding_event(value in arbitrary_json(), key in prop::sample::select(&["detail", "detail.resource", "detail.service", "detail.findings", "ocsf"][..])) {
        let mut event = json!({
            "detail-type": match key {
                "detail.findings" => "Security Hub Findings - Imported",
                "ocsf" => "Findings Imported V2",
                _ => "GuardDuty Finding",
            },
            "detail": { "schemaVersion": "2.0", "resource": {}, "service": {} },
        });
        match key {
            "detail" => event["detail"] = value,
            "detail.resource" => event["detail"]["resource"] = value,
            "detail.service" => event["detail"]["service"] = value,
            _ => event["detail"]["findings"] = json!([value]),
        }
        let bytes = event.to_string().into_bytes();
        prop_assert_eq!(parse_event(&bytes), parsed_as_a_whole(&bytes));
    }

    #[test]
    fn an_ocsf_finding_reads_the_same_from_its_text_whatever_a_field_holds(
        value in arbitrary_json(),
        pointer in prop::sample::select(&[
            "/class_uid", "/severity_id", "/status", "/count", "/time_dt", "/cloud", "/resources",
            "/evidences", "/finding_info", "/finding_info/uid", "/finding_info/types",
            "/finding_info/related_events", "/resources/0/data", "/resources/1",
            "/evidences/0/src_endpoint", "/evidences/0/actor/user", "/unmapped",
            "/metadata/product",
        ][..]),
    ) {
        // Whatever type a field of the new Security Hub's finding has, the direct path and the
        // parsed event agree: read, read without the odd field, ignored or rejected alike.
        let text = include_str!("../testdata/events/ocsf-guardduty-anomalous-invocation.json");
        let mut event: Value = serde_json::from_str(text).expect("JSON");
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        match event["detail"]["findings"][0].pointer_mut(parent).expect("in the fixture") {
            Value::Object(object) => {
                object.insert(key.to_owned(), value);
            }
            Value::Array(items) => items[key.parse::<usize>().expect("an index")] = value,
            _ => unreachable!("the fixture's parents are objects and arrays"),
        }
        let bytes = event.to_string().into_bytes();
        prop_assert_eq!(parse_event(&bytes), parsed_as_a_whole(&bytes));
    }

    #[test]
    fn an_event_read_from_its_text_reads_the_same_whatever_its_envelope(
        index in 0usize..64,
        extra in arbitrary_json(),
        key in prop::sample::select(&["detail-type", "detail", "source", "x"][..]),
        at in 0usize..12,
    ) {
        // A real GuardDuty or new Security Hub (OCSF) event with one more key anywhere in its
        // envelope (a second `detail-type` or `detail` included, as JSON allows): the direct
        // path and the parsed event agree, whichever value the general path's map keeps.
        let fixtures = direct_event_texts();
        let text = std::str::from_utf8(&fixtures[index % fixtures.len()]).expect("UTF-8");
        let Value::Object(envelope) = serde_json::from_str::<Value>(text).expect("JSON") else {
            panic!("an event is an object");
        };
        let mut fields: Vec<String> = envelope
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
            .collect();
        let at = at.min(fields.len());
        fields.insert(at, format!("{}:{extra}", Value::from(key)));
        let bytes = format!("{{{}}}", fields.join(",")).into_bytes();
        prop_assert_eq!(parse_event(&bytes), parsed_as_a_whole(&bytes));
    }
}

/// How an event reads when its text is parsed as a whole first: what `parse_event` answered
/// before it read the common GuardDuty event straight from its text.
fn parsed_as_a_whole(bytes: &[u8]) -> ParsedEvent {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => parse_event_value(value),
        Err(err) => ParsedEvent::Rejected(format!("not valid JSON: {err}")),
    }
}

/// The fixture events the direct path reads: `GuardDuty Finding` and `Findings Imported V2`.
fn direct_event_texts() -> &'static [Vec<u8>] {
    static TEXTS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        fixture_texts()
            .iter()
            .filter(|text| {
                serde_json::from_slice::<Value>(text).is_ok_and(|v| {
                    v["detail-type"] == "GuardDuty Finding"
                        || v["detail-type"] == "Findings Imported V2"
                })
            })
            .cloned()
            .collect()
    })
}

/// Watchpost's own bold labels: the only emphasis a card may carry.
const LABELS: &[&str] = &[
    "GuardDuty sample finding: not real activity.",
    "Incident",
    "What happened",
    "Account",
    "Region",
    "Resource",
    "Why AI-related",
    "From",
    "API",
    "Count",
    "Attack sequence",
    "Who",
    "Signals, in order",
    "High-risk APIs",
    "Tactics",
    "On",
    "Models",
    "Unusual volume",
    "Unusual",
    "Guardrail",
    "Content filter",
];

/// The invariants every rendered alert keeps, whatever the finding or call said: a short
/// printable subject, a message within SNS's size, no control characters in attributes or text,
/// JSON and AWS Chatbot documents that parse and validate, and chat markdown with no markup,
/// link or mention but Watchpost's own. `card_links` are the links Watchpost puts on a chat
/// card, written by that client's markdown; `labels` are bold labels besides [`LABELS`].
fn assert_alerts_are_safe(
    alerts: &[watchpost_core::render::RenderedAlert],
    backslashes_given: usize,
    labels: &[&str],
    links: &Links,
    card_links: impl Fn(&Markdown) -> Vec<String>,
) -> Result<(), TestCaseError> {
    for alert in alerts {
        let subject = &alert.subject;
        prop_assert!(
            subject.chars().count() <= SUBJECT_MAX_CHARS,
            "subject too long: {subject:?}"
        );
        prop_assert!(
            subject.chars().all(|c| c == ' ' || c.is_ascii_graphic()),
            "subject not printable ASCII: {subject:?}"
        );
        // Mail clients and pagers link URLs and domains in subjects too.
        prop_assert_eq!(
            linkable(subject),
            None,
            "linkable text in subject {:?}",
            subject
        );
        prop_assert!(
            alert.message.len() <= MESSAGE_MAX_BYTES,
            "{} message of {} bytes",
            alert.format.as_str(),
            alert.message.len()
        );
        for (key, value) in &alert.attributes {
            prop_assert!(
                !value.chars().any(char::is_control),
                "attribute {key}: {value:?}"
            );
            // SNS refuses the whole publish for an attribute with an empty value.
            prop_assert!(!value.trim().is_empty(), "attribute {key} is empty");
        }
        match alert.format {
            Format::Text => {
                // Lines are ours: no carriage returns or other controls from the finding.
                prop_assert!(
                    !alert.message.chars().any(|c| c.is_control() && c != '\n'),
                    "control character in text message"
                );
                // Mail clients, SMS gateways and pagers link URLs and domain names: the only
                // live ones are the console links Watchpost builds.
                let mut rest = alert.message.clone();
                for url in watchpost_urls(links) {
                    rest = rest.replace(&url, " ");
                }
                prop_assert_eq!(
                    linkable(&rest),
                    None,
                    "linkable text in the text message {:?}",
                    alert.message.chars().take(4_000).collect::<String>()
                );
            }
            Format::Json => {
                let value: Value =
                    serde_json::from_str(&alert.message).expect("JSON message parses");
                prop_assert_eq!(value["schema"].as_str(), Some("watchpost.alert"));
            }
            Format::Pagerduty | Format::Opsgenie => {
                let value: Value =
                    serde_json::from_str(&alert.message).expect("pager message parses");
                let closes = alert.attributes["alert_kind"] == "resolved";
                let checked = match alert.format {
                    Format::Pagerduty => check_pagerduty_event(&value),
                    _ if closes => check_opsgenie_close(&value),
                    _ => check_opsgenie_create(&value),
                };
                prop_assert!(checked.is_ok(), "{} {checked:?}", alert.format.as_str());
                pager_text_is_safe(&value, links)?;
            }
            Format::Chat => {
                let value: Value =
                    serde_json::from_str(&alert.message).expect("chat message parses");
                let checked = check_custom_notification(&value);
                prop_assert!(checked.is_ok(), "{checked:?}");
                let client = if alert.route == "teams" {
                    ChatClient::Teams
                } else {
                    ChatClient::Slack
                };
                let links = card_links(&Markdown::new(client));
                let content = &value["content"];
                let description = content["description"].as_str().expect("description");
                assert_card_text_is_safe_with(
                    client,
                    description,
                    &links,
                    backslashes_given,
                    labels,
                )?;
                for field in [&content["title"], &value["metadata"]["summary"]] {
                    assert_card_text_is_safe_with(
                        client,
                        field.as_str().expect("text"),
                        &[],
                        backslashes_given,
                        labels,
                    )?;
                }
                for step in content["nextSteps"].as_array().expect("next steps") {
                    assert_card_text_is_safe(client, step.as_str().expect("step"), &[], 0)?;
                }
                for keyword in content["keywords"].as_array().expect("keywords") {
                    let keyword = keyword.as_str().expect("keyword text");
                    prop_assert!(
                        !keyword.contains(['@', '<', '>', '(', '_', '*', '`', '~', '\\']),
                        "keyword {keyword:?}"
                    );
                    prop_assert_eq!(linkable(keyword), None, "keyword {:?}", keyword);
                }
            }
        }
    }
    Ok(())
}

/// Pagers show their text on phones, in mail and in chat: no string of a page (summary,
/// details, description, tags) is a live link but the console links Watchpost builds, or a
/// mention.
fn pager_text_is_safe(value: &Value, links: &Links) -> Result<(), TestCaseError> {
    let ours = watchpost_urls(links);
    let mut strings = Vec::new();
    collect_strings(value, &mut strings);
    for text in strings {
        // A link's own address is Watchpost's: it is one of ours or it is not there.
        if ours.contains(&text) {
            continue;
        }
        let mut rest = text.clone();
        for url in &ours {
            rest = rest.replace(url, " ");
        }
        prop_assert_eq!(linkable(&rest), None, "linkable text in a page: {:?}", text);
        prop_assert!(
            !rest.contains(['@', '<', '>']) && !rest.chars().any(char::is_control),
            "a mention or a control in a page: {text:?}"
        );
    }
    Ok(())
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(fields) => fields.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// Every URL Watchpost builds for an alert: the only links its text may carry.
fn watchpost_urls(links: &Links) -> Vec<String> {
    let mut urls: Vec<String> = [
        &links.guardduty,
        &links.detective_finding,
        &links.attack_sequence,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    urls.extend(links.console.iter().map(|l| l.url.clone()));
    urls.extend(links.detective_entities.iter().map(|l| l.url.clone()));
    // Longest first, so that no URL is cut by removing one it starts with.
    urls.sort_by_key(|u| std::cmp::Reverse(u.len()));
    urls
}

/// Chat markdown as its client reads it carries no markup, link or mention from a finding: only
/// Watchpost's `links` and bold labels, lines that start with Watchpost's own text, and in Slack
/// no backslash unless the finding held some (`backslashes_given`; Slack shows them as is).
fn assert_card_text_is_safe(
    client: ChatClient,
    markdown: &str,
    links: &[String],
    backslashes_given: usize,
) -> Result<(), TestCaseError> {
    assert_card_text_is_safe_with(client, markdown, links, backslashes_given, &[])
}

/// [`assert_card_text_is_safe`], where `labels` are bold labels of Watchpost's own besides
/// [`LABELS`] (an observation's facts).
fn assert_card_text_is_safe_with(
    client: ChatClient,
    markdown: &str,
    links: &[String],
    backslashes_given: usize,
    labels: &[&str],
) -> Result<(), TestCaseError> {
    let mut rest = markdown.to_owned();
    for link in links {
        prop_assert!(
            rest.contains(link.as_str()),
            "link {link:?} missing from {markdown:?}"
        );
        rest = rest.replace(link.as_str(), " ");
    }
    // The line that stands for lines left out of a long card.
    rest = rest.replace("_… more in the console_", " ");
    // The line that counts the signals an attack sequence's card leaves out.
    for more in 1..=500 {
        rest = rest.replace(&format!("_… and {more} more_"), " ");
    }
    for label in [
        "GuardDuty",
        "Detective",
        "Console",
        "Console 2",
        "Detective profile",
    ] {
        rest = rest.replace(
            &format!("_{label}: no link, the finding id is too long_"),
            " ",
        );
    }
    for label in LABELS.iter().chain(labels) {
        let bold = match client {
            ChatClient::Slack => format!("*{label}*"),
            ChatClient::Teams => format!("**{label}**"),
        };
        rest = rest.replace(&bold, " ");
    }
    prop_assert_eq!(linkable(&rest), None, "linkable text in {:?}", markdown);
    let lines_start_with_ours = markdown.split('\n').filter(|l| !l.is_empty()).all(|l| {
        ["*", "•", "_", "<", "[", "("]
            .iter()
            .any(|p| l.starts_with(p))
            || links.is_empty()
    });
    prop_assert!(
        lines_start_with_ours,
        "a line starts with finding text: {markdown:?}"
    );
    let chars: Vec<char> = rest.chars().collect();
    let ascii_alnum = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| c.is_ascii_alphanumeric())
    };
    match client {
        ChatClient::Slack => {
            // A finding's own backslashes show as they are (and a value can appear twice, in
            // evidence of two components); Watchpost adds none.
            prop_assert!(
                backslashes_given > 0 || !rest.contains('\\'),
                "a backslash escape in {markdown:?}"
            );
            for forbidden in [
                '<', '>', '@', '\u{FF0A}', '\u{FF3F}', '\u{FF40}', '\u{FF5E}',
            ] {
                prop_assert!(!rest.contains(forbidden), "{forbidden:?} in {markdown:?}");
            }
            for line in rest.split('\n') {
                prop_assert!(
                    line.matches('`').count() % 2 == 0,
                    "unpaired code span in {markdown:?}"
                );
            }
            for (i, c) in chars.iter().enumerate() {
                if matches!(c, '*' | '_' | '~') {
                    prop_assert!(
                        ascii_alnum(i.checked_sub(1)) && ascii_alnum(Some(i + 1)),
                        "{c:?} at a word boundary in {markdown:?}"
                    );
                }
                if *c == '#' {
                    prop_assert!(
                        !chars.get(i + 1).is_some_and(|c| c.is_alphanumeric()),
                        "channel name in {markdown:?}"
                    );
                }
            }
        }
        ChatClient::Teams => {
            let mut live = Vec::new();
            let mut i = 0;
            while i < chars.len() {
                if chars[i] == '\\' && chars.get(i + 1).is_some_and(char::is_ascii_punctuation) {
                    i += 2;
                    continue;
                }
                live.push(chars[i]);
                i += 1;
            }
            for c in live {
                prop_assert!(
                    !"\\`*_~[]()<>#|!{}&@".contains(c),
                    "unescaped {c:?} in {markdown:?}"
                );
            }
        }
    }
    Ok(())
}

/// The first URL or domain name a chat or mail client would link, if any: a scheme (other than
/// a defanged one) before `://`, or a dotted name ending in a label of two or more letters (or
/// `xn--`), except an EC2 instance type.
fn linkable(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    for (at, _) in lower.match_indices("://") {
        let scheme: String = lower[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        // No scheme before it (`here ://`): nothing to follow.
        if !scheme.is_empty() && !["hxxp", "hxxps", "fxp"].iter().any(|d| scheme.ends_with(d)) {
            return Some(lower[at.saturating_sub(10)..].chars().take(30).collect());
        }
    }
    let is_dot = |c: char| matches!(c, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}');
    let is_label = |c: char| c.is_alphanumeric() || c == '-';
    let chars: Vec<char> = text.chars().collect();
    for i in 1..chars.len().saturating_sub(1) {
        if !(is_dot(chars[i]) && is_label(chars[i - 1]) && is_label(chars[i + 1])) {
            continue;
        }
        let next: String = chars[i + 1..]
            .iter()
            .take_while(|c| is_label(**c))
            .collect();
        if chars
            .get(i + 1 + next.chars().count())
            .is_some_and(|c| is_dot(*c))
        {
            continue; // not the last label yet
        }
        let before: String = chars[..i]
            .iter()
            .rev()
            .take_while(|c| is_label(**c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let sizes = [
            "nano", "micro", "small", "medium", "large", "xlarge", "metal",
        ];
        let instance_type = sizes.contains(&next.to_lowercase().as_str())
            && before.starts_with(|c: char| c.is_ascii_lowercase())
            && before.chars().any(|c| c.is_ascii_digit())
            && !chars[..i - before.chars().count()]
                .last()
                .is_some_and(|c| is_dot(*c));
        let tld_like = (next.chars().count() >= 2 && next.chars().all(char::is_alphabetic))
            || next.to_lowercase().starts_with("xn--");
        if tld_like && !instance_type {
            return Some(format!("{before}.{next}"));
        }
    }
    None
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e12..1.0e12f64).prop_map(Value::from),
        text().prop_map(|s| Value::String(s.chars().take(200).collect())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(
            &[
                "id",
                "arn",
                "type",
                "severity",
                "accountId",
                "region",
                "createdAt",
                "updatedAt",
                "schemaVersion",
                "resource",
                "resourceType",
                "instanceDetails",
                "tags",
                "service",
                "count",
                "archived",
                "action",
                "detection",
                "sequence",
                "signals",
                "ProductArn",
                "Types",
                "Resources",
                "ProductFields",
                "Severity",
            ][..],
        );
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

/// The single-event fixtures, read once.
fn fixture_texts() -> &'static [Vec<u8>] {
    static TEXTS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/events");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("testdata/events")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json") && !p.ends_with("hostile-strings.json")
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| std::fs::read(p).expect("fixture"))
            .collect()
    })
}

/// The calls of default detections that fire on the call alone, each with the request
/// parameters its alert quotes (dotted paths).
const DETECTED_CALLS: &[(&str, &str, &[&str])] = &[
    (
        "bedrock.amazonaws.com",
        "PutFoundationModelEntitlement",
        &["modelId"],
    ),
    (
        "bedrock.amazonaws.com",
        "DeleteModelInvocationLoggingConfiguration",
        &[],
    ),
    (
        "bedrock.amazonaws.com",
        "PutModelInvocationLoggingConfiguration",
        &[
            "loggingConfig.cloudWatchConfig.logGroupName",
            "loggingConfig.s3Config.bucketName",
            "loggingConfig.textDataDeliveryEnabled",
        ],
    ),
    (
        "bedrock.amazonaws.com",
        "DeleteGuardrail",
        &["guardrailIdentifier", "guardrailVersion"],
    ),
    (
        "bedrock.amazonaws.com",
        "CreateProvisionedModelThroughput",
        &[
            "modelId",
            "modelUnits",
            "commitmentDuration",
            "provisionedModelName",
        ],
    ),
];

/// The bold labels of a CloudTrail detection's facts (`ApiCall::facts`).
const CLOUDTRAIL_LABELS: &[&str] = &[
    "Detection",
    "Why it matters",
    "Failed",
    "Principal",
    "Access key",
    "Escalated for",
    "Request parameter",
    "CloudTrail event id",
];

/// A value a caller can put in `requestParameters`: hostile text (markdown, mentions, URLs,
/// controls, very long), or arbitrary nested JSON.
fn parameter_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => text().prop_map(Value::String),
        1 => arbitrary_json(),
    ]
}

/// `value` at the dotted `path` of `object`, creating the objects on the way.
fn set_path(object: &mut Value, path: &str, value: Value) {
    let mut at = object;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !at[*part].is_object() {
            at[*part] = json!({});
        }
        at = &mut at[*part];
    }
    at[parts[parts.len() - 1]] = value;
}

/// Everything a caller controls in a CloudTrail record of a detected call.
#[derive(Debug, Clone)]
struct HostileCall {
    call: usize,
    parameters: Vec<Value>,
    extra: Vec<(String, Value)>,
    kind: String,
    arn: String,
    user_name: String,
    access_key: String,
    issuer_arn: String,
    source_ip: String,
    user_agent: String,
    error: Option<(String, String)>,
    event_id: String,
    account: String,
}

fn hostile_call() -> impl Strategy<Value = HostileCall> {
    let identity = (
        prop_oneof![
            Just("IAMUser".to_owned()),
            Just("AssumedRole".to_owned()),
            text()
        ],
        text(),
        text(),
        prop_oneof![text(), text().prop_map(|t| format!("AKIA{t}"))],
        text(),
    );
    let call = (
        0..DETECTED_CALLS.len(),
        prop::collection::vec(parameter_value(), 4),
        prop::collection::vec((text(), parameter_value()), 0..4),
        prop_oneof![text(), Just("198.51.100.7".to_owned())],
        text(),
        prop::option::of((text(), text())),
        text(),
        text(),
    );
    (identity, call).prop_map(
        |(
            (kind, arn, user_name, access_key, issuer_arn),
            (call, parameters, extra, source_ip, user_agent, error, event_id, account),
        )| HostileCall {
            call,
            parameters,
            extra,
            kind,
            arn,
            user_name,
            access_key,
            issuer_arn,
            source_ip,
            user_agent,
            error,
            event_id,
            account,
        },
    )
}

impl HostileCall {
    /// The `AWS API Call via CloudTrail` event (CloudTrail record contents).
    fn event(&self) -> Value {
        let (source, name, paths) = DETECTED_CALLS[self.call];
        let mut parameters = json!({});
        for (key, value) in &self.extra {
            if !key.is_empty() {
                parameters[key.as_str()] = value.clone();
            }
        }
        for (path, value) in paths.iter().zip(&self.parameters) {
            set_path(&mut parameters, path, value.clone());
        }
        let mut detail = json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": self.kind,
                "principalId": self.user_name,
                "arn": self.arn,
                "accountId": self.account,
                "accessKeyId": self.access_key,
                "userName": self.user_name,
                "sessionContext": { "sessionIssuer": { "type": "Role", "arn": self.issuer_arn, "userName": self.user_name } }
            },
            "eventTime": "2026-11-20T03:12:45Z",
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent,
            "requestParameters": parameters,
            "responseElements": null,
            "eventID": self.event_id,
            "recipientAccountId": self.account,
            "eventType": "AwsApiCall",
            "managementEvent": true,
        });
        if let Some((code, message)) = &self.error {
            detail["errorCode"] = json!(code);
            detail["errorMessage"] = json!(message);
        }
        json!({
            "version": "0",
            "id": "2a372c2a-880e-ae39-aeae-a90945fb027f",
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.bedrock",
            "account": self.account,
            "time": "2026-11-20T03:12:45Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        })
    }

    fn backslashes(&self) -> usize {
        let event = self.event().to_string();
        // Counted in the JSON text: an upper bound of the backslashes the strings hold.
        event.matches('\\').count()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, max_shrink_iters: 256, ..ProptestConfig::default() })]

    /// Whatever a caller puts in a CloudTrail record (identity, user agent, source address,
    /// error, request parameters: markdown, mentions, URLs, controls, huge strings, nested
    /// JSON), the detection's alerts keep the invariants every alert keeps.
    #[test]
    fn cloudtrail_alerts_are_safe_whatever_the_call_says(call in hostile_call()) {
        let config = all_formats_config();
        let parsed = watchpost_core::event::parse_event_with(call.event(), &config);
        let ParsedEvent::Findings { findings, .. } = parsed else {
            return Err(TestCaseError::fail(format!("not a finding: {parsed:?}")));
        };
        prop_assert_eq!(findings.len(), 1);
        let sourced = findings.into_iter().next().unwrap();
        prop_assert!(sourced.observation.is_some());
        let evaluation = evaluate(sourced, &config, None, 0);
        prop_assert!(evaluation.is_alert(), "{}", evaluation.decision.reason);
        let alerts = evaluation.render(&config, &Enrichment::default());
        prop_assert_eq!(alerts.len(), 4);
        let backslashes_given = call.backslashes();
        let all_links = evaluation.links();
        assert_alerts_are_safe(&alerts, backslashes_given, CLOUDTRAIL_LABELS, &all_links, |md| {
            // The card's links, as the chat renderer picks them.
            let carried = |url: &str| {
                url.chars().count() <= LINK_MAX_CHARS
                    && !url.contains(|c: char| c.is_whitespace() || "<>|()[]".contains(c))
            };
            let links = evaluation.links();
            let mut shown: Vec<String> = [(&links.guardduty, "GuardDuty"), (&links.detective_finding, "Detective")]
                .into_iter()
                .filter_map(|(url, label)| url.as_deref().map(|url| (url, label)))
                .filter(|(url, _)| url.chars().count() <= LINK_MAX_CHARS)
                .map(|(url, label)| md.link(url, label))
                .collect();
            shown.extend(links
                .console
                .iter()
                .enumerate()
                .filter(|(_, l)| carried(&l.url))
                .map(|(i, l)| md.link(&l.url, if i == 0 { "Console" } else { "Console 2" })));
            shown.extend(
                links
                    .detective_entities
                    .iter()
                    .filter(|l| carried(&l.url))
                    .map(|l| md.link(&l.url, "Detective profile")),
            );
            shown
        })?;
    }
}

/// Security Hub's copy of a GuardDuty finding (ASFF, `Security Hub Findings - Imported`)
/// carrying the strings: its title, description, type, resource and the `ProductFields` the
/// reader rebuilds GuardDuty's `service` block from.
fn asff_event(s: &Strings, severity: f64, count: i64) -> Value {
    let label = watchpost_core::SeverityLabel::from_score(severity.clamp(0.0, 10.0));
    let arn = format!(
        "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/{}",
        s.id
    );
    let prefix = "aws/guardduty/service/action/awsApiCallAction/";
    json!({
        "version": "0",
        "id": "4f5a6b7c-8d9e-4f0a-b1c2-3d4e5f6a7b8c",
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "account": "111122223333",
        "region": "us-east-1",
        "resources": [],
        "detail": { "findings": [{
            "SchemaVersion": "2018-10-08",
            "Id": arn,
            "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty",
            "ProductName": "GuardDuty",
            "Region": s.region,
            "AwsAccountId": "111122223333",
            "Types": [format!("TTPs/Impact/{}", s.finding_type)],
            "CreatedAt": "2026-03-02T08:14:09.512Z",
            "UpdatedAt": "2026-03-02T08:14:09.512Z",
            "Severity": { "Product": severity, "Label": label.as_str(), "Normalized": 80 },
            "Title": s.title,
            "Description": s.description,
            "ProductFields": {
                "aws/guardduty/service/serviceName": "guardduty",
                "aws/guardduty/service/count": count.to_string(),
                "aws/guardduty/service/action/actionType": "AWS_API_CALL",
                format!("{prefix}api"): s.api,
                format!("{prefix}serviceName"): s.service,
                format!("{prefix}userAgent"): s.user_agent,
                format!("{prefix}remoteIpDetails/ipAddressV4"): "198.51.100.23",
                format!("{prefix}remoteIpDetails/organization/asnOrg"): s.asn_org,
                format!("{prefix}remoteIpDetails/country/countryName"): s.country,
                "aws/guardduty/service/action/dnsRequestAction/domain": s.domain,
            },
            "Resources": [{
                "Type": "AwsEc2Instance",
                "Id": format!("arn:aws:ec2:us-east-1:111122223333:instance/{}", s.instance_id),
                "Region": "us-east-1",
                "Tags": { s.tag_key.clone(): s.tag_value, "ai-workflow": s.tag_value },
                "Details": { "AwsEc2Instance": { "Type": s.instance_type } },
            }],
            "RecordState": "ACTIVE",
        }]},
    })
}

/// A state change of one of the stack's usage alarms whose name, model, reason and description
/// are the strings (an alarm named like Watchpost's can be made by anyone allowed to create one).
fn usage_alarm_event(s: &Strings, value: &str, datapoint: f64) -> Value {
    let name = format!("watchpost-usage-bedrock-InputTokenCount-{}", s.model);
    let reason_data = json!({
        "version": "1.0",
        "queryDate": "2026-11-20T04:05:00.000+0000",
        "startDate": "2026-11-20T03:55:00.000+0000",
        "period": 300,
        "recentDatapoints": [datapoint, datapoint],
        "recentUpperThresholds": [1000.0, 1000.0],
        "recentLowerThresholds": [0.0, 0.0],
    });
    json!({
        "version": "0",
        "id": "b9a9b0a5-0b7d-4e9e-8f8e-2f3a4b5c6d7e",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "111122223333",
        "time": "2026-11-20T04:05:00Z",
        "region": "us-east-1",
        "resources": [format!("arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}")],
        "detail": {
            "alarmName": name,
            "state": {
                "value": value,
                "reason": s.description,
                "reasonData": reason_data.to_string(),
                "timestamp": "2026-11-20T04:05:00.000+0000",
            },
            // OK after ALARM is the "resolved" follow-up.
            "previousState": {
                "value": if value == "OK" { "ALARM" } else { "OK" },
                "reason": s.title,
                "reasonData": reason_data.to_string(),
                "timestamp": "2026-11-20T01:00:00.000+0000",
            },
            "configuration": {
                "description": s.title,
                "metrics": [
                    { "id": "usage", "metricStat": {
                        "metric": { "namespace": "AWS/Bedrock", "name": "InputTokenCount", "dimensions": { "ModelId": s.model } },
                        "period": 300,
                        "stat": "Sum",
                    }, "returnData": true },
                    { "id": "band", "expression": "ANOMALY_DETECTION_BAND(usage, 3)", "label": s.tag_value, "returnData": true },
                ],
            },
        },
    })
}

/// The config with a price for every model, so that usage alerts show an estimate.
fn all_formats_config_with_prices() -> Config {
    let mut config = all_formats_config();
    config.usage.prices =
        vec![toml::from_str("model = \"*\"\ninput_per_1k_tokens = 0.003\n").expect("a price")];
    config
}

/// Parses `event` with `config`, evaluates every finding it makes and renders the alerts, then
/// checks every invariant every alert keeps (the same as for GuardDuty's own findings).
fn assert_source_alerts_are_safe(
    event: Value,
    config: &Config,
    backslashes_given: usize,
    labels: &[&str],
) -> Result<usize, TestCaseError> {
    let ParsedEvent::Findings { findings, .. } =
        watchpost_core::event::parse_event_with(event, config)
    else {
        return Ok(0);
    };
    let mut rendered = 0;
    for sourced in findings {
        let evaluation = evaluate(sourced, config, None, 0);
        if !evaluation.is_alert() {
            continue;
        }
        let alerts = evaluation.render(config, &Enrichment::default());
        rendered += alerts.len();
        let links = evaluation.links();
        let observed = evaluation.observation.is_some();
        assert_alerts_are_safe(&alerts, backslashes_given, labels, &links, |md| {
            card_links(md, &links, observed)
        })?;
    }
    Ok(rendered)
}

/// The links a chat card always carries, as the chat renderer picks them: the finding's
/// GuardDuty and Detective links, and for the findings Watchpost made itself the consoles and
/// profiles too (a GuardDuty finding's profiles may be left out of a long card).
fn card_links(md: &Markdown, links: &Links, observed: bool) -> Vec<String> {
    let carried = |url: &str| {
        url.chars().count() <= LINK_MAX_CHARS
            && !url.contains(|c: char| c.is_whitespace() || "<>|()[]".contains(c))
    };
    let mut shown: Vec<String> = [
        (&links.guardduty, "GuardDuty"),
        (&links.detective_finding, "Detective"),
    ]
    .into_iter()
    .filter_map(|(url, label)| url.as_deref().map(|url| (url, label)))
    .filter(|(url, _)| url.chars().count() <= LINK_MAX_CHARS)
    .map(|(url, label)| md.link(url, label))
    .collect();
    if !observed {
        return shown;
    }
    shown.extend(
        links
            .console
            .iter()
            .enumerate()
            .filter(|(_, l)| carried(&l.url))
            .map(|(i, l)| md.link(&l.url, if i == 0 { "Console" } else { "Console 2" })),
    );
    shown.extend(
        links
            .detective_entities
            .iter()
            .filter(|l| carried(&l.url))
            .map(|l| md.link(&l.url, "Detective profile")),
    );
    shown
}

/// The bold labels of a usage alarm's facts (`UsageChange::facts`).
const USAGE_LABELS: &[&str] = &[
    "Alarm",
    "Metric",
    "Model",
    "Endpoint",
    "Observed",
    "Observed when it alarmed",
    "Outside the band for",
    "In alarm for",
    "Estimated cost",
    "CloudWatch says",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, max_shrink_iters: 256, ..ProptestConfig::default() })]

    /// Security Hub's copy of a GuardDuty finding keeps every invariant GuardDuty's own does,
    /// whatever its strings, severity and count: nothing in it is live in any format.
    #[test]
    fn security_hub_alerts_are_safe_whatever_the_copy_says(
        s in strings(),
        severity in 0.0..=10.0f64,
        count in 1i64..1_000,
    ) {
        let config = all_formats_config();
        let backslashes = s.all().iter().map(|t| t.matches('\\').count()).sum::<usize>();
        let rendered = assert_source_alerts_are_safe(asff_event(&s, severity, count), &config, backslashes, &[])?;
        // Every copy alerts on the four routes: the invariants were checked on something.
        prop_assert_eq!(rendered, 4);
    }

    /// A usage alarm's state change keeps every invariant too, whatever the alarm's name,
    /// model, reason and labels say (anyone allowed to create an alarm names it).
    #[test]
    fn usage_alarm_alerts_are_safe_whatever_the_alarm_says(
        s in strings(),
        value in prop::sample::select(&["ALARM", "OK"][..]),
        datapoint in 0.0..1.0e7f64,
    ) {
        let config = all_formats_config_with_prices();
        let event = usage_alarm_event(&s, value, datapoint);
        let backslashes = event.to_string().matches('\\').count();
        let rendered = assert_source_alerts_are_safe(event, &config, backslashes, USAGE_LABELS)?;
        // The alarm and its resolved follow-up both alert on the four routes.
        prop_assert_eq!(rendered, 4);
    }
}

/// GuardDuty's attack sequence of the Bedrock fixture, grown to `n` actors, resources,
/// endpoints and signals (GuardDuty sends up to 100 signals and arrays up to 400), each
/// carrying the case's hostile strings where GuardDuty puts names, descriptions and values.
fn attack_sequence_event(s: &Strings, n: usize, severity: f64) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/events/attack-sequence-bedrock.json"
    );
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture")).unwrap();
    event["detail"]["severity"] = json!(severity);
    let sequence = &mut event["detail"]["service"]["detection"]["sequence"];
    sequence["description"] = json!(s.description);
    let grow = |list: &mut Value, count: usize, edit: &dyn Fn(&mut Value, usize)| {
        let first = list[0].clone();
        *list = Value::Array(
            (0..count)
                .map(|i| {
                    let mut item = first.clone();
                    edit(&mut item, i);
                    item
                })
                .collect(),
        );
    };
    grow(&mut sequence["actors"], n.min(400), &|a, i| {
        a["id"] = json!(format!("a{i}"));
        a["user"]["name"] = json!(s.user_name);
        a["user"]["account"]["account"] = json!(s.asn_org);
    });
    grow(&mut sequence["resources"], n.min(400), &|r, _| {
        r["name"] = json!(s.bucket);
        r["uid"] = json!(s.instance_id);
    });
    grow(&mut sequence["endpoints"], n.min(400), &|e, _| {
        e["location"]["city"] = json!(s.country);
        e["autonomousSystem"]["name"] = json!(s.asn_org);
    });
    grow(&mut sequence["signals"], n.min(100), &|g, i| {
        g["name"] = json!(s.finding_type);
        g["description"] = json!(s.title);
        g["uid"] = json!(format!("{}-{i}", s.id));
    });
    for indicator in sequence["sequenceIndicators"].as_array_mut().unwrap() {
        indicator["values"] = json!([s.api, s.user_agent, s.domain]);
    }
    event
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 64, ..ProptestConfig::default() })]

    /// Any attack sequence (a few signals or GuardDuty's most, every array at its largest,
    /// hostile strings in every name) renders within SNS's limits in every format, with
    /// nothing in it live.
    #[test]
    fn an_attack_sequence_renders_within_limits_whatever_it_holds(
        s in strings(),
        n in prop_oneof![1usize..8, Just(100usize), Just(400usize)],
        severity in 7.0..=10.0f64,
    ) {
        let config = all_formats_config();
        let event = attack_sequence_event(&s, n, severity);
        let backslashes = event.to_string().matches('\\').count();
        let rendered = assert_source_alerts_are_safe(event, &config, backslashes, &[])?;
        // The sequence alerts on the four routes: the invariants were checked on something.
        prop_assert_eq!(rendered, 4);
    }
}

/// A digest entry whose every string is hostile.
fn digest_entry() -> impl Strategy<Value = watchpost_core::render::digest::DigestEntry> {
    (
        (text(), text(), text(), text(), text()),
        (text(), text(), 0u8..4, 0i64..10_000, any::<bool>()),
    )
        .prop_map(
            |(
                (finding_type, account, about, subject, finding_id),
                (component, region, band, at, incident),
            )| {
                watchpost_core::render::digest::DigestEntry {
                    route: String::new(),
                    member: String::new(),
                    at: 1_772_442_000 + at,
                    severity: [
                        watchpost_core::SeverityLabel::Low,
                        watchpost_core::SeverityLabel::Medium,
                        watchpost_core::SeverityLabel::High,
                        watchpost_core::SeverityLabel::Critical,
                    ][usize::from(band)],
                    component,
                    finding_type,
                    account,
                    region,
                    about,
                    subject,
                    finding_id,
                    incident: incident.then(|| "WP-0123456789".to_owned()),
                    link: None,
                }
            },
        )
}

/// The bold labels of Watchpost's own on a digest card.
const DIGEST_LABELS: &[&str] = &[
    "By component",
    "By finding type",
    "By account",
    "By principal or resource",
    "Worst first",
    "Finding ids",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any digest (hostile strings in every field, up to 450 alerts) is within SNS's limits in
    /// every format, links and mentions nothing from its alerts, and carries every alert: each
    /// is in exactly one part of the machines' digest.
    #[test]
    fn a_digest_of_any_alerts_is_safe_and_drops_none(
        entries in prop::collection::vec(digest_entry(), 1..450),
    ) {
        let entries: Vec<_> = entries
            .into_iter()
            .enumerate()
            .map(|(n, mut e)| {
                e.member = format!("member-{n}");
                e
            })
            .collect();
        let config = all_formats_config();
        for route in &config.routes {
            let parts = watchpost_core::render::digest::render_digest(route, &entries, 3_600, 1_772_445_600);
            prop_assert!(parts.len() >= entries.len().div_ceil(200));
            for part in &parts {
                prop_assert!(part.subject.chars().count() <= SUBJECT_MAX_CHARS);
                prop_assert!(part.subject.chars().all(|c| c == ' ' || c.is_ascii_graphic()));
                prop_assert!(part.message.len() <= MESSAGE_MAX_BYTES);
                prop_assert_eq!(&part.attributes["alert_kind"], "digest");
                for (key, value) in &part.attributes {
                    prop_assert!(!value.trim().is_empty() && !value.chars().any(char::is_control), "{key}: {value:?}");
                }
                match part.format {
                    Format::Text => {
                        prop_assert!(!part.message.chars().any(|c| c.is_control() && c != '\n'));
                        prop_assert_eq!(linkable(&part.message), None);
                    }
                    // The config refuses a digest on a pager's route.
                    Format::Json | Format::Pagerduty | Format::Opsgenie => {}
                    Format::Chat => {
                        let card: Value = serde_json::from_str(&part.message).expect("card parses");
                        let checked = check_custom_notification(&card);
                        prop_assert!(checked.is_ok(), "{checked:?}");
                        let client = if route.name == "teams" { ChatClient::Teams } else { ChatClient::Slack };
                        let backslashes = entries
                            .iter()
                            .map(|e| format!("{}{}{}{}{}{}{}", e.finding_type, e.account, e.about, e.subject, e.finding_id, e.component, e.region))
                            .filter(|all| all.contains('\\'))
                            .count();
                        for field in [&card["content"]["description"], &card["content"]["title"], &card["metadata"]["summary"]] {
                            assert_card_text_is_safe_with(client, field.as_str().expect("text"), &[], backslashes, DIGEST_LABELS)?;
                        }
                    }
                }
            }
            if route.format == Format::Json {
                let mut carried: Vec<String> = parts
                    .iter()
                    .flat_map(|p| {
                        let doc: Value = serde_json::from_str(&p.message).expect("JSON parses");
                        doc["items"].as_array().expect("items").iter().map(|i| i["member"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
                    })
                    .collect();
                carried.sort();
                let mut members: Vec<String> = entries.iter().map(|e| e.member.clone()).collect();
                members.sort();
                prop_assert_eq!(carried, members, "a digest never drops an alert");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// An incident's resolution, whatever its alerts said it was about and whoever resolves
    /// it, fits SNS and links and mentions nothing of theirs.
    #[test]
    fn a_resolution_says_nothing_live(about in text(), by in text(), alerts in 1u32..10_000) {
        let incident = watchpost_core::incident::IncidentRecord {
            id: "WP-0123456789".into(),
            about,
            opened_at: 1_772_442_000,
            last_at: 1_772_445_000,
            band: watchpost_core::SeverityLabel::High,
            band_by: String::new(),
            opened_by: String::new(),
            members: Vec::new(),
            alerts,
            alarm: None,
            resolved_at: None,
            resolved_by: None,
            anchor: String::new(),
            keys: Vec::new(),
            routes: Vec::new(),
            version: 0,
        };
        for route in &every_format_config().routes {
            let told = watchpost_core::render::resolution::render_resolution(&incident, route, &by, 1_772_446_000);
            prop_assert!(told.subject.chars().count() <= SUBJECT_MAX_CHARS);
            prop_assert!(told.subject.chars().all(|c| c == ' ' || c.is_ascii_graphic()));
            prop_assert_eq!(linkable(&told.subject), None);
            prop_assert!(told.message.len() <= MESSAGE_MAX_BYTES);
            match told.format {
                Format::Text => {
                    prop_assert!(!told.message.chars().any(|c| c.is_control() && c != '\n'));
                    prop_assert_eq!(linkable(&told.message), None);
                }
                Format::Json => {
                    let doc: Value = serde_json::from_str(&told.message).expect("JSON parses");
                    prop_assert_eq!(doc["incident"]["key"].as_str(), Some("WP-0123456789"));
                }
                // The page the incident opened, closed by its key.
                Format::Pagerduty | Format::Opsgenie => {
                    let page: Value = serde_json::from_str(&told.message).expect("page parses");
                    let checked = match told.format {
                        Format::Pagerduty => check_pagerduty_event(&page),
                        _ => check_opsgenie_close(&page),
                    };
                    prop_assert!(checked.is_ok(), "{checked:?}");
                    if told.format == Format::Pagerduty {
                        prop_assert_eq!(page["event_action"].as_str(), Some("resolve"));
                        prop_assert_eq!(page["dedup_key"].as_str(), Some("WP-0123456789"));
                    }
                    pager_text_is_safe(&page, &Links::default())?;
                }
                Format::Chat => {
                    let card: Value = serde_json::from_str(&told.message).expect("card parses");
                    let checked = check_custom_notification(&card);
                    prop_assert!(checked.is_ok(), "{checked:?}");
                    let client = if route.name == "teams" { ChatClient::Teams } else { ChatClient::Slack };
                    let backslashes = usize::from(incident.about.contains('\\') || by.contains('\\'));
                    for field in [&card["content"]["description"], &card["content"]["title"], &card["metadata"]["summary"]] {
                        assert_card_text_is_safe_with(client, field.as_str().expect("text"), &[], backslashes, &["Incident", "About", "Alerts"])?;
                    }
                }
            }
        }
    }
}
