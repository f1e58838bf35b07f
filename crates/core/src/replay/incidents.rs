//! Incidents over a replay: each alert joined to its incident in memory, as the enricher joins
//! it in the alert-state table, and a tally per route of what the incidents made of the run
//! (incidents opened, alerts sent, pages, chat threads, alerts held, alerts for a digest), so
//! that a team can tune `[incidents]` on saved findings before deploying.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::{Config, Format, Takes};
use crate::incident::{
    IncidentAlert, IncidentKind, IncidentView, MemoryIncidents, block_on, held_routes, join,
};
use crate::pipeline::Evaluation;
use crate::render::Enrichment;
use crate::render::digest::digest_routes;
use crate::severity::SeverityLabel;

/// What a record says of its alert's incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordIncident {
    /// The incident's key (`WP-…`).
    pub key: String,
    /// What the alert is to it.
    pub kind: IncidentKind,
}

/// The incidents of one replay: the store and the tally.
#[derive(Debug, Default)]
pub(super) struct Incidents {
    store: MemoryIncidents,
    opened: u64,
    routes: BTreeMap<String, Tally>,
}

#[derive(Debug, Default)]
struct Tally {
    opened: u64,
    sent: u64,
    pages: u64,
    threads: BTreeSet<String>,
    held: u64,
    digest: u64,
}

/// Where an alert goes on each route its decision chose, as the enricher sends it: held from
/// the routes that take incidents when it only adds to one, kept for the digest of a digest
/// route when it is LOW or MEDIUM, sent now to every other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RouteSplit {
    pub now: Vec<String>,
    pub digest: Vec<String>,
    pub held: Vec<String>,
}

fn split_routes(
    config: &Config,
    routes: &[String],
    band: SeverityLabel,
    incident: Option<&IncidentView>,
) -> RouteSplit {
    let held = incident.map_or_else(Vec::new, |view| held_routes(config, routes, view));
    let digests = digest_routes(config, routes, band);
    let mut split = RouteSplit::default();
    for name in routes.iter().filter(|name| !held.contains(name)) {
        if digests.iter().any(|(route, _)| route == name) {
            split.digest.push(name.clone());
        } else {
            split.now.push(name.clone());
        }
    }
    split.held = held;
    split
}

/// What an alert became: its incident (none when incidents are off), and where it goes.
pub(super) struct Joined {
    pub enrichment: Enrichment,
    pub split: RouteSplit,
}

impl Incidents {
    /// Joins the alert `evaluation` makes at `now` to its incident, splits its routes by what
    /// each takes, and counts it.
    pub fn join(&mut self, evaluation: &Evaluation, config: &Config, now: i64) -> Joined {
        let settings = &config.incidents;
        let incident: Option<IncidentView> =
            IncidentAlert::of(evaluation, settings).and_then(|alert| {
                let window = settings.window.as_secs() as i64;
                // Kept as long as alert state, and never less than an open incident lasts.
                let expires_at = now + (config.enricher.state_ttl.as_secs() as i64).max(2 * window);
                // The in-memory store never fails; a join that gives up leaves the alert alone,
                // as the enricher does.
                block_on(join(&self.store, &alert, now, window, expires_at)).ok()
            });
        let split = split_routes(
            config,
            &evaluation.decision.routes,
            evaluation.severity.label,
            incident.as_ref(),
        );
        let enrichment = Enrichment {
            incident,
            ..Enrichment::default()
        };
        self.count(evaluation, config, &enrichment, &split);
        Joined { enrichment, split }
    }

    fn count(
        &mut self,
        evaluation: &Evaluation,
        config: &Config,
        enrichment: &Enrichment,
        split: &RouteSplit,
    ) {
        let view = enrichment.incident.as_ref();
        let opens = view.is_some_and(|v| v.kind == IncidentKind::New);
        self.opened += u64::from(opens);
        let thread = evaluation.thread(enrichment);
        for name in &split.now {
            let Some(route) = config.route(name) else {
                continue;
            };
            let tally = self.routes.entry(name.clone()).or_default();
            tally.sent += 1;
            tally.opened += u64::from(opens);
            // An alert a route that takes incidents receives is news: it pages.
            if route.takes() == Takes::Incidents {
                tally.pages += 1;
            }
            if route.format == Format::Chat {
                tally.threads.insert(thread.clone());
            }
        }
        for name in &split.digest {
            let tally = self.routes.entry(name.clone()).or_default();
            tally.digest += 1;
            tally.opened += u64::from(opens);
        }
        for name in &split.held {
            self.routes.entry(name.clone()).or_default().held += 1;
        }
    }

    /// The tally so far, for every route of `config`.
    pub fn summary(&self, config: &Config) -> ReplaySummary {
        let routes = config
            .routes
            .iter()
            .map(|route| {
                let tally = self.routes.get(&route.name);
                let get = |f: fn(&Tally) -> u64| tally.map_or(0, f);
                let takes = route.takes();
                RouteSummary {
                    route: route.name.clone(),
                    format: route.format,
                    takes,
                    incidents_opened: get(|t| t.opened),
                    alerts_sent: get(|t| t.sent),
                    pages: (takes == Takes::Incidents).then(|| get(|t| t.pages)),
                    threads: (route.format == Format::Chat)
                        .then(|| tally.map_or(0, |t| t.threads.len() as u64)),
                    alerts_held: get(|t| t.held),
                    alerts_for_digest: get(|t| t.digest),
                }
            })
            .collect();
        ReplaySummary {
            incidents_opened: self.opened,
            routes,
        }
    }
}

/// What incidents made of a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplaySummary {
    /// Incidents opened over the run.
    pub incidents_opened: u64,
    /// Per route, in the config's order.
    pub routes: Vec<RouteSummary>,
}

/// What one route received over a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteSummary {
    pub route: String,
    pub format: Format,
    pub takes: Takes,
    /// Incidents whose opening reached the route (now or in a digest).
    pub incidents_opened: u64,
    /// Alerts published to the route one by one.
    pub alerts_sent: u64,
    /// For a route that takes incidents: its pages (openings, escalations, resolutions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u64>,
    /// For a chat route: the distinct threads its cards went to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<u64>,
    /// Alerts that only added to an incident the route had heard of.
    pub alerts_held: u64,
    /// LOW and MEDIUM alerts kept for the route's next digest.
    pub alerts_for_digest: u64,
}

impl ReplaySummary {
    /// The summary as text, one line per route.
    pub fn to_text(&self) -> String {
        let mut out = format!("{} incidents opened\n", self.incidents_opened);
        for r in &self.routes {
            let mut parts = vec![
                format!("{} incidents", r.incidents_opened),
                format!("{} alerts sent", r.alerts_sent),
            ];
            if let Some(pages) = r.pages {
                parts.push(format!("{pages} pages"));
            }
            if let Some(threads) = r.threads {
                parts.push(format!("{threads} threads"));
            }
            parts.push(format!("{} held", r.alerts_held));
            parts.push(format!("{} for a digest", r.alerts_for_digest));
            out.push_str(&format!(
                "  route {} ({}, takes {}): {}\n",
                r.route,
                r.format.as_str(),
                r.takes.as_str(),
                parts.join(", ")
            ));
        }
        out
    }
}
