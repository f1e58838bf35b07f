//! Amazon CloudWatch: the pipeline's alarms and its dashboard. Alarms are always written in the
//! metric-math form (`Metrics`), which plain and anomaly-detection alarms share.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricStat, Tag,
};
use serde_json::{Map, Value, json};

use super::{json_document, sdk_err};
use crate::ports::*;
use crate::spec::*;

#[derive(Debug, Clone)]
pub struct CloudwatchAdapter {
    client: Client,
}

impl CloudwatchAdapter {
    pub fn new(config: &SdkConfig) -> CloudwatchAdapter {
        CloudwatchAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> CloudwatchAdapter {
        CloudwatchAdapter { client }
    }
}

/// A MetricDataQuery document (as the API spells it) as the SDK's type.
fn query(doc: &Value) -> MetricDataQuery {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let int = |v: &Value| v.as_i64().map(|n| n as i32);
    let stat = &doc["MetricStat"];
    let metric_stat = stat.is_object().then(|| {
        let metric = &stat["Metric"];
        let dimensions: Vec<Dimension> = metric["Dimensions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                Dimension::builder()
                    .set_name(text(&d["Name"]))
                    .set_value(text(&d["Value"]))
                    .build()
            })
            .collect();
        MetricStat::builder()
            .metric(
                Metric::builder()
                    .set_namespace(text(&metric["Namespace"]))
                    .set_metric_name(text(&metric["MetricName"]))
                    .set_dimensions(Some(dimensions))
                    .build(),
            )
            .set_period(int(&stat["Period"]))
            .set_stat(text(&stat["Stat"]))
            .build()
    });
    MetricDataQuery::builder()
        .set_id(text(&doc["Id"]))
        .set_expression(text(&doc["Expression"]))
        .set_metric_stat(metric_stat)
        .set_return_data(doc["ReturnData"].as_bool())
        .build()
}

/// The SDK's MetricDataQuery as the document Watchpost writes (same keys, same order).
fn document(query: &MetricDataQuery) -> Value {
    let mut doc = Map::new();
    if let Some(id) = query.id() {
        doc.insert("Id".into(), json!(id));
    }
    if let Some(expression) = query.expression() {
        doc.insert("Expression".into(), json!(expression));
    }
    if let Some(stat) = query.metric_stat() {
        let metric = stat.metric();
        let dimensions: Vec<Value> = metric
            .map(|m| m.dimensions())
            .unwrap_or_default()
            .iter()
            .map(|d| json!({ "Name": d.name(), "Value": d.value() }))
            .collect();
        doc.insert(
            "MetricStat".into(),
            json!({
                "Metric": {
                    "Namespace": metric.and_then(|m| m.namespace()),
                    "MetricName": metric.and_then(|m| m.metric_name()),
                    "Dimensions": dimensions,
                },
                "Period": stat.period(),
                "Stat": stat.stat(),
            }),
        );
    }
    if let Some(return_data) = query.return_data() {
        doc.insert("ReturnData".into(), json!(return_data));
    }
    Value::Object(doc)
}

impl CloudwatchPort for CloudwatchAdapter {
    async fn alarms(&self, prefix: &str) -> PortResult<BTreeMap<String, Found<AlarmSpec>>> {
        let mut found = BTreeMap::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .describe_alarms()
                .alarm_name_prefix(prefix)
                .alarm_types(AlarmType::MetricAlarm)
                .set_next_token(next.clone())
                .send()
                .await
                .map_err(sdk_err!("DescribeAlarms"))?;
            for alarm in out.metric_alarms() {
                let (Some(name), Some(arn)) = (alarm.alarm_name(), alarm.alarm_arn()) else {
                    continue;
                };
                let tags = self
                    .client
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send()
                    .await
                    .map_err(sdk_err!("ListTagsForResource"))?;
                let spec = AlarmSpec {
                    description: alarm.alarm_description().unwrap_or_default().to_owned(),
                    metrics: alarm.metrics().iter().map(document).collect(),
                    comparison_operator: alarm
                        .comparison_operator()
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_default(),
                    threshold: alarm.threshold(),
                    threshold_metric_id: alarm.threshold_metric_id().map(str::to_owned),
                    evaluation_periods: alarm.evaluation_periods().unwrap_or_default().max(0)
                        as u32,
                    datapoints_to_alarm: alarm
                        .datapoints_to_alarm()
                        .or(alarm.evaluation_periods())
                        .unwrap_or_default()
                        .max(0) as u32,
                    treat_missing_data: alarm.treat_missing_data().unwrap_or("missing").to_owned(),
                    alarm_actions: alarm.alarm_actions().to_vec(),
                    ok_actions: alarm.ok_actions().to_vec(),
                    tags: tags
                        .tags()
                        .iter()
                        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                        .collect(),
                };
                found.insert(name.to_owned(), Found::new(arn, spec));
            }
            next = out.next_token().map(str::to_owned);
            if next.is_none() {
                return Ok(found);
            }
        }
    }

    async fn put_alarm(&self, name: &str, spec: &AlarmSpec) -> PortResult<()> {
        let tags: Vec<Tag> = spec
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        self.client
            .put_metric_alarm()
            .alarm_name(name)
            .alarm_description(&spec.description)
            .set_metrics(Some(spec.metrics.iter().map(query).collect()))
            .comparison_operator(ComparisonOperator::from(spec.comparison_operator.as_str()))
            .set_threshold(spec.threshold)
            .set_threshold_metric_id(spec.threshold_metric_id.clone())
            .evaluation_periods(spec.evaluation_periods as i32)
            .datapoints_to_alarm(spec.datapoints_to_alarm as i32)
            .treat_missing_data(&spec.treat_missing_data)
            .set_alarm_actions(Some(spec.alarm_actions.clone()))
            .set_ok_actions(Some(spec.ok_actions.clone()))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(sdk_err!("PutMetricAlarm"))?;
        Ok(())
    }

    async fn tag_alarm(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let tags: Vec<Tag> = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        self.client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(sdk_err!("TagResource"))?;
        Ok(())
    }

    async fn delete_alarms(&self, names: &[String]) -> PortResult<()> {
        self.client
            .delete_alarms()
            .set_alarm_names(Some(names.to_vec()))
            .send()
            .await
            .map_err(sdk_err!("DeleteAlarms"))?;
        Ok(())
    }

    async fn dashboard(&self, name: &str) -> PortResult<Option<DashboardSpec>> {
        match self
            .client
            .get_dashboard()
            .dashboard_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(Some(DashboardSpec {
                body: out.dashboard_body().map(json_document).unwrap_or_default(),
            })),
            Err(err) => {
                let err = sdk_err!("GetDashboard", err);
                if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn put_dashboard(&self, name: &str, spec: &DashboardSpec) -> PortResult<()> {
        self.client
            .put_dashboard()
            .dashboard_name(name)
            .dashboard_body(spec.body.to_string())
            .send()
            .await
            .map_err(sdk_err!("PutDashboard"))?;
        Ok(())
    }

    async fn delete_dashboard(&self, name: &str) -> PortResult<()> {
        self.client
            .delete_dashboards()
            .dashboard_names(name)
            .send()
            .await
            .map_err(sdk_err!("DeleteDashboards"))?;
        Ok(())
    }

    async fn list_metrics(
        &self,
        namespace: &str,
        metric: &str,
    ) -> PortResult<Vec<BTreeMap<String, String>>> {
        let mut found = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .list_metrics()
                .namespace(namespace)
                .metric_name(metric)
                .set_next_token(next.clone())
                .send()
                .await
                .map_err(sdk_err!("ListMetrics"))?;
            for m in out.metrics() {
                found.push(
                    m.dimensions()
                        .iter()
                        .filter_map(|d| Some((d.name()?.to_owned(), d.value()?.to_owned())))
                        .collect(),
                );
            }
            next = out.next_token().map(str::to_owned);
            if next.is_none() {
                return Ok(found);
            }
        }
    }
}
