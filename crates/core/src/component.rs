//! The AI components a finding can touch: Watchpost's classification vocabulary, and what makes
//! an instance type accelerated compute (read by classification and by the CloudTrail
//! detections alike).

use serde::{Deserialize, Serialize};

/// What part of an AI workflow a finding touches, in order of precedence (highest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    /// Abuse of model inference.
    ModelInvocation,
    /// Tampering with or probing AI services.
    MlControlPlane,
    /// GPU and accelerator hosts and what runs on them.
    AcceleratedCompute,
    /// Datasets and model artifacts.
    MlData,
    /// Credentials and roles AI workloads run as.
    MlIdentity,
    /// Any other resource the owner marked as AI.
    MlWorkload,
}

impl Component {
    /// Every component, in order of precedence.
    pub const ALL: [Component; 6] = [
        Self::ModelInvocation,
        Self::MlControlPlane,
        Self::AcceleratedCompute,
        Self::MlData,
        Self::MlIdentity,
        Self::MlWorkload,
    ];

    /// The name used in configs, subjects, attributes and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelInvocation => "model-invocation",
            Self::MlControlPlane => "ml-control-plane",
            Self::AcceleratedCompute => "accelerated-compute",
            Self::MlData => "ml-data",
            Self::MlIdentity => "ml-identity",
            Self::MlWorkload => "ml-workload",
        }
    }

    /// Reads a component name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name for findings with no AI component, in metrics and route filters.
pub const NOT_AI: &str = "none";

/// `p4d.24xlarge` is in family `p`: the family is the instance type's leading letters, and it
/// counts when it starts with a configured accelerated family (`p`, `g`, `trn`, …) followed
/// directly by the generation digit.
pub fn is_accelerated(instance_type: &str, families: &[String]) -> bool {
    let class = instance_type.split('.').next().unwrap_or(instance_type);
    let letters: String = class
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let rest = &class[letters.len()..];
    if !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    families.iter().any(|f| letters.eq_ignore_ascii_case(f))
}
