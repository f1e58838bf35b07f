//! `[guardduty]`: detector features GuardDuty knows (and takes together) and its publishing
//! frequencies.

use std::collections::BTreeSet;

use super::{Checked, Source, suggest};
use crate::config::Config;

/// GuardDuty detector features (GuardDuty API reference, CreateDetector: DetectorFeature).
const GUARDDUTY_FEATURES: &[&str] = &[
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "EKS_RUNTIME_MONITORING",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
    "AI_ANALYST",
];
/// GuardDuty refuses both together (GuardDuty API reference, DetectorFeatureConfiguration:
/// "Specifying both EKS Runtime Monitoring … and Runtime Monitoring … will cause an error").
const GUARDDUTY_EXCLUSIVE_FEATURES: (&str, &str) = ("EKS_RUNTIME_MONITORING", "RUNTIME_MONITORING");
/// GuardDuty finding publishing frequencies (GuardDuty API reference,
/// FindingPublishingFrequency).
const GUARDDUTY_FREQUENCIES: &[&str] = &["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"];

/// Features GuardDuty knows, once each, not both of an exclusive pair; a known frequency.
pub(super) fn detector(config: &Config, src: &Source<'_>) -> Checked {
    let guardduty = &config.guardduty;
    let mut seen = BTreeSet::new();
    for (i, feature) in guardduty.features.iter().enumerate() {
        let key = format!("guardduty.features[{i}]");
        if !GUARDDUTY_FEATURES.contains(&feature.as_str()) {
            return src.fail(
                &key,
                format!("`{feature}` is not a GuardDuty feature"),
                suggest(feature, GUARDDUTY_FEATURES),
            );
        }
        if !seen.insert(feature.as_str()) {
            return src.fail(&key, format!("`{feature}` is listed twice"), "list it once");
        }
        let (eks, runtime) = GUARDDUTY_EXCLUSIVE_FEATURES;
        if seen.contains(eks) && seen.contains(runtime) {
            return src.fail(
                &key,
                format!("`{eks}` and `{runtime}` cannot both be enabled"),
                format!(
                    "GuardDuty refuses the pair: `{runtime}` already covers EKS; keep it alone"
                ),
            );
        }
    }
    let frequency = &guardduty.finding_publishing_frequency;
    if !GUARDDUTY_FREQUENCIES.contains(&frequency.as_str()) {
        return src.fail(
            "guardduty.finding_publishing_frequency",
            format!("`{frequency}` is not a publishing frequency"),
            suggest(frequency, GUARDDUTY_FREQUENCIES),
        );
    }
    Ok(())
}
