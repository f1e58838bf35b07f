//! A state change of one of Watchpost's usage alarms, as the alert tells it: the metric and
//! the model or endpoint, the latest datapoint against its band, how long it has been outside,
//! the estimated cost, and the console pages to check it (the alarm, Logs Insights on the
//! invocation log group). The parser ([`crate::event`]'s usage-alarm reader) fills it in.

use serde::Serialize;

use crate::links::{EntityLink, console_link};
use crate::text::clip;

/// What a usage alarm's state change says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageChange {
    pub alarm_name: String,
    /// `true` for the follow-up of an alarm back to OK.
    pub resolved: bool,
    pub namespace: String,
    pub metric: String,
    pub statistic: Option<String>,
    /// `model`, `endpoint` or `dimensions`, and its value.
    pub target_kind: &'static str,
    pub target: String,
    /// The latest datapoint and the band around it (when the alarm said).
    pub observed: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub period_s: u32,
    /// How long the latest datapoints have been outside the band.
    pub outside_for_s: u32,
    /// For a resolved alarm: how long it was in ALARM.
    pub in_alarm_for_s: Option<i64>,
    /// Estimated cost per hour at the observed rate, and at the band's upper edge.
    pub cost_per_hour: Option<f64>,
    pub cost_per_hour_at_band: Option<f64>,
    /// Where the cost estimate comes from, or why there is none.
    pub cost_note: String,
    /// CloudWatch's own reason.
    pub reason: String,
    #[serde(skip)]
    pub thread_key: String,
    #[serde(skip)]
    pub account_profile: EntityLink,
    #[serde(skip)]
    pub(crate) alarm_url: String,
    #[serde(skip)]
    pub(crate) logs_url: Option<String>,
}

impl UsageChange {
    /// `AWS/Bedrock InputTokenCount of model anthropic.claude-…`.
    pub fn what(&self) -> String {
        format!(
            "{} {} of {} {}",
            self.namespace, self.metric, self.target_kind, self.target
        )
    }

    /// The `Detection` metric dimension: `bedrock-inputtokencount`.
    pub(super) fn metric_dimension(&self) -> String {
        format!(
            "{}-{}",
            self.namespace.trim_start_matches("AWS/"),
            self.metric
        )
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
    }

    pub(super) fn headline(&self) -> String {
        let target = clip(&self.target, 40);
        if self.resolved {
            return format!("RESOLVED {} back in band on {target}", self.metric);
        }
        match (self.observed, self.upper) {
            (Some(v), Some(u)) if u > 0.0 && v > u => {
                format!("{} {:.1}x expected on {target}", self.metric, v / u)
            }
            _ => format!("{} outside its band on {target}", self.metric),
        }
    }

    pub(super) fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("Alarm", self.alarm_name.clone()),
            (
                "Metric",
                format!(
                    "{} {}{}",
                    self.namespace,
                    self.metric,
                    self.statistic
                        .as_deref()
                        .map(|s| format!(" ({s} per {} s)", self.period_s))
                        .unwrap_or_default()
                ),
            ),
            (
                if self.target_kind == "endpoint" {
                    "Endpoint"
                } else {
                    "Model"
                },
                self.target.clone(),
            ),
        ];
        if let Some(observed) = self.observed {
            let band = match (self.lower, self.upper) {
                (Some(l), Some(u)) => format!("expected band {} – {}", number(l), number(u)),
                (None, Some(u)) => format!("expected at most {}", number(u)),
                _ => "expected band unknown".to_owned(),
            };
            let label = if self.resolved {
                "Observed when it alarmed"
            } else {
                "Observed"
            };
            facts.push((label, format!("{} ({band})", number(observed))));
        }
        if self.outside_for_s > 0 {
            facts.push((
                "Outside the band for",
                duration(i64::from(self.outside_for_s)),
            ));
        }
        if let Some(seconds) = self.in_alarm_for_s {
            facts.push(("In alarm for", duration(seconds)));
        }
        match (self.cost_per_hour, self.cost_per_hour_at_band) {
            (Some(now), at_band) => facts.push((
                "Estimated cost",
                format!(
                    "~${now:.2}/hour at this rate{} ({})",
                    at_band
                        .map(|b| format!(", ~${b:.2}/hour at the band's upper edge"))
                        .unwrap_or_default(),
                    self.cost_note
                ),
            )),
            (None, _) => facts.push(("Estimated cost", self.cost_note.clone())),
        }
        if !self.reason.is_empty() {
            facts.push(("CloudWatch says", self.reason.clone()));
        }
        facts
    }

    pub(super) fn console_links(&self) -> Vec<EntityLink> {
        let mut links = vec![console_link(
            "CloudWatch alarm (metric and band)",
            self.alarm_url.clone(),
        )];
        if let Some(url) = &self.logs_url {
            links.push(console_link(
                "Invocation logs in Logs Insights",
                url.clone(),
            ));
        }
        links
    }

    pub(super) fn next_steps(&self) -> Vec<&'static str> {
        if self.resolved {
            vec![
                "Usage is back within its band: confirm the spike was expected, or follow up on the alert that opened this thread.",
            ]
        } else if self.target_kind == "endpoint" {
            vec![
                "Check who calls the endpoint and from where (endpoint invocation logs, CloudTrail data events).",
            ]
        } else {
            vec![
                "Find who is invoking the model in the invocation logs (Logs Insights link) and whether the traffic is expected.",
                "If not, deactivate the caller's access key or revoke the role's sessions, and remove the model's access if nobody needs it.",
            ]
        }
    }
}

/// `61234.5` → `61,234.5`; small values keep their decimals.
fn number(value: f64) -> String {
    if value.abs() >= 1_000.0 {
        let whole = value.round() as i64;
        let digits = whole.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if whole < 0 {
            out.insert(0, '-');
        }
        out
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn duration(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_with_thousands_separators() {
        assert_eq!(number(61_234.4), "61,234");
        assert_eq!(number(0.3006), "0.3");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(-1_500.0), "-1,500");
    }
}
