//! What a subscriber received, read back the way that subscriber would: the pager and email
//! text, the chat card (AWS Chatbot's custom-notification JSON), the SIEM's JSON document, and
//! the follow-ups the sweep sends in each format. Each message becomes a [`Digest`] (severity,
//! component, subject, evidence, Detective links) so the formats can be compared side by side.
//!
//! Everything here came from a finding or from Detective, so it is attacker-influenced: the
//! digest keeps it as text, and printing it is [`crate::display`]'s job (which escapes control
//! characters). A message that is not what its format promises is reported, not skipped.

use serde_json::Value;
use watchpost_core::config::Format;

use crate::queues::RawMessage;

/// Whether a message is an alert or a follow-up with Detective's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Alert,
    FollowUp,
}

/// A console link the message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// What it opens (`Detective finding`, `Detective AwsUser svc-chat`).
    pub label: String,
    pub url: String,
}

/// A message, summarised the same way whatever its format.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub kind: MessageKind,
    /// The alert's severity label, or a follow-up's verdict (Detective's severity).
    pub severity: String,
    /// The AI component (`none` for other findings); follow-ups have none.
    pub component: Option<String>,
    /// The alert's subject; for a follow-up, the subject of the alert it follows up.
    pub subject: String,
    pub sample: bool,
    /// Why the finding is AI-related; for a follow-up, Detective's indicators.
    pub evidence: Vec<String>,
    /// Detective links (finding and entity profiles).
    pub links: Vec<Link>,
    /// The Detective investigation the message names.
    pub investigation: Option<String>,
}

/// One message in a subscriber's inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub raw: RawMessage,
    /// The body as a JSON document, for the JSON formats.
    pub document: Option<Value>,
    /// The digest, or why the body is not what its format promises.
    pub digest: Result<Digest, String>,
}

impl Received {
    /// Reads `raw` as a message of `format`.
    pub fn read(format: Format, raw: RawMessage) -> Received {
        let followup = raw.attributes.get("alert_kind").map(String::as_str) == Some("followup");
        let (document, digest) = match format {
            Format::Text => (None, Ok(text(&raw.body, followup))),
            _ => match serde_json::from_str::<Value>(&raw.body) {
                Ok(document) => {
                    let digest = match format {
                        Format::Chat => chat(&document),
                        Format::Json => json(&document),
                        _ => pager(&document, followup),
                    };
                    (Some(document), digest)
                }
                Err(err) => (None, Err(format!("not JSON: {err}"))),
            },
        };
        // SNS message attributes are what subscribers filter on: they win over the body.
        let digest = digest.map(|mut d| {
            if let Some(severity) = raw.attributes.get("severity") {
                d.severity = severity.clone();
            }
            if let Some(component) = raw.attributes.get("component") {
                d.component = Some(component.clone());
            }
            if let Some(sample) = raw.attributes.get("sample") {
                d.sample = sample == "true";
            }
            d
        });
        Received {
            raw,
            document,
            digest,
        }
    }

    /// The message attribute `name`, or "".
    pub fn attribute(&self, name: &str) -> &str {
        self.raw.attributes.get(name).map_or("", String::as_str)
    }
}

fn empty(kind: MessageKind) -> Digest {
    Digest {
        kind,
        severity: String::new(),
        component: None,
        subject: String::new(),
        sample: false,
        evidence: Vec::new(),
        links: Vec::new(),
        investigation: None,
    }
}

/// The lines of the section headed `title` (up to the next blank line).
fn section<'a>(body: &'a str, title: &str) -> Vec<&'a str> {
    body.lines()
        .skip_while(|l| *l != title)
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

/// `[HIGH] accelerated-compute: …` → (`HIGH`, `accelerated-compute`).
fn from_subject(subject: &str) -> (String, Option<String>) {
    let rest = subject.strip_prefix("[SAMPLE] ").unwrap_or(subject);
    let Some((severity, rest)) = rest.strip_prefix('[').and_then(|r| r.split_once("] ")) else {
        return (String::new(), None);
    };
    let rest = rest.strip_prefix("(update) ").unwrap_or(rest);
    let component = rest
        .split_once(": ")
        .map(|(c, _)| c)
        .filter(|c| !c.contains(' '))
        .map(str::to_owned);
    (severity.to_owned(), component)
}

/// The email and pager text (`crates/core/src/render/text.rs`, and the text follow-up).
fn text(body: &str, followup: bool) -> Digest {
    if followup {
        let mut digest = empty(MessageKind::FollowUp);
        let first = body.lines().next().unwrap_or_default();
        if let Some((_, quoted)) = first.split_once("for the alert \"") {
            digest.subject = quoted.strip_suffix("\".").unwrap_or(quoted).to_owned();
        }
        for line in body.lines() {
            if let Some(verdict) = line.strip_prefix("Verdict: ") {
                digest.severity = verdict.split(' ').next().unwrap_or_default().to_owned();
            }
            if let Some(id) = line.strip_prefix("Investigation: ") {
                digest.investigation = Some(id.to_owned());
            }
        }
        digest.evidence = section(body, "Indicators:")
            .iter()
            .filter_map(|l| l.strip_prefix("- "))
            .map(str::to_owned)
            .collect();
        return digest;
    }
    let mut digest = empty(MessageKind::Alert);
    digest.sample = body.starts_with("*** GuardDuty SAMPLE");
    digest.subject = body
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with("***"))
        .unwrap_or_default()
        .to_owned();
    let (severity, component) = from_subject(&digest.subject);
    digest.severity = severity;
    digest.component = component;
    digest.evidence = section(body, "Why this is AI-related")
        .iter()
        .filter_map(|l| l.strip_prefix("  - "))
        .map(str::to_owned)
        .collect();
    // `  Detective AwsUser name: https://…`: the URL is the last word (links are percent-encoded).
    digest.links = section(body, "Links")
        .iter()
        .filter(|l| l.trim_start().starts_with("Detective"))
        .filter_map(|l| l.trim().rsplit_once(' '))
        .map(|(label, url)| Link {
            label: label.trim().trim_end_matches(':').to_owned(),
            url: url.to_owned(),
        })
        .collect();
    digest.investigation = section(body, "Enrichment").iter().find_map(|l| {
        l.trim()
            .strip_prefix("Detective investigation ")
            .and_then(|rest| rest.split(' ').next())
            .map(str::to_owned)
    });
    digest
}

/// Reads chat markdown back as the text it shows, in either client's syntax: Teams' backslash
/// escapes dropped, Slack's entities decoded, code spans unwrapped, and the look-alikes Slack
/// cards use for markup characters and mentions (`crates/core/src/render/markdown.rs`) turned
/// back into the characters they stand for.
fn unescape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_punctuation) => {
                out.extend(chars.next());
            }
            '`' => {}
            '\u{2217}' => out.push('*'),
            '\u{02CD}' => out.push('_'),
            '\u{223C}' => out.push('~'),
            '\u{02CB}' => out.push('`'),
            '＠' => out.push('@'),
            '＃' => out.push('#'),
            _ => out.push(c),
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The rest of a line that starts with a bold label, in Slack's (`*Label*`) or Teams'
/// (`**Label**`) syntax.
fn after_label<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.strip_prefix(&format!("**{label}**"))
        .or_else(|| line.strip_prefix(&format!("*{label}*")))
        .map(str::trim_start)
}

/// Console links of chat markdown whose label names Detective: `<url|label>` in Slack,
/// `[label](url)` in Teams.
fn chat_links(description: &str) -> Vec<Link> {
    let mut found = Vec::new();
    let mut rest = description;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find('>') else { break };
        if let Some((url, label)) = rest[..end].split_once('|') {
            found.push((label.to_owned(), url.replace("&amp;", "&")));
        }
        rest = &rest[end + 1..];
    }
    let mut rest = description;
    while let Some(start) = rest.find("](https://") {
        let label = rest[..start].rsplit('[').next().unwrap_or_default();
        let tail = &rest[start + 2..];
        let end = tail.find(')').unwrap_or(tail.len());
        found.push((label.to_owned(), tail[..end].to_owned()));
        rest = &tail[end..];
    }
    found
        .into_iter()
        .filter(|(label, _)| label.contains("Detective"))
        .map(|(label, url)| Link {
            // The chat card links the Detective finding profile as just "Detective".
            label: if label == "Detective" {
                "Detective finding".to_owned()
            } else {
                label
            },
            url,
        })
        .collect()
}

/// An AWS Chatbot custom notification (`crates/core/src/render/chat.rs`, and the chat
/// follow-up): the schema's required fields must be there.
fn chat(document: &Value) -> Result<Digest, String> {
    let problems: Vec<&str> = [
        (document["version"] == "1.0", "version is not \"1.0\""),
        (document["source"] == "custom", "source is not \"custom\""),
        (
            document["content"]["textType"] == "client-markdown",
            "content.textType is not \"client-markdown\"",
        ),
        (document["content"]["title"].is_string(), "no content.title"),
        (
            document["content"]["description"].is_string(),
            "no content.description",
        ),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, problem)| problem)
    .collect();
    if !problems.is_empty() {
        return Err(format!(
            "not an AWS Chatbot custom notification: {}",
            problems.join(", ")
        ));
    }
    let metadata = &document["metadata"];
    let description = document["content"]["description"]
        .as_str()
        .unwrap_or_default();
    let summary = metadata["summary"].as_str().unwrap_or_default();
    if metadata["eventType"] == "watchpost.followup" {
        let mut digest = empty(MessageKind::FollowUp);
        // The description quotes the original subject whole (the summary is clipped).
        digest.subject = description
            .lines()
            .find_map(|l| after_label(l, "Follow-up to"))
            .map(unescape_markdown)
            .unwrap_or_else(|| unescape_markdown(summary));
        digest.severity = document["content"]["keywords"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // `• `TTP_OBSERVED`: detail` (Slack) or `• TTP\_OBSERVED: detail` (Teams)
        digest.evidence = description
            .lines()
            .filter_map(|l| l.strip_prefix("• "))
            .map(unescape_markdown)
            .collect();
        digest.investigation = document["id"].as_str().map(str::to_owned);
        return Ok(digest);
    }
    let mut digest = empty(MessageKind::Alert);
    digest.subject = unescape_markdown(summary);
    let context = &metadata["additionalContext"];
    digest.severity = context["severity"].as_str().unwrap_or_default().to_owned();
    digest.component = context["component"].as_str().map(str::to_owned);
    digest.sample = document["content"]["keywords"]
        .as_array()
        .is_some_and(|k| k.iter().any(|k| k == "sample"));
    digest.evidence = description
        .lines()
        .filter(|l| !l.is_empty())
        .skip_while(|l| after_label(l, "Why AI-related").is_none())
        .skip(1)
        .map_while(|l| l.strip_prefix("• "))
        .map(unescape_markdown)
        .collect();
    digest.links = chat_links(description);
    Ok(digest)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The JSON document for machines (`crates/core/src/render/json.rs`, and the JSON follow-up).
/// A pager's request body (PagerDuty's event or Opsgenie's alert): what it says in one line.
fn pager(document: &Value, followup: bool) -> Result<Digest, String> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let subject = text(&document["payload"]["custom_details"]["subject"])
        .or_else(|| text(&document["payload"]["summary"]))
        .or_else(|| text(&document["message"]))
        .or_else(|| text(&document["note"]))
        .ok_or("neither a PagerDuty event nor an Opsgenie request")?;
    let mut digest = empty(if followup {
        MessageKind::FollowUp
    } else {
        MessageKind::Alert
    });
    digest.subject = subject;
    Ok(digest)
}

fn json(document: &Value) -> Result<Digest, String> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    if document["kind"] == "watchpost.followup" {
        let investigation = &document["investigation"];
        let mut digest = empty(MessageKind::FollowUp);
        digest.subject = text(&document["original_subject"]);
        digest.severity = text(&investigation["severity"]);
        digest.investigation = investigation["id"].as_str().map(str::to_owned);
        digest.evidence = investigation["indicators"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| format!("{}: {}", text(&i["type"]), text(&i["detail"])))
            .collect();
        return Ok(digest);
    }
    if document["schema"] != "watchpost.alert" {
        return Err("neither a watchpost.alert nor a watchpost.followup document".into());
    }
    let mut digest = empty(MessageKind::Alert);
    digest.subject = text(&document["subject"]);
    digest.severity = text(&document["severity"]["label"]);
    digest.component = document["component"].as_str().map(str::to_owned);
    digest.sample = document["sample"] == true;
    digest.evidence = strings(&document["evidence"]);
    let links = &document["links"];
    if let Some(url) = links["detective_finding"].as_str() {
        digest.links.push(Link {
            label: "Detective finding".into(),
            url: url.to_owned(),
        });
    }
    for entity in links["detective_entities"].as_array().into_iter().flatten() {
        digest.links.push(Link {
            label: format!("Detective {}", text(&entity["entity"])),
            url: text(&entity["url"]),
        });
    }
    digest.investigation = document["enrichment"]["investigation_id"]
        .as_str()
        .map(str::to_owned);
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use watchpost_core::Config;
    use watchpost_core::render::RenderedAlert;
    use watchpost_core::render::followup::{
        Indicator, InvestigationReport, OpenInvestigation, render_followup,
    };
    use watchpost_core::replay::{Replay, split_events};

    use super::*;

    fn root() -> std::path::PathBuf {
        watchpost_localaws::workspace_root()
    }

    /// The demo findings' alerts, rendered by the core as the enricher renders them.
    fn rendered() -> Vec<RenderedAlert> {
        let config = Config::load(&root().join("infra/watchpost.demo.toml")).unwrap();
        let bytes = std::fs::read(root().join("infra/demo/findings.jsonl")).unwrap();
        let mut replay = Replay::new(&config, 1_772_442_000).with_rendered_alerts(true);
        split_events("findings.jsonl", &bytes)
            .into_iter()
            .flat_map(|e| replay.process(e))
            .flat_map(|r| r.alerts.unwrap_or_default())
            .collect()
    }

    fn received(alert: &RenderedAlert) -> Received {
        Received::read(
            alert.format,
            RawMessage {
                body: alert.message.clone(),
                attributes: alert.attributes.clone(),
                sent_ms: 0,
            },
        )
    }

    #[test]
    fn every_format_reads_back_to_the_same_digest() {
        let alerts = rendered();
        let gpu: Vec<&RenderedAlert> = alerts
            .iter()
            .filter(|a| a.subject.contains("BitcoinTool"))
            .collect();
        assert_eq!(gpu.len(), 4, "one per route");
        let digests: Vec<Digest> = gpu.iter().map(|a| received(a).digest.unwrap()).collect();
        for digest in &digests {
            assert_eq!(digest.kind, MessageKind::Alert);
            assert_eq!(digest.severity, "HIGH");
            assert_eq!(digest.component.as_deref(), Some("accelerated-compute"));
            assert_eq!(digest.subject, gpu[0].subject);
            assert_eq!(
                digest.evidence,
                ["accelerated-compute: instance type p4d.24xlarge"]
            );
            assert!(!digest.sample);
            assert!(
                digest.links.iter().any(|l| l.label == "Detective finding"
                    && l.url
                        .starts_with("https://console.aws.amazon.com/detective/")),
                "{digest:?}"
            );
        }
    }

    #[test]
    fn entity_links_and_samples_are_read_from_each_format() {
        let alerts = rendered();
        for alert in alerts
            .iter()
            .filter(|a| a.subject.contains("svc-chat-frontend"))
        {
            let digest = received(alert).digest.unwrap();
            if alert.format != Format::Chat {
                assert!(
                    digest
                        .links
                        .iter()
                        .any(|l| l.label.contains("svc-chat-frontend")),
                    "{:?}: {digest:?}",
                    alert.format
                );
            }
            assert_eq!(digest.evidence.len(), 4, "{digest:?}");
        }
        let samples: Vec<Digest> = alerts
            .iter()
            .filter(|a| a.subject.starts_with("[SAMPLE]"))
            .map(|a| received(a).digest.unwrap())
            .collect();
        assert_eq!(samples.len(), 3);
        assert!(samples.iter().all(|d| d.sample));
    }

    #[test]
    fn the_subject_tells_severity_and_component_without_attributes() {
        let alert = &rendered()[0];
        let mut raw = RawMessage {
            body: alert.message.clone(),
            attributes: BTreeMap::new(),
            sent_ms: 0,
        };
        let digest = Received::read(Format::Text, raw.clone()).digest.unwrap();
        assert_eq!(digest.severity, "HIGH");
        assert_eq!(digest.component.as_deref(), Some("accelerated-compute"));
        raw.body = "no subject here".into();
        let digest = Received::read(Format::Text, raw).digest.unwrap();
        assert_eq!(digest.severity, "");
        assert_eq!(digest.component, None);
    }

    #[test]
    fn a_chat_message_that_is_not_a_chatbot_card_is_reported() {
        let raw = |body: &str| RawMessage {
            body: body.into(),
            attributes: BTreeMap::new(),
            sent_ms: 0,
        };
        let not_json = Received::read(Format::Chat, raw("[HIGH] plain text"));
        assert!(not_json.digest.unwrap_err().starts_with("not JSON"));
        let wrong = Received::read(Format::Chat, raw(r#"{"version":"2.0","source":"custom"}"#));
        let err = wrong.digest.unwrap_err();
        assert!(err.contains("version is not"), "{err}");
        assert!(err.contains("no content.title"), "{err}");
        let siem = Received::read(Format::Json, raw(r#"{"schema":"other"}"#));
        assert!(siem.digest.is_err());
    }

    #[test]
    fn follow_ups_read_back_in_every_format() {
        let open = OpenInvestigation {
            investigation_id: "inv-0123".into(),
            graph_arn: "arn:aws:detective:us-east-1:123456789012:graph:g".into(),
            entity_arn: "arn:aws:iam::123456789012:user/svc-chat-frontend".into(),
            alert_key: "123456789012/us-east-1/c4e2".into(),
            subject: "[HIGH] model-invocation: Impact:IAMUser/AnomalousModelInvocation on svc-chat-frontend".into(),
            routes: vec!["pager".into()],
            started_at: 0,
            alert_attributes: Default::default(),
        };
        let report = InvestigationReport {
            id: "inv-0123".into(),
            entity_arn: open.entity_arn.clone(),
            status: "SUCCESSFUL".into(),
            state: "ACTIVE".into(),
            severity: Some("CRITICAL".into()),
            indicators: vec![Indicator {
                kind: "TTP_OBSERVED".into(),
                detail: "InvokeModel from 198.51.100.7".into(),
            }],
        };
        for format in [Format::Text, Format::Chat, Format::Json] {
            let route = watchpost_core::config::Route {
                format,
                ..watchpost_core::config::Route::default_route()
            };
            let rendered = render_followup(&open, &report, &route);
            let digest = received(&rendered).digest.unwrap();
            assert_eq!(digest.kind, MessageKind::FollowUp, "{format:?}");
            assert_eq!(digest.subject, open.subject, "{format:?}");
            assert_eq!(digest.severity, "CRITICAL", "{format:?}");
            assert_eq!(
                digest.investigation.as_deref(),
                Some("inv-0123"),
                "{format:?}"
            );
            assert_eq!(
                digest.evidence,
                ["TTP_OBSERVED: InvokeModel from 198.51.100.7"],
                "{format:?}"
            );
        }
    }
}
