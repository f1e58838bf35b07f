//! Severity scores and the bands GuardDuty names them by, and moving a score one band up or
//! down (how Watchpost's own detections escalate and soften).

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

/// Raises a severity score one band (GuardDuty's bands: LOW < 4.0 ≤ MEDIUM < 7.0 ≤ HIGH < 9.0
/// ≤ CRITICAL), keeping its place within the band; CRITICAL stays CRITICAL.
pub fn raise_one_band(score: f64) -> f64 {
    let raised = if score < 4.0 {
        4.0 + score.max(0.0) * 3.0 / 4.0
    } else if score < 7.0 {
        7.0 + (score - 4.0) * 2.0 / 3.0
    } else if score < 9.0 {
        9.0 + (score - 7.0) / 2.0
    } else {
        score.min(10.0)
    };
    round1(raised)
}

/// Lowers a severity score one band, the inverse of [`raise_one_band`]; LOW stays LOW.
pub fn lower_one_band(score: f64) -> f64 {
    let lowered = if score >= 9.0 {
        7.0 + (score.min(10.0) - 9.0) * 2.0
    } else if score >= 7.0 {
        4.0 + (score - 7.0) * 3.0 / 2.0
    } else if score >= 4.0 {
        (score - 4.0) * 4.0 / 3.0
    } else {
        score.max(0.0)
    };
    round1(lowered)
}

fn round1(score: f64) -> f64 {
    (score * 10.0).round() / 10.0
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

    #[test]
    fn raising_and_lowering_move_exactly_one_band() {
        for (score, up) in [
            (1.0, SeverityLabel::Medium),
            (5.0, SeverityLabel::High),
            (7.5, SeverityLabel::Critical),
            (9.5, SeverityLabel::Critical),
        ] {
            assert_eq!(
                SeverityLabel::from_score(raise_one_band(score)),
                up,
                "{score}"
            );
        }
        for (score, down) in [
            (2.0, SeverityLabel::Low),
            (5.0, SeverityLabel::Low),
            (7.7, SeverityLabel::Medium),
            (9.0, SeverityLabel::High),
        ] {
            assert_eq!(
                SeverityLabel::from_score(lower_one_band(score)),
                down,
                "{score}"
            );
        }
    }
}
