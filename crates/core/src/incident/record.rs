//! The incident as it is kept, and what an alert makes of it: pure, so that the enricher, replay
//! and the tests decide alike.

use serde::{Deserialize, Serialize};

use super::{GroupKey, IncidentAlert, stable_hash};
use crate::severity::SeverityLabel;

/// The most finding updates an incident remembers by name, the latest (to tell a retry of a
/// run stopped between saving the incident and keeping what the update was told as from a new
/// alert; older ones are told from what was kept); past it, alerts are still counted. Members
/// are short (a hash and a count), keys bounded in bytes: a stored incident stays below 100 KB,
/// a quarter of DynamoDB's item.
pub const MEMBERS_MAX: usize = 64;
/// The most keys an incident lists.
pub const KEYS_MAX: usize = 64;

/// What an alert is to its incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentKind {
    /// It opens the incident.
    New,
    /// It adds to an open incident at no higher severity.
    Update,
    /// It raises the incident's severity.
    Escalation,
    /// It says the trouble is over.
    Resolved,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::New => "new",
            IncidentKind::Update => "update",
            IncidentKind::Escalation => "escalation",
            IncidentKind::Resolved => "resolved",
        }
    }

    /// Whether someone must act on it: a pager hears these only.
    pub fn is_news(self) -> bool {
        !matches!(self, IncidentKind::Update)
    }
}

/// How a finding update was told in its incident: as which kind, and to which routes it was
/// the incident's first alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub member: String,
    pub kind: IncidentKind,
    #[serde(default)]
    pub first_for: Vec<String>,
}

/// One incident, as the alert-state table keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// The key people, pagers and mail clients see: `WP-` and ten hexadecimal digits.
    pub id: String,
    /// Who or what it is about: the alert that opened it says.
    pub about: String,
    pub opened_at: i64,
    /// When its latest alert joined (Unix seconds): it is open for a window after.
    pub last_at: i64,
    /// The highest severity of its alerts, and the finding update that raised it there.
    pub band: SeverityLabel,
    pub band_by: String,
    /// The finding update that opened it.
    pub opened_by: String,
    /// The finding updates it holds (up to [`MEMBERS_MAX`]), in the order they joined, each
    /// with how it was told.
    pub members: Vec<Member>,
    /// How many alerts it holds.
    pub alerts: u32,
    /// The usage alarm whose alerts are all it holds, if so.
    pub alarm: Option<String>,
    /// When it was resolved, and by which finding update (or by whom).
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    /// The item key it was opened under: its opening lock.
    #[serde(default)]
    pub anchor: String,
    /// Its keys (the item keys that lead to it), the first [`KEYS_MAX`].
    pub keys: Vec<String>,
    /// The routes its alerts went to: they hear its resolution.
    #[serde(default)]
    pub routes: Vec<String>,
    /// Written with each save: a save is conditional on the version read.
    pub version: u64,
}

impl IncidentRecord {
    /// The id of the incident `member` opens under `anchor`: the same for every copy and retry
    /// of that finding update, another for any other.
    pub fn id_for(anchor: &GroupKey, member: &str) -> String {
        let hash = stable_hash(anchor.item_key().bytes().chain([0]).chain(member.bytes()));
        format!("WP-{:010X}", hash >> 24)
    }

    /// The incident `alert` opens.
    pub fn open(id: String, alert: &IncidentAlert, now: i64) -> Self {
        let mut keys: Vec<String> = alert.keys.iter().map(GroupKey::item_key).collect();
        keys.dedup();
        keys.truncate(KEYS_MAX);
        let anchor = keys.first().cloned().unwrap_or_default();
        IncidentRecord {
            id,
            about: alert.about.clone(),
            opened_at: now,
            last_at: now,
            band: alert.band,
            band_by: alert.member.clone(),
            opened_by: alert.member.clone(),
            members: vec![Member {
                member: alert.member.clone(),
                kind: IncidentKind::New,
                first_for: alert.routes.clone(),
            }],
            alerts: 1,
            alarm: alert.alarm.clone(),
            resolved_at: None,
            resolved_by: None,
            anchor,
            keys,
            routes: alert.routes.clone(),
            version: 0,
        }
    }

    /// Whether it takes new alerts: not resolved, and its last alert at or after `open_since`.
    pub fn is_open(&self, open_since: i64) -> bool {
        self.resolved_at.is_none() && self.last_at >= open_since
    }

    /// Whether the finding update is one of its alerts.
    pub fn has(&self, member: &str) -> bool {
        self.told(member).is_some()
    }

    /// How a member of it was told: as which kind, first to which routes.
    pub fn told(&self, member: &str) -> Option<(IncidentKind, Vec<String>)> {
        if let Some(m) = self.members.iter().find(|m| m.member == member) {
            return Some((m.kind, m.first_for.clone()));
        }
        // Past the members it remembers: what its own fields still say.
        if self.opened_by == member {
            return Some((IncidentKind::New, self.routes.clone()));
        }
        if self.resolved_by.as_deref() == Some(member) {
            return Some((IncidentKind::Resolved, Vec::new()));
        }
        None
    }

    /// What `alert` is to it, and the incident after it joined at `now`. An alert it already
    /// holds changes nothing and is told as it was the first time.
    pub fn joined(&self, alert: &IncidentAlert, now: i64) -> (IncidentView, IncidentRecord) {
        if let Some((kind, first_for)) = self.told(&alert.member) {
            return (self.view(kind, first_for), self.clone());
        }
        // The routes that hear of it first from this alert.
        let first_for: Vec<String> = alert
            .routes
            .iter()
            .filter(|route| !self.routes.contains(route))
            .cloned()
            .collect();
        let mut next = self.clone();
        next.version += 1;
        next.last_at = next.last_at.max(now);
        next.alerts = next.alerts.saturating_add(1);
        for key in &alert.keys {
            let item = key.item_key();
            if !next.keys.contains(&item) && next.keys.len() < KEYS_MAX {
                next.keys.push(item);
            }
        }
        for route in &alert.routes {
            if !next.routes.contains(route) {
                next.routes.push(route.clone());
            }
        }
        if next.alarm != alert.alarm {
            next.alarm = None;
        }
        let rises = alert.band > self.band;
        if rises {
            next.band = alert.band;
            next.band_by = alert.member.clone();
        }
        let kind = if alert.resolves && self.alarm.is_some() && self.alarm == alert.alarm {
            next.resolved_at = Some(now);
            next.resolved_by = Some(alert.member.clone());
            IncidentKind::Resolved
        } else if rises {
            IncidentKind::Escalation
        } else {
            IncidentKind::Update
        };
        if next.members.len() >= MEMBERS_MAX {
            next.members.remove(0);
        }
        next.members.push(Member {
            member: alert.member.clone(),
            kind,
            first_for: first_for.clone(),
        });
        (next.view(kind, first_for), next)
    }

    /// The incident resolved by hand at `now` (`by` says who); `None` when it already was.
    pub fn resolved(&self, by: &str, now: i64) -> Option<IncidentRecord> {
        if self.resolved_at.is_some() {
            return None;
        }
        let mut next = self.clone();
        next.version += 1;
        next.resolved_at = Some(now);
        next.resolved_by = Some(by.to_owned());
        Some(next)
    }

    /// What an alert of it carries: told as `kind`, the incident's first alert on the routes
    /// `first_for`.
    pub fn view(&self, kind: IncidentKind, first_for: Vec<String>) -> IncidentView {
        IncidentView {
            closed: self.resolved_at.is_some() && kind != IncidentKind::Resolved,
            key: self.id.clone(),
            kind,
            opened_at: self.opened_at,
            alerts: self.alerts,
            about: self.about.clone(),
            severity: self.band,
            first_for,
        }
    }
}

/// The incident an alert belongs to, as the alert tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentView {
    /// The stable key (`WP-…`): the page's dedup key, the chat thread, the mail thread.
    pub key: String,
    /// What this alert is to it.
    pub kind: IncidentKind,
    /// When it opened (Unix seconds).
    pub opened_at: i64,
    /// Its alerts so far, this one included.
    pub alerts: u32,
    /// Who or what it is about.
    pub about: String,
    /// Its severity: the highest of its alerts.
    pub severity: SeverityLabel,
    /// The routes this alert is the incident's first on: news to them, whatever its kind.
    #[serde(skip_serializing, default)]
    pub first_for: Vec<String>,
    /// Whether it was resolved before this alert was told (a retry, or a copy, of an alert
    /// that joined it before): news to no one.
    #[serde(skip_serializing, default)]
    pub closed: bool,
}
