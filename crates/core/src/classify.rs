//! Classification: which AI component a finding touches, and the evidence that says so.
//! Pure predicates over the finding and the `[classification]` selectors.

use serde::Serialize;

use crate::component::{Component, is_accelerated};
use crate::config::Classification as Selectors;
use crate::finding::Observation;
use crate::guardduty::Finding;
use crate::text::clip;

/// Longest piece of a finding quoted in evidence.
const EVIDENCE_VALUE_LIMIT: usize = 120;
/// Longest piece of an observation quoted in evidence.
const OBSERVATION_EVIDENCE_MAX_CHARS: usize = 160;

/// The verdict: the winning component (by precedence) and every piece of evidence found, the
/// winner's first, each written `component: why`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Classification {
    pub component: Option<Component>,
    pub evidence: Vec<String>,
}

impl Classification {
    pub fn is_ai(&self) -> bool {
        self.component.is_some()
    }
}

/// Classifies a finding.
pub fn classify(finding: &Finding, selectors: &Selectors) -> Classification {
    let mut found: Vec<(Component, String)> = Vec::new();
    let mut add = |component: Component, why: String| found.push((component, why));

    // An explicit tag wins over everything.
    let mut tagged = None;
    for (what, key, value) in finding.resource_tags() {
        if key == selectors.component_tag_key
            && let Some(component) = Component::parse(value.trim())
        {
            tagged.get_or_insert(component);
            add(component, format!("{what} tagged {key}={value}"));
        }
    }

    let finding_type = finding.finding_type();
    if selectors
        .model_invocation_finding_types
        .iter()
        .any(|p| p.matches_any_scope(finding_type))
    {
        add(
            Component::ModelInvocation,
            format!("finding type {finding_type}"),
        );
    }
    let resource = &finding.resource;
    for model in resource
        .model_details
        .iter()
        .filter_map(|m| m.model_id.as_deref())
    {
        add(Component::ModelInvocation, format!("model {model}"));
    }
    if let Some(guardrail) = &resource.bedrock_guardrail_details {
        // The list names every guardrail that evaluated the call; `guardrailArn` is its
        // deprecated single form (GuardDuty API reference, "BedrockGuardrailDetails").
        let listed = guardrail.guardrails.iter().filter_map(|g| g.arn.as_deref());
        let arn = listed
            .chain(guardrail.guardrail_arn.as_deref())
            .next()
            .unwrap_or("(unnamed)");
        add(
            Component::ModelInvocation,
            format!("Bedrock guardrail {arn}"),
        );
    }
    if selectors
        .control_plane_finding_types
        .iter()
        .any(|p| p.matches_any_scope(finding_type))
    {
        add(
            Component::MlControlPlane,
            format!("finding type {finding_type}"),
        );
    }
    if let Some(sequence) = finding.attack_sequence() {
        // The findings GuardDuty correlated into the sequence, by their types.
        for name in sequence.signal_names() {
            let matches = |patterns: &[crate::config::Pattern]| {
                patterns.iter().any(|p| p.matches_any_scope(name))
            };
            if matches(&selectors.model_invocation_finding_types) {
                add(
                    Component::ModelInvocation,
                    format!("attack sequence signal {name}"),
                );
            }
            if matches(&selectors.control_plane_finding_types) {
                add(
                    Component::MlControlPlane,
                    format!("attack sequence signal {name}"),
                );
            }
        }
        for resource in sequence.resources() {
            if let Some(service) = ai_resource_service(resource, &selectors.ai_services) {
                let what = resource
                    .name
                    .as_deref()
                    .or(resource.uid.as_deref())
                    .unwrap_or("(unnamed)");
                add(
                    Component::MlControlPlane,
                    format!("attack sequence resource {what} ({service})"),
                );
            }
        }
    }
    for call in finding.api_calls() {
        let service = call.service.trim_end_matches(".amazonaws.com");
        if !selectors.ai_services.iter().any(|s| s == service) {
            continue;
        }
        let invocation = selectors
            .invocation_api_prefixes
            .iter()
            .any(|prefix| call.name.starts_with(prefix.as_str()));
        let component = if invocation {
            Component::ModelInvocation
        } else {
            Component::MlControlPlane
        };
        let source = if call.in_sequence {
            "attack sequence API"
        } else {
            "API call"
        };
        add(component, format!("{source} {service}:{}", call.name));
    }
    // Instance types come from the instance itself or an attack sequence's resources; a
    // finding without any simply yields none.
    for instance_type in finding.instance_types() {
        if is_accelerated(
            instance_type.value,
            &selectors.accelerated_instance_families,
        ) {
            add(
                Component::AcceleratedCompute,
                format!(
                    "{}instance type {}",
                    sequence_prefix(instance_type.in_sequence),
                    instance_type.value
                ),
            );
        }
    }
    let (region, account) = (finding.region.as_str(), finding.account_id.as_str());
    for bucket in finding.bucket_names() {
        if let Some(pattern) = selectors
            .data_bucket_patterns
            .iter()
            .find(|p| p.matches(bucket.value, region, account))
        {
            add(
                Component::MlData,
                format!(
                    "{}bucket {} matches {}",
                    sequence_prefix(bucket.in_sequence),
                    bucket.value,
                    pattern.as_str()
                ),
            );
        }
    }
    for name in finding.principal_names() {
        if let Some(pattern) = selectors
            .identity_name_patterns
            .iter()
            .find(|p| p.matches(name.value, region, account))
        {
            let who = if name.in_sequence {
                "attack sequence actor"
            } else {
                "principal"
            };
            add(
                Component::MlIdentity,
                format!("{who} {} matches {}", name.value, pattern.as_str()),
            );
        }
    }
    for (what, key, value) in finding.resource_tags() {
        if key == selectors.ai_tag_key {
            // An AI tag on a bucket marks data; on anything else, a workload.
            let component = if what == "bucket" {
                Component::MlData
            } else {
                Component::MlWorkload
            };
            let shown = if value.is_empty() {
                key.to_owned()
            } else {
                format!("{key}={value}")
            };
            add(component, format!("{what} tagged {shown}"));
        }
    }

    let component = tagged.or_else(|| found.iter().map(|(c, _)| *c).min());
    let mut evidence: Vec<(Component, String)> = Vec::new();
    for (c, why) in found {
        let line = format!("{c}: {}", clip(&why, EVIDENCE_VALUE_LIMIT));
        if !evidence.iter().any(|(_, l)| *l == line) {
            evidence.push((c, line));
        }
    }
    // The winner's evidence first, then the rest by precedence; stable within each.
    evidence.sort_by_key(|(c, _)| (Some(*c) != component, *c));
    Classification {
        component,
        evidence: evidence.into_iter().map(|(_, line)| line).collect(),
    }
}

/// `attack sequence resource: ` for what a sequence's resources showed.
fn sequence_prefix(in_sequence: bool) -> &'static str {
    if in_sequence {
        "attack sequence resource: "
    } else {
        ""
    }
}

/// The AI service an attack sequence's resource belongs to, by its ARN (`arn:aws:bedrock:…`)
/// or the service GuardDuty names for it.
fn ai_resource_service<'a>(
    resource: &'a crate::guardduty::wire::ResourceV2,
    ai_services: &[String],
) -> Option<&'a str> {
    let by_arn = resource
        .uid
        .as_deref()
        .and_then(|uid| uid.strip_prefix("arn:"))
        .and_then(|rest| rest.split(':').nth(1));
    let by_service = resource.service.as_deref();
    [by_arn, by_service].into_iter().flatten().find(|service| {
        ai_services
            .iter()
            .any(|ai| ai.eq_ignore_ascii_case(service))
    })
}

/// Classifies a finding Watchpost made itself: the component is the detection's (model
/// invocation for usage alarms); the evidence says which detection, then what the
/// classification selectors found besides. A detection with no component (calls about
/// Watchpost's own pipeline) leaves the finding to the selectors alone, like any finding.
pub fn classify_observed(
    observation: &Observation,
    finding: &Finding,
    selectors: &Selectors,
) -> Classification {
    if let Observation::ApiCall(call) = observation
        && call.component.is_none()
    {
        return classify(finding, selectors);
    }
    let (component, why) = match observation {
        Observation::ApiCall(call) => (
            call.component.unwrap_or(Component::MlControlPlane),
            format!(
                "detection {} on CloudTrail {}",
                call.detection,
                clip(&call.api(), OBSERVATION_EVIDENCE_MAX_CHARS)
            ),
        ),
        Observation::Usage(change) => (
            Component::ModelInvocation,
            format!(
                "usage alarm on {}",
                clip(&change.what(), OBSERVATION_EVIDENCE_MAX_CHARS)
            ),
        ),
    };
    let mut evidence = vec![format!("{component}: {why}")];
    if let Observation::ApiCall(call) = observation {
        for instance_type in &call.accelerated_instance_types {
            evidence.push(format!(
                "accelerated-compute: instance type {}",
                clip(instance_type, 60)
            ));
        }
    }
    for line in classify(finding, selectors).evidence {
        if !evidence.contains(&line) {
            evidence.push(line);
        }
    }
    Classification {
        component: Some(component),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families() -> Vec<String> {
        crate::config::Classification::default().accelerated_instance_families
    }

    #[test]
    fn accelerated_families_are_recognised_by_prefix_and_generation() {
        for t in [
            "p4d.24xlarge",
            "p5.48xlarge",
            "g5.xlarge",
            "g6e.2xlarge",
            "trn1.32xlarge",
            "inf2.xlarge",
            "dl1.24xlarge",
            // G6 with more memory per GPU (EC2 user guide, "Accelerated computing instances").
            "gr6.4xlarge",
            "gr6f.4xlarge",
            "g6f.large",
        ] {
            assert!(is_accelerated(t, &families()), "{t}");
        }
        for t in [
            "t3.micro",
            "m5.large",
            "gp3",
            "c6gn.large",
            "r6g.large",
            "garbage",
        ] {
            assert!(!is_accelerated(t, &families()), "{t}");
        }
    }
}
