//! Amazon CloudWatch: alarms, the dashboard, and the metrics that have data.

use std::collections::BTreeMap;

use super::common::{Found, PortResult};
use crate::spec::{AlarmSpec, DashboardSpec, Tags};

pub trait CloudwatchPort {
    /// The alarms whose names start with `prefix`, with their tags, by name (their ids are
    /// their ARNs).
    async fn alarms(&self, prefix: &str) -> PortResult<BTreeMap<String, Found<AlarmSpec>>>;
    /// PutMetricAlarm (creates or replaces). Its tags apply only when it creates the alarm:
    /// CloudWatch ignores them on an existing one (see `tag_alarm`).
    async fn put_alarm(&self, name: &str, spec: &AlarmSpec) -> PortResult<()>;
    /// Tags an existing alarm (TagResource).
    async fn tag_alarm(&self, arn: &str, tags: &Tags) -> PortResult<()>;
    async fn delete_alarms(&self, names: &[String]) -> PortResult<()>;
    async fn dashboard(&self, name: &str) -> PortResult<Option<DashboardSpec>>;
    async fn put_dashboard(&self, name: &str, spec: &DashboardSpec) -> PortResult<()>;
    async fn delete_dashboard(&self, name: &str) -> PortResult<()>;
    /// ListMetrics: the dimension sets (name → value) of `metric` in `namespace` that had data
    /// in the last two weeks.
    async fn list_metrics(
        &self,
        namespace: &str,
        metric: &str,
    ) -> PortResult<Vec<BTreeMap<String, String>>>;
}
