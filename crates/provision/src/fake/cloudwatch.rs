//! CloudWatch: alarms and dashboards.

use std::collections::BTreeMap;

use super::FakeAccount;
use crate::ports::*;

impl CloudwatchPort for FakeAccount {
    async fn alarms(&self, prefix: &str) -> PortResult<BTreeMap<String, (String, AlarmSpec)>> {
        let s = self.call("DescribeAlarms");
        Ok(s.alarms
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, spec)| {
                (
                    name.clone(),
                    (
                        self.arn("cloudwatch", &format!("alarm:{name}")),
                        spec.clone(),
                    ),
                )
            })
            .collect())
    }
    async fn put_alarm(&self, name: &str, spec: &AlarmSpec) -> PortResult<()> {
        self.call("PutMetricAlarm")
            .alarms
            .insert(name.to_owned(), spec.clone());
        Ok(())
    }
    async fn delete_alarms(&self, names: &[String]) -> PortResult<()> {
        self.call("DeleteAlarms")
            .alarms
            .retain(|name, _| !names.contains(name));
        Ok(())
    }
    async fn dashboard(&self, name: &str) -> PortResult<Option<DashboardSpec>> {
        Ok(self.call("GetDashboard").dashboards.get(name).cloned())
    }
    async fn put_dashboard(&self, name: &str, spec: &DashboardSpec) -> PortResult<()> {
        self.call("PutDashboard")
            .dashboards
            .insert(name.to_owned(), spec.clone());
        Ok(())
    }
    async fn delete_dashboard(&self, name: &str) -> PortResult<()> {
        self.call("DeleteDashboards").dashboards.remove(name);
        Ok(())
    }
}
