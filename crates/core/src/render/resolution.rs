//! An incident's resolution, told by hand (`watchpost resolve KEY`) to every route that heard
//! the incident: what it was, how long it lasted, who resolved it. It carries the incident's key
//! (a pager closes the page it opened, a chat thread and a mail thread end) and
//! `alert_kind = resolved`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::json;
use time::OffsetDateTime;

use super::chat::check_custom_notification;
use super::markdown::Markdown;
use super::pager;
use super::{RenderedAlert, SUBJECT_MAX_CHARS};
use crate::config::{Format, MESSAGE_ATTRIBUTES, Route};
use crate::guardduty::timestamp::format_time;
use crate::incident::{IncidentKind, IncidentRecord};
use crate::text::{Shown, clip, clip_ascii, clip_then_defang, defuse_mentions};

/// The resolution of `incident` for `route`, resolved by `by` at `now` (Unix seconds).
pub fn render_resolution(
    incident: &IncidentRecord,
    route: &Route,
    by: &str,
    now: i64,
) -> RenderedAlert {
    let subject = clip_then_defang(
        &format!(
            "[RESOLVED] {}: {} ({} alert{})",
            incident.id,
            incident.about,
            incident.alerts,
            if incident.alerts == 1 { "" } else { "s" }
        ),
        SUBJECT_MAX_CHARS,
        clip_ascii,
    );
    let message = match route.format {
        Format::Text => text(incident, by, now, &subject),
        Format::Json => json(incident, by, now, &subject),
        Format::Chat => chat(
            incident,
            by,
            now,
            &subject,
            Markdown::new(route.chat_client()),
        ),
        // The page the incident opened, closed.
        Format::Pagerduty | Format::Opsgenie => pager::resolution(
            route.format,
            &incident.id,
            &format!(
                "{subject}: resolved by {} at {}",
                defuse_mentions(by, 120),
                time_text(now)
            ),
        ),
    };
    RenderedAlert {
        route: route.name.clone(),
        format: route.format,
        subject,
        message,
        attributes: attributes(incident, route.format),
        truncated: false,
    }
}

fn time_text(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).map_or_else(|_| unix.to_string(), format_time)
}

fn text(incident: &IncidentRecord, by: &str, now: i64, subject: &str) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{subject}\n");
    let _ = writeln!(
        w,
        "Incident {} is resolved by {} at {}. Nothing more to do on it: a related alert from now \
         on opens a new incident.\n",
        incident.id,
        Shown(by, Some(120)),
        time_text(now)
    );
    let _ = writeln!(w, "About: {}", Shown(&incident.about, Some(160)));
    let _ = writeln!(
        w,
        "Alerts: {}, from {} to {}, at most {}",
        incident.alerts,
        time_text(incident.opened_at),
        time_text(incident.last_at),
        incident.band
    );
    out
}

fn json(incident: &IncidentRecord, by: &str, now: i64, subject: &str) -> String {
    json!({
        "alert_kind": IncidentKind::Resolved.as_str(),
        "subject": subject,
        "incident": {
            "key": incident.id,
            "kind": IncidentKind::Resolved.as_str(),
            "opened": time_text(incident.opened_at),
            "alerts": incident.alerts,
            "about": clip(&incident.about, 160),
            "severity": incident.band.as_str(),
        },
        "resolved_by": clip(by, 256),
        "resolved_at": time_text(now),
        "last_alert": time_text(incident.last_at),
    })
    .to_string()
}

fn chat(incident: &IncidentRecord, by: &str, now: i64, subject: &str, md: Markdown) -> String {
    let lines = [
        format!(
            "{} resolved by {} at {}",
            md.bold("Incident"),
            md.text(by, 120),
            time_text(now)
        ),
        format!("{} {}", md.bold("About"), md.text(&incident.about, 160)),
        format!(
            "{} {} from {} to {}, at most {}",
            md.bold("Alerts"),
            incident.alerts,
            time_text(incident.opened_at),
            time_text(incident.last_at),
            incident.band
        ),
    ];
    let card = json!({
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": md.text(subject, 150),
            "description": lines.join("\n"),
        },
        "metadata": {
            "threadId": defuse_mentions(&incident.id, 256),
            "summary": md.text(subject, 150),
            "eventType": "watchpost.incident.resolved",
        },
    });
    debug_assert!(check_custom_notification(&card).is_ok());
    card.to_string()
}

/// The names every alert carries: `alert_kind` `resolved`, the incident's key and severity,
/// and `mixed` for what belongs to its alerts, not to it.
fn attributes(incident: &IncidentRecord, format: Format) -> BTreeMap<String, String> {
    MESSAGE_ATTRIBUTES
        .iter()
        .map(|name| {
            let value = match *name {
                "alert_kind" => IncidentKind::Resolved.as_str().to_owned(),
                "incident" => clip_ascii(&incident.id, 32),
                "severity" => incident.band.as_str().to_owned(),
                "format" => format.as_str().to_owned(),
                "finding_type" => "incident".to_owned(),
                "sample" => "false".to_owned(),
                _ => "mixed".to_owned(),
            };
            ((*name).to_owned(), value)
        })
        .collect()
}
