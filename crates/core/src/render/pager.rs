//! The alert as a pager's own request body: a PagerDuty Events API v2 event (`pagerduty`) or an
//! Opsgenie Alert API request (`opsgenie`), sent as it is by an EventBridge pipe reading the
//! route's topic through an SQS queue (docs/how-it-works.md, "Pagers", says how to connect
//! each). The incident's key is PagerDuty's `dedup_key` and Opsgenie's `alias`: an incident is
//! one page, its escalations re-trigger that page at a higher severity, its resolution resolves
//! it. Without incidents, the finding's thread is the key (a usage alarm's return to band
//! resolves the page its alarm opened).
//!
//! Pagers show their text to people on phones, in mail and in chat: every string from a
//! finding is clipped, defanged and stripped of mentions (`@here`), as in the other formats
//! for people; the only links are the consoles Watchpost builds. Also the checks every body
//! passes ([`check_pagerduty_event`], [`check_opsgenie_create`], [`check_opsgenie_close`]): the
//! fields, values and lengths each API documents.

use serde_json::{Map, Value, json};

use super::{AlertInput, chat, incident, next_steps};
use crate::component::NOT_AI;
use crate::config::Format;
use crate::finding::Observation;
use crate::incident::IncidentKind;
use crate::severity::SeverityLabel;
use crate::text::{clip_ascii, defuse_mentions};

// PagerDuty Events API v2 ("Send an Alert Event", the PD-CEF fields).

/// `payload.summary`: "a brief text summary of the event … Maximum length is 1024 characters."
pub const PAGERDUTY_SUMMARY_MAX_CHARS: usize = 1024;
/// `dedup_key`: "Maximum length is 255 characters."
pub const PAGERDUTY_DEDUP_KEY_MAX_CHARS: usize = 255;
/// `event_action`: the three actions the API takes.
pub const PAGERDUTY_ACTIONS: [&str; 3] = ["trigger", "acknowledge", "resolve"];
/// `payload.severity`: the four severities the API takes.
pub const PAGERDUTY_SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];
/// A whole event is at most 512 KB.
pub const PAGERDUTY_EVENT_MAX_BYTES: usize = 512 * 1024;
/// The integration (routing) key: 32 characters. Watchpost never writes it: the pipe that
/// sends the event adds it (it stays out of the topic's messages).
pub const PAGERDUTY_ROUTING_KEY_CHARS: usize = 32;

// Opsgenie Alert API ("Create Alert", "Close Alert").

pub const OPSGENIE_MESSAGE_MAX_CHARS: usize = 130;
pub const OPSGENIE_ALIAS_MAX_CHARS: usize = 512;
pub const OPSGENIE_DESCRIPTION_MAX_CHARS: usize = 15_000;
pub const OPSGENIE_TAGS_MAX: usize = 20;
pub const OPSGENIE_TAG_MAX_CHARS: usize = 50;
/// `details`: custom properties, 8,000 characters in total (keys and values).
pub const OPSGENIE_DETAILS_MAX_CHARS: usize = 8_000;
pub const OPSGENIE_ENTITY_MAX_CHARS: usize = 512;
pub const OPSGENIE_SOURCE_MAX_CHARS: usize = 100;
pub const OPSGENIE_USER_MAX_CHARS: usize = 100;
pub const OPSGENIE_NOTE_MAX_CHARS: usize = 25_000;
pub const OPSGENIE_PRIORITIES: [&str; 5] = ["P1", "P2", "P3", "P4", "P5"];

/// Who the pagers say sent the alert.
const SOURCE: &str = "Watchpost";
/// Bounds of the finding's strings in a page's details.
const VALUE_MAX_CHARS: usize = 300;
const EVIDENCE_SHOWN: usize = 8;
const LINK_TEXT_MAX_CHARS: usize = 60;

/// Whether the alert opens (or re-triggers) its page, or closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Open,
    Close,
}

/// What the alert does to its page: its incident's kind, or without incidents, whether it is a
/// usage alarm back in band.
fn action(input: &AlertInput<'_>) -> Action {
    let closes = match &input.enrichment.incident {
        Some(view) => view.kind == IncidentKind::Resolved,
        None => matches!(input.observation, Some(Observation::Usage(change)) if change.resolved),
    };
    if closes { Action::Close } else { Action::Open }
}

/// The page's key: the incident's, or without incidents the finding's thread.
fn page_key(input: &AlertInput<'_>) -> String {
    defuse_mentions(&chat::thread_id(input), PAGERDUTY_DEDUP_KEY_MAX_CHARS)
}

/// PagerDuty's severity for a band.
pub fn pagerduty_severity(band: SeverityLabel) -> &'static str {
    match band {
        SeverityLabel::Critical => "critical",
        SeverityLabel::High => "error",
        SeverityLabel::Medium => "warning",
        SeverityLabel::Low => "info",
    }
}

/// Opsgenie's priority for a band (P5, informational, is never Watchpost's).
pub fn opsgenie_priority(band: SeverityLabel) -> &'static str {
    match band {
        SeverityLabel::Critical => "P1",
        SeverityLabel::High => "P2",
        SeverityLabel::Medium => "P3",
        SeverityLabel::Low => "P4",
    }
}

/// The band a page shows: its incident's (the highest of its alerts), or the alert's own.
fn band(input: &AlertInput<'_>) -> SeverityLabel {
    input
        .enrichment
        .incident
        .as_ref()
        .map_or(input.severity.label, |view| {
            view.severity.max(input.severity.label)
        })
}

/// One line that says what the page is: the subject (defanged already), then the incident.
fn summary(input: &AlertInput<'_>, subject: &str, max_chars: usize) -> String {
    let text = match &input.enrichment.incident {
        Some(view) => format!(
            "{subject} · incident about {} ({}; this alert {})",
            view.about,
            incident::alerts_so_far(view),
            incident::role(view)
        ),
        None => subject.to_owned(),
    };
    defuse_mentions(&text, max_chars)
}

/// A finding's string for a page: bounded, defanged, no mention.
fn safe(text: &str, max_chars: usize) -> String {
    defuse_mentions(text, max_chars)
}

/// The finding ids the page is about: the finding's, and the attack sequence it is part of.
fn finding_ids(input: &AlertInput<'_>) -> Vec<String> {
    let f = input.finding;
    let mut ids = vec![safe(&f.id, VALUE_MAX_CHARS)];
    if let Some(sequence) = f.attack_sequence_ref()
        && sequence.arn != f.arn
    {
        ids.push(safe(sequence.finding_id, VALUE_MAX_CHARS));
    }
    ids
}

/// The console links Watchpost built, with fixed words for text (a long one is left out).
fn links(input: &AlertInput<'_>) -> Vec<(String, String)> {
    let l = input.links;
    let mut links: Vec<(String, String)> = [
        (&l.guardduty, "GuardDuty finding"),
        (&l.attack_sequence, "GuardDuty attack sequence"),
        (&l.detective_finding, "Detective finding"),
    ]
    .into_iter()
    .filter_map(|(url, text)| url.as_ref().map(|url| (url.clone(), text.to_owned())))
    .collect();
    for console in &l.console {
        // The console link's name is Watchpost's own (`CloudTrail event`, `CloudWatch alarm`).
        links.push((
            console.url.clone(),
            clip_ascii(&console.entity, LINK_TEXT_MAX_CHARS),
        ));
    }
    links.retain(|(url, _)| url.chars().count() <= chat::LINK_MAX_CHARS);
    links
}

/// The incident as a page's details show it.
fn incident_details(input: &AlertInput<'_>) -> Value {
    match &input.enrichment.incident {
        Some(view) => json!({
            "key": incident::key(view),
            "kind": view.kind,
            "opened": incident::opened(view),
            "alerts": view.alerts,
            "about": safe(&view.about, incident::ABOUT_MAX_CHARS),
            "severity": view.severity,
        }),
        None => Value::Null,
    }
}

/// The finding as a page's details show it.
fn finding_details(input: &AlertInput<'_>) -> Value {
    let f = input.finding;
    json!({
        "type": safe(f.finding_type(), 200),
        "account": safe(&f.account_id, 40),
        "region": safe(&f.region, 40),
        "resource_type": safe(f.resource_type(), 100),
        "resource": safe(&f.resource_label(), VALUE_MAX_CHARS),
        "arn": safe(&f.arn, 500),
        "count": f.count(),
        "sample": f.is_sample(),
    })
}

fn component(input: &AlertInput<'_>) -> &'static str {
    input
        .classification
        .component
        .map_or(NOT_AI, |c| c.as_str())
}

/// The PagerDuty Events API v2 event of the alert (without `routing_key`, which the pipe adds).
pub(super) fn pagerduty(input: &AlertInput<'_>, subject: &str) -> String {
    let f = input.finding;
    let event_action = match action(input) {
        Action::Open => "trigger",
        Action::Close => "resolve",
    };
    let evidence: Vec<String> = input
        .classification
        .evidence
        .iter()
        .take(EVIDENCE_SHOWN)
        .map(|e| safe(e, VALUE_MAX_CHARS))
        .collect();
    let links: Vec<Value> = links(input)
        .into_iter()
        .map(|(href, text)| json!({ "href": href, "text": text }))
        .collect();
    json!({
        "event_action": event_action,
        "dedup_key": page_key(input),
        "payload": {
            "summary": summary(input, subject, PAGERDUTY_SUMMARY_MAX_CHARS),
            "source": safe(&format!("aws {} {}", f.account_id, f.region), 100),
            "severity": pagerduty_severity(band(input)),
            "component": component(input),
            "group": safe(&f.account_id, 40),
            "class": safe(f.finding_type(), 200),
            "custom_details": {
                "subject": safe(subject, super::SUBJECT_MAX_CHARS),
                "incident": incident_details(input),
                "finding_ids": finding_ids(input),
                "finding": finding_details(input),
                "evidence": evidence,
                "next_steps": next_steps(input),
            },
        },
        "links": links,
        "client": SOURCE,
    })
    .to_string()
}

/// The Opsgenie Alert API request of the alert: "Create Alert" for an opening, an escalation or
/// an update, "Close Alert" (by alias: the key is the `incident` message attribute) for a
/// resolution.
pub(super) fn opsgenie(input: &AlertInput<'_>, subject: &str) -> String {
    let text = summary(input, subject, OPSGENIE_DESCRIPTION_MAX_CHARS / 2);
    if action(input) == Action::Close {
        return json!({
            "user": SOURCE,
            "source": SOURCE,
            "note": text,
        })
        .to_string();
    }
    let f = input.finding;
    let mut description = vec![text];
    for evidence in input.classification.evidence.iter().take(EVIDENCE_SHOWN) {
        description.push(format!("- {}", safe(evidence, VALUE_MAX_CHARS)));
    }
    for (url, label) in links(input) {
        description.push(format!("{label}: {url}"));
    }
    for step in next_steps(input) {
        description.push(format!("Next: {step}"));
    }
    let mut details = Map::new();
    let mut detail = |key: &str, value: String| {
        details.insert(key.to_owned(), Value::String(value));
    };
    if let Some(view) = &input.enrichment.incident {
        detail("incident", incident::key(view));
        detail("incident_kind", view.kind.as_str().to_owned());
        detail("incident_alerts", view.alerts.to_string());
        detail("incident_opened", incident::opened(view));
        detail("about", safe(&view.about, incident::ABOUT_MAX_CHARS));
    }
    detail("finding_ids", finding_ids(input).join(", "));
    detail("finding_type", safe(f.finding_type(), 200));
    detail("account", safe(&f.account_id, 40));
    detail("region", safe(&f.region, 40));
    detail("resource", safe(&f.resource_label(), VALUE_MAX_CHARS));
    detail("component", component(input).to_owned());
    let mut tags = vec![
        "watchpost".to_owned(),
        band(input).as_str().to_owned(),
        component(input).to_owned(),
    ];
    if f.is_sample() {
        tags.push("sample".to_owned());
    }
    let entity = match &input.enrichment.incident {
        Some(view) => safe(&view.about, incident::ABOUT_MAX_CHARS),
        None => safe(&f.resource_label(), VALUE_MAX_CHARS),
    };
    json!({
        "message": safe(subject, OPSGENIE_MESSAGE_MAX_CHARS),
        "alias": page_key(input),
        "description": crate::text::clip(&description.join("\n"), OPSGENIE_DESCRIPTION_MAX_CHARS),
        "tags": tags,
        "details": details,
        "entity": entity,
        "source": SOURCE,
        "priority": opsgenie_priority(band(input)),
    })
    .to_string()
}

/// The page of incident `key` closed by hand (`watchpost resolve`): PagerDuty's resolve event,
/// or Opsgenie's close request (its alias, the key, is the `incident` message attribute), with
/// `note` (defanged already) saying who resolved it.
pub fn resolution(format: Format, key: &str, note: &str) -> String {
    let key = defuse_mentions(key, PAGERDUTY_DEDUP_KEY_MAX_CHARS);
    let note = defuse_mentions(note, PAGERDUTY_SUMMARY_MAX_CHARS);
    match format {
        Format::Opsgenie => json!({ "user": SOURCE, "source": SOURCE, "note": note }),
        _ => json!({
            "event_action": "resolve",
            "dedup_key": key,
            "payload": {
                "summary": note,
                "source": SOURCE,
                "severity": "info",
            },
            "client": SOURCE,
        }),
    }
    .to_string()
}

// ---------------------------------------------------------------------------------------------
// The checks: what each API documents, so that a test can hold every body to it.

/// Checks an event against the Events API v2 (PD-CEF): `event_action` one of
/// [`PAGERDUTY_ACTIONS`]; `dedup_key` at most 255 characters (required to resolve); for a
/// trigger, `payload` with a non-empty `summary` of at most 1024 characters, a non-empty
/// `source`, a `severity` of [`PAGERDUTY_SEVERITIES`], optional `timestamp`, `component`,
/// `group`, `class` strings and `custom_details` object; `links` of `{href, text?}`, `images`
/// of `{src, href?, alt?}`; `client` and `client_url` strings; `routing_key` (the pipe's) of 32
/// characters when given; no other field; at most 512 KB.
pub fn check_pagerduty_event(event: &Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let Some(top) = event.as_object() else {
        return Err(vec!["not a JSON object".to_owned()]);
    };
    known(
        &mut problems,
        "",
        top,
        &[
            "routing_key",
            "event_action",
            "dedup_key",
            "payload",
            "links",
            "images",
            "client",
            "client_url",
        ],
    );
    if event.to_string().len() > PAGERDUTY_EVENT_MAX_BYTES {
        problems.push("the event is over 512 KB".to_owned());
    }
    if !event["routing_key"].is_null()
        && event["routing_key"].as_str().map(|k| k.chars().count())
            != Some(PAGERDUTY_ROUTING_KEY_CHARS)
    {
        problems.push("`routing_key` must be 32 characters".to_owned());
    }
    let action = event["event_action"].as_str().unwrap_or_default();
    if !PAGERDUTY_ACTIONS.contains(&action) {
        problems.push(format!(
            "`event_action` must be one of {PAGERDUTY_ACTIONS:?}"
        ));
    }
    text(
        &mut problems,
        "dedup_key",
        &event["dedup_key"],
        action != "trigger",
        PAGERDUTY_DEDUP_KEY_MAX_CHARS,
    );
    let payload = &event["payload"];
    match payload.as_object() {
        None if action == "trigger" => {
            problems.push("`payload` is required to trigger".to_owned());
        }
        None => {}
        Some(fields) => {
            known(
                &mut problems,
                "payload.",
                fields,
                &[
                    "summary",
                    "source",
                    "severity",
                    "timestamp",
                    "component",
                    "group",
                    "class",
                    "custom_details",
                ],
            );
            text(
                &mut problems,
                "payload.summary",
                &payload["summary"],
                true,
                PAGERDUTY_SUMMARY_MAX_CHARS,
            );
            text(
                &mut problems,
                "payload.source",
                &payload["source"],
                true,
                usize::MAX,
            );
            let severity = payload["severity"].as_str().unwrap_or_default();
            if !PAGERDUTY_SEVERITIES.contains(&severity) {
                problems.push(format!(
                    "`payload.severity` must be one of {PAGERDUTY_SEVERITIES:?}"
                ));
            }
            for name in ["timestamp", "component", "group", "class"] {
                text(
                    &mut problems,
                    &format!("payload.{name}"),
                    &payload[name],
                    false,
                    usize::MAX,
                );
            }
            if !(payload["custom_details"].is_null() || payload["custom_details"].is_object()) {
                problems.push("`payload.custom_details` must be an object".to_owned());
            }
        }
    }
    for (list, required, fields) in [
        ("links", "href", &["href", "text"][..]),
        ("images", "src", &["src", "href", "alt"][..]),
    ] {
        match &event[list] {
            Value::Null => {}
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{list}[{i}]");
                    let Some(object) = item.as_object() else {
                        problems.push(format!("`{at}` must be an object"));
                        continue;
                    };
                    known(&mut problems, &format!("{at}."), object, fields);
                    text(
                        &mut problems,
                        &format!("{at}.{required}"),
                        &item[required],
                        true,
                        usize::MAX,
                    );
                }
            }
            _ => problems.push(format!("`{list}` must be an array")),
        }
    }
    for name in ["client", "client_url"] {
        text(&mut problems, name, &event[name], false, usize::MAX);
    }
    finish(problems)
}

/// Checks a "Create Alert" request: a non-empty `message` of at most 130 characters; `alias`
/// up to 512; `description` up to 15,000; `tags` up to 20 of up to 50 characters; `details`
/// an object of strings of up to 8,000 characters in all; `entity` up to 512; `source` and
/// `user` up to 100; `note` up to 25,000; `priority` one of [`OPSGENIE_PRIORITIES`]; `actions`
/// and `responders`/`visibleTo` lists; no other field.
pub fn check_opsgenie_create(request: &Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let Some(top) = request.as_object() else {
        return Err(vec!["not a JSON object".to_owned()]);
    };
    known(
        &mut problems,
        "",
        top,
        &[
            "message",
            "alias",
            "description",
            "responders",
            "visibleTo",
            "actions",
            "tags",
            "details",
            "entity",
            "source",
            "priority",
            "user",
            "note",
        ],
    );
    text(
        &mut problems,
        "message",
        &request["message"],
        true,
        OPSGENIE_MESSAGE_MAX_CHARS,
    );
    for (name, max) in [
        ("alias", OPSGENIE_ALIAS_MAX_CHARS),
        ("description", OPSGENIE_DESCRIPTION_MAX_CHARS),
        ("entity", OPSGENIE_ENTITY_MAX_CHARS),
        ("source", OPSGENIE_SOURCE_MAX_CHARS),
        ("user", OPSGENIE_USER_MAX_CHARS),
        ("note", OPSGENIE_NOTE_MAX_CHARS),
    ] {
        text(&mut problems, name, &request[name], false, max);
    }
    match &request["tags"] {
        Value::Null => {}
        Value::Array(tags) => {
            if tags.len() > OPSGENIE_TAGS_MAX {
                problems.push(format!("`tags` holds {} (at most 20)", tags.len()));
            }
            for (i, tag) in tags.iter().enumerate() {
                text(
                    &mut problems,
                    &format!("tags[{i}]"),
                    tag,
                    true,
                    OPSGENIE_TAG_MAX_CHARS,
                );
            }
        }
        _ => problems.push("`tags` must be an array".to_owned()),
    }
    match &request["details"] {
        Value::Null => {}
        Value::Object(details) => {
            let mut total = 0;
            for (key, value) in details {
                match value.as_str() {
                    Some(value) => total += key.chars().count() + value.chars().count(),
                    None => problems.push(format!("`details.{key}` must be a string")),
                }
            }
            if total > OPSGENIE_DETAILS_MAX_CHARS {
                problems.push(format!("`details` holds {total} characters (at most 8000)"));
            }
        }
        _ => problems.push("`details` must be an object".to_owned()),
    }
    if !request["priority"].is_null()
        && !OPSGENIE_PRIORITIES.contains(&request["priority"].as_str().unwrap_or_default())
    {
        problems.push(format!("`priority` must be one of {OPSGENIE_PRIORITIES:?}"));
    }
    for name in ["responders", "visibleTo", "actions"] {
        if !(request[name].is_null() || request[name].is_array()) {
            problems.push(format!("`{name}` must be an array"));
        }
    }
    finish(problems)
}

/// Checks a "Close Alert" request: `user` and `source` up to 100 characters, `note` up to
/// 25,000, no other field (the alias is in the request's path).
pub fn check_opsgenie_close(request: &Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let Some(top) = request.as_object() else {
        return Err(vec!["not a JSON object".to_owned()]);
    };
    known(&mut problems, "", top, &["user", "source", "note"]);
    for (name, max) in [
        ("user", OPSGENIE_USER_MAX_CHARS),
        ("source", OPSGENIE_SOURCE_MAX_CHARS),
        ("note", OPSGENIE_NOTE_MAX_CHARS),
    ] {
        text(&mut problems, name, &request[name], false, max);
    }
    finish(problems)
}

fn known(problems: &mut Vec<String>, at: &str, fields: &Map<String, Value>, allowed: &[&str]) {
    for name in fields.keys() {
        if !allowed.contains(&name.as_str()) {
            problems.push(format!("`{at}{name}` is not a field of the API"));
        }
    }
}

/// A string field: present and non-empty when `required`, at most `max_chars` characters.
fn text(problems: &mut Vec<String>, name: &str, value: &Value, required: bool, max_chars: usize) {
    match value {
        Value::Null if required => problems.push(format!("`{name}` is required")),
        Value::Null => {}
        Value::String(s) if required && s.trim().is_empty() => {
            problems.push(format!("`{name}` is empty"));
        }
        Value::String(s) if s.chars().count() > max_chars => problems.push(format!(
            "`{name}` has {} characters (at most {max_chars})",
            s.chars().count()
        )),
        Value::String(_) => {}
        _ => problems.push(format!("`{name}` must be a string")),
    }
}

fn finish(problems: Vec<String>) -> Result<(), Vec<String>> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_resolved_by_hand_is_each_apis_resolution() {
        let note =
            "[RESOLVED] WP-00C0FFEE42: user/alice: resolved by @here at 2026-03-02T08:00:00Z";
        let page: Value =
            serde_json::from_str(&resolution(Format::Pagerduty, "WP-00C0FFEE42", note)).unwrap();
        assert_eq!(check_pagerduty_event(&page), Ok(()));
        assert_eq!(page["event_action"], "resolve");
        assert_eq!(page["dedup_key"], "WP-00C0FFEE42");
        assert!(!page.to_string().contains('@'), "{page}");
        let close: Value =
            serde_json::from_str(&resolution(Format::Opsgenie, "WP-00C0FFEE42", note)).unwrap();
        assert_eq!(check_opsgenie_close(&close), Ok(()));
    }

    #[test]
    fn each_schema_rule_is_enforced() {
        let good = json!({
            "routing_key": "R".repeat(32),
            "event_action": "trigger",
            "dedup_key": "WP-1",
            "payload": { "summary": "s", "source": "aws", "severity": "error" },
            "links": [{ "href": "https://console.aws.amazon.com/", "text": "GuardDuty" }],
        });
        assert_eq!(check_pagerduty_event(&good), Ok(()));
        let broken = |edit: fn(&mut Value)| {
            let mut event = good.clone();
            edit(&mut event);
            check_pagerduty_event(&event).is_err()
        };
        assert!(broken(|e| e["event_action"] = json!("open")));
        assert!(broken(|e| e["routing_key"] = json!("short")));
        assert!(broken(|e| e["dedup_key"] = json!("k".repeat(256))));
        assert!(broken(|e| e["payload"]["summary"] = json!("s".repeat(1025))));
        assert!(broken(|e| e["payload"]["summary"] = json!("")));
        assert!(broken(|e| e["payload"]["severity"] = json!("high")));
        assert!(broken(|e| e["payload"]["source"] = Value::Null));
        assert!(broken(|e| e["links"] = json!([{ "text": "no href" }])));
        assert!(broken(|e| e["extra"] = json!(1)));
        assert!(broken(|e| e["payload"] = Value::Null));

        let create = json!({ "message": "m", "alias": "WP-1", "priority": "P2", "tags": ["a"], "details": { "k": "v" } });
        assert_eq!(check_opsgenie_create(&create), Ok(()));
        let broken = |edit: fn(&mut Value)| {
            let mut request = create.clone();
            edit(&mut request);
            check_opsgenie_create(&request).is_err()
        };
        assert!(broken(|r| r["message"] = json!("m".repeat(131))));
        assert!(broken(|r| r["alias"] = json!("a".repeat(513))));
        assert!(broken(|r| r["priority"] = json!("P0")));
        assert!(broken(|r| r["tags"] = json!(vec!["t"; 21])));
        assert!(broken(|r| r["tags"] = json!(["t".repeat(51)])));
        assert!(broken(|r| r["details"] = json!({ "k": "v".repeat(8_000) })));
        assert!(broken(|r| r["details"] = json!({ "k": 1 })));
        assert!(broken(|r| r["source"] = json!("s".repeat(101))));
        assert!(broken(|r| r["message"] = Value::Null));
        assert!(check_opsgenie_close(&json!({ "note": "n", "alias": "WP-1" })).is_err());
    }
}
