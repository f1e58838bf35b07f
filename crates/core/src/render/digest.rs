//! A route's digest: the LOW and MEDIUM alerts a route with `digest` set takes, kept by the
//! enricher and sent together by the sweep once per period. A digest summarises, it never
//! drops: counts by component, finding type, account and principal or resource, the worst
//! alerts first, and every finding's id. A digest longer than one message is sent in parts of
//! at most [`ENTRIES_PER_PART`] alerts.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use super::chat::check_custom_notification;
use super::markdown::Markdown;
use super::{MESSAGE_MAX_BYTES, RenderedAlert, SUBJECT_MAX_CHARS};
use crate::config::{Config, Format, MESSAGE_ATTRIBUTES, Route};
use crate::guardduty::timestamp::format_time;
use crate::incident::IncidentView;
use crate::pipeline::Evaluation;
use crate::render::NO_INCIDENT;
use crate::severity::SeverityLabel;
use crate::text::{Shown, clip, clip_ascii, defuse_mentions};

/// The most alerts one digest message carries: each is a few hundred bytes in any format, so a
/// part stays far below SNS's 256 KiB.
pub const ENTRIES_PER_PART: usize = 200;
/// How many values each count lists before "… and N more".
const COUNTS_SHOWN: usize = 10;
/// How many alerts a chat card lists (the card stays short; the ids are all there).
const CHAT_ITEMS_SHOWN: usize = 5;
/// How many values each count on a chat card lists, and how long each may be: a card's
/// description stays within what every client shows.
const CHAT_COUNTS_SHOWN: usize = 3;
const CHAT_VALUE_MAX_CHARS: usize = 40;

/// The highest band a digest route keeps for its digest: HIGH and CRITICAL alerts go at once.
pub const DIGEST_MAX_SEVERITY: SeverityLabel = SeverityLabel::Medium;

/// The routes of `routes` that take an alert of `band` in their digest rather than at once,
/// with their period: the one rule the enricher keeps alerts by and replay tells them by.
pub fn digest_routes<'a>(
    config: &Config,
    routes: &'a [String],
    band: SeverityLabel,
) -> Vec<(&'a str, crate::config::Duration)> {
    if band > DIGEST_MAX_SEVERITY {
        return Vec::new();
    }
    routes
        .iter()
        .filter_map(|name| Some((name.as_str(), config.route(name)?.digest?)))
        .collect()
}

/// One alert kept for a route's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestEntry {
    pub route: String,
    /// The finding update (`<alert key>#<count>`): kept once per route.
    pub member: String,
    /// When it was alerted (Unix seconds).
    pub at: i64,
    pub severity: SeverityLabel,
    pub component: String,
    pub finding_type: String,
    pub account: String,
    pub region: String,
    /// Who or what it is about: the principal, or the resource.
    pub about: String,
    /// The alert's subject.
    pub subject: String,
    pub finding_id: String,
    pub incident: Option<String>,
    /// The finding in its console, when there is one.
    pub link: Option<String>,
}

impl DigestEntry {
    /// The entry an alert makes for `route` at `now`.
    pub fn of(
        evaluation: &Evaluation,
        config: &Config,
        route: &str,
        now: i64,
        incident: Option<&IncidentView>,
    ) -> Self {
        let finding = &evaluation.finding;
        let links = evaluation.links();
        DigestEntry {
            route: route.to_owned(),
            member: format!("{}#{}", evaluation.key(), finding.count()),
            at: now,
            severity: evaluation.severity.label,
            component: evaluation.component_name().to_owned(),
            finding_type: clip(finding.finding_type(), 256),
            account: clip(&finding.account_id, 32),
            region: clip(&finding.region, 32),
            about: clip(
                &finding
                    .principal_arn()
                    .unwrap_or_else(|| finding.resource_label()),
                256,
            ),
            subject: evaluation
                .subject(config)
                .unwrap_or_else(|| clip(finding.finding_type(), SUBJECT_MAX_CHARS)),
            finding_id: clip(&finding.id, 256),
            incident: incident.map(|i| i.key.clone()),
            link: links
                .guardduty
                .or_else(|| links.console.first().map(|c| c.url.clone())),
        }
    }
}

impl DigestEntry {
    /// The entry with every string within the bounds a digest shows.
    fn bounded(&self) -> DigestEntry {
        DigestEntry {
            route: clip(&self.route, 64),
            member: clip(&self.member, 512),
            component: clip(&self.component, 64),
            finding_type: clip(&self.finding_type, 256),
            account: clip(&self.account, 32),
            region: clip(&self.region, 32),
            about: clip(&self.about, 256),
            subject: clip(&self.subject, SUBJECT_MAX_CHARS),
            finding_id: clip(&self.finding_id, 256),
            incident: self.incident.as_ref().map(|i| clip(i, 32)),
            link: self.link.clone().filter(|l| l.len() <= 2_000),
            ..self.clone()
        }
    }
}

/// The digest of `entries` for `route`, covering the `period` seconds before `until` (Unix
/// seconds), worst first: one message per [`ENTRIES_PER_PART`] alerts, or fewer where their
/// text is long, so that every message fits SNS's limit whatever the alerts hold.
pub fn render_digest(
    route: &Route,
    entries: &[DigestEntry],
    period: i64,
    until: i64,
) -> Vec<RenderedAlert> {
    let bounded: Vec<DigestEntry> = entries.iter().map(DigestEntry::bounded).collect();
    let mut sorted: Vec<&DigestEntry> = bounded.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.at.cmp(&b.at))
            .then(a.member.cmp(&b.member))
    });
    let mut parts: Vec<&[&DigestEntry]> = sorted.chunks(ENTRIES_PER_PART).collect();
    loop {
        let total = bounded.len();
        let count = parts.len();
        let rendered: Vec<RenderedAlert> = parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let heading = Heading {
                    total,
                    period,
                    until,
                    part: i + 1,
                    parts: count,
                };
                render_part(route, &heading, &bounded, part)
            })
            .collect();
        // A part too long for one message is halved, and every part numbered again.
        let Some(long) = rendered
            .iter()
            .zip(&parts)
            .position(|(r, part)| !fits(r) && part.len() > 1)
        else {
            return rendered;
        };
        let part = parts.remove(long);
        let (first, second) = part.split_at(part.len() / 2);
        parts.insert(long, second);
        parts.insert(long, first);
    }
}

/// The most a digest message may take: SNS's limit less room for its attributes.
const PART_MAX_BYTES: usize = MESSAGE_MAX_BYTES - 4_096;

/// Whether a part goes as one message: within SNS's limit, and a chat card within the bounds
/// every card keeps.
fn fits(part: &RenderedAlert) -> bool {
    part.message.len() <= PART_MAX_BYTES
        && (part.format != Format::Chat
            || serde_json::from_str(&part.message)
                .is_ok_and(|card| check_custom_notification(&card).is_ok()))
}

fn render_part(
    route: &Route,
    heading: &Heading,
    all: &[DigestEntry],
    part: &[&DigestEntry],
) -> RenderedAlert {
    let subject = heading.subject();
    let message = match route.format {
        Format::Text => text(heading, all, part),
        Format::Json => json(heading, all, part),
        Format::Chat => chat(heading, all, part, Markdown::new(route.chat_client())),
        // Never sent: the config refuses a digest on a pager's route (a page cannot wait);
        // were one asked for, the machines' form is the one a pipe can log.
        Format::Pagerduty | Format::Opsgenie => json(heading, all, part),
    };
    RenderedAlert {
        route: route.name.clone(),
        format: route.format,
        subject,
        message,
        attributes: attributes(part, route.format),
        truncated: false,
    }
}

/// What every part says of the whole digest.
struct Heading {
    total: usize,
    period: i64,
    until: i64,
    part: usize,
    parts: usize,
}

impl Heading {
    fn subject(&self) -> String {
        let mut subject = format!(
            "[DIGEST] {} LOW/MEDIUM alert{} in the {} to {}",
            self.total,
            if self.total == 1 { "" } else { "s" },
            period_text(self.period),
            time_text(self.until)
        );
        if self.parts > 1 {
            let _ = write!(subject, " ({}/{})", self.part, self.parts);
        }
        clip_ascii(&subject, SUBJECT_MAX_CHARS)
    }
}

fn period_text(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("last {}d", s / 86_400),
        s if s % 3_600 == 0 => format!("last {}h", s / 3_600),
        s => format!("last {}m", s / 60),
    }
}

fn time_text(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).map_or_else(|_| unix.to_string(), format_time)
}

/// Counts of the whole digest by one field, the largest first.
fn counts<'a>(
    entries: &'a [DigestEntry],
    field: impl Fn(&'a DigestEntry) -> &'a str,
) -> Vec<(&'a str, usize)> {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in entries {
        *by.entry(field(entry)).or_default() += 1;
    }
    let mut list: Vec<(&str, usize)> = by.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list
}

type Field = fn(&DigestEntry) -> &str;

/// The counts every format shows, by label.
const COUNTED: [(&str, Field); 4] = [
    ("By component", |e| &e.component),
    ("By finding type", |e| &e.finding_type),
    ("By account", |e| &e.account),
    ("By principal or resource", |e| &e.about),
];

fn text(heading: &Heading, all: &[DigestEntry], part: &[&DigestEntry]) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{}\n", heading.subject());
    let _ = writeln!(
        w,
        "These alerts were held for this digest (LOW and MEDIUM on this route). Read the worst \
         first; each links to its finding."
    );
    if heading.part == 1 {
        for (label, field) in COUNTED {
            let list = counts(all, field);
            let shown: Vec<String> = list
                .iter()
                .take(COUNTS_SHOWN)
                .map(|(value, n)| format!("{} {n}", Shown(value, Some(120))))
                .collect();
            let more = list.len().saturating_sub(COUNTS_SHOWN);
            let _ = write!(w, "\n{label}: {}", shown.join(" · "));
            if more > 0 {
                let _ = write!(w, " · … and {more} more");
            }
            let _ = writeln!(w);
        }
    }
    let _ = writeln!(w, "\nWorst first");
    for entry in part {
        let _ = writeln!(
            w,
            "  [{}] {} {}",
            entry.severity,
            time_text(entry.at),
            Shown(&entry.subject, Some(SUBJECT_MAX_CHARS))
        );
        let _ = write!(w, "    finding {}", Shown(&entry.finding_id, Some(256)));
        if let Some(incident) = &entry.incident {
            let _ = write!(w, " · incident {}", Shown(incident, Some(32)));
        }
        let _ = writeln!(w);
        if let Some(link) = &entry.link {
            let _ = writeln!(w, "    {link}");
        }
    }
    let _ = writeln!(w, "\nEvery finding id in this part ({}):", part.len());
    for entry in part {
        let _ = writeln!(w, "  {}", Shown(&entry.finding_id, Some(256)));
    }
    out
}

fn json(heading: &Heading, all: &[DigestEntry], part: &[&DigestEntry]) -> String {
    let counts: serde_json::Map<String, serde_json::Value> = COUNTED
        .iter()
        .map(|(label, field)| {
            let key = label.trim_start_matches("By ").replace(' ', "_");
            let list: serde_json::Map<String, serde_json::Value> = counts(all, field)
                .into_iter()
                .map(|(value, n)| (value.to_owned(), json!(n)))
                .collect();
            (key, serde_json::Value::Object(list))
        })
        .collect();
    json!({
        "schema": "watchpost.digest",
        "alert_kind": "digest",
        "subject": heading.subject(),
        "period_seconds": heading.period,
        "until": time_text(heading.until),
        "alerts": heading.total,
        "part": heading.part,
        "parts": heading.parts,
        "counts": counts,
        "items": part,
    })
    .to_string()
}

fn chat(heading: &Heading, all: &[DigestEntry], part: &[&DigestEntry], md: Markdown) -> String {
    let mut lines = Vec::new();
    if heading.part == 1 {
        for (label, field) in COUNTED {
            let list = counts(all, field);
            let shown: Vec<String> = list
                .iter()
                .take(CHAT_COUNTS_SHOWN)
                .map(|(value, n)| format!("{} {n}", md.code(value, CHAT_VALUE_MAX_CHARS)))
                .collect();
            lines.push(format!("{} {}", md.bold(label), shown.join(" · ")));
        }
    }
    lines.push(md.bold("Worst first"));
    for entry in part.iter().take(CHAT_ITEMS_SHOWN) {
        let subject = md.text(&entry.subject, 80);
        lines.push(match &entry.link {
            Some(link) if link.len() <= 1_000 && !link.contains([' ', '<', '>', '|']) => {
                format!("• {} ({})", subject, md.link(link, "finding"))
            }
            _ => format!("• {subject}"),
        });
    }
    let more = part.len().saturating_sub(CHAT_ITEMS_SHOWN);
    if more > 0 {
        // Every finding id is on the last line.
        lines.push(md.italic(&format!("… and {more} more")));
    }
    let ids: Vec<String> = part.iter().map(|e| md.code(&e.finding_id, 64)).collect();
    lines.push(format!("{} {}", md.bold("Finding ids"), ids.join(" ")));
    let card = json!({
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": md.text(&heading.subject(), 150),
            "description": lines.join("\n"),
        },
        "metadata": {
            "threadId": defuse_mentions(&format!("digest/{}", time_text(heading.until)), 256),
            "summary": md.text(&heading.subject(), 150),
            "eventType": "watchpost.digest",
        },
    });
    card.to_string()
}

/// The digest's attributes: the names every alert carries, `alert_kind` `digest`, its worst
/// severity (a subscription that lets MEDIUM alerts through lets a digest holding one
/// through), and `mixed` where its alerts differ.
fn attributes(part: &[&DigestEntry], format: Format) -> BTreeMap<String, String> {
    let same = |field: fn(&DigestEntry) -> &str| {
        let first = part.first().map(|e| field(e)).unwrap_or("mixed");
        if part.iter().all(|e| field(e) == first) {
            clip_ascii(first, 256)
        } else {
            "mixed".to_owned()
        }
    };
    let worst = part
        .iter()
        .map(|e| e.severity)
        .max()
        .unwrap_or(SeverityLabel::Low);
    let mut attributes = BTreeMap::new();
    for name in MESSAGE_ATTRIBUTES {
        let value = match *name {
            "account" => same(|e| &e.account),
            "alert_kind" => "digest".to_owned(),
            "component" => same(|e| &e.component),
            "finding_type" => "digest".to_owned(),
            "format" => format.as_str().to_owned(),
            "incident" => NO_INCIDENT.to_owned(),
            "region" => same(|e| &e.region),
            "sample" => "false".to_owned(),
            "severity" => worst.as_str().to_owned(),
            _ => "unknown".to_owned(),
        };
        let value = if value.trim().is_empty() {
            "unknown".to_owned()
        } else {
            value
        };
        attributes.insert((*name).to_owned(), value);
    }
    attributes
}
