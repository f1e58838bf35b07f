//! The follow-up alert a finished Detective investigation sends: Detective's verdict (severity,
//! status, indicators) tied to the original alert — the same chat thread (`threadId` is the
//! alert key) and the original subject quoted. Pure. Every string that came from Detective
//! describes activity an attacker chose (user agents, locations, API names): it is clipped,
//! stripped of control characters, defanged and, in chat, written in the route's chat client's
//! markdown like a finding's strings. The enricher's sweep sends it; whoever reads the topics
//! (the end-to-end tests) reads it back.

use std::collections::BTreeMap;

use crate::component::NOT_AI;
use crate::config::{Format, MESSAGE_ATTRIBUTES, Route};
use crate::render::chat::{self, SUMMARY_MAX_CHARS, TITLE_MAX_CHARS};
use crate::render::markdown::Markdown;
use crate::render::{MESSAGE_MAX_BYTES, RenderedAlert, SUBJECT_MAX_CHARS};
use crate::render::{incident, pager};
use crate::severity::SeverityLabel;
use crate::text::{clip, clip_ascii, clip_then_defang, defang, defuse_mentions};
use serde_json::json;

/// What Detective says about an investigation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InvestigationReport {
    pub id: String,
    pub entity_arn: String,
    /// `RUNNING`, `SUCCESSFUL` or `FAILED`.
    pub status: String,
    /// `ACTIVE` or `ARCHIVED`.
    pub state: String,
    /// `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`.
    pub severity: Option<String>,
    pub indicators: Vec<Indicator>,
}

impl InvestigationReport {
    /// Whether Detective has finished with it.
    pub fn is_finished(&self) -> bool {
        self.status != "RUNNING"
    }
}

/// One indicator of compromise, flattened to what an alert shows. Every string came from
/// Detective, which took it from the activity it saw: attacker-influenced.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Detective's indicator type, e.g. `TTP_OBSERVED`, `IMPOSSIBLE_TRAVEL`.
    pub kind: String,
    /// A one-line summary of its detail.
    pub detail: String,
}

/// An investigation Watchpost started (or reused), awaiting its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenInvestigation {
    pub investigation_id: String,
    pub graph_arn: String,
    pub entity_arn: String,
    /// The alert it belongs to ([`crate::state::alert_key`]).
    pub alert_key: String,
    /// The original alert's subject.
    pub subject: String,
    pub routes: Vec<String>,
    pub started_at: i64,
    /// The message attributes the alert carried that describe its finding
    /// ([`crate::render::finding_attributes`]): the follow-up carries them again.
    pub alert_attributes: BTreeMap<String, String>,
}

/// Indicators a follow-up lists; Detective may report many more.
const INDICATORS_MAX: usize = 20;
const INDICATOR_MAX_CHARS: usize = 300;
const FIELD_MAX_CHARS: usize = 200;

/// Renders the follow-up of `investigation` for one route.
pub fn render_followup(
    open: &OpenInvestigation,
    report: &InvestigationReport,
    route: &Route,
) -> RenderedAlert {
    let format = route.format;
    let severity = report
        .severity
        .as_deref()
        .map_or("UNKNOWN".to_owned(), |s| clip_ascii(s, 20));
    let status = clip_ascii(&report.status, 20);
    let state = clip_ascii(&report.state, 20);
    let original = original_subject(open);
    let subject = clip_ascii(
        &format!("[Detective {severity}] follow-up: {original}"),
        SUBJECT_MAX_CHARS,
    );
    let id = clip(&open.investigation_id, FIELD_MAX_CHARS);
    let entity = clip(&open.entity_arn, FIELD_MAX_CHARS);
    let key = clip(&open.alert_key, FIELD_MAX_CHARS);
    let thread = open
        .alert_attributes
        .get("incident")
        .filter(|incident| incident.as_str() != crate::render::NO_INCIDENT)
        .unwrap_or(&key);
    let md = Markdown::new(route.chat_client());
    let indicators: Vec<(String, String)> = report
        .indicators
        .iter()
        .take(INDICATORS_MAX)
        .map(|i| {
            (
                clip_ascii(&i.kind, 40),
                clip(&i.detail, INDICATOR_MAX_CHARS),
            )
        })
        .collect();
    let more = report.indicators.len().saturating_sub(INDICATORS_MAX);

    let message = match format {
        Format::Text => {
            let (entity, id, key) = (defang(&entity), defang(&id), defang(&key));
            let mut text = format!(
                "Amazon Detective finished investigating {entity}, for the alert \"{original}\".\n\n\
                 Verdict: {severity} (investigation {status}, {state})\nInvestigation: {id}\nAlert key: {key}\n"
            );
            if indicators.is_empty() {
                text.push_str("\nIndicators: none reported.\n");
            } else {
                text.push_str("\nIndicators:\n");
                for (kind, detail) in &indicators {
                    text.push_str(&format!("- {kind}: {}\n", defang(detail)));
                }
                if more > 0 {
                    text.push_str(&format!("- … and {more} more in Detective\n"));
                }
            }
            text.push_str("\nOpen the investigation in the Amazon Detective console to review it.\n");
            text
        }
        Format::Json => json!({
            "kind": "watchpost.followup",
            "alert_key": key,
            "original_subject": original,
            "investigation": {
                "id": id,
                "entity_arn": entity,
                "status": status,
                "state": state,
                "severity": severity,
                "indicators": indicators.iter().map(|(kind, detail)| json!({"type": kind, "detail": detail})).collect::<Vec<_>>(),
                "indicators_omitted": more,
            },
        })
        .to_string(),
        // Written below, from the pieces above.
        Format::Pagerduty | Format::Opsgenie => String::new(),
        Format::Chat => {
            let mut lines = vec![
                format!("{} {}", md.bold("Follow-up to"), md.text(&original, FIELD_MAX_CHARS)),
                format!(
                    "{} {} · {} {} · {} {}",
                    md.bold("Verdict"),
                    md.code(&severity, 40),
                    md.bold("Status"),
                    md.code(&status, 40),
                    md.bold("State"),
                    md.code(&state, 40)
                ),
                format!("{} {}", md.bold("Entity"), md.code(&entity, FIELD_MAX_CHARS)),
                format!("{} {}", md.bold("Investigation"), md.code(&id, FIELD_MAX_CHARS)),
            ];
            for (kind, detail) in &indicators {
                lines.push(format!(
                    "• {}: {}",
                    md.code(kind, 60),
                    md.text(detail, INDICATOR_MAX_CHARS)
                ));
            }
            if more > 0 {
                lines.push(format!("• … and {more} more in Detective"));
            }
            let closing = md.italic(&md.text(
                "Open the investigation in the Amazon Detective console to review it.",
                100,
            ));
            json!({
                "version": "1.0",
                "source": "custom",
                "id": defuse_mentions(&id, chat::ID_MAX_CHARS),
                "content": {
                    "textType": "client-markdown",
                    "title": md.text(&subject, TITLE_MAX_CHARS),
                    "description": chat::description(md.client(), lines, &closing),
                    "keywords": [chat::keyword(&severity), "detective", "follow-up"],
                },
                "metadata": {
                    // The original alert's thread: its incident's, when it had one.
                    "threadId": defuse_mentions(thread, chat::ID_MAX_CHARS),
                    "summary": md.text(&subject, SUMMARY_MAX_CHARS),
                    "eventType": "watchpost.followup",
                    "relatedResources": [defuse_mentions(&entity, chat::RELATED_RESOURCE_MAX_CHARS)],
                },
            })
            .to_string()
        }
    };
    let message = match format {
        Format::Pagerduty | Format::Opsgenie => {
            // Pagers take longer text than a subject: the original subject whole, with its
            // incident's key.
            let summary = format!("[Detective {severity}] follow-up: {original}");
            pager_followup(format, thread, &summary, &severity, &indicators)
        }
        _ => message,
    };
    let attributes = attributes(open, &severity, &status, format);
    // Bounded pieces keep it far below the limit; stay safe anyway.
    let truncated = message.len() > MESSAGE_MAX_BYTES / 2;
    RenderedAlert {
        route: route.name.clone(),
        format,
        subject,
        message: if truncated {
            message.chars().take(MESSAGE_MAX_BYTES / 8).collect()
        } else {
            message
        },
        attributes,
        truncated,
    }
}

/// The original alert's subject, as its readers saw it. Subjects are defanged already; a
/// stored one from before is defanged here. One remembered without its incident's key (before
/// incidents, or by a caller that wrote the subject before joining the incident) gets the key
/// the way [`crate::render::subject`] gives it, so that the follow-up quotes the subject the
/// alert carried.
fn original_subject(open: &OpenInvestigation) -> String {
    let stored = defang(&clip(&open.subject, SUBJECT_MAX_CHARS));
    let incident = open
        .alert_attributes
        .get("incident")
        .filter(|key| key.as_str() != crate::render::NO_INCIDENT);
    match incident {
        Some(key) if !stored.ends_with(&format!("[{key}]")) => {
            let tag = format!(" [{}]", clip_ascii(key, incident::KEY_MAX_CHARS));
            let room = SUBJECT_MAX_CHARS.saturating_sub(tag.chars().count());
            format!("{}{tag}", clip_then_defang(&stored, room, clip_ascii))
        }
        _ => stored,
    }
}

/// A pager's follow-up: the same page (its key is the alert's incident, or its thread), which
/// the pager folds into the open alert rather than paging again; Detective's verdict in its
/// summary and details.
fn pager_followup(
    format: Format,
    key: &str,
    subject: &str,
    verdict: &str,
    indicators: &[(String, String)],
) -> String {
    let band = match verdict {
        "CRITICAL" => SeverityLabel::Critical,
        "HIGH" => SeverityLabel::High,
        "MEDIUM" => SeverityLabel::Medium,
        _ => SeverityLabel::Low,
    };
    let key = defuse_mentions(key, pager::PAGERDUTY_DEDUP_KEY_MAX_CHARS);
    let listed: Vec<String> = indicators
        .iter()
        .map(|(kind, detail)| format!("{kind}: {}", defuse_mentions(detail, INDICATOR_MAX_CHARS)))
        .collect();
    match format {
        Format::Opsgenie => json!({
            "message": defuse_mentions(subject, pager::OPSGENIE_MESSAGE_MAX_CHARS),
            "alias": key,
            "description": listed.join("\n"),
            "tags": ["watchpost", "detective", "follow-up"],
            "source": "Watchpost",
            "priority": pager::opsgenie_priority(band),
        }),
        _ => json!({
            "event_action": "trigger",
            "dedup_key": key,
            "payload": {
                "summary": defuse_mentions(subject, pager::PAGERDUTY_SUMMARY_MAX_CHARS),
                "source": "Watchpost",
                "severity": pager::pagerduty_severity(band),
                "custom_details": { "indicators": listed },
            },
            "client": "Watchpost",
        }),
    }
    .to_string()
}

/// The follow-up's SNS message attributes: the names every alert carries, with the values its
/// alert carried (a subscription that let the alert through lets its follow-up through), the
/// kind `followup`, the route's format, and Detective's status besides.
fn attributes(
    open: &OpenInvestigation,
    verdict: &str,
    status: &str,
    format: Format,
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    for name in MESSAGE_ATTRIBUTES {
        let value = match *name {
            "alert_kind" => "followup".to_owned(),
            "format" => format.as_str().to_owned(),
            // An entry remembered before follow-ups carried their alert's attributes.
            _ => open
                .alert_attributes
                .get(*name)
                .map(|v| clip_ascii(v, 256))
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| fallback(name, verdict)),
        };
        attributes.insert((*name).to_owned(), value);
    }
    attributes.insert("investigation_status".to_owned(), status.to_owned());
    attributes
}

/// An attribute's value when the alert's is not known: the verdict on Watchpost's scale for
/// the severity, and what an alert says when its finding does not say.
fn fallback(name: &str, verdict: &str) -> String {
    match name {
        "severity" => match verdict {
            "CRITICAL" | "HIGH" | "MEDIUM" => verdict.to_owned(),
            _ => SeverityLabel::Low.as_str().to_owned(),
        },
        "component" => NOT_AI.to_owned(),
        // Only real findings are investigated.
        "sample" => "false".to_owned(),
        "incident" => crate::render::NO_INCIDENT.to_owned(),
        _ => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ChatClient;

    fn sample() -> (OpenInvestigation, InvestigationReport) {
        let open = OpenInvestigation {
            investigation_id: "inv-1".into(),
            graph_arn: "arn:aws:detective:us-east-1:123456789012:graph:g".into(),
            entity_arn: "arn:aws:iam::123456789012:user/alice".into(),
            alert_key: "123456789012/us-east-1/abc".into(),
            subject: "[HIGH] model-invocation: Impact:IAMUser/AnomalousModelInvocation on alice"
                .into(),
            routes: vec!["chat".into()],
            started_at: 0,
            alert_attributes: BTreeMap::from(
                [
                    ("account", "123456789012"),
                    ("component", "model-invocation"),
                    ("finding_type", "Impact:IAMUser/AnomalousModelInvocation"),
                    ("region", "us-east-1"),
                    ("sample", "false"),
                    ("severity", "HIGH"),
                ]
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
            ),
        };
        let report = InvestigationReport {
            id: "inv-1".into(),
            entity_arn: open.entity_arn.clone(),
            status: "SUCCESSFUL".into(),
            state: "ACTIVE".into(),
            severity: Some("HIGH".into()),
            indicators: vec![
                Indicator {
                    kind: "NEW_USER_AGENT".into(),
                    detail: "ua\u{202e}evil\n@channel [x](http://e)".into(),
                },
                Indicator {
                    kind: "IMPOSSIBLE_TRAVEL".into(),
                    detail: "Paris → Sydney".into(),
                },
            ],
        };
        (open, report)
    }

    fn route(format: Format, chat_client: Option<ChatClient>) -> Route {
        Route {
            name: "r".into(),
            format,
            chat_client,
            ..Route::default_route()
        }
    }

    #[test]
    fn chat_follow_up_lands_in_the_original_thread_and_is_escaped() {
        let (open, report) = sample();
        for client in [ChatClient::Slack, ChatClient::Teams] {
            let alert = render_followup(&open, &report, &route(Format::Chat, Some(client)));
            let doc: serde_json::Value = serde_json::from_str(&alert.message).unwrap();
            assert_eq!(chat::check_custom_notification(&doc), Ok(()));
            assert_eq!(doc["metadata"]["threadId"], "123456789012/us-east-1/abc");
            let description = doc["content"]["description"].as_str().unwrap();
            assert!(description.contains("Follow-up to"), "{description}");
            assert!(!description.contains('\u{202e}'));
            assert!(!description.contains("[x](http"), "{description}");
            assert!(!description.contains("http://"), "{description}");
            assert!(alert.subject.len() < 100 && alert.subject.is_ascii());
        }
    }

    #[test]
    fn chat_follow_up_speaks_each_clients_markdown() {
        let (open, report) = sample();
        let card = |client| {
            let alert = render_followup(&open, &report, &route(Format::Chat, Some(client)));
            let doc: serde_json::Value = serde_json::from_str(&alert.message).unwrap();
            doc["content"]["description"].as_str().unwrap().to_owned()
        };
        let slack = card(ChatClient::Slack);
        assert!(
            slack.contains("• `IMPOSSIBLE_TRAVEL`: Paris → Sydney"),
            "{slack}"
        );
        assert!(slack.contains("＠channel [x](hxxp://e)"), "{slack}");
        assert!(!slack.contains('\\'), "{slack}");
        let teams = card(ChatClient::Teams);
        assert!(
            teams.contains("• IMPOSSIBLE\\_TRAVEL: Paris → Sydney"),
            "{teams}"
        );
        assert!(teams.contains("\\[x\\]\\(hxxp://e\\)"), "{teams}");
        assert!(teams.contains("**Follow-up to**"), "{teams}");
    }

    #[test]
    fn text_follow_up_quotes_the_original_subject_and_lists_indicators() {
        let (open, report) = sample();
        let alert = render_followup(&open, &report, &route(Format::Text, None));
        assert!(alert.message.contains(&open.subject));
        assert!(
            alert
                .message
                .contains("- IMPOSSIBLE_TRAVEL: Paris → Sydney")
        );
        assert!(alert.message.contains("[x](hxxp://e)"), "{}", alert.message);
        assert!(alert.message.lines().all(|l| !l.contains('\u{202e}')));
        assert_eq!(alert.attributes["alert_kind"], "followup");
        assert_eq!(alert.attributes["sample"], "false");
    }

    #[test]
    fn a_follow_up_carries_the_attributes_its_alert_did_on_the_same_scale() {
        // Every subscription that let the alert through must let its follow-up through: the
        // same attribute names, the alert's values, a severity on Watchpost's scale whatever
        // Detective's verdict.
        let (open, mut report) = sample();
        report.severity = Some("INFORMATIONAL".into());
        let alert = render_followup(&open, &report, &route(Format::Json, None));
        for name in crate::config::MESSAGE_ATTRIBUTES {
            assert!(
                alert.attributes.contains_key(*name),
                "{name}: {:?}",
                alert.attributes
            );
        }
        assert!(
            ["LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&alert.attributes["severity"].as_str()),
            "{:?}",
            alert.attributes
        );
        // The alert's own values, whatever Detective found.
        for (name, value) in &open.alert_attributes {
            assert_eq!(&alert.attributes[name], value, "{name}");
        }
        assert_eq!(alert.attributes["alert_kind"], "followup");
        assert_eq!(alert.attributes["format"], "json");
        // An entry remembered without them: the verdict on Watchpost's scale, and `unknown`.
        let bare = OpenInvestigation {
            alert_attributes: BTreeMap::new(),
            ..open
        };
        let alert = render_followup(&bare, &report, &route(Format::Json, None));
        assert_eq!(alert.attributes["severity"], "LOW");
        assert_eq!(alert.attributes["account"], "unknown");
    }

    #[test]
    fn a_follow_up_joins_its_incident_thread_and_page() {
        let (mut open, report) = sample();
        open.alert_attributes
            .insert("incident".into(), "WP-00C0FFEE42".into());
        let card = render_followup(&open, &report, &route(Format::Chat, None));
        let card: serde_json::Value = serde_json::from_str(&card.message).unwrap();
        assert_eq!(card["metadata"]["threadId"], "WP-00C0FFEE42");
        let page = render_followup(&open, &report, &route(Format::Pagerduty, None));
        let page: serde_json::Value = serde_json::from_str(&page.message).unwrap();
        assert_eq!(pager::check_pagerduty_event(&page), Ok(()));
        assert_eq!(page["dedup_key"], "WP-00C0FFEE42");
        assert!(!page.to_string().contains("@channel"), "{page}");
        let alert = render_followup(&open, &report, &route(Format::Opsgenie, None));
        let alert: serde_json::Value = serde_json::from_str(&alert.message).unwrap();
        assert_eq!(pager::check_opsgenie_create(&alert), Ok(()));
        assert_eq!(alert["alias"], "WP-00C0FFEE42");
        // The follow-up quotes the subject the alert carried, its incident's key at the end,
        // whether or not the subject was remembered with it.
        assert!(
            page["payload"]["summary"]
                .as_str()
                .unwrap()
                .ends_with(" [WP-00C0FFEE42]")
        );
        let tagged = OpenInvestigation {
            subject: format!("{} [WP-00C0FFEE42]", open.subject),
            ..open.clone()
        };
        assert_eq!(original_subject(&tagged), original_subject(&open));
        // Without an incident, the alert's own thread.
        open.alert_attributes
            .insert("incident".into(), crate::render::NO_INCIDENT.into());
        let card = render_followup(&open, &report, &route(Format::Chat, None));
        let card: serde_json::Value = serde_json::from_str(&card.message).unwrap();
        assert_eq!(card["metadata"]["threadId"], open.alert_key.as_str());
    }
}
