//! CloudWatch: alarms, dashboards, and the metrics that have data (ListMetrics).

use std::collections::BTreeMap;

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl CloudwatchPort for FakeAccount {
    async fn alarms(&self, prefix: &str) -> PortResult<BTreeMap<String, Found<AlarmSpec>>> {
        let s = self.call("DescribeAlarms");
        Ok(s.alarms
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, spec)| {
                (
                    name.clone(),
                    Found::new(
                        self.arn("cloudwatch", &format!("alarm:{name}")),
                        spec.clone(),
                    ),
                )
            })
            .collect())
    }
    async fn put_alarm(&self, name: &str, spec: &AlarmSpec) -> PortResult<()> {
        let mut s = self.call("PutMetricAlarm");
        // As CloudWatch does: the tags of a PutMetricAlarm apply only to a new alarm.
        let tags = match s.alarms.get(name) {
            Some(had) => had.tags.clone(),
            None => spec.tags.clone(),
        };
        let existed = s
            .alarms
            .insert(
                name.to_owned(),
                AlarmSpec {
                    tags,
                    ..spec.clone()
                },
            )
            .is_some();
        if existed {
            s.changed(Thing::Alarm(name.to_owned()));
        } else {
            s.made(Thing::Alarm(name.to_owned()));
        }
        Ok(())
    }
    async fn tag_alarm(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let name = arn
            .rsplit_once(":alarm:")
            .map(|(_, n)| n.to_owned())
            .unwrap_or_default();
        let alarm = s
            .alarms
            .get_mut(&name)
            .ok_or_else(|| not_found("TagResource", arn))?;
        alarm.tags.extend(tags.clone());
        s.changed(Thing::Alarm(name));
        Ok(())
    }
    async fn delete_alarms(&self, names: &[String]) -> PortResult<()> {
        let mut s = self.call("DeleteAlarms");
        for name in names {
            if s.alarms.remove(name).is_some() {
                s.deleted(Thing::Alarm(name.clone()));
            }
        }
        Ok(())
    }
    async fn dashboard(&self, name: &str) -> PortResult<Option<DashboardSpec>> {
        Ok(self.call("GetDashboard").dashboards.get(name).cloned())
    }
    async fn put_dashboard(&self, name: &str, spec: &DashboardSpec) -> PortResult<()> {
        let mut s = self.call("PutDashboard");
        if s.dashboards.insert(name.to_owned(), spec.clone()).is_some() {
            s.changed(Thing::Dashboard(name.to_owned()));
        } else {
            s.made(Thing::Dashboard(name.to_owned()));
        }
        Ok(())
    }
    async fn delete_dashboard(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteDashboards");
        if s.dashboards.remove(name).is_some() {
            s.deleted(Thing::Dashboard(name.to_owned()));
        }
        Ok(())
    }
    async fn list_metrics(
        &self,
        namespace: &str,
        metric: &str,
    ) -> PortResult<Vec<BTreeMap<String, String>>> {
        Ok(self
            .call("ListMetrics")
            .metrics
            .iter()
            .filter(|(ns, name, _)| ns == namespace && name == metric)
            .map(|(_, _, dims)| dims.clone())
            .collect())
    }
}
