//! `[detections]` and `[usage]`: every detection rule resolves against the default set, and the
//! numbers are ones CloudWatch takes.

use super::{Checked, Source, is_account_id};
use crate::config::{Config, detections};

/// Checks `[detections]` and `[usage]`.
pub(super) fn detections_and_usage(config: &Config, src: &Source<'_>) -> Checked {
    if let Err(err) = detections::resolve(&config.detections) {
        let id = &config.detections.rules[err.index].id;
        return src.fail_text(
            format!("detections.rules[{}].{}", err.index, err.key),
            &format!("\"{id}\""),
            err.message,
            &err.hint,
        );
    }
    let accounts = config
        .detections
        .allow_accounts
        .iter()
        .map(|a| ("detections.allow_accounts".to_owned(), a))
        .chain(
            config
                .detections
                .rules
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    r.allow_accounts
                        .iter()
                        .map(move |a| (format!("detections.rules[{i}].allow_accounts"), a))
                }),
        );
    for (key, account) in accounts {
        if !is_account_id(account) {
            return src.fail_text(
                key,
                &format!("\"{account}\""),
                format!("`{account}` is not an AWS account id"),
                "write the 12-digit account id as a string",
            );
        }
    }
    if config.usage.discover_max > 100 {
        return src.fail_text(
            "usage.discover_max".into(),
            "discover_max",
            format!(
                "{} models and endpoints is too many alarms",
                config.usage.discover_max
            ),
            "use at most 100: each model gets one alarm per metric (list them instead)",
        );
    }
    for (name, metric) in &config.usage.metrics {
        let key = format!("usage.metrics.{name}");
        if !(metric.band > 0.0 && metric.band <= 100.0) {
            return src.fail_text(
                key,
                name,
                format!("band {} is not a band width", metric.band),
                "the band is a number of standard deviations, e.g. 2 or 3",
            );
        }
        if !is_alarm_period(metric.period_s) {
            return src.fail_text(
                key,
                name,
                format!("period_s {} is not an alarm period", metric.period_s),
                "CloudWatch takes 10, 20, 30 or a multiple of 60 seconds",
            );
        }
        if metric.evaluation_periods == 0
            || metric.datapoints_to_alarm == 0
            || metric.datapoints_to_alarm > metric.evaluation_periods
        {
            return src.fail_text(
                key,
                name,
                format!(
                    "{} of {} datapoints cannot make an alarm",
                    metric.datapoints_to_alarm, metric.evaluation_periods
                ),
                "use 1 ≤ datapoints_to_alarm ≤ evaluation_periods",
            );
        }
    }
    for (i, price) in config.usage.prices.iter().enumerate() {
        let rates = [
            price.input_per_1k_tokens,
            price.output_per_1k_tokens,
            price.per_invocation,
        ];
        if rates
            .iter()
            .flatten()
            .any(|r| !(r.is_finite() && *r >= 0.0))
        {
            return src.fail_text(
                format!("usage.prices[{i}]"),
                price.model.as_str(),
                "a price is negative or not a number".into(),
                "write prices in USD, e.g. input_per_1k_tokens = 0.003",
            );
        }
    }
    Ok(())
}

/// CloudWatch alarm periods: 10, 20, 30 or a multiple of 60 seconds (PutMetricAlarm: Period).
fn is_alarm_period(seconds: u32) -> bool {
    matches!(seconds, 10 | 20 | 30) || (seconds >= 60 && seconds.is_multiple_of(60))
}
