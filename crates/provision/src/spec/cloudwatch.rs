//! Amazon CloudWatch's kinds: an alarm and the dashboard.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::value::Tags;

/// An alarm, always in the metric-math form (`metrics` are MetricDataQuery documents as the
/// API spells them), so plain and anomaly-detection alarms share one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmSpec {
    pub description: String,
    pub metrics: Vec<Value>,
    pub comparison_operator: String,
    pub threshold: Option<f64>,
    pub threshold_metric_id: Option<String>,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub treat_missing_data: String,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub tags: Tags,
}

/// A dashboard's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardSpec {
    pub body: Value,
}
