//! `[detections]` and `[usage]`: every detection rule resolves against the default set, and the
//! numbers are ones CloudWatch takes.

use super::{Checked, Source, is_account_id, suggest};
use crate::config::locate::{Target, key_segment};
use crate::config::{Config, detections};
use crate::usage_metrics;

/// Checks `[detections]` and `[usage]`.
pub(super) fn detections_and_usage(config: &Config, src: &Source<'_>) -> Checked {
    if let Err(err) = detections::resolve(&config.detections) {
        // The key at fault, or the rule's id when the rule leaves that key out.
        let rule = format!("detections.rules[{}]", err.index);
        return src.fail_at(
            &[
                (&format!("{rule}.{}", err.key), Target::Value),
                (&format!("{rule}.id"), Target::Value),
            ],
            err.message,
            &err.hint,
        );
    }
    let principals = config
        .detections
        .allow_principals
        .iter()
        .enumerate()
        .map(|(j, p)| (format!("detections.allow_principals[{j}]"), p))
        .chain(
            config
                .detections
                .rules
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    r.allow_principals.iter().enumerate().map(move |(j, p)| {
                        (format!("detections.rules[{i}].allow_principals[{j}]"), p)
                    })
                }),
        );
    for (key, pattern) in principals {
        if detections::is_session_arn(pattern.as_str()) {
            return src.fail(
                &key,
                format!("`{}` names a role session, whose name its caller chooses", pattern.as_str()),
                "allowlists match the caller's IAM user or role (the session's issuer), never a session: write the role's ARN, e.g. arn:aws:iam::123456789012:role/ml-platform-admin",
            );
        }
    }
    for (j, deployer) in config.detections.deployers.iter().enumerate() {
        if !is_identity_arn(deployer) {
            return src.fail(
                &format!("detections.deployers[{j}]"),
                format!("`{deployer}` is not the ARN of an IAM user or role"),
                "name each deployer by its exact ARN, e.g. arn:aws:iam::123456789012:role/watchpost-deployer (no wildcards, no role session)",
            );
        }
    }
    let accounts = config
        .detections
        .allow_accounts
        .iter()
        .enumerate()
        .map(|(j, a)| (format!("detections.allow_accounts[{j}]"), a))
        .chain(
            config
                .detections
                .rules
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    r.allow_accounts.iter().enumerate().map(move |(j, a)| {
                        (format!("detections.rules[{i}].allow_accounts[{j}]"), a)
                    })
                }),
        );
    for (key, account) in accounts {
        if !is_account_id(account) {
            return src.fail(
                &key,
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
    let known = usage_metrics::metric_names();
    for (name, metric) in &config.usage.metrics {
        let table = format!("usage.metrics.{}", key_segment(name));
        if !known.contains(&name.as_str()) {
            return src.fail_at(
                &[(&table, Target::Key)],
                format!("`{name}` is not a metric the usage alarms watch"),
                suggest(name, &known),
            );
        }
        // Each check points at the setting at fault, or at the metric's key when the file
        // leaves that setting to its default.
        let at = |setting: &str| format!("{table}.{setting}");
        if !(metric.band > 0.0 && metric.band <= 100.0) {
            return src.fail_at(
                &[(&at("band"), Target::Value), (&table, Target::Key)],
                format!("band {} is not a band width", metric.band),
                "the band is a number of standard deviations, e.g. 2 or 3",
            );
        }
        if !is_alarm_period(metric.period_s) {
            return src.fail_at(
                &[(&at("period_s"), Target::Value), (&table, Target::Key)],
                format!("period_s {} is not an alarm period", metric.period_s),
                "CloudWatch takes 10, 20, 30 or a multiple of 60 seconds",
            );
        }
        if metric.evaluation_periods == 0
            || metric.datapoints_to_alarm == 0
            || metric.datapoints_to_alarm > metric.evaluation_periods
        {
            let first = if metric.evaluation_periods == 0 {
                "evaluation_periods"
            } else {
                "datapoints_to_alarm"
            };
            let other = if first == "evaluation_periods" {
                "datapoints_to_alarm"
            } else {
                "evaluation_periods"
            };
            return src.fail_at(
                &[
                    (&at(first), Target::Value),
                    (&at(other), Target::Value),
                    (&table, Target::Key),
                ],
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
            ("input_per_1k_tokens", price.input_per_1k_tokens),
            ("output_per_1k_tokens", price.output_per_1k_tokens),
            ("per_invocation", price.per_invocation),
        ];
        if let Some((field, rate)) = rates.iter().find_map(|(field, rate)| {
            rate.map(|r| (*field, r))
                .filter(|(_, r)| !(r.is_finite() && *r >= 0.0))
        }) {
            return src.fail(
                &format!("usage.prices[{i}].{field}"),
                format!("{rate} is not a price"),
                "write prices in USD, zero or more, e.g. input_per_1k_tokens = 0.003",
            );
        }
    }
    Ok(())
}

/// `arn:<partition>:iam::<account>:user/<name>` or `…:role/<path>/<name>`: an identity as
/// CloudTrail names the caller of a call (the user, or the session's issuer), exactly.
fn is_identity_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let name = resource
        .strip_prefix("user/")
        .or_else(|| resource.strip_prefix("role/"));
    arn == "arn"
        && partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && is_account_id(account)
        && name.is_some_and(|n| {
            !n.is_empty()
                && !n.ends_with('/')
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
        })
}

/// CloudWatch alarm periods: 10, 20, 30 or a multiple of 60 seconds (PutMetricAlarm: Period).
fn is_alarm_period(seconds: u32) -> bool {
    matches!(seconds, 10 | 20 | 30) || (seconds >= 60 && seconds.is_multiple_of(60))
}
