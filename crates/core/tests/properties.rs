//! Property tests: whatever a finding's strings, severity and count, the rendered alerts stay
//! safe for their readers (subject, JSON, chat markdown, SNS size), and the event parser never
//! panics. Case counts are modest so the suite stays fast.

use proptest::prelude::*;
use serde_json::{Value, json};
use watchpost_core::Config;
use watchpost_core::config::Format;
use watchpost_core::event::{Origin, SourcedFinding, deserialize_finding, parse_event};
use watchpost_core::pipeline::evaluate;
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
        },
        "service": {
            "serviceName": "guardduty",
            "archived": false,
            "count": count,
            "eventFirstSeen": "2026-03-02T07:58:41.000Z",
            "eventLastSeen": "2026-03-02T08:09:12.000Z",
            "additionalInfo": { "sample": sample },
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
"#,
        "properties.toml",
    )
    .expect("valid config")
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
        let evaluation = evaluate(SourcedFinding { finding, origin: Origin::GuardDuty }, &config, None, 0);
        prop_assert!(evaluation.is_alert(), "{}", evaluation.decision.reason);
        let alerts = evaluation.render(&config, &Enrichment::default());
        prop_assert_eq!(alerts.len(), 3);
        for alert in &alerts {
            let subject = &alert.subject;
            prop_assert!(subject.chars().count() <= SUBJECT_MAX_CHARS, "subject too long: {subject:?}");
            prop_assert!(
                subject.chars().all(|c| c == ' ' || c.is_ascii_graphic()),
                "subject not printable ASCII: {subject:?}"
            );
            prop_assert!(alert.message.len() <= MESSAGE_MAX_BYTES, "{} message of {} bytes", alert.format.as_str(), alert.message.len());
            for (key, value) in &alert.attributes {
                prop_assert!(!value.chars().any(char::is_control), "attribute {key}: {value:?}");
            }
            match alert.format {
                Format::Text => {
                    // Lines are ours: no carriage returns or other controls from the finding.
                    prop_assert!(
                        !alert.message.chars().any(|c| c.is_control() && c != '\n'),
                        "control character in text message"
                    );
                }
                Format::Json => {
                    let value: Value = serde_json::from_str(&alert.message).expect("JSON message parses");
                    prop_assert_eq!(value["schema"].as_str(), Some("watchpost.alert"));
                }
                Format::Chat => {
                    let value: Value = serde_json::from_str(&alert.message).expect("chat message parses");
                    prop_assert_eq!(value["version"].as_str(), Some("1.0"));
                    prop_assert_eq!(value["source"].as_str(), Some("custom"));
                    prop_assert_eq!(value["content"]["textType"].as_str(), Some("client-markdown"));
                    let description = value["content"]["description"].as_str().expect("description");
                    assert_markdown_defused(description)?;
                    let title = value["content"]["title"].as_str().expect("title");
                    assert_markdown_defused(title)?;
                    for keyword in value["content"]["keywords"].as_array().expect("keywords") {
                        let keyword = keyword.as_str().expect("keyword text");
                        prop_assert!(!keyword.contains(['@', '<', '[', '(']), "keyword {keyword:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn parse_event_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_event(&bytes);
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
        let _ = parse_event(&bytes);
    }

    #[test]
    fn parse_event_never_panics_on_arbitrary_json_in_a_finding_event(value in arbitrary_json(), key in prop::sample::select(&["detail", "detail.resource", "detail.service", "detail.findings"][..])) {
        let mut event = json!({
            "detail-type": if key == "detail.findings" { "Security Hub Findings - Imported" } else { "GuardDuty Finding" },
            "detail": { "schemaVersion": "2.0", "resource": {}, "service": {} },
        });
        match key {
            "detail" => event["detail"] = value,
            "detail.resource" => event["detail"]["resource"] = value,
            "detail.service" => event["detail"]["service"] = value,
            _ => event["detail"]["findings"] = json!([value]),
        }
        let _ = parse_event(event.to_string().as_bytes());
    }
}

/// Markdown from a finding cannot mention anyone or form a link: `@` is replaced, `<` is an
/// entity, and brackets and parentheses are escaped so `](` never forms.
fn assert_markdown_defused(markdown: &str) -> Result<(), TestCaseError> {
    prop_assert!(!markdown.contains('@'), "unescaped @ in {markdown:?}");
    prop_assert!(!markdown.contains("]("), "link syntax in {markdown:?}");
    prop_assert!(
        !markdown.contains("<!") && !markdown.contains("<@"),
        "Slack mention syntax in {markdown:?}"
    );
    Ok(())
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
