//! Metrics through CloudWatch PutMetricData, for runs outside Lambda. The datums are those
//! CloudWatch would extract from the same counts' EMF documents: one per dimension set.

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use serde_json::Value;
use watchpost_core::metrics::MetricCounts;

use crate::error::PortError;
use crate::ports::MetricsSink;

/// PutMetricData takes at most 1,000 datums per call (CloudWatch API reference,
/// PutMetricData: MetricData).
pub const PUT_METRIC_DATA_MAX_DATUMS: usize = 1_000;

/// [`MetricsSink`] over PutMetricData.
#[derive(Debug, Clone)]
pub struct PutMetricData {
    client: Client,
    namespace: String,
}

impl PutMetricData {
    pub fn new(client: Client, namespace: impl Into<String>) -> Self {
        PutMetricData {
            client,
            namespace: namespace.into(),
        }
    }
}

/// One datum in our terms: metric, value, `(dimension, value)` pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    pub metric: String,
    pub value: f64,
    pub dimensions: Vec<(String, String)>,
}

/// One datum for each dimension set of each EMF document.
pub fn datums_of(counts: &MetricCounts, namespace: &str) -> Vec<Datum> {
    let mut datums = Vec::new();
    for document in counts.to_emf(namespace, 0) {
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        let Some(metric) = directive["Metrics"][0]["Name"].as_str() else {
            continue;
        };
        let value = document[metric].as_f64().unwrap_or(0.0);
        for set in directive["Dimensions"].as_array().into_iter().flatten() {
            let dimensions = set
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|name| Some((name.to_owned(), document[name].as_str()?.to_owned())))
                .collect();
            datums.push(Datum {
                metric: metric.to_owned(),
                value,
                dimensions,
            });
        }
    }
    datums
}

impl MetricsSink for PutMetricData {
    async fn emit(&self, counts: &MetricCounts, timestamp_ms: i64) -> Result<(), PortError> {
        let timestamp = DateTime::from_millis(timestamp_ms);
        let datums: Vec<MetricDatum> = datums_of(counts, &self.namespace)
            .into_iter()
            .map(
                |Datum {
                     metric,
                     value,
                     dimensions,
                 }| {
                    MetricDatum::builder()
                        .metric_name(metric)
                        .value(value)
                        .unit(StandardUnit::Count)
                        .timestamp(timestamp)
                        .set_dimensions(Some(
                            dimensions
                                .into_iter()
                                .map(|(name, value)| {
                                    Dimension::builder().name(name).value(value).build()
                                })
                                .collect(),
                        ))
                        .build()
                },
            )
            .collect();
        for batch in datums.chunks(PUT_METRIC_DATA_MAX_DATUMS) {
            self.client
                .put_metric_data()
                .namespace(&self.namespace)
                .set_metric_data(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|err| super::port_error("cloudwatch", err))?;
        }
        Ok(())
    }
}
