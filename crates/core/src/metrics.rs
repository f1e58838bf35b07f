//! Metric documents in CloudWatch Embedded Metric Format: findings by outcome, severity and
//! component, and the pipeline's own counters (metric names from `watchpost_contract::metric`). One document per distinct set of dimension values,
//! within EMF's limits (CloudWatch user guide, "Embedded metric format specification").

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use watchpost_contract::metric::FINDINGS;

/// EMF allows at most 100 metrics per document.
pub const EMF_MAX_METRICS: usize = 100;
/// EMF allows at most 30 dimensions per dimension set.
pub const EMF_MAX_DIMENSIONS: usize = 30;

/// Dimension sets every findings document declares: each view the dashboard needs.
const FINDING_DIMENSION_SETS: &[&[&str]] = &[
    &["Outcome"],
    &["Severity"],
    &["Component"],
    &["Outcome", "Component"],
    &["Outcome", "Severity"],
];

/// Counts accumulated over an invocation or a replay, then written as EMF documents.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MetricCounts {
    /// `(outcome, severity, component)` → findings.
    findings: BTreeMap<(String, String, String), u64>,
    /// `(metric, dimension name, dimension value)` → count, for the pipeline's own counters
    /// (alerts delivered per route, enrichment unavailable, …).
    counters: BTreeMap<(String, String, String), u64>,
}

impl MetricCounts {
    /// Counts one finding (or ignored/rejected event, with severity and component `none`).
    pub fn finding(&mut self, outcome: &str, severity: &str, component: &str) {
        *self
            .findings
            .entry((
                outcome.to_owned(),
                severity.to_owned(),
                component.to_owned(),
            ))
            .or_default() += 1;
    }

    /// Counts one occurrence of a pipeline metric, e.g. `("AlertsDelivered", "Route", "pager")`.
    pub fn count(&mut self, metric: &str, dimension: &str, value: &str) {
        *self
            .counters
            .entry((metric.to_owned(), dimension.to_owned(), value.to_owned()))
            .or_default() += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.counters.is_empty()
    }

    /// Adds another set of counts to this one.
    pub fn merge(&mut self, other: &MetricCounts) {
        for (k, v) in &other.findings {
            *self.findings.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.counters {
            *self.counters.entry(k.clone()).or_default() += v;
        }
    }

    /// The findings counts, for summaries.
    pub fn findings(&self) -> impl Iterator<Item = (&(String, String, String), &u64)> {
        self.findings.iter()
    }

    /// The EMF documents for these counts, stamped `timestamp_ms`.
    pub fn to_emf(&self, namespace: &str, timestamp_ms: i64) -> Vec<Value> {
        let mut documents = Vec::new();
        for ((outcome, severity, component), n) in &self.findings {
            let mut values = Map::new();
            values.insert("Outcome".into(), json!(outcome));
            values.insert("Severity".into(), json!(severity));
            values.insert("Component".into(), json!(component));
            documents.push(document(
                namespace,
                timestamp_ms,
                FINDING_DIMENSION_SETS,
                FINDINGS,
                *n,
                values,
            ));
        }
        for ((metric, dimension, value), n) in &self.counters {
            let mut values = Map::new();
            values.insert(dimension.clone(), json!(value));
            documents.push(document(
                namespace,
                timestamp_ms,
                &[&[dimension.as_str()], &[]],
                metric,
                *n,
                values,
            ));
        }
        documents
    }
}

fn document(
    namespace: &str,
    timestamp_ms: i64,
    dimension_sets: &[&[&str]],
    metric: &str,
    value: u64,
    mut members: Map<String, Value>,
) -> Value {
    debug_assert!(
        dimension_sets
            .iter()
            .all(|set| set.len() <= EMF_MAX_DIMENSIONS)
    );
    members.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": dimension_sets,
                "Metrics": [{ "Name": metric, "Unit": "Count" }],
            }],
        }),
    );
    members.insert(metric.into(), json!(value));
    Value::Object(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_document_per_dimension_combination_with_counts() {
        let mut counts = MetricCounts::default();
        counts.finding("alert", "HIGH", "ml-data");
        counts.finding("alert", "HIGH", "ml-data");
        counts.finding("suppressed", "LOW", "none");
        counts.count("AlertsDelivered", "Route", "pager");
        let docs = counts.to_emf("Watchpost", 1_700_000_000_000);
        assert_eq!(docs.len(), 3);
        let first = &docs[0];
        assert_eq!(first["Findings"], 2);
        assert_eq!(first["Component"], "ml-data");
        assert_eq!(
            first["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "Watchpost"
        );
        assert_eq!(first["_aws"]["Timestamp"], 1_700_000_000_000_i64);
        let metrics = first["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap();
        assert!(metrics.len() <= EMF_MAX_METRICS);
        assert_eq!(docs[2]["AlertsDelivered"], 1);
        assert_eq!(docs[2]["Route"], "pager");
    }
}
