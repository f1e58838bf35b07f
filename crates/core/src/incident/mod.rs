//! Incidents: related alerts told as one story, with one key, one page and one thread.
//!
//! An alert's [`IncidentAlert`] carries its keys ([`keys`]: the principal, the resource, the
//! attack sequence, as `[incidents] group_by` orders them, then the alert's own thread) and the
//! finding update it counts as. [`join`] finds the open incident one of those keys names, or
//! opens one under the first key, over an [`IncidentStore`]: the enricher's alert-state table,
//! or [`MemoryIncidents`] for replay and tests. What an alert makes of an incident (it opens
//! it, adds to it, escalates it, resolves it) is [`IncidentRecord::joined`], pure.
//!
//! # Guarantees
//!
//! The same sentences are checked by the property tests in `tests/incidents.rs`:
//!
//! 1. An alert that shares a key with an open incident joins an open incident, never opens another.
//! 2. An alert joins an incident only by a key it shares with it.
//! 3. Every copy and retry of one finding update is told as the same kind in the same incident.
//! 4. An incident's severity is the highest of its alerts, and only a rise is an escalation.
//! 5. Two alerts that arrive at once under the same first key open one incident, not two.
//! 6. Every route hears an incident's first alert on it, whatever that alert is to the incident.

mod keys;
mod record;
mod store;

pub use keys::{GroupKey, KeyKind, keys, stable_hash};
pub use record::{IncidentKind, IncidentRecord, IncidentView, KEYS_MAX, MEMBERS_MAX, Member};
pub use store::{INCIDENTS_PER_KEY, IncidentStore, Indexed, Lock, MemoryIncidents, Told, block_on};

use crate::config::{Config, Incidents, Takes};
use crate::finding::Observation;
use crate::pipeline::Evaluation;
use crate::severity::SeverityLabel;
use crate::text::clip;

/// The guarantees, as the docs and the property tests state them (a test keeps them equal).
pub const GUARANTEES: &[&str] = &[
    "An alert that shares a key with an open incident joins an open incident, never opens another.",
    "An alert joins an incident only by a key it shares with it.",
    "Every copy and retry of one finding update is told as the same kind in the same incident.",
    "An incident's severity is the highest of its alerts, and only a rise is an escalation.",
    "Two alerts that arrive at once under the same first key open one incident, not two.",
    "Every route hears an incident's first alert on it, whatever that alert is to the incident.",
];

/// How many times a join starts over after losing a race (another alert wrote first).
const JOIN_ATTEMPTS: usize = 5;

/// One alert as incidents see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentAlert {
    /// Its keys, the one a new incident opens under first.
    pub keys: Vec<GroupKey>,
    /// The finding update it tells (`<alert key>#<count>`): copies and retries share it.
    pub member: String,
    pub band: SeverityLabel,
    /// Who or what it is about, for the incident it opens.
    pub about: String,
    /// For a usage alarm's alerts, the alarm (its thread): its return to band resolves an
    /// incident that holds nothing else.
    pub alarm: Option<String>,
    /// Whether the alert says the trouble is over (a usage alarm back in band).
    pub resolves: bool,
    /// The routes it goes to.
    pub routes: Vec<String>,
}

impl IncidentAlert {
    /// The alert `evaluation` makes, for incidents as `config` groups them; `None` when
    /// incidents are off.
    pub fn of(evaluation: &Evaluation, config: &Incidents) -> Option<Self> {
        if !config.enabled {
            return None;
        }
        let finding = &evaluation.finding;
        let observation = evaluation.observation.as_ref();
        let keys = keys(finding, observation, &config.group_by);
        let usage = match observation {
            Some(Observation::Usage(change)) => Some(change),
            _ => None,
        };
        Some(IncidentAlert {
            about: about(&keys[0], evaluation),
            keys,
            member: member_of(evaluation),
            band: evaluation.severity.label,
            alarm: usage.map(|change| change.thread_key.clone()),
            resolves: usage.is_some_and(|change| change.resolved),
            routes: evaluation.decision.routes.clone(),
        })
    }
}

/// The finding update an alert tells, as incidents and digests keep it: a hash of its alert
/// key (the finding's id is whatever the finding says, of any length) and its count.
pub fn member_of(evaluation: &Evaluation) -> String {
    format!(
        "{:016x}#{}",
        stable_hash(evaluation.key().bytes()),
        evaluation.finding.count()
    )
}

/// Who or what an incident opened under `key` is about, in a few words (raw: renderers make it
/// safe for their format).
fn about(key: &GroupKey, evaluation: &Evaluation) -> String {
    let finding = &evaluation.finding;
    let text = match key.kind {
        KeyKind::Principal => {
            // `arn:aws:iam::111122223333:user/alice` → `user/alice in 111122223333`.
            let name = key.value.rsplit(':').next().unwrap_or(&key.value);
            format!("{name} in {}", finding.account_id)
        }
        KeyKind::Resource => format!(
            "{} {} in {}",
            finding.resource_type(),
            finding.resource_label(),
            finding.account_id
        ),
        KeyKind::Sequence => format!("attack sequence in {}", finding.account_id),
        KeyKind::Thread => match &evaluation.observation {
            Some(observation) => observation.headline(),
            None => format!("{} on {}", finding.finding_type(), finding.resource_label()),
        },
    };
    clip(&text, 160)
}

/// The routes of `routes` that take only what someone must act on (`takes = "incidents"`)
/// and do not hear this alert: it only adds to an incident they have heard of.
pub fn held_routes(config: &Config, routes: &[String], incident: &IncidentView) -> Vec<String> {
    // An alert told into an incident resolved since (the retry of one that failed) pages no
    // one: the page it would open could not be closed.
    if incident.kind.is_news() && !incident.closed {
        return Vec::new();
    }
    routes
        .iter()
        .filter(|name| {
            config
                .route(name)
                .is_some_and(|r| r.takes() == Takes::Incidents)
        })
        // An alert is news to a route it is the incident's first alert on, whatever its kind.
        .filter(|name| incident.closed || !incident.first_for.contains(name))
        .cloned()
        .collect()
}

/// Why a join gave up: the store failed, or other alerts kept winning the race.
#[derive(Debug)]
pub enum JoinError<E> {
    Store(E),
    Contended,
}

/// Joins `alert` to the open incident one of its keys leads to, or opens one under its first
/// key. `now` is Unix seconds; an incident is open while its latest alert is at most `window`
/// seconds old and it has not been resolved. `expires_at` is when the store may forget what is
/// written.
pub async fn join<S: IncidentStore>(
    store: &S,
    alert: &IncidentAlert,
    now: i64,
    window: i64,
    expires_at: i64,
) -> Result<IncidentView, JoinError<S::Error>> {
    let Some(anchor) = alert.keys.first() else {
        return Err(JoinError::Contended);
    };
    let open_since = now - window;
    for _ in 0..JOIN_ATTEMPTS {
        // A copy or retry of a finding update told before is told the same, however late.
        if let Some(told) = store.told(&alert.member).await.map_err(JoinError::Store)?
            && let Some(record) = store
                .incident(&told.incident)
                .await
                .map_err(JoinError::Store)?
        {
            return Ok(record.view(told.kind, told.first_for));
        }
        let found = find(store, alert, open_since)
            .await
            .map_err(JoinError::Store)?;
        let current = match found.open {
            // Joining keeps the incident's opening lock with its latest alert, so that an alert
            // that read the incident as closed a moment before (its clock a second later, at
            // the window's end) cannot open another under the same key: whichever writes the
            // lock first, the other joins its incident.
            Some(current) if !current.has(&alert.member) && !current.anchor.is_empty() => {
                let anchor = current.anchor.clone();
                let locked = lock_or_join(
                    store,
                    &anchor,
                    current,
                    now,
                    open_since,
                    &found.closed,
                    expires_at,
                );
                match locked.await.map_err(JoinError::Store)? {
                    Some(record) => record,
                    None => continue,
                }
            }
            Some(current) => current,
            None => {
                let mut id = IncidentRecord::id_for(anchor, &alert.member);
                let mut existing = store.incident(&id).await.map_err(JoinError::Store)?;
                // Another incident under the same id (ids are 40 bits): this one takes another.
                if existing
                    .as_ref()
                    .is_some_and(|r| r.opened_by != alert.member)
                {
                    id = IncidentRecord::id_for(anchor, &format!("{}'", alert.member));
                    existing = store.incident(&id).await.map_err(JoinError::Store)?;
                    if existing
                        .as_ref()
                        .is_some_and(|r| r.opened_by != alert.member)
                    {
                        return Err(JoinError::Contended);
                    }
                }
                // A retry of this very opening finds its record written already.
                let record = match existing {
                    Some(record) => record,
                    None => {
                        let record = IncidentRecord::open(id, alert, now);
                        if !store
                            .save_incident(&record, None, expires_at)
                            .await
                            .map_err(JoinError::Store)?
                        {
                            continue;
                        }
                        record
                    }
                };
                // Of the alerts opening an incident under one first key at once, the one that
                // takes its lock opens it; the others join it.
                let key = anchor.item_key();
                let locked = lock_or_join(
                    store,
                    &key,
                    record,
                    now,
                    open_since,
                    &found.closed,
                    expires_at,
                );
                match locked.await.map_err(JoinError::Store)? {
                    Some(record) => record,
                    None => continue,
                }
            }
        };
        let (view, record) = current.joined(alert, now);
        if record != current
            && !store
                .save_incident(&record, Some(current.version), expires_at)
                .await
                .map_err(JoinError::Store)?
        {
            continue;
        }
        // Every key of the alert leads to the incident from now on.
        for key in &alert.keys {
            store
                .add_to_key(&key.item_key(), &record.id, now, expires_at)
                .await
                .map_err(JoinError::Store)?;
        }
        let told = Told {
            incident: record.id.clone(),
            kind: view.kind,
            first_for: view.first_for.clone(),
        };
        // A copy told first (in another incident, or as another kind) is what this one is too.
        if !store
            .tell(&alert.member, &told, expires_at)
            .await
            .map_err(JoinError::Store)?
        {
            continue;
        }
        return Ok(view);
    }
    Err(JoinError::Contended)
}

/// Takes (or keeps) `key`'s opening lock for `record`: the record to join then, or, when
/// another incident holds the lock, that incident if it is open; `None` to start over.
async fn lock_or_join<S: IncidentStore>(
    store: &S,
    key: &str,
    record: IncidentRecord,
    now: i64,
    open_since: i64,
    closed: &[String],
    expires_at: i64,
) -> Result<Option<IncidentRecord>, S::Error> {
    let lock = store
        .lock(key, &record.id, now, open_since, closed, expires_at)
        .await?;
    Ok(match lock {
        Lock::Taken => Some(record),
        Lock::HeldBy(holder) => store
            .incident(&holder)
            .await?
            .filter(|held| held.is_open(open_since)),
    })
}

/// What the alert's keys lead to.
struct Found {
    /// The open incident the first of the keys leads to (its latest, when several are).
    open: Option<IncidentRecord>,
    /// Incidents seen resolved: another may take their opening locks.
    closed: Vec<String>,
}

async fn find<S: IncidentStore>(
    store: &S,
    alert: &IncidentAlert,
    open_since: i64,
) -> Result<Found, S::Error> {
    let mut closed = Vec::new();
    for key in &alert.keys {
        let indexed = store.indexed(&key.item_key()).await?;
        for entry in indexed.into_iter().take(INCIDENTS_PER_KEY) {
            let Some(record) = store.incident(&entry.incident).await? else {
                continue;
            };
            if record.is_open(open_since) {
                return Ok(Found {
                    open: Some(record),
                    closed,
                });
            }
            if record.resolved_at.is_some() {
                closed.push(record.id);
            }
        }
    }
    Ok(Found { open: None, closed })
}
