//! State changes of Watchpost's usage alarms (`CloudWatch Alarm State Change`; shapes from the
//! CloudWatch user guide, "Alarm events and EventBridge", anomaly-detection alarm example):
//! ALARM becomes an alert on the model or endpoint, OK after ALARM a "resolved" follow-up on the
//! same chat thread. Severity comes from how far above the band the latest datapoint is and how
//! long it has been outside; the cost per hour is estimated from the config's price table, never
//! from prices of our own.
//!
//! Alert state: a firing alarm is keyed by the alarm's name and counted by the time of its state
//! change, so a redelivered event is a duplicate and a flap (ALARM → OK → ALARM) is an update
//! that re-alerts only when its band rose or after the re-notify interval. The resolved
//! follow-up has its own key (`<alarm>/resolved`) under the same rule.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::read_detail;
use crate::config::Config;
use crate::config::defaults::USAGE_ALARM_INFIX;
use crate::finding::{Observation, Origin, ParsedEvent, SourcedFinding, UsageChange};
use crate::guardduty::timestamp::{format_time, parse_time};
use crate::links::{EntityLink, console_host, console_link, encode};
use crate::severity::raise_one_band;
use crate::text::clip;

/// Longest alarm name CloudWatch accepts (PutMetricAlarm: AlarmName, 255).
const ALARM_NAME_MAX_CHARS: usize = 255;
/// An alarm outside its band this long is raised one band.
const SUSTAINED_SECONDS: u32 = 3_600;
/// Detective profiles look this far around the alarm.
const SCOPE_MARGIN_SECONDS: i64 = 3_600;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    alarm_name: String,
    state: State,
    #[serde(default)]
    previous_state: Option<State>,
    #[serde(default)]
    configuration: Option<Configuration>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct State {
    value: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    reason_data: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Configuration {
    #[serde(default)]
    metrics: Vec<MetricQuery>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetricQuery {
    #[serde(default)]
    metric_stat: Option<MetricStat>,
}

#[derive(Debug, Deserialize)]
struct MetricStat {
    metric: Metric,
    #[serde(default)]
    period: Option<f64>,
    #[serde(default)]
    stat: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Metric {
    namespace: String,
    name: String,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
}

/// `reasonData` of an anomaly-detection alarm: the latest datapoints and the band around each.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReasonData {
    #[serde(default)]
    period: Option<f64>,
    #[serde(default)]
    recent_datapoints: Vec<f64>,
    #[serde(default)]
    recent_lower_thresholds: Vec<f64>,
    #[serde(default)]
    recent_upper_thresholds: Vec<f64>,
}

/// Parses an alarm state change; only Watchpost's usage alarms are findings.
pub fn parse(event: &Value, config: &Config) -> ParsedEvent {
    let detail: Detail = match read_detail(event, "an alarm state change carries the alarm there") {
        Ok(detail) => detail,
        Err(rejected) => return rejected,
    };
    let name = clip(&detail.alarm_name, ALARM_NAME_MAX_CHARS);
    let prefix = format!("{}{USAGE_ALARM_INFIX}", config.watchpost.stack);
    if !detail.alarm_name.starts_with(&prefix) {
        return ParsedEvent::Ignored(format!(
            "alarm `{}` is not one of this stack's usage alarms ({prefix}…)",
            clip(&name, 80)
        ));
    }
    let previous = detail.previous_state.as_ref().map(|s| s.value.as_str());
    let (resolved, measured) = match (detail.state.value.as_str(), previous) {
        ("ALARM", _) => (false, &detail.state),
        ("OK", Some("ALARM")) => match &detail.previous_state {
            Some(previous) => (true, previous),
            None => unreachable!("matched Some above"),
        },
        (value, previous) => {
            return ParsedEvent::Ignored(format!(
                "usage alarm `{}` went {} → {}: nothing to alert or resolve",
                clip(&name, 80),
                clip(previous.unwrap_or("(none)"), 20),
                clip(value, 20)
            ));
        }
    };
    let Some(stat) = detail
        .configuration
        .unwrap_or_default()
        .metrics
        .into_iter()
        .find_map(|m| m.metric_stat)
    else {
        return ParsedEvent::Rejected(
            "`detail.configuration.metrics`: no metricStat; a usage alarm watches one metric"
                .into(),
        );
    };
    let data: ReasonData = measured
        .reason_data
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    // The alarm's ARN, read once: the alert's link and, for an event without the envelope's
    // account or region (sent by hand, a replayed detail), where they come from
    // (`arn:aws:cloudwatch:<region>:<account>:alarm:…`).
    let event_arn = event
        .get("resources")
        .and_then(|r| r.get(0))
        .and_then(Value::as_str);
    let arn_field = |index: usize| event_arn.and_then(|arn| arn.split(':').nth(index));
    let envelope = |field: &str| {
        event
            .get(field)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
    };
    let account = envelope("account")
        .or_else(|| arn_field(4))
        .unwrap_or("")
        .to_owned();
    let region = envelope("region")
        .or_else(|| arn_field(3))
        .unwrap_or("")
        .to_owned();
    let change_time = detail.state.timestamp.as_deref().and_then(alarm_time);
    let started = measured.timestamp.as_deref().and_then(alarm_time);
    let change = change(&name, resolved, &stat, &data, measured, config);
    let in_alarm_for_s = match (resolved, started, change_time) {
        (true, Some(start), Some(end)) => Some((end - start).whole_seconds().max(0)),
        _ => None,
    };
    let score = score(&change);
    build(
        change,
        in_alarm_for_s,
        score,
        &account,
        &region,
        started,
        change_time,
        event_arn,
        config,
    )
}

fn change(
    name: &str,
    resolved: bool,
    stat: &MetricStat,
    data: &ReasonData,
    measured: &State,
    config: &Config,
) -> UsageChange {
    let metric = &stat.metric;
    // `ModelId` in AWS/Bedrock, `Model` in AWS/BedrockMantle (Bedrock's OpenAI-compatible
    // endpoint).
    let model = (metric.dimensions.get("ModelId")).or_else(|| {
        metric
            .dimensions
            .get("Model")
            .filter(|_| metric.dimensions.len() == 1)
    });
    let (target_kind, target) = if let Some(model) = model {
        ("model", clip(model, 200))
    } else if let Some(endpoint) = metric.dimensions.get("EndpointName") {
        let variant = metric
            .dimensions
            .get("VariantName")
            .map(|v| format!(" / {}", clip(v, 100)))
            .unwrap_or_default();
        ("endpoint", format!("{}{variant}", clip(endpoint, 200)))
    } else {
        let dims = metric
            .dimensions
            .iter()
            .map(|(k, v)| format!("{}={}", clip(k, 40), clip(v, 100)))
            .collect::<Vec<_>>()
            .join(", ");
        ("dimensions", clip(&dims, 200))
    };
    let finite = |v: &f64| v.is_finite();
    let observed = data.recent_datapoints.last().copied().filter(finite);
    let upper = data.recent_upper_thresholds.last().copied().filter(finite);
    let lower = data.recent_lower_thresholds.last().copied().filter(finite);
    let period = data
        .period
        .or(stat.period)
        .filter(|p| p.is_finite() && *p >= 1.0)
        .map_or(config.usage.metric(&metric.name).period_s, |p| {
            p.min(f64::from(u32::MAX)) as u32
        });
    // The latest datapoints outside their band, counted back from the newest.
    let outside = data
        .recent_datapoints
        .iter()
        .enumerate()
        .rev()
        .take_while(|(i, v)| {
            let above = data.recent_upper_thresholds.get(*i).is_some_and(|u| *v > u);
            let below = data.recent_lower_thresholds.get(*i).is_some_and(|l| *v < l);
            above || below
        })
        .count() as u32;
    let (cost_per_hour, cost_per_hour_at_band, cost_note) = cost(
        &metric.name,
        target_kind,
        &target,
        observed,
        upper,
        period,
        config,
    );
    UsageChange {
        alarm_name: name.to_owned(),
        resolved,
        namespace: clip(&metric.namespace, 100),
        metric: clip(&metric.name, 100),
        statistic: stat.stat.as_deref().map(|s| clip(s, 40)),
        target_kind,
        target,
        observed,
        lower,
        upper,
        period_s: period,
        outside_for_s: outside.saturating_mul(period),
        in_alarm_for_s: None,
        cost_per_hour,
        cost_per_hour_at_band,
        cost_note,
        reason: clip(measured.reason.as_deref().unwrap_or(""), 500),
        thread_key: String::new(),
        account_profile: console_link("", String::new()),
        alarm_url: String::new(),
        logs_url: None,
    }
}

/// The estimated cost per hour at the observed rate and at the band's upper edge, from the
/// config's price for the model; or why there is none.
fn cost(
    metric: &str,
    target_kind: &str,
    target: &str,
    observed: Option<f64>,
    upper: Option<f64>,
    period_s: u32,
    config: &Config,
) -> (Option<f64>, Option<f64>, String) {
    if target_kind != "model" {
        return (
            None,
            None,
            "no estimate: endpoints are billed per instance-hour".into(),
        );
    }
    let Some(price) = config.usage.price(target) else {
        return (
            None,
            None,
            format!("no estimate: [[usage.prices]] has no price for {target}"),
        );
    };
    let per_unit = match metric {
        "InputTokenCount" | "TotalInputTokens" => price.input_per_1k_tokens.map(|p| p / 1_000.0),
        "OutputTokenCount" | "TotalOutputTokens" => price.output_per_1k_tokens.map(|p| p / 1_000.0),
        "Invocations" | "Inferences" => price.per_invocation,
        _ => None,
    };
    let Some(per_unit) = per_unit else {
        return (
            None,
            None,
            format!(
                "no estimate: the price for {} has no rate for {metric}",
                price.model.as_str()
            ),
        );
    };
    let per_hour = |value: f64| value * 3_600.0 / f64::from(period_s.max(1)) * per_unit;
    (
        observed.map(per_hour),
        upper.map(per_hour),
        format!(
            "estimate from the config's price for {} (usage.prices), not a bill",
            price.model.as_str()
        ),
    )
}

/// Severity from how far above the band and for how long:
/// - below the band (a drop, only on two-sided alarms): 3.0 LOW;
/// - above it by less than 2× its upper edge: 5.0 MEDIUM; 2× to 5×: 7.0 HIGH; 5× or more
///   (or above a band whose edge is 0): 8.0 HIGH;
/// - no datapoints in the alarm's reason: 4.0 MEDIUM;
/// - outside the band for an hour or more: one band higher.
fn score(change: &UsageChange) -> f64 {
    let base = match (change.observed, change.upper, change.lower) {
        (Some(v), _, Some(l)) if v < l => 3.0,
        (Some(v), Some(u), _) if u > 0.0 => match v / u {
            r if r >= 5.0 => 8.0,
            r if r >= 2.0 => 7.0,
            _ => 5.0,
        },
        (Some(v), Some(_), _) if v > 0.0 => 8.0,
        (Some(_), _, _) => 5.0,
        (None, _, _) => 4.0,
    };
    if change.outside_for_s >= SUSTAINED_SECONDS {
        raise_one_band(base)
    } else {
        base
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    mut change: UsageChange,
    in_alarm_for_s: Option<i64>,
    score: f64,
    account: &str,
    region: &str,
    started: Option<OffsetDateTime>,
    change_time: Option<OffsetDateTime>,
    event_arn: Option<&str>,
    config: &Config,
) -> ParsedEvent {
    change.in_alarm_for_s = in_alarm_for_s;
    let alarm_arn = event_arn.map(|a| clip(a, 512)).unwrap_or_else(|| {
        format!(
            "arn:aws:cloudwatch:{region}:{account}:alarm:{}",
            change.alarm_name
        )
    });
    let partition = alarm_arn
        .split(':')
        .nth(1)
        .filter(|p| p.starts_with("aws"))
        .unwrap_or("aws")
        .to_owned();
    let host = console_host(&partition);
    let region_q = encode(&clip(region, 40));
    let when = change_time.or(started);
    let unix = when.map_or(0, |t| t.unix_timestamp());
    change.alarm_url = format!(
        "https://{host}/cloudwatch/home?region={region_q}#alarmsV2:alarm/{}",
        encode(&change.alarm_name)
    );
    change.logs_url = config
        .usage
        .invocation_log_group
        .as_deref()
        .filter(|_| change.namespace == "AWS/Bedrock")
        .map(|group| logs_insights(host, &region_q, group, &change.target, unix));
    let scope_start = started.map_or(unix, |t| t.unix_timestamp()) - SCOPE_MARGIN_SECONDS;
    change.account_profile = EntityLink {
        entity: format!("AwsAccount {}", clip(account, 20)),
        url: format!(
            "https://{host}/detective/home?region={region_q}#entities/AwsAccount/{}?scopeStart={scope_start}&scopeEnd={}",
            encode(&clip(account, 20)),
            unix + SCOPE_MARGIN_SECONDS
        ),
    };
    change.thread_key = format!(
        "{}/{}/{}",
        clip(account, 20),
        clip(region, 40),
        change.alarm_name
    );
    let id = if change.resolved {
        format!("{}/resolved", change.alarm_name)
    } else {
        change.alarm_name.clone()
    };
    let time = when.map(format_time).unwrap_or_default();
    let first = if change.resolved {
        started.map(format_time).unwrap_or_else(|| time.clone())
    } else {
        time.clone()
    };
    let service = change.namespace.trim_start_matches("AWS/").to_owned();
    let title = if change.resolved {
        format!("{} back within its expected band", change.what())
    } else {
        format!("{} outside its expected band", change.what())
    };
    let resource_type = if change.target_kind == "endpoint" {
        "SageMakerEndpoint"
    } else {
        "BedrockModel"
    };
    let models: Vec<Value> = if change.target_kind == "model" {
        vec![json!({ "modelId": change.target })]
    } else {
        Vec::new()
    };
    let value = json!({
        "schemaVersion": "2.0",
        "accountId": clip(account, 20),
        "region": clip(region, 40),
        "partition": partition,
        "id": id,
        "arn": alarm_arn,
        "type": format!("Watchpost:Usage/{service}.{}", change.metric),
        "severity": score,
        "title": title,
        "description": change.reason,
        "createdAt": first,
        "updatedAt": time,
        "resource": {
            "resourceType": resource_type,
            "modelDetails": models,
        },
        "service": {
            "serviceName": "watchpost",
            // The time of the state change counts updates: a redelivery is a duplicate, the
            // next state change an update.
            "count": unix.max(1),
            "archived": false,
            "eventFirstSeen": first,
            "eventLastSeen": time,
        },
    });
    let finding = serde_json::from_value(value)
        .expect("a finding built from bounded strings and numbers deserialises");
    ParsedEvent::Findings {
        findings: vec![SourcedFinding {
            finding,
            origin: Origin::UsageAlarm,
            observation: Some(Observation::Usage(change)),
        }],
        rejected: Vec::new(),
    }
}

/// Logs Insights on the invocation log group, filtered to the model, around the alarm.
fn logs_insights(host: &str, region: &str, group: &str, model: &str, at: i64) -> String {
    // Logs Insights reads its state from a `queryDetail` fragment in its own encoding: values
    // after `~'`, with `*` escaping special characters as `*XX` hex, and the whole fragment
    // percent-encoded once more as `$XX`.
    let query = format!(
        "fields @timestamp, identity.arn, modelId, input.inputTokenCount, output.outputTokenCount | filter modelId like '{}' | sort @timestamp desc | limit 100",
        model.replace('\'', "")
    );
    let detail = format!(
        "~(end~'{}~start~'{}~timeType~'ABSOLUTE~editorString~'{}~source~(~'{}))",
        iso(at + SCOPE_MARGIN_SECONDS),
        iso(at - SCOPE_MARGIN_SECONDS),
        star_encode(&query),
        star_encode(group)
    );
    let fragment = format!("logs-insights?queryDetail={detail}")
        .replace('%', "$25")
        .replace('?', "$3F")
        .replace('=', "$3D");
    format!("https://{host}/cloudwatch/home?region={region}#logsV2:{fragment}")
}

fn iso(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(format_time)
        .unwrap_or_default()
}

/// The console's `*XX` escaping of a value: unreserved characters stay.
fn star_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("*{byte:02x}"));
        }
    }
    out
}

/// Alarm timestamps are written `2019-10-03T16:00:04.653+0000` (no colon in the offset).
fn alarm_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let split = text
        .len()
        .checked_sub(5)
        .filter(|at| text.is_char_boundary(*at))
        .map(|at| text.split_at(at));
    let fixed = match split {
        Some((head, offset))
            if (offset.starts_with('+') || offset.starts_with('-'))
                && offset[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{head}{}:{}", &offset[..3], &offset[3..])
        }
        _ => text.to_owned(),
    };
    parse_time(&fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_timestamps_without_a_colon_in_the_offset_are_read() {
        let at = alarm_time("2019-10-03T16:00:04.653+0000").unwrap();
        assert_eq!(at.unix_timestamp(), 1_570_118_404);
        assert!(alarm_time("2019-10-03T16:00:04Z").is_some());
        assert!(alarm_time("soon").is_none());
    }

    /// A usage alarm on Bedrock's OpenAI-compatible endpoint (`AWS/BedrockMantle`, dimension
    /// `Model`) names its model and prices its tokens like one of `AWS/Bedrock`.
    #[test]
    fn a_mantle_alarm_names_its_model_and_prices_its_tokens() {
        let config = Config::from_toml(
            "[[usage.prices]]\nmodel = \"openai.gpt-oss*\"\noutput_per_1k_tokens = 0.01\n",
            "mantle.toml",
        )
        .unwrap();
        let event = json!({
            "account": "111122223333",
            "region": "us-east-1",
            "detail": {
                "alarmName": "watchpost-usage-bedrockmantle-TotalOutputTokens-openai.gpt-oss-120b",
                "state": {
                    "value": "ALARM",
                    "reasonData": "{\"period\": 300, \"recentDatapoints\": [60000.0], \"recentUpperThresholds\": [1000.0], \"recentLowerThresholds\": [0.0]}",
                    "timestamp": "2026-11-20T03:30:04.653+0000"
                },
                "previousState": { "value": "OK" },
                "configuration": { "metrics": [{ "id": "usage", "metricStat": {
                    "metric": { "namespace": "AWS/BedrockMantle", "name": "TotalOutputTokens",
                                "dimensions": { "Model": "openai.gpt-oss-120b" } },
                    "period": 300, "stat": "Sum" } }] }
            }
        });
        let ParsedEvent::Findings { findings, .. } = parse(&event, &config) else {
            panic!("a finding");
        };
        let Some(Observation::Usage(change)) = &findings[0].observation else {
            panic!("a usage observation");
        };
        assert_eq!(
            (change.target_kind, change.target.as_str()),
            ("model", "openai.gpt-oss-120b")
        );
        // 60 000 tokens per 5 minutes at $0.01 per 1 000: $7.20 an hour.
        let cost = change.cost_per_hour.unwrap();
        assert!((cost - 7.2).abs() < 1e-9, "{cost}");
    }

    /// An event without the envelope's account and region (sent by hand, or the detail of a
    /// replayed one) takes them from its alarm's ARN: an alert with no account cannot be
    /// published (SNS refuses an empty attribute) and its links would point nowhere.
    #[test]
    fn an_event_without_account_or_region_takes_them_from_the_alarm_arn() {
        let config = Config::default();
        let event = json!({
            "account": "",
            "resources": ["arn:aws:cloudwatch:eu-west-1:444455556666:alarm:watchpost-usage-bedrock-Invocations-m"],
            "detail": {
                "alarmName": "watchpost-usage-bedrock-Invocations-m",
                "state": { "value": "ALARM", "timestamp": "2026-11-20T03:30:04.653+0000" },
                "previousState": { "value": "OK" },
                "configuration": { "metrics": [{ "id": "usage", "metricStat": {
                    "metric": { "namespace": "AWS/Bedrock", "name": "Invocations",
                                "dimensions": { "ModelId": "m" } },
                    "period": 300, "stat": "Sum" } }] }
            }
        });
        let ParsedEvent::Findings { findings, .. } = parse(&event, &config) else {
            panic!("a finding");
        };
        let finding = &findings[0].finding;
        assert_eq!(
            (finding.account_id.as_str(), finding.region.as_str()),
            ("444455556666", "eu-west-1")
        );
    }
}
