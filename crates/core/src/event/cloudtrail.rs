//! CloudTrail management events (`AWS API Call via CloudTrail`; `detail` is the CloudTrail
//! record: CloudTrail user guide, "CloudTrail record contents" and "userIdentity element") run
//! through the detection set ([`crate::config::detections`]). A match becomes a finding in the
//! one model: the caller as its access key details, the call as its API-call action, the event
//! id as its id; the [`ApiCall`] observation carries the detection, its rationale, why it was
//! escalated, and the request parameters that matter. Every string here is the caller's to
//! choose.

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::read_detail;
use crate::component::is_accelerated;
use crate::config::detections::{Detection, is_session_arn, resolve};
use crate::config::{Config, FailedCalls};
use crate::finding::api_call::{LONG_TERM_KEY_PREFIX, PARAMETER_MAX_CHARS, service_of};
use crate::finding::{ApiCall, Observation, Origin, ParsedEvent, SourcedFinding};
use crate::guardduty::serde_helpers::strip_nulls;
use crate::severity::{lower_one_band, raise_one_band};
use crate::text::clip;

/// Most request parameters an alert shows.
const PARAMETERS_MAX: usize = 12;
/// Longest id, name or address kept from a record (CloudTrail's own are far shorter).
const FIELD_MAX_CHARS: usize = 512;
/// A `requestParameters` path is followed at most this deep.
const PATH_MAX_DEPTH: usize = 8;

/// The parts of a CloudTrail record detections read. Unknown members are ignored; a member of
/// the wrong type rejects the event with its path, like a malformed finding.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    #[serde(default)]
    pub user_identity: UserIdentity,
    #[serde(default)]
    pub event_time: Option<String>,
    pub event_source: String,
    pub event_name: String,
    #[serde(default)]
    pub aws_region: Option<String>,
    #[serde(rename = "sourceIPAddress", default)]
    pub source_ip_address: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(default)]
    pub request_parameters: Option<Value>,
    /// What the service adds to its record: Bedrock writes `callWithBearerToken` here for a
    /// call made with a Bedrock API key.
    #[serde(default)]
    pub additional_event_data: Option<Value>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(rename = "eventID")]
    pub event_id: String,
    #[serde(default)]
    pub recipient_account_id: Option<String>,
}

/// `userIdentity`: who made the call, with which credentials.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub session_context: Option<SessionContext>,
}

impl Record {
    /// Whether the call was made with a Bedrock API key rather than signed credentials: Bedrock
    /// records such a call with `additionalEventData.callWithBearerToken` (Bedrock user guide,
    /// "API keys"); signed calls carry no such flag.
    pub fn called_with_bearer_token(&self) -> bool {
        self.additional_event_data
            .as_ref()
            .and_then(|data| data.get("callWithBearerToken"))
            .is_some_and(|flag| flag == &Value::Bool(true) || flag == "true")
    }
}

impl UserIdentity {
    /// Who the caller is, as allowlists match it: the ARN and name of the IAM user, or of the
    /// role (or user) a session was issued for (`sessionContext.sessionIssuer`). Never a
    /// session's own ARN or name: whoever assumes a role or federates chooses those. A session
    /// whose record names no issuer has no identity here, so no allowlist passes it.
    pub fn caller(&self) -> [Option<&str>; 2] {
        let issuer = self
            .session_context
            .as_ref()
            .and_then(|c| c.session_issuer.as_ref());
        if let Some(issuer) = issuer {
            return [issuer.arn.as_deref(), issuer.user_name.as_deref()];
        }
        // No issuer: the call was made with the identity's own credentials (an IAM user, the
        // root user), whose ARN is IAM's; an STS ARN is a session's, chosen by its caller.
        match self.arn.as_deref() {
            Some(arn) if !is_session_arn(arn) => [Some(arn), self.user_name.as_deref()],
            _ => [None, None],
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext {
    #[serde(default)]
    pub session_issuer: Option<SessionIssuer>,
}

/// The role (or user) a temporary session was issued for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer {
    // Nothing reads it yet; it is kept so that a `type` of another shape rejects the record,
    // as a wrong member anywhere else does.
    #[allow(dead_code)]
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
}

/// Parses a CloudTrail event and runs the detections of `config` over it.
pub fn parse(event: &Value, config: &Config) -> ParsedEvent {
    let record: Record = match read_detail(event, "a CloudTrail event carries its record there") {
        Ok(record) => record,
        Err(rejected) => return rejected,
    };
    if !config.detections.enabled {
        return ParsedEvent::Ignored("CloudTrail detections are off (detections.enabled)".into());
    }
    let detections = match resolve(&config.detections) {
        Ok(detections) => detections,
        // A validated config always resolves; one built in code may not.
        Err(err) => {
            return ParsedEvent::Ignored(format!(
                "detections.rules[{}].{}: {}",
                err.index, err.key, err.message
            ));
        }
    };
    let call = format!(
        "{}:{}",
        service_of(&record.event_source),
        clip(&record.event_name, 80)
    );
    let named: Vec<&Detection> = detections
        .iter()
        .filter(|d| {
            d.event_source == record.event_source && d.event_names.contains(&record.event_name)
        })
        .collect();
    if named.is_empty() {
        return ParsedEvent::Ignored(format!("no detection covers CloudTrail {call}"));
    }
    // The first detection of the call whose conditions all hold: detections with conditions
    // come before the ones without, so `UpdateGuardrail` that removes filters is
    // `guardrail-weakened` before it is `guardrail-updated`.
    let detail = event.get("detail").unwrap_or(&Value::Null);
    let Some(detection) = named
        .iter()
        .copied()
        .find(|d| d.conditions.iter().all(|c| c.holds(detail, config)))
    else {
        let unmet: Vec<String> = named
            .iter()
            .filter_map(|d| {
                d.conditions
                    .iter()
                    .find(|c| !c.holds(detail, config))
                    .map(|c| format!("{}: {}", d.id, c.describe()))
            })
            .collect();
        return ParsedEvent::Ignored(format!(
            "CloudTrail {call}: no detection's conditions hold (it would need {})",
            unmet.join("; or ")
        ));
    };
    let parameters = record.request_parameters.as_ref();
    let mut accelerated = Vec::new();
    if !detection.accelerated_instance_parameters.is_empty() {
        let named: Vec<String> = detection
            .accelerated_instance_parameters
            .iter()
            .filter_map(|path| parameters.and_then(|p| lookup(p, path)))
            .filter_map(|v| v.as_str().map(|s| clip(s, 64)))
            .collect();
        accelerated = named
            .iter()
            .filter(|t| is_accelerated_ml(t, &config.classification.accelerated_instance_families))
            .cloned()
            .collect();
        if accelerated.is_empty() {
            let on = if named.is_empty() {
                "no instance type".to_owned()
            } else {
                named.join(", ")
            };
            return ParsedEvent::Ignored(format!(
                "CloudTrail {call} on {on}: not accelerated (detection {})",
                detection.id
            ));
        }
    }
    let sourced = finding(event, &record, detection, accelerated, config);
    ParsedEvent::Findings {
        findings: vec![sourced],
        rejected: Vec::new(),
    }
}

fn finding(
    event: &Value,
    record: &Record,
    detection: &Detection,
    accelerated_instance_types: Vec<String>,
    config: &Config,
) -> SourcedFinding {
    let envelope = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
    let identity = &record.user_identity;
    let issuer = identity
        .session_context
        .as_ref()
        .and_then(|c| c.session_issuer.as_ref());
    let account = record
        .recipient_account_id
        .clone()
        .or_else(|| envelope("account"))
        .or_else(|| identity.account_id.clone())
        .unwrap_or_default();
    let region = record
        .aws_region
        .clone()
        .or_else(|| envelope("region"))
        .unwrap_or_default();
    let time = record
        .event_time
        .clone()
        .or_else(|| envelope("time"))
        .unwrap_or_default();
    let partition = identity
        .arn
        .as_deref()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| p.starts_with("aws"))
        .unwrap_or("aws")
        .to_owned();
    let principal_name = match identity.kind.as_deref() {
        Some("AssumedRole") | Some("FederatedUser") => issuer
            .and_then(|i| i.user_name.clone())
            .or_else(|| identity.user_name.clone()),
        Some("Root") => Some("root".to_owned()),
        _ => identity.user_name.clone(),
    }
    .or_else(|| identity.arn.as_deref().map(last_part))
    .map(|n| bounded(&n));

    let mut score = detection.severity;
    let mut escalations = Vec::new();
    let key = identity.access_key_id.as_deref().unwrap_or("");
    if config.detections.escalate_long_term_keys && key.starts_with(LONG_TERM_KEY_PREFIX) {
        escalations.push(format!(
            "long-term access key {} (an IAM user's key, not temporary credentials)",
            clip(key, 32)
        ));
    }
    if record.called_with_bearer_token() {
        escalations.push(
            "made with a Bedrock API key (a bearer token, not signed AWS credentials)".to_owned(),
        );
    }
    let agent = record.user_agent.as_deref().unwrap_or("").trim();
    if agent.is_empty() {
        escalations.push("no user agent".to_owned());
    } else if let Some(pattern) = config
        .detections
        .unusual_user_agents
        .iter()
        .find(|p| p.matches_ignoring_case(agent))
    {
        escalations.push(format!(
            "unusual user agent {} (matches {})",
            clip(agent, 120),
            clip(pattern.as_str(), 60)
        ));
    }
    for _ in &escalations {
        score = raise_one_band(score);
    }
    let failure = record.error_code.as_deref().map(|code| {
        let message = record.error_message.as_deref().unwrap_or("");
        if message.is_empty() {
            clip(code, 80)
        } else {
            format!("{}: {}", clip(code, 80), clip(message, 200))
        }
    });
    let mut suppressed = allowlisted(record, detection, &account);
    if let Some(failure) = &failure {
        match config.detections.failed_calls {
            FailedCalls::Lower => score = lower_one_band(score),
            FailedCalls::Same => {}
            FailedCalls::Suppress => {
                suppressed.get_or_insert_with(|| {
                    format!("failed call ({failure}), and detections.failed_calls is `suppress`")
                });
            }
        }
    }
    let parameters: Vec<(String, String)> = record
        .request_parameters
        .as_ref()
        .map(|p| {
            detection
                .parameters
                .iter()
                .filter_map(|path| lookup(p, path).map(|v| (path.clone(), show(v))))
                .take(PARAMETERS_MAX)
                .collect()
        })
        .unwrap_or_default();
    let source_ip = record.source_ip_address.as_deref().map(bounded);
    let ip: Option<IpAddr> = source_ip.as_deref().and_then(|s| s.parse().ok());
    let model = param(record, "modelId").or_else(|| param(record, "baseModelIdentifier"));
    let guardrail = param(record, "guardrailIdentifier");

    let call = ApiCall {
        detection: detection.id.clone(),
        rationale: detection.rationale.clone(),
        component: detection.component,
        event_id: bounded(&record.event_id),
        event_source: bounded(&record.event_source),
        event_name: bounded(&record.event_name),
        principal_type: identity.kind.as_deref().map(bounded),
        principal_arn: identity.arn.as_deref().map(bounded),
        principal_name: principal_name.clone(),
        access_key_id: identity.access_key_id.as_deref().map(bounded),
        source_ip: source_ip.clone(),
        user_agent: record.user_agent.as_deref().map(bounded),
        escalations,
        failure: failure.clone(),
        parameters,
        accelerated_instance_types,
        suppressed,
    };
    let remote = ip.map(|ip| match ip {
        IpAddr::V4(_) => json!({ "ipAddressV4": ip.to_string() }),
        IpAddr::V6(_) => json!({ "ipAddressV6": ip.to_string() }),
    });
    let principal_id = identity.principal_id.as_deref().map(bounded);
    let value = json!({
        "schemaVersion": "2.0",
        "accountId": bounded(&account),
        "region": bounded(&region),
        "partition": partition,
        "id": call.event_id,
        // CloudTrail events have no ARN; this names the event in the same shape.
        "arn": format!("arn:{partition}:cloudtrail:{}:{}:event/{}", bounded(&region), bounded(&account), call.event_id),
        "type": format!("Watchpost:CloudTrail/{}", detection.id),
        "severity": score,
        "title": format!("{} by {}", call.api(), principal_name.as_deref().unwrap_or("an unknown principal")),
        "description": detection.rationale,
        "createdAt": bounded(&time),
        "updatedAt": bounded(&time),
        "resource": {
            "resourceType": "AccessKey",
            "accessKeyDetails": {
                "accessKeyId": call.access_key_id,
                "principalId": principal_id,
                "userName": principal_name,
                "userType": call.principal_type,
            },
            "modelDetails": model.map(|m| vec![json!({ "modelId": m })]).unwrap_or_default(),
            "bedrockGuardrailDetails": guardrail.map(|g| json!({ "guardrailArn": g })),
        },
        "service": {
            "serviceName": "watchpost",
            "count": 1,
            "archived": false,
            "eventFirstSeen": bounded(&time),
            "eventLastSeen": bounded(&time),
            "action": {
                "actionType": "AWS_API_CALL",
                "awsApiCallAction": {
                    "api": call.event_name,
                    "serviceName": call.event_source,
                    "userAgent": call.user_agent,
                    "errorCode": record.error_code.as_deref().map(bounded),
                    "remoteIpDetails": remote,
                },
            },
        },
    });
    let finding = serde_json::from_value(strip_nulls(value))
        .expect("a finding built from bounded strings and numbers deserialises");
    SourcedFinding {
        finding,
        origin: Origin::CloudTrail,
        observation: Some(Observation::ApiCall(call)),
    }
}

/// Why the call is allowlisted for this detection, if it is.
fn allowlisted(record: &Record, detection: &Detection, account: &str) -> Option<String> {
    let identity = &record.user_identity;
    let names = record.user_identity.caller();
    // The changes `apply` makes to the stack's own resources are the deployers' to make.
    if let Some(arn) = names[0]
        && detection.deployers.iter().any(|d| d == arn)
    {
        return Some(format!(
            "deployer {} (detections.deployers) made the change, as apply does, for detection {}",
            clip(arn, 200),
            detection.id
        ));
    }
    for pattern in &detection.allow_principals {
        if let Some(name) = names
            .iter()
            .flatten()
            .find(|n| pattern.matches_any_scope(n))
        {
            return Some(format!(
                "allowlisted principal {} (matches {}) for detection {}",
                clip(name, 120),
                clip(pattern.as_str(), 80),
                detection.id
            ));
        }
    }
    if let Some(ip) = record
        .source_ip_address
        .as_deref()
        .and_then(|s| s.trim().parse::<IpAddr>().ok())
        && let Some(cidr) = detection.allow_cidrs.iter().find(|c| c.contains(ip))
    {
        return Some(format!(
            "allowlisted source address {ip} (in {}) for detection {}",
            cidr.0, detection.id
        ));
    }
    let accounts = [Some(account), identity.account_id.as_deref()];
    if let Some(allowed) = detection
        .allow_accounts
        .iter()
        .find(|a| accounts.iter().flatten().any(|x| *x == a.as_str()))
    {
        return Some(format!(
            "allowlisted account {allowed} for detection {}",
            detection.id
        ));
    }
    None
}

/// The value at a dotted path of the request parameters.
fn lookup<'a>(parameters: &'a Value, path: &str) -> Option<&'a Value> {
    let mut at = parameters;
    for (depth, key) in path.split('.').enumerate() {
        if depth >= PATH_MAX_DEPTH {
            return None;
        }
        at = at.get(key)?;
    }
    (!at.is_null()).then_some(at)
}

/// A parameter value for people: strings as they are, others as compact JSON; bounded.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => clip(s, PARAMETER_MAX_CHARS),
        other => {
            let text = other.to_string();
            clip(&text, PARAMETER_MAX_CHARS)
        }
    }
}

fn param(record: &Record, key: &str) -> Option<String> {
    record
        .request_parameters
        .as_ref()
        .and_then(|p| p.get(key))
        .and_then(Value::as_str)
        .map(bounded)
}

/// The last part of an ARN (`…:user/alice` → `alice`).
fn last_part(arn: &str) -> String {
    arn.rsplit(['/', ':']).next().unwrap_or(arn).to_owned()
}

/// A record string, bounded so that no field can make the finding huge; controls are
/// stripped later, where each format needs it.
fn bounded(text: &str) -> String {
    match text.char_indices().nth(FIELD_MAX_CHARS) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

/// SageMaker names instance types `ml.p4d.24xlarge`; EC2's family rules apply after the
/// `ml.` prefix.
pub fn is_accelerated_ml(instance_type: &str, families: &[String]) -> bool {
    let bare = instance_type.strip_prefix("ml.").unwrap_or(instance_type);
    is_accelerated(bare, families)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families() -> Vec<String> {
        crate::config::Classification::default().accelerated_instance_families
    }

    #[test]
    fn sagemaker_instance_types_are_judged_after_their_ml_prefix() {
        assert!(is_accelerated_ml("ml.p4d.24xlarge", &families()));
        assert!(is_accelerated_ml("ml.g5.xlarge", &families()));
        assert!(!is_accelerated_ml("ml.m5.xlarge", &families()));
        assert!(!is_accelerated_ml("ml", &families()));
    }

    /// A guardrail deleted by a role session, with `agent` as its user agent.
    fn guardrail_deleted(agent: &str) -> Value {
        json!({
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.bedrock",
            "detail": {
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": "arn:aws:sts::111122223333:assumed-role/dev/bob",
                    "accessKeyId": "ASIAEXAMPLE",
                    "sessionContext": { "sessionIssuer": {
                        "type": "Role",
                        "arn": "arn:aws:iam::111122223333:role/dev",
                        "userName": "dev"
                    } }
                },
                "eventSource": "bedrock.amazonaws.com",
                "eventName": "DeleteGuardrail",
                "awsRegion": "us-east-1",
                "userAgent": agent,
                "eventID": "e-1",
                "recipientAccountId": "111122223333"
            }
        })
    }

    fn call(event: &Value, config: &Config) -> ApiCall {
        match parse(event, config) {
            ParsedEvent::Findings { findings, .. } => match &findings[0].observation {
                Some(Observation::ApiCall(call)) => call.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unusual_user_agents_match_whatever_their_case() {
        // User agents are compared lower-cased; a pattern written with capitals never matched.
        let config = Config::from_toml(
            "[detections]\nunusual_user_agents = [\"Python-Requests/*\", \"*KALI*\"]\n",
            "watchpost.toml",
        )
        .unwrap();
        for agent in [
            "python-requests/2.31.0",
            "Python-Requests/2.31.0",
            "curl (kali linux)",
        ] {
            let call = call(&guardrail_deleted(agent), &config);
            assert!(
                call.escalations
                    .iter()
                    .any(|e| e.starts_with("unusual user agent")),
                "{agent}: {:?}",
                call.escalations
            );
        }
        let call = call(&guardrail_deleted("aws-cli/2.15.30"), &config);
        assert!(call.escalations.is_empty(), "{:?}", call.escalations);
    }

    #[test]
    fn a_call_made_with_a_bedrock_api_key_is_raised_a_band() {
        let config = Config::default();
        let mut event = guardrail_deleted("aws-cli/2.15.30");
        let signed = call(&event, &config);
        assert!(signed.escalations.is_empty(), "{:?}", signed.escalations);
        event["detail"]["additionalEventData"] = json!({ "callWithBearerToken": true });
        let bearer = call(&event, &config);
        assert_eq!(bearer.escalations.len(), 1);
        assert!(
            bearer.escalations[0].contains("Bedrock API key"),
            "{:?}",
            bearer.escalations
        );
    }

    #[test]
    fn a_guardrail_update_is_weakened_only_when_its_record_shows_a_weaker_filter() {
        let config = Config::default();
        let mut event = guardrail_deleted("aws-cli/2.15.30");
        event["detail"]["eventName"] = json!("UpdateGuardrail");
        // CloudTrail may hide an update's policies: nothing says the guardrail got weaker.
        event["detail"]["requestParameters"] =
            json!({"guardrailIdentifier": "gr1", "name": "HIDDEN_DUE_TO_SECURITY_REASONS"});
        assert_eq!(call(&event, &config).detection, "guardrail-updated");
        event["detail"]["requestParameters"]["contentPolicyConfig"] = json!({"filtersConfig": [
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
        ]});
        assert_eq!(call(&event, &config).detection, "guardrail-updated");
        event["detail"]["requestParameters"]["contentPolicyConfig"]["filtersConfig"][0]["inputStrength"] =
            json!("LOW");
        assert_eq!(call(&event, &config).detection, "guardrail-weakened");
    }

    /// A guardrail deleted by `identity` (a CloudTrail `userIdentity`).
    fn deleted_by(identity: Value) -> Value {
        let mut event = guardrail_deleted("aws-cli/2.15.30");
        event["detail"]["userIdentity"] = identity;
        event
    }

    fn role_session(role: &str, session: &str) -> Value {
        json!({
            "type": "AssumedRole",
            "principalId": format!("AROAEXAMPLE:{session}"),
            "arn": format!("arn:aws:sts::111122223333:assumed-role/{role}/{session}"),
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": { "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLE",
                "arn": format!("arn:aws:iam::111122223333:role/{role}"),
                "accountId": "111122223333",
                "userName": role
            } }
        })
    }

    #[test]
    fn allowlists_match_the_role_or_the_user_never_the_session_name() {
        let config = Config::from_toml(
            "[detections]\nallow_principals = [\"*ml-platform-admin*\", \"arn:aws:iam::111122223333:user/ci-deployer\"]\n",
            "watchpost.toml",
        )
        .unwrap();
        let allowed = |identity: Value| call(&deleted_by(identity), &config).suppressed;
        // Whoever assumes a role chooses the session's name: naming it after an allowlisted
        // role must not pass the allowlist.
        assert_eq!(
            allowed(role_session("dev-sandbox", "ml-platform-admin")),
            None
        );
        assert!(allowed(role_session("ml-platform-admin", "bob")).is_some());
        let user = |name: &str| {
            json!({
                "type": "IAMUser",
                "principalId": "AIDAEXAMPLE",
                "arn": format!("arn:aws:iam::111122223333:user/{name}"),
                "accountId": "111122223333",
                "accessKeyId": "AKIAEXAMPLE",
                "userName": name
            })
        };
        assert!(allowed(user("ci-deployer")).is_some());
        assert_eq!(allowed(user("ci-deployer-2")), None);
        // A federated user's name is the caller's choice too: the IAM user behind it counts.
        let federated = json!({
            "type": "FederatedUser",
            "arn": "arn:aws:sts::111122223333:federated-user/ml-platform-admin",
            "accountId": "111122223333",
            "sessionContext": { "sessionIssuer": {
                "type": "IAMUser",
                "arn": "arn:aws:iam::111122223333:user/intern",
                "userName": "intern"
            } }
        });
        assert_eq!(allowed(federated), None);
        // A session whose record names no issuer cannot be told apart: not allowlisted.
        let mut bare = role_session("ml-platform-admin", "bob");
        bare.as_object_mut().unwrap().remove("sessionContext");
        assert_eq!(allowed(bare), None);
    }

    #[test]
    fn paths_stop_at_their_depth_and_at_nulls() {
        let value = json!({"a": {"b": {"c": "x"}}, "n": null});
        assert_eq!(lookup(&value, "a.b.c"), Some(&json!("x")));
        assert_eq!(lookup(&value, "a.z"), None);
        assert_eq!(lookup(&value, "n"), None);
        assert_eq!(lookup(&value, &["a"; 20].join(".")), None);
    }
}
