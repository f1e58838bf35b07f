//! `[enricher]`: Lambda's asynchronous invocation settings (Watchpost's own rule), then what
//! Lambda, DynamoDB and EventBridge would refuse: the function's and table's names, memory,
//! timeout (with room in the claim's lease for Detective's budget and the delivery), the state
//! TTL and the sweep's schedule expression.

use watchpost_contract::lease;

use super::{Checked, Source, Target, is_name, suggest};
use crate::config::Config;

/// Lambda function memory, MiB (Lambda API reference, CreateFunction: "MemorySize … Minimum
/// value of 128. Maximum value of 10240").
const LAMBDA_MEMORY_MB: (u32, u32) = (128, 10_240);
/// Lambda function timeout, seconds (Lambda API reference, CreateFunction: "Timeout … The
/// maximum allowed value is 900 seconds", minimum 1).
const LAMBDA_TIMEOUT_S: (u32, u32) = (1, 900);
/// A function name on its own (Lambda API reference, CreateFunction: "If you specify only the
/// function name, it is limited to 64 characters in length"; pattern `[a-zA-Z0-9-_]+`).
pub(super) const LAMBDA_FUNCTION_NAME_MAX: usize = 64;
/// DynamoDB table names (DynamoDB developer guide, "Naming rules": "between 3 and 255
/// characters long", `a-z A-Z 0-9 _ - .`).
const DYNAMODB_TABLE_NAME: (usize, usize) = (3, 255);
/// EventBridge rate units (EventBridge user guide, "Rate expressions": "minute | minutes |
/// hour | hours | day | days"; singular exactly when the value is 1).
const RATE_UNITS: &[(&str, &str)] = &[("minute", "minutes"), ("hour", "hours"), ("day", "days")];
/// EventBridge cron fields (EventBridge user guide, "Cron expressions": six fields, Minutes
/// 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC, Day-of-week 1-7 or SUN-SAT, Year
/// 1970-2199).
const CRON_FIELDS: &[(&str, u32, u32)] = &[
    ("minutes", 0, 59),
    ("hours", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 1, 7),
    ("year", 1970, 2199),
];

/// What Lambda accepts for asynchronous invocations: event age and retries.
pub(super) fn asynchronous_invocation(config: &Config, src: &Source<'_>) -> Checked {
    if !(60..=21_600).contains(&config.enricher.maximum_event_age_s) {
        return src.fail_text(
            "enricher.maximum_event_age_s".into(),
            "maximum_event_age_s",
            format!("{} is out of range", config.enricher.maximum_event_age_s),
            "Lambda accepts 60 to 21600 seconds",
        );
    }
    if config.enricher.maximum_retry_attempts > 2 {
        return src.fail_text(
            "enricher.maximum_retry_attempts".into(),
            "maximum_retry_attempts",
            format!("{} is out of range", config.enricher.maximum_retry_attempts),
            "Lambda retries asynchronous invocations 0, 1 or 2 times",
        );
    }
    Ok(())
}

/// The function and table names, memory, timeout, state TTL and the sweep's schedule.
pub(super) fn function(config: &Config, src: &Source<'_>) -> Checked {
    let enricher = &config.enricher;
    // Derived names are `<stack>-…`: when the file does not write the name, point at the stack.
    let function_name = enricher.function_name.as_str();
    if !is_name(function_name, (1, LAMBDA_FUNCTION_NAME_MAX), b"-_") {
        return src.fail_at(
            &[
                ("enricher.function_name", Target::Value),
                ("watchpost.stack", Target::Value),
            ],
            format!("`{function_name}` cannot name a Lambda function"),
            "function names are 1–64 letters, digits, `-` or `_`",
        );
    }
    let table = enricher.state_table.as_str();
    if !is_name(table, DYNAMODB_TABLE_NAME, b"-_.") {
        return src.fail_at(
            &[
                ("enricher.state_table", Target::Value),
                ("watchpost.stack", Target::Value),
            ],
            format!("`{table}` cannot name a DynamoDB table"),
            "table names are 3–255 letters, digits, `-`, `_` or `.`",
        );
    }
    let (min, max) = LAMBDA_MEMORY_MB;
    if !(min..=max).contains(&enricher.memory_mb) {
        return src.fail(
            "enricher.memory_mb",
            format!("{} MiB is out of range", enricher.memory_mb),
            format!("Lambda gives a function {min} to {max} MiB"),
        );
    }
    let (min, max) = LAMBDA_TIMEOUT_S;
    if !(min..=max).contains(&enricher.timeout_s) {
        return src.fail(
            "enricher.timeout_s",
            format!("{} s is out of range", enricher.timeout_s),
            format!("Lambda runs a function for {min} to {max} seconds"),
        );
    }
    // Detective runs while the alert is claimed, and publishing must start before the claim's
    // lease (the timeout, at most 45 s) less its margin: a budget that does not leave the time
    // to deliver makes a slow Detective cost the alert.
    let budget = config.detective.budget_ms;
    let most = lease::max_detective_budget_ms(enricher.timeout_s);
    if config.detective.enabled && budget > most {
        let lease_s = lease::claim_lease_seconds(enricher.timeout_s);
        let reserve_s = lease::DELIVERY_RESERVE_MS / 1000;
        let margin_s = lease::LEASE_MARGIN_SECONDS;
        let needed_s =
            (budget + lease::DELIVERY_RESERVE_MS as u64).div_ceil(1000) as i64 + margin_s;
        let held = format!(
            "an alert is held for {lease_s} s while it is delivered (the timeout, at most {} s), \
             and publishing stops {margin_s} s before that",
            lease::MAX_CLAIM_LEASE_SECONDS
        );
        let lower = if most == 0 {
            "turn Detective off with [detective] enabled = false".to_owned()
        } else {
            format!("lower detective.budget_ms to {most} or less")
        };
        // Raising the timeout helps only up to the lease's cap.
        if needed_s <= lease::MAX_CLAIM_LEASE_SECONDS {
            return src.fail_at(
                &[
                    ("enricher.timeout_s", Target::Value),
                    ("detective.budget_ms", Target::Value),
                ],
                format!(
                    "a {} s timeout leaves no room after Detective's {budget} ms budget: {held}",
                    enricher.timeout_s
                ),
                format!(
                    "give the function at least {needed_s} s (the budget, {reserve_s} s to record \
                     and deliver the alert and the {margin_s} s margin), or {lower}"
                ),
            );
        }
        return src.fail_at(
            &[
                ("detective.budget_ms", Target::Value),
                ("enricher.timeout_s", Target::Value),
            ],
            format!("Detective's {budget} ms budget leaves no time to deliver the alert: {held}"),
            format!(
                "lower detective.budget_ms to {most} or less ({reserve_s} s are kept to record and \
                 deliver the alert)"
            ),
        );
    }
    if enricher.state_ttl.as_secs() == 0 {
        return src.fail(
            "enricher.state_ttl",
            "a zero TTL forgets every alert at once",
            "alert state deduplicates and re-notifies: keep it for days, e.g. `30d`",
        );
    }
    if let Err((message, hint)) = schedule(&enricher.sweep_schedule) {
        return src.fail("enricher.sweep_schedule", message, hint);
    }
    Ok(())
}

/// Checks an EventBridge schedule expression: `rate(<n> <unit>)` or `cron(<6 fields>)`.
fn schedule(expression: &str) -> Result<(), (String, String)> {
    let example = "write e.g. `rate(5 minutes)` or `cron(0/5 * * * ? *)`";
    if let Some(inner) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let [value, unit] = parts.as_slice() else {
            return Err((
                format!("`{expression}` is not a rate expression"),
                "a rate is a number and a unit: `rate(5 minutes)`".into(),
            ));
        };
        let value: u64 = match value.parse() {
            Ok(v) if v > 0 && value.bytes().all(|b| b.is_ascii_digit()) => v,
            _ => {
                return Err((
                    format!("`{value}` is not a positive whole number"),
                    "EventBridge rates count whole minutes, hours or days from 1 up".into(),
                ));
            }
        };
        let Some((singular, plural)) = RATE_UNITS.iter().find(|(s, p)| s == unit || p == unit)
        else {
            let units: Vec<&str> = RATE_UNITS.iter().flat_map(|(s, p)| [*s, *p]).collect();
            return Err((
                format!("`{unit}` is not a rate unit"),
                suggest(unit, &units),
            ));
        };
        let right = if value == 1 { singular } else { plural };
        if unit != right {
            return Err((
                format!("EventBridge refuses `{expression}`"),
                format!("the unit is singular for 1 and plural otherwise: `rate({value} {right})`"),
            ));
        }
        return Ok(());
    }
    if let Some(inner) = expression
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let fields: Vec<&str> = inner.split_whitespace().collect();
        if fields.len() != CRON_FIELDS.len() {
            return Err((
                format!("`{expression}` has {} fields", fields.len()),
                "EventBridge cron has six: minutes hours day-of-month month day-of-week year, \
                 e.g. `cron(0 8 * * ? *)`"
                    .into(),
            ));
        }
        for (index, field) in fields.iter().enumerate() {
            if !cron_field(index, field) {
                let (name, lo, hi) = CRON_FIELDS[index];
                return Err((
                    format!("`{field}` is not a valid {name} field in `{expression}`"),
                    format!(
                        "{name} takes {lo}–{hi}, with `,` `-` `*` `/` (see EventBridge's cron reference)"
                    ),
                ));
            }
        }
        if (fields[2] == "?") == (fields[4] == "?") {
            return Err((
                format!("`{expression}` must leave day-of-month or day-of-week open"),
                "EventBridge needs `?` in exactly one of the two, e.g. `cron(0 8 * * ? *)`".into(),
            ));
        }
        return Ok(());
    }
    Err((
        format!("`{expression}` is not a schedule expression"),
        example.into(),
    ))
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One cron field: a list of `*`, values, ranges and increments (`?`, `L`, `W` and `#` where
/// EventBridge allows them).
fn cron_field(index: usize, field: &str) -> bool {
    const DAY_OF_MONTH: usize = 2;
    const DAY_OF_WEEK: usize = 4;
    let (_, lo, hi) = CRON_FIELDS[index];
    let names: &[&str] = match index {
        3 => &MONTHS,
        DAY_OF_WEEK => &WEEKDAYS,
        _ => &[],
    };
    let value = |text: &str| -> bool {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return (lo..=hi).contains(&(i as u32 + 1));
        }
        text.bytes().all(|b| b.is_ascii_digit())
            && text.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
    };
    if field == "?" {
        return index == DAY_OF_MONTH || index == DAY_OF_WEEK;
    }
    field.split(',').all(|token| {
        let (base, step) = match token.split_once('/') {
            Some((base, step)) => (base, Some(step)),
            None => (token, None),
        };
        let step_ok = step.is_none_or(|s| s.parse::<u32>().is_ok_and(|v| v > 0));
        let base_ok = match base {
            "*" => true,
            "L" => index == DAY_OF_MONTH || index == DAY_OF_WEEK,
            "LW" => index == DAY_OF_MONTH,
            _ if index == DAY_OF_MONTH && base.len() > 1 && base.ends_with('W') => {
                value(&base[..base.len() - 1])
            }
            _ if index == DAY_OF_WEEK && base.contains('#') => base
                .split_once('#')
                .is_some_and(|(day, nth)| value(day) && matches!(nth, "1" | "2" | "3" | "4" | "5")),
            _ if index == DAY_OF_WEEK && base.len() > 1 && base.ends_with('L') => {
                value(&base[..base.len() - 1])
            }
            _ => match base.split_once('-') {
                Some((from, to)) => value(from) && value(to),
                None => value(base),
            },
        };
        !token.is_empty() && step_ok && base_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_eventbridge() {
        for good in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 day)",
            "cron(0 8 * * ? *)",
            "cron(0/15 * ? * MON-FRI *)",
            "cron(0 18 L * ? *)",
            "cron(0 9 ? * 2#1 *)",
            "cron(30 2 15W JAN,JUL ? 2027-2030)",
        ] {
            assert_eq!(schedule(good), Ok(()), "{good}");
        }
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "rate(5 weeks)",
            "rate(five minutes)",
            "cron(0 8 * * * *)",
            "cron(0 8 ? * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 8 * * ?)",
            "cron(0 8 * 13 ? *)",
            "every 5 minutes",
        ] {
            assert!(schedule(bad).is_err(), "{bad}");
        }
    }
}
