//! Severity scores and the bands GuardDuty names them by.

use serde::{Deserialize, Serialize};

/// A severity band, lowest first so that bands compare by rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SeverityLabel {
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityLabel {
    /// All bands, lowest first.
    pub const ALL: [SeverityLabel; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    /// The band of a GuardDuty score: Critical 9.0–10.0, High 7.0–8.9, Medium 4.0–6.9, Low below
    /// (GuardDuty user guide, "Severity levels of findings").
    pub fn from_score(score: f64) -> Self {
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else {
            Self::Low
        }
    }

    /// The upper-case name used in subjects, attributes and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }

    /// The lowest score of the band, for EventBridge numeric patterns.
    pub fn min_score(self) -> f64 {
        match self {
            Self::Low => 0.0,
            Self::Medium => 4.0,
            Self::High => 7.0,
            Self::Critical => 9.0,
        }
    }
}

impl std::fmt::Display for SeverityLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SeverityLabel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|label| label.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("`{s}` is not a severity: use LOW, MEDIUM, HIGH or CRITICAL"))
    }
}

/// A finding's score with its band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Severity {
    pub score: f64,
    pub label: SeverityLabel,
}

impl Severity {
    pub fn from_score(score: f64) -> Self {
        Self {
            score,
            label: SeverityLabel::from_score(score),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_edges_follow_guardduty() {
        let cases = [
            (0.0, "LOW"),
            (3.9, "LOW"),
            (4.0, "MEDIUM"),
            (6.9, "MEDIUM"),
            (7.0, "HIGH"),
            (8.9, "HIGH"),
            (9.0, "CRITICAL"),
            (10.0, "CRITICAL"),
        ];
        for (score, label) in cases {
            assert_eq!(
                SeverityLabel::from_score(score).as_str(),
                label,
                "score {score}"
            );
        }
    }

    #[test]
    fn labels_parse_case_insensitively_and_reject_others() {
        assert_eq!("high".parse::<SeverityLabel>(), Ok(SeverityLabel::High));
        assert!(
            "severe"
                .parse::<SeverityLabel>()
                .unwrap_err()
                .contains("LOW, MEDIUM")
        );
    }
}
