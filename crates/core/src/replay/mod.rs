//! `watchpost replay`: the pipeline over saved events, offline. Input splitting (one event, a
//! JSON array, or JSON Lines), one shared alert state and one store of incidents for the run
//! ([`incidents`]), and the per-event record of the replay contract. File reading is the
//! caller's; this module sees bytes.

mod incidents;

pub use incidents::{RecordIncident, ReplaySummary, RouteSummary};

use serde::Serialize;
use serde_json::Value;

use watchpost_contract::metric;

use crate::config::Config;
use crate::decide::Outcome;
use crate::event::{parse_event_text_with, parse_event_with, parse_json};
use crate::finding::{ParsedEvent, SourcedFinding};
use crate::metrics::MetricCounts;
use crate::pipeline::{evaluate, observed_at};
use crate::render::RenderedAlert;
use crate::severity::Severity;
use crate::state::MemoryAlertState;
use crate::text::clip;

/// Longest reason a record carries.
const REASON_MAX_CHARS: usize = 500;

/// One input event, located in its source.
#[derive(Debug, Clone)]
pub struct InputEvent<'a> {
    /// `<file>:<line or index>`.
    pub input: String,
    body: Body<'a>,
}

/// An event as it was found: a line still to be parsed (read straight from its text when it is
/// the common GuardDuty event), or an element of a JSON array already parsed with it.
#[derive(Debug, Clone)]
enum Body<'a> {
    Text(&'a [u8]),
    Value(Value),
}

impl InputEvent<'_> {
    /// The event as JSON, or why its text is not JSON.
    pub fn into_value(self) -> Result<Value, String> {
        match self.body {
            Body::Text(text) => parse_json(text),
            Body::Value(value) => Ok(value),
        }
    }

    fn parse(self, config: &Config) -> (String, ParsedEvent) {
        let parsed = match self.body {
            Body::Text(text) => parse_event_text_with(text, config),
            Body::Value(value) => parse_event_with(value, config),
        };
        (self.input, parsed)
    }
}

/// Splits a source into events: a JSON array is its elements (by 0-based index), a single JSON
/// document is one event (line 1), anything else is JSON Lines (by 1-based line; blank lines are
/// skipped and a line that is not JSON is one rejected event). Lines are parsed as they are
/// processed, not here.
pub fn split_events<'a>(name: &str, bytes: &'a [u8]) -> Vec<InputEvent<'a>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, event)| InputEvent {
                input: format!("{name}:{i}"),
                body: Body::Value(event),
            })
            .collect(),
        Ok(event) => vec![InputEvent {
            input: format!("{name}:1"),
            body: Body::Value(event),
        }],
        Err(_) => bytes
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
            .map(|(i, line)| InputEvent {
                input: format!("{name}:{}", i + 1),
                body: Body::Text(line),
            })
            .collect(),
    }
}

/// The replay contract's record of one event.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayRecord {
    pub input: String,
    pub outcome: Outcome,
    pub reason: String,
    pub finding_id: Option<String>,
    pub finding_type: Option<String>,
    pub severity: Option<Severity>,
    pub component: Option<String>,
    pub evidence: Vec<String>,
    pub routes: Vec<String>,
    pub subject: Option<String>,
    /// `guardduty`, `securityhub` (ASFF), `securityhub-ocsf`, `cloudtrail` or `cloudwatch` for
    /// findings.
    pub source: Option<&'static str>,
    /// The detection behind a finding Watchpost made itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection: Option<String>,
    pub sample: bool,
    /// The incident an alert belongs to, and what the alert is to it (none when incidents are
    /// off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<RecordIncident>,
    /// Routes that take incidents and hold this alert: it only adds to one they heard of.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<String>,
    /// Routes that receive this alert in their next digest instead of now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub digest: Vec<String>,
    /// The rendered alerts (for the routes that receive it now), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Vec<RenderedAlert>>,
}

impl ReplayRecord {
    fn without_finding(input: String, outcome: Outcome, reason: &str) -> Self {
        ReplayRecord {
            input,
            outcome,
            reason: clip(reason, REASON_MAX_CHARS),
            finding_id: None,
            finding_type: None,
            severity: None,
            component: None,
            evidence: Vec::new(),
            routes: Vec::new(),
            subject: None,
            source: None,
            detection: None,
            sample: false,
            incident: None,
            held: Vec::new(),
            digest: Vec::new(),
            alerts: None,
        }
    }
}

/// A replay run: one config, one alert state, counts for metrics.
pub struct Replay<'a> {
    config: &'a Config,
    state: MemoryAlertState,
    incidents: incidents::Incidents,
    metrics: MetricCounts,
    render_alerts: bool,
    /// The clock for findings whose update time cannot be read.
    fallback_now: i64,
}

impl<'a> Replay<'a> {
    pub fn new(config: &'a Config, fallback_now: i64) -> Self {
        Replay {
            config,
            state: MemoryAlertState::default(),
            incidents: incidents::Incidents::default(),
            metrics: MetricCounts::default(),
            render_alerts: false,
            fallback_now,
        }
    }

    /// Include the rendered alerts in each record.
    pub fn with_rendered_alerts(mut self, yes: bool) -> Self {
        self.render_alerts = yes;
        self
    }

    /// Processes one input event. An event carrying several findings (a Security Hub batch)
    /// gives one record per finding, labelled `<input>#<n>` after the first.
    pub fn process(&mut self, event: InputEvent) -> Vec<ReplayRecord> {
        let (input, parsed) = event.parse(self.config);
        match parsed {
            ParsedEvent::Ignored(reason) => {
                self.metrics.finding("ignored", "none", "none");
                vec![ReplayRecord::without_finding(
                    input,
                    Outcome::Ignored,
                    &reason,
                )]
            }
            ParsedEvent::Rejected(reason) => {
                self.metrics.finding("rejected", "none", "none");
                vec![ReplayRecord::without_finding(
                    input,
                    Outcome::Rejected,
                    &reason,
                )]
            }
            ParsedEvent::Findings { findings, rejected } => {
                let label = |n: usize| {
                    if n == 0 {
                        input.clone()
                    } else {
                        format!("{input}#{n}")
                    }
                };
                let good = findings.len();
                let mut records: Vec<ReplayRecord> = findings
                    .into_iter()
                    .enumerate()
                    .map(|(n, sourced)| self.process_finding(label(n), sourced))
                    .collect();
                // The batch's unreadable findings follow its good ones.
                for (n, reason) in rejected.iter().enumerate() {
                    self.metrics.finding("rejected", "none", "none");
                    records.push(ReplayRecord::without_finding(
                        label(good + n),
                        Outcome::Rejected,
                        reason,
                    ));
                }
                records
            }
        }
    }

    fn process_finding(&mut self, input: String, sourced: SourcedFinding) -> ReplayRecord {
        let now = observed_at(&sourced.finding).unwrap_or(self.fallback_now);
        let key = crate::state::alert_key(&sourced.finding);
        let prior = self.state.get(&key).cloned();
        let evaluation = evaluate(sourced, self.config, prior.as_ref(), now);
        self.metrics.finding(
            evaluation.decision.outcome.as_str(),
            evaluation.severity.label.as_str(),
            evaluation.component_name(),
        );
        if let Some(detection) = evaluation.detection() {
            self.metrics
                .count(metric::DETECTIONS, "Detection", &detection);
        }
        let (mut subject, mut alerts, mut incident) = (None, None, None);
        let (mut held, mut digest) = (Vec::new(), Vec::new());
        if evaluation.is_alert() {
            let mut reached = evaluation.reached_before(prior.as_ref());
            reached.extend(evaluation.decision.routes.iter().cloned());
            self.state.put(evaluation.record(now, reached));
            let config = self.config;
            let routes = evaluation.decision.routes.iter();
            for route in routes.filter_map(|name| config.route(name)) {
                self.metrics
                    .count(metric::ALERTS_RENDERED, "Route", &route.name);
            }
            let joined = self.incidents.join(&evaluation, config, now);
            // Rendering every route's message is most of a replay's time: a record without the
            // alerts needs only their subject, the same for every route.
            subject = evaluation.subject_with(config, &joined.enrichment);
            if self.render_alerts {
                let mut rendered = evaluation.render(config, &joined.enrichment);
                rendered.retain(|alert| joined.split.now.contains(&alert.route));
                alerts = Some(rendered);
            }
            incident = joined.enrichment.incident.map(|view| RecordIncident {
                key: view.key,
                kind: view.kind,
            });
            (held, digest) = (joined.split.held, joined.split.digest);
        }
        let finding = &evaluation.finding;
        ReplayRecord {
            input,
            outcome: evaluation.decision.outcome,
            reason: clip(&evaluation.decision.reason, REASON_MAX_CHARS),
            finding_id: Some(clip(&finding.id, 300)),
            finding_type: Some(clip(finding.finding_type(), 200)),
            severity: Some(evaluation.severity),
            component: evaluation
                .classification
                .component
                .map(|c| c.as_str().to_owned()),
            evidence: evaluation.classification.evidence.clone(),
            routes: evaluation.decision.routes.clone(),
            subject,
            source: Some(evaluation.origin.as_str()),
            detection: evaluation.detection(),
            sample: finding.is_sample(),
            incident,
            held,
            digest,
            alerts,
        }
    }

    /// What incidents made of the run so far, per route.
    pub fn summary(&self) -> ReplaySummary {
        self.incidents.summary(self.config)
    }

    /// The metric counts of the run so far.
    pub fn metrics(&self) -> &MetricCounts {
        &self.metrics
    }
}
