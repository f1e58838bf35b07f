//! What GuardDuty's AI Protection findings carry beyond the common finding (GuardDuty user
//! guide, "AI Protection finding types"): the models invoked (`resource.modelDetails`, on
//! `AnomalousModelInvocation` and `CostHarvesting`), the invocation and token volumes and the
//! unseen callers, APIs and models that left the identity's baseline (`service.detection.
//! anomaly`: VOLUME profiles carry numbers, FREQUENCY ones text), and the Bedrock guardrail that
//! intervened (`resource.bedrockGuardrailDetails`, on `PromptInjection.Direct`: which
//! guardrails, on the prompt or the response, which content filters, blocked or only
//! detected). A view borrowed from the typed finding; every string in it is the sender's, and
//! the renderers ([`crate::render`]) clip and make it safe for their format.

use crate::guardduty::Finding;
use crate::guardduty::wire::{AnomalyObject, ContentPolicyFilter};

/// Models named at most; GuardDuty's list has no bound.
const MODELS_MAX: usize = 20;
/// Anomalous features read at most (behaviour is a map of maps, unbounded in the model).
const FEATURES_MAX: usize = 20;
/// Guardrails a finding names at most (GuardDuty API reference, "BedrockGuardrailDetails").
const GUARDRAILS_MAX: usize = 10;

/// The model use an AI Protection finding describes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelUse<'a> {
    /// Model ids, inference profiles, endpoint names: each once, in the finding's order.
    pub models: Vec<&'a str>,
    /// Figures that left the baseline: invocation counts, token volumes.
    pub volumes: Vec<Volume<'a>>,
    /// Values never or rarely seen for the identity: an API, a model, an ASN, a user agent.
    pub unusual: Vec<Unusual<'a>>,
    pub guardrail: Option<Guardrail<'a>>,
}

/// A figure of the anomalous activity (a VOLUME profile's observation), and what the identity's
/// profile holds for it when the finding says.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume<'a> {
    /// The feature as GuardDuty names it (`InputTokenCount`, `Invocations`, …).
    pub feature: &'a str,
    /// `COUNT` or `AVERAGE`.
    pub subtype: Option<&'a str>,
    pub observed: &'a [i64],
    /// The profile's figures for the same feature: the baseline it left.
    pub usual: &'a [i64],
}

/// A value of the anomalous activity the identity's profile had not seen, or rarely.
#[derive(Debug, Clone, PartialEq)]
pub struct Unusual<'a> {
    pub feature: &'a str,
    /// `UNSEEN`, `RARE`, `INFREQUENT`, …
    pub subtype: Option<&'a str>,
    pub values: &'a [String],
}

/// The Bedrock guardrail intervention a prompt injection finding reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Guardrail<'a> {
    /// ARN and version of each guardrail that evaluated the invocation (the deprecated
    /// `guardrailArn` / `guardrailVersion` when the list is absent).
    pub guardrails: Vec<(&'a str, Option<&'a str>)>,
    /// `GUARDRAIL_INTERVENED` or `NONE`.
    pub action: Option<&'a str>,
    /// `INPUT` (the prompt) or `OUTPUT` (the model's response).
    pub source: Option<&'a str>,
    pub filters: &'a [ContentPolicyFilter],
}

impl Guardrail<'_> {
    /// Whether a content filter matched without blocking (its action `NONE`: detect only).
    pub fn detected_only(&self) -> bool {
        !self.filters.is_empty()
            && self.filters.iter().all(|f| {
                f.action
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case("NONE"))
            })
    }
}

impl Finding {
    /// The models, figures and guardrail intervention the finding carries, when it carries any.
    pub fn model_use(&self) -> Option<ModelUse<'_>> {
        let mut models: Vec<&str> = Vec::new();
        for model in self
            .resource
            .model_details
            .iter()
            .filter_map(|m| m.model_id.as_deref())
        {
            if models.len() < MODELS_MAX && !models.contains(&model) {
                models.push(model);
            }
        }
        let (volumes, unusual) = self.anomalous_features();
        let guardrail = self.resource.bedrock_guardrail_details.as_deref().map(|g| {
            let mut guardrails: Vec<(&str, Option<&str>)> = g
                .guardrails
                .iter()
                .filter_map(|r| Some((r.arn.as_deref()?, r.version.as_deref())))
                .take(GUARDRAILS_MAX)
                .collect();
            if guardrails.is_empty()
                && let Some(arn) = g.guardrail_arn.as_deref()
            {
                guardrails.push((arn, g.guardrail_version.as_deref()));
            }
            Guardrail {
                guardrails,
                action: g.guardrail_action.as_deref(),
                source: g.guardrail_source.as_deref(),
                filters: &g.content_policy_filters[..g.content_policy_filters.len().min(10)],
            }
        });
        let model_use = ModelUse {
            models,
            volumes,
            unusual,
            guardrail,
        };
        (model_use != ModelUse::default()).then_some(model_use)
    }

    /// The anomaly's unusual behaviour: figures (numbers) and values (text), each feature once.
    fn anomalous_features(&self) -> (Vec<Volume<'_>>, Vec<Unusual<'_>>) {
        let mut volumes = Vec::new();
        let mut unusual = Vec::new();
        let Some(anomaly) = self
            .service
            .as_ref()
            .and_then(|s| s.detection.as_ref())
            .and_then(|d| d.anomaly.as_ref())
        else {
            return (volumes, unusual);
        };
        let behaviour = anomaly.unusual.iter().flat_map(|u| u.behavior.iter());
        let features = behaviour.flat_map(|(scope, features)| {
            features
                .iter()
                .map(move |(name, object)| (scope, name, object))
        });
        for (scope, name, object) in features.take(FEATURES_MAX) {
            let Some(observations) = object.observations.as_deref() else {
                continue;
            };
            let subtype = object.profile_subtype.as_deref();
            if !observations.number.is_empty() {
                let usual = anomaly
                    .profiles
                    .get(scope)
                    .and_then(|p| p.get(name))
                    .and_then(|objects| objects.iter().find_map(numbers))
                    .unwrap_or(&[]);
                volumes.push(Volume {
                    feature: feature_name(name),
                    subtype,
                    observed: &observations.number,
                    usual,
                });
            }
            if !observations.text.is_empty() {
                unusual.push(Unusual {
                    feature: feature_name(name),
                    subtype,
                    values: &observations.text,
                });
            }
        }
        (volumes, unusual)
    }
}

fn numbers(object: &AnomalyObject) -> Option<&[i64]> {
    object
        .observations
        .as_deref()
        .map(|o| o.number.as_slice())
        .filter(|n| !n.is_empty())
}

/// A feature key's last part: profiles may key features by paths (`/user/UserName/Api`).
fn feature_name(key: &str) -> &str {
    key.rsplit('/').find(|part| !part.is_empty()).unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn finding(resource: serde_json::Value, service: serde_json::Value) -> Finding {
        serde_json::from_value(json!({
            "accountId": "111122223333", "arn": "arn", "createdAt": "t", "id": "id",
            "region": "us-east-1", "schemaVersion": "2.0", "severity": 2.0,
            "type": "Impact:IAMUser/CostHarvesting", "updatedAt": "t",
            "resource": resource, "service": service,
        }))
        .unwrap()
    }

    use super::*;

    #[test]
    fn a_finding_without_models_figures_or_guardrail_has_no_model_use() {
        let f = finding(json!({"resourceType": "AccessKey"}), json!({}));
        assert_eq!(f.model_use(), None);
    }

    #[test]
    fn figures_come_with_their_baseline_and_text_observations_are_unusual_values() {
        let f = finding(
            json!({"resourceType": "AccessKey", "modelDetails": [{"modelId": "m1"}, {"modelId": "m1"}, {"modelId": "m2"}]}),
            json!({"detection": {"anomaly": {
                "profiles": {"User": {"/user/InputTokens": [{"profileType": "VOLUME", "observations": {"number": [900]}}]}},
                "unusual": {"behavior": {"User": {
                    "/user/InputTokens": {"profileType": "VOLUME", "profileSubtype": "AVERAGE", "observations": {"number": [48000]}},
                    "Model": {"profileType": "FREQUENCY", "profileSubtype": "UNSEEN", "observations": {"text": ["m2"]}}
                }}}
            }}}),
        );
        let model_use = f.model_use().unwrap();
        assert_eq!(model_use.models, ["m1", "m2"]);
        assert_eq!(model_use.volumes.len(), 1);
        let volume = &model_use.volumes[0];
        assert_eq!(
            (
                volume.feature,
                volume.subtype,
                volume.observed,
                volume.usual
            ),
            ("InputTokens", Some("AVERAGE"), &[48000][..], &[900][..])
        );
        assert_eq!(model_use.unusual[0].feature, "Model");
        assert_eq!(model_use.unusual[0].values, ["m2"]);
    }

    #[test]
    fn the_deprecated_guardrail_fields_stand_in_for_an_absent_list() {
        let f = finding(
            json!({"resourceType": "AccessKey", "bedrockGuardrailDetails": {
                "guardrailArn": "arn:g", "guardrailVersion": "2",
                "contentPolicyFilters": [{"type": "PROMPT_ATTACK", "confidence": "HIGH", "action": "NONE"}]
            }}),
            json!({}),
        );
        let guardrail = f.model_use().unwrap().guardrail.unwrap();
        assert_eq!(guardrail.guardrails, [("arn:g", Some("2"))]);
        assert!(guardrail.detected_only());
    }
}
