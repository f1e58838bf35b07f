//! The detection set: which CloudTrail management events of AI services mean something, how
//! severe, and why. Data, not code: the defaults are a table ([`DEFAULTS`], in `defaults.rs`),
//! and `[[detections.rules]]` overrides them by id or adds new ones ([`resolve`]). Part of the config: reading a config
//! resolves its rules (a rule that cannot be used is an error there), and the CloudTrail reader
//! ([`crate::event`]) runs the resolved set.

mod condition;
mod defaults;

pub use condition::{Condition, Literal, StackResource, values_at};
pub use defaults::DEFAULTS;

use super::activity::{DetectionRule, Detections};
use super::values::{Cidr, Pattern};
use crate::component::Component;

/// What a detection watches, which decides the EventBridge rule that brings its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Calls that change AI services: the rule `<stack>-cloudtrail`, to the enricher.
    Ai,
    /// Calls that blind Watchpost or its sources (GuardDuty, Security Hub, CloudTrail) or
    /// change the stack's own resources: `<stack>-cloudtrail` to the enricher, and beside it,
    /// for the stack's own resources, the operations rule, straight to the operations topic, so
    /// that the news does not depend on the part that was switched off.
    Pipeline,
    /// Read-only calls: EventBridge matches them only for a rule in the state
    /// `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`, which costs an invocation per call the
    /// pattern lets through, so they are off unless `[detections] reconnaissance = true`.
    Reconnaissance,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ai => "ai",
            Kind::Pipeline => "pipeline",
            Kind::Reconnaissance => "reconnaissance",
        }
    }
}

/// One detection, with every setting filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub id: String,
    pub event_source: String,
    pub event_names: Vec<String>,
    pub severity: f64,
    /// `None` for calls about Watchpost's own pipeline, which touch no AI component.
    pub component: Option<Component>,
    pub rationale: String,
    /// What must hold of the record beyond its event name (all of them).
    pub conditions: &'static [Condition],
    pub kind: Kind,
    /// Who found that these calls matter: public research, detection rules, AWS's guides.
    pub sources: &'static [&'static str],
    /// One of these request parameters must name an accelerated instance type (when any).
    pub accelerated_instance_parameters: Vec<String>,
    /// Request parameters shown in the alert.
    pub parameters: Vec<String>,
    pub allow_principals: Vec<Pattern>,
    pub allow_cidrs: Vec<Cidr>,
    pub allow_accounts: Vec<String>,
    /// The deployers (`[detections] deployers`) whose calls this detection leaves to them:
    /// the changes `apply` makes itself (the enricher's code, the topics' policies).
    pub deployers: Vec<String>,
}

/// A default detection, as written in [`DEFAULTS`].
pub struct DefaultDetection {
    pub id: &'static str,
    pub event_source: &'static str,
    pub event_names: &'static [&'static str],
    pub severity: f64,
    pub component: Option<Component>,
    pub rationale: &'static str,
    pub conditions: &'static [Condition],
    pub kind: Kind,
    /// Whether it is on when the config says nothing about it.
    pub enabled: bool,
    /// Whether the deployers' calls are theirs to make (see [`Detection::deployers`]).
    pub deployers: bool,
    pub sources: &'static [&'static str],
    pub accelerated_instance_parameters: &'static [&'static str],
    pub parameters: &'static [&'static str],
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl DefaultDetection {
    fn detection(&self) -> Detection {
        Detection {
            id: self.id.to_owned(),
            event_source: self.event_source.to_owned(),
            event_names: strings(self.event_names),
            severity: self.severity,
            component: self.component,
            rationale: self.rationale.to_owned(),
            conditions: self.conditions,
            kind: self.kind,
            sources: self.sources,
            accelerated_instance_parameters: strings(self.accelerated_instance_parameters),
            parameters: strings(self.parameters),
            allow_principals: Vec::new(),
            allow_cidrs: Vec::new(),
            allow_accounts: Vec::new(),
            deployers: Vec::new(),
        }
    }

    /// Whether it is on for `config` before any rule names it.
    fn on_by_default(&self, config: &Detections) -> bool {
        self.enabled || (self.kind == Kind::Reconnaissance && config.reconnaissance)
    }
}

/// Why a `[[detections.rules]]` entry cannot be used: its index, key and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    pub index: usize,
    pub key: &'static str,
    pub message: String,
    pub hint: String,
}

/// The detections in force: the defaults, each overridden by the rule with its id, then the
/// new rules; disabled ones left out. The `[detections]` allowlists apply to every one.
pub fn resolve(config: &Detections) -> Result<Vec<Detection>, RuleError> {
    let mut detections: Vec<(Detection, bool)> = DEFAULTS
        .iter()
        .map(|d| {
            let mut detection = d.detection();
            if d.deployers {
                detection.deployers = config.deployers.clone();
            }
            (detection, d.on_by_default(config))
        })
        .collect();
    for (index, rule) in config.rules.iter().enumerate() {
        let existing = detections.iter().position(|(d, _)| d.id == rule.id);
        let slot = match existing {
            Some(at) => at,
            None => {
                detections.push((new_detection(index, rule)?, true));
                detections.len() - 1
            }
        };
        let (detection, enabled) = &mut detections[slot];
        apply(index, rule, detection)?;
        if let Some(on) = rule.enabled {
            *enabled = on;
        }
    }
    Ok(detections
        .into_iter()
        .filter(|(_, enabled)| *enabled)
        .map(|(mut d, _)| {
            d.allow_principals
                .extend(config.allow_principals.iter().cloned());
            d.allow_cidrs.extend(config.allow_cidrs.iter().copied());
            d.allow_accounts
                .extend(config.allow_accounts.iter().cloned());
            d
        })
        .collect())
}

fn new_detection(index: usize, rule: &DetectionRule) -> Result<Detection, RuleError> {
    let missing = |key: &'static str| RuleError {
        index,
        key,
        message: format!(
            "detection `{}` is not a default one, so it needs `{key}`",
            rule.id
        ),
        hint: format!(
            "give event_source, event_names, severity and rationale, or use a default id: {}",
            DEFAULTS.iter().map(|d| d.id).collect::<Vec<_>>().join(", ")
        ),
    };
    Ok(Detection {
        id: rule.id.clone(),
        event_source: rule
            .event_source
            .clone()
            .ok_or_else(|| missing("event_source"))?,
        event_names: rule
            .event_names
            .clone()
            .ok_or_else(|| missing("event_names"))?,
        severity: rule.severity.ok_or_else(|| missing("severity"))?,
        component: Some(rule.component.unwrap_or(Component::MlControlPlane)),
        rationale: rule.rationale.clone().ok_or_else(|| missing("rationale"))?,
        conditions: &[],
        kind: Kind::Ai,
        sources: &[],
        accelerated_instance_parameters: Vec::new(),
        parameters: Vec::new(),
        allow_principals: Vec::new(),
        allow_cidrs: Vec::new(),
        allow_accounts: Vec::new(),
        deployers: Vec::new(),
    })
}

fn apply(index: usize, rule: &DetectionRule, d: &mut Detection) -> Result<(), RuleError> {
    let fail = |key: &'static str, message: String, hint: &str| RuleError {
        index,
        key,
        message,
        hint: hint.to_owned(),
    };
    if !is_detection_id(&rule.id) {
        return Err(fail(
            "id",
            format!("`{}` cannot name a detection", rule.id),
            "use 1–64 lower-case letters, digits and `-` (it becomes a metric dimension)",
        ));
    }
    if let Some(source) = &rule.event_source {
        d.event_source = event_source(source).ok_or_else(|| {
            fail(
                "event_source",
                format!("`{source}` is not a CloudTrail event source"),
                "CloudTrail names a service `<service>.amazonaws.com` (e.g. bedrock.amazonaws.com); `bedrock` and `aws.bedrock` are read as that too",
            )
        })?;
    }
    if let Some(names) = &rule.event_names {
        if names.is_empty() {
            return Err(fail(
                "event_names",
                "an empty list matches no event".into(),
                "name at least one CloudTrail eventName, or set enabled = false",
            ));
        }
        d.event_names = names.clone();
    }
    if let Some(score) = rule.severity {
        if !(0.0..=10.0).contains(&score) {
            return Err(fail(
                "severity",
                format!("{score} is not a severity score"),
                "use 0.0–10.0: 4.0 MEDIUM, 7.0 HIGH, 9.0 CRITICAL",
            ));
        }
        d.severity = score;
    }
    if let Some(component) = rule.component {
        d.component = Some(component);
    }
    if let Some(rationale) = &rule.rationale {
        d.rationale = rationale.clone();
    }
    if let Some(paths) = &rule.accelerated_instance_parameters {
        d.accelerated_instance_parameters = paths.clone();
    }
    if let Some(paths) = &rule.parameters {
        d.parameters = paths.clone();
    }
    d.allow_principals
        .extend(rule.allow_principals.iter().cloned());
    d.allow_cidrs.extend(rule.allow_cidrs.iter().copied());
    d.allow_accounts.extend(rule.allow_accounts.iter().cloned());
    Ok(())
}

/// CloudTrail's `eventSource` for what a rule wrote: `<service>.amazonaws.com` as it is, and a
/// service's bare name (`bedrock`) or EventBridge's source for it (`aws.bedrock`) read as that;
/// `None` for anything else (`bedrock.amazon.com`), which no CloudTrail record carries.
fn event_source(written: &str) -> Option<String> {
    let lower = written.trim().to_ascii_lowercase();
    let valid = |name: &str| {
        !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    if let Some(service) = lower.strip_suffix(".amazonaws.com") {
        return valid(service).then_some(lower.clone());
    }
    let service = lower.strip_prefix("aws.").unwrap_or(&lower);
    (valid(service) && !service.contains('.')).then(|| format!("{service}.amazonaws.com"))
}

/// Whether `arn` (or a pattern of one) names an STS session
/// (`arn:aws:sts::…:assumed-role/<role>/<session>`, `…:federated-user/<name>`), whose last part
/// its caller chose: allowlists match the role or user behind a session, never the session.
pub fn is_session_arn(arn: &str) -> bool {
    arn.split(':').nth(2) == Some("sts")
        || arn.contains("assumed-role/")
        || arn.contains("federated-user/")
}

fn is_detection_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str) -> DetectionRule {
        DetectionRule {
            id: id.to_owned(),
            enabled: None,
            event_source: None,
            event_names: None,
            severity: None,
            component: None,
            rationale: None,
            accelerated_instance_parameters: None,
            parameters: None,
            allow_principals: Vec::new(),
            allow_cidrs: Vec::new(),
            allow_accounts: Vec::new(),
        }
    }

    #[test]
    fn defaults_cover_the_issue_list_with_distinct_ids() {
        let all = resolve(&Detections {
            reconnaissance: true,
            ..Detections::default()
        })
        .unwrap();
        assert_eq!(all.len(), DEFAULTS.len());
        let mut ids: Vec<&str> = all.iter().map(|d| d.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for name in [
            "PutUseCaseForModelAccess",
            "CreateFoundationModelAgreement",
            "PutFoundationModelEntitlement",
            "DeleteModelInvocationLoggingConfiguration",
            "PutModelInvocationLoggingConfiguration",
            "DeleteGuardrail",
            "UpdateGuardrail",
            "CreateProvisionedModelThroughput",
            "CreateModelCustomizationJob",
            "CreateModelImportJob",
            "CreatePresignedNotebookInstanceUrl",
            "CreatePresignedDomainUrl",
            "CreateTrainingJob",
            "CreateProcessingJob",
            "CreateServiceSpecificCredential",
            "CreateInferenceProfile",
            "UpdateProvisionedModelThroughput",
            "DeleteEnforcedGuardrailConfiguration",
            "PutEnforcedGuardrailConfiguration",
        ] {
            assert!(
                all.iter().any(|d| d.event_names.iter().any(|n| n == name)),
                "{name} is covered"
            );
        }
    }

    #[test]
    fn reconnaissance_is_off_unless_turned_on() {
        let ids = |config: &Detections| -> Vec<String> {
            resolve(config).unwrap().into_iter().map(|d| d.id).collect()
        };
        let probed = "model-availability-probed".to_owned();
        assert!(!ids(&Detections::default()).contains(&probed));
        let all = Detections {
            reconnaissance: true,
            ..Detections::default()
        };
        assert!(ids(&all).contains(&probed));
        let mut one = rule("model-availability-probed");
        one.enabled = Some(true);
        let by_id = Detections {
            rules: vec![one],
            ..Detections::default()
        };
        assert!(ids(&by_id).contains(&probed));
        for d in resolve(&all).unwrap() {
            assert_eq!(
                d.kind == Kind::Reconnaissance,
                d.id == probed,
                "{} is read-only reconnaissance or not",
                d.id
            );
        }
    }

    #[test]
    fn rules_override_by_id_disable_and_add() {
        let mut config = Detections::default();
        let mut severity = rule("guardrail-updated");
        severity.severity = Some(8.0);
        severity.allow_principals = vec![Pattern::new("ops-*")];
        let mut off = rule("custom-model-created");
        off.enabled = Some(false);
        let mut new = rule("agent-deleted");
        new.event_source = Some("bedrock.amazonaws.com".into());
        new.event_names = Some(vec!["DeleteAgent".into()]);
        new.severity = Some(5.0);
        new.rationale = Some("An agent was deleted.".into());
        config.rules = vec![severity, off, new];
        config.allow_accounts = vec!["111122223333".into()];
        let all = resolve(&config).unwrap();
        let updated = all.iter().find(|d| d.id == "guardrail-updated").unwrap();
        assert_eq!(updated.severity, 8.0);
        assert_eq!(updated.event_names, vec!["UpdateGuardrail"]);
        assert_eq!(updated.allow_principals, vec![Pattern::new("ops-*")]);
        assert_eq!(updated.allow_accounts, vec!["111122223333".to_owned()]);
        assert!(!all.iter().any(|d| d.id == "custom-model-created"));
        assert!(all.iter().any(|d| d.id == "agent-deleted"));
    }

    #[test]
    fn an_event_source_without_its_domain_is_read_as_cloudtrail_writes_it() {
        // CloudTrail records `bedrock.amazonaws.com`; a rule for `bedrock` made a pattern and a
        // detection that never matched anything.
        for written in ["bedrock", "aws.bedrock", "bedrock.amazonaws.com", "Bedrock"] {
            let mut new = rule("agent-deleted");
            new.event_source = Some(written.into());
            new.event_names = Some(vec!["DeleteAgent".into()]);
            new.severity = Some(5.0);
            new.rationale = Some("An agent was deleted.".into());
            let config = Detections {
                rules: vec![new],
                ..Detections::default()
            };
            let all = resolve(&config).unwrap();
            let added = all.iter().find(|d| d.id == "agent-deleted").unwrap();
            assert_eq!(added.event_source, "bedrock.amazonaws.com", "{written}");
        }
        let mut typo = rule("agent-deleted");
        typo.event_source = Some("bedrock.amazon.com".into());
        typo.event_names = Some(vec!["DeleteAgent".into()]);
        typo.severity = Some(5.0);
        typo.rationale = Some("An agent was deleted.".into());
        let config = Detections {
            rules: vec![typo],
            ..Detections::default()
        };
        let err = resolve(&config).unwrap_err();
        assert_eq!(err.key, "event_source");
        assert!(err.hint.contains("bedrock.amazonaws.com"), "{}", err.hint);
    }

    #[test]
    fn a_new_rule_without_its_event_is_an_error_naming_the_key() {
        let mut config = Detections {
            rules: vec![rule("my-own")],
            ..Detections::default()
        };
        let err = resolve(&config).unwrap_err();
        assert_eq!((err.index, err.key), (0, "event_source"));
        let mut bad = rule("guardrail-deleted");
        bad.severity = Some(11.0);
        config.rules = vec![bad];
        assert_eq!(resolve(&config).unwrap_err().key, "severity");
    }
}
