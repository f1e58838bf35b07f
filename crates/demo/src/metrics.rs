//! The enricher's metrics, summed from the EMF lines it wrote to stdout.
//!
//! Why EMF from stdout and not CloudWatch: in Lambda the enricher writes Embedded Metric Format
//! lines (the demo config's `[metrics] mode`, the default) and CloudWatch Logs turns them into
//! metrics; nothing is sent to CloudWatch's API. The demo captures the same stdout Lambda would
//! ship to CloudWatch Logs, so it reads exactly what would become the metrics, without asking
//! the config to switch to `put-metric-data` (moto would store those, but that is not how the
//! function runs). Other stdout lines (the JSON logs) are skipped.

use std::collections::BTreeMap;

use serde_json::Value;
use watchpost_contract::metric::FINDINGS;

/// Counts summed over every EMF document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSummary {
    /// EMF documents read.
    pub documents: usize,
    /// Namespaces they were written to.
    pub namespaces: Vec<String>,
    /// `Findings` by (outcome, severity, component).
    pub findings: BTreeMap<(String, String, String), u64>,
    /// Every other metric by (metric, dimension name, dimension value); a metric without a
    /// dimension has an empty name and value.
    pub counters: BTreeMap<(String, String, String), u64>,
}

impl MetricsSummary {
    /// Sums the EMF documents among `lines`.
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> MetricsSummary {
        let mut summary = MetricsSummary::default();
        for line in lines {
            let Ok(document) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let Some(directives) = document["_aws"]["CloudWatchMetrics"].as_array() else {
                continue;
            };
            summary.documents += 1;
            for directive in directives {
                if let Some(namespace) = directive["Namespace"].as_str()
                    && !summary.namespaces.iter().any(|n| n == namespace)
                {
                    summary.namespaces.push(namespace.to_owned());
                }
                for metric in directive["Metrics"].as_array().into_iter().flatten() {
                    let Some(name) = metric["Name"].as_str() else {
                        continue;
                    };
                    let value = document[name].as_u64().unwrap_or(0);
                    summary.add(&document, directive, name, value);
                }
            }
        }
        summary
    }

    fn add(&mut self, document: &Value, directive: &Value, name: &str, value: u64) {
        let member = |key: &str| document[key].as_str().unwrap_or("").to_owned();
        if name == FINDINGS {
            let key = (member("Outcome"), member("Severity"), member("Component"));
            *self.findings.entry(key).or_default() += value;
            return;
        }
        // The pipeline's counters carry one dimension (and a set without it, for the total).
        let dimension = directive["Dimensions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|set| set.as_array())
            .flatten()
            .find_map(|d| d.as_str())
            .unwrap_or("");
        let key = (name.to_owned(), dimension.to_owned(), member(dimension));
        *self.counters.entry(key).or_default() += value;
    }

    /// All findings counted (events the enricher was given that were not scheduled sweeps).
    pub fn findings_total(&self) -> u64 {
        self.findings.values().sum()
    }

    /// Findings with `outcome` (`alert`, `suppressed`, `ignored`, `rejected`).
    pub fn findings_with_outcome(&self, outcome: &str) -> u64 {
        self.findings
            .iter()
            .filter(|((o, _, _), _)| o == outcome)
            .map(|(_, n)| n)
            .sum()
    }

    /// The total of a counter over its dimension values.
    pub fn total(&self, metric: &str) -> u64 {
        self.counters
            .iter()
            .filter(|((m, _, _), _)| m == metric)
            .map(|(_, n)| n)
            .sum()
    }

    /// A counter's value for one dimension value (e.g. `AlertsDelivered`, `pager`).
    pub fn value(&self, metric: &str, dimension_value: &str) -> u64 {
        self.counters
            .iter()
            .filter(|((m, _, v), _)| m == metric && v == dimension_value)
            .map(|(_, n)| n)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use watchpost_core::metrics::MetricCounts;

    use super::*;

    #[test]
    fn sums_what_the_enricher_emits_and_skips_log_lines() {
        let mut first = MetricCounts::default();
        first.finding("alert", "HIGH", "ml-data");
        first.count("AlertsDelivered", "Route", "pager");
        first.count("AlertsDelivered", "Route", "siem");
        let mut second = MetricCounts::default();
        second.finding("alert", "HIGH", "ml-data");
        second.finding("suppressed", "MEDIUM", "none");
        second.count("AlertsDelivered", "Route", "pager");
        let mut lines: Vec<String> = first
            .to_emf("Watchpost", 1)
            .iter()
            .chain(second.to_emf("Watchpost", 2).iter())
            .map(|d| d.to_string())
            .collect();
        lines.push(r#"{"level":"INFO","fields":{"message":"finding","outcome":"alert"}}"#.into());
        lines.push("not json".into());
        let summary = MetricsSummary::from_lines(lines.iter().map(String::as_str));
        assert_eq!(summary.documents, 6);
        assert_eq!(summary.namespaces, ["Watchpost"]);
        assert_eq!(summary.findings_total(), 3);
        assert_eq!(summary.findings_with_outcome("alert"), 2);
        assert_eq!(
            summary.findings[&("alert".into(), "HIGH".into(), "ml-data".into())],
            2
        );
        assert_eq!(summary.total("AlertsDelivered"), 3);
        assert_eq!(summary.value("AlertsDelivered", "pager"), 2);
        assert_eq!(summary.value("AlertsDelivered", "chat"), 0);
    }
}
