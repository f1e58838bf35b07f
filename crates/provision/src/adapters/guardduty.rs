//! Amazon GuardDuty: the region's detector, when the config manages it.

use aws_config::SdkConfig;
use aws_sdk_guardduty::Client;
use aws_sdk_guardduty::types::{
    DetectorFeature, DetectorFeatureConfiguration, FeatureStatus, FindingPublishingFrequency,
};

use super::{hash_tags, sdk_err};
use crate::ports::*;
use crate::spec::*;

#[derive(Debug, Clone)]
pub struct GuarddutyAdapter {
    client: Client,
}

impl GuarddutyAdapter {
    pub fn new(config: &SdkConfig) -> GuarddutyAdapter {
        GuarddutyAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> GuarddutyAdapter {
        GuarddutyAdapter { client }
    }
}

/// The features to enable, as the API wants them.
fn features(spec: &DetectorSpec) -> Vec<DetectorFeatureConfiguration> {
    spec.features
        .iter()
        .map(|name| {
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::from(name.as_str()))
                .status(FeatureStatus::Enabled)
                .build()
        })
        .collect()
}

impl GuarddutyPort for GuarddutyAdapter {
    async fn detector(&self, wanted: &[String]) -> PortResult<Option<FoundDetector>> {
        let listed = self
            .client
            .list_detectors()
            .send()
            .await
            .map_err(sdk_err!("ListDetectors"))?;
        let Some(id) = listed.detector_ids().first().cloned() else {
            return Ok(None);
        };
        let detector = self
            .client
            .get_detector()
            .detector_id(&id)
            .send()
            .await
            .map_err(sdk_err!("GetDetector"))?;
        let mut enabled: Vec<String> = detector
            .features()
            .iter()
            .filter(|f| f.status() == Some(&FeatureStatus::Enabled))
            .filter_map(|f| f.name().map(|n| n.as_str().to_owned()))
            .filter(|name| wanted.contains(name))
            .collect();
        enabled.sort();
        enabled.dedup();
        Ok(Some(Found {
            id,
            spec: DetectorSpec {
                finding_publishing_frequency: detector
                    .finding_publishing_frequency()
                    .map(|f| f.as_str().to_owned())
                    .unwrap_or_default(),
                features: enabled,
            },
            extra: detector
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }))
    }

    async fn create_detector(&self, spec: &DetectorSpec, tags: &Tags) -> PortResult<String> {
        let out = self
            .client
            .create_detector()
            .enable(true)
            .finding_publishing_frequency(FindingPublishingFrequency::from(
                spec.finding_publishing_frequency.as_str(),
            ))
            .set_features(Some(features(spec)))
            .set_tags(Some(hash_tags(tags)))
            .send()
            .await
            .map_err(sdk_err!("CreateDetector"))?;
        Ok(out.detector_id().unwrap_or_default().to_owned())
    }

    async fn update_detector(&self, id: &str, spec: &DetectorSpec) -> PortResult<()> {
        self.client
            .update_detector()
            .detector_id(id)
            .finding_publishing_frequency(FindingPublishingFrequency::from(
                spec.finding_publishing_frequency.as_str(),
            ))
            .set_features(Some(features(spec)))
            .send()
            .await
            .map_err(sdk_err!("UpdateDetector"))?;
        Ok(())
    }

    async fn delete_detector(&self, id: &str) -> PortResult<()> {
        self.client
            .delete_detector()
            .detector_id(id)
            .send()
            .await
            .map_err(sdk_err!("DeleteDetector"))?;
        Ok(())
    }
}
