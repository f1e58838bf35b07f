//! An [`Evaluation`]'s alerts: its links, the subject, and the message for each route its
//! decision chose. Rendering sits on top of the pipeline, so these methods of the pipeline's
//! evaluation are defined here.

use std::collections::BTreeMap;

use super::{
    AlertInput, Enrichment, RenderedAlert, finding_attributes, render_with_subject, subject,
};
use crate::config::Config;
use crate::links::{Links, links};
use crate::pipeline::Evaluation;

impl Evaluation {
    /// The console and Detective links an alert about this finding carries. Written when an
    /// alert is rendered, not for every finding: most are never alerted on, and a replay's
    /// records need only the subject, which names no link.
    pub fn links(&self) -> Links {
        match &self.observation {
            Some(observed) => observed.links(&self.finding),
            None => links(&self.finding),
        }
    }

    /// The alert rendered for each route the decision chose, in the route's format.
    pub fn render(&self, config: &Config, enrichment: &Enrichment) -> Vec<RenderedAlert> {
        let links = self.links();
        let input = self.alert_input(enrichment, &links);
        let subject = subject(&input);
        self.decision
            .routes
            .iter()
            .filter_map(|name| config.route(name))
            .map(|route| render_with_subject(&input, route, subject.clone()))
            .collect()
    }

    /// The subject [`Evaluation::render`]'s alerts carry (the same for every route), without
    /// rendering any message; `None` when no route the decision chose is configured.
    pub fn subject(&self, config: &Config) -> Option<String> {
        self.subject_with(config, &Enrichment::default())
    }

    /// [`Evaluation::subject`] of the alerts rendered with `enrichment` (its incident's key
    /// ends the subject).
    pub fn subject_with(&self, config: &Config, enrichment: &Enrichment) -> Option<String> {
        // The subject names no link: none are written for it.
        let no_links = Links::default();
        self.decision
            .routes
            .iter()
            .any(|name| config.route(name).is_some())
            .then(|| subject(&self.alert_input(enrichment, &no_links)))
    }

    /// The message attributes that describe the finding (all an alert carries but
    /// `alert_kind` and `format`), for its follow-up to carry again; `enrichment` says its
    /// incident.
    pub fn finding_attributes(&self, enrichment: &Enrichment) -> BTreeMap<String, String> {
        let no_links = Links::default();
        finding_attributes(&self.alert_input(enrichment, &no_links))
    }

    /// The chat thread its cards join: its incident's key, or without one the finding's.
    pub fn thread(&self, enrichment: &Enrichment) -> String {
        let no_links = Links::default();
        super::chat::thread_id(&self.alert_input(enrichment, &no_links))
    }

    fn alert_input<'a>(&'a self, enrichment: &'a Enrichment, links: &'a Links) -> AlertInput<'a> {
        AlertInput {
            finding: &self.finding,
            classification: &self.classification,
            severity: self.severity,
            decision: &self.decision,
            links,
            enrichment,
            observation: self.observation.as_ref(),
        }
    }
}
