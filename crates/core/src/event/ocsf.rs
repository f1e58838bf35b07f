//! The new AWS Security Hub's findings: `Findings Imported V2` events, one OCSF finding each
//! (Security Hub user guide, "EventBridge event formats"; OCSF 1.5 and 1.6 classes Detection
//! Finding 2004 and Compliance Finding 2003). Detection findings, GuardDuty's and other
//! products', become findings of the one model, read straight into typed values: identity from
//! `finding_info.uid` / `uid_alt` (a GuardDuty finding's ARN gives GuardDuty's own id, so the
//! copy shares its original's alert state), type from `finding_info.types`, severity from
//! `severity_id`, resources, the evidence's actor, call and address, and an attack sequence's
//! related events as its signals. Compliance findings and other classes are ignored; a finding
//! Security Hub says is Suppressed, Resolved, Archived or Deleted (or whose activity is Close)
//! is read as closed, and does not alert.
//!
//! Where OCSF 1.5 and 1.6 differ (`unmapped`, an object in 1.5, is a list in 1.6), nothing here
//! reads the difference; fields this reader does not name are skipped whatever their type.

use serde::Deserialize;

use serde_json::Value;

use super::QUOTE_LIMIT;
use super::repair::deserialize_dropping;
use crate::finding::{Origin, ParsedEvent, SourcedFinding};
use crate::guardduty::timestamp::format_time;
use crate::guardduty::wire::{
    self, AccessKeyDetails, Action, Actor, AutonomousSystem, AwsApiCallAction, BedrockGuardrail,
    BedrockGuardrailDetails, City, ContentPolicyFilter, Country, Detection, Indicator,
    InstanceDetails, ModelDetail, NetworkEndpoint, NetworkGeoLocation, Organization,
    RemoteIpDetails, Resource, ResourceV2, S3BucketDetail, Sequence, Service, Session, Signal, Tag,
    User,
};
use crate::guardduty::{Finding, Timestamp};
use crate::text::clip;

/// `detail-type` of the new Security Hub's findings on EventBridge.
pub const DETAIL_TYPE: &str = "Findings Imported V2";
/// OCSF class of detection findings.
pub const DETECTION_FINDING: i64 = 2004;
/// OCSF class of compliance findings.
pub const COMPLIANCE_FINDING: i64 = 2003;

/// `detail` of a `Findings Imported V2` event.
#[derive(Debug, Deserialize)]
pub(super) struct Detail {
    pub findings: Vec<OcsfFinding>,
}

/// The parts of an OCSF finding Watchpost reads; every other member is skipped unread.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct OcsfFinding {
    class_uid: Option<i64>,
    class_name: Option<String>,
    activity_id: Option<i64>,
    severity_id: Option<i64>,
    severity: Option<String>,
    status_id: Option<i64>,
    status: Option<String>,
    count: Option<i64>,
    time: Option<Timestamp>,
    time_dt: Option<Timestamp>,
    metadata: Option<Metadata>,
    finding_info: Option<FindingInfo>,
    cloud: Option<Cloud>,
    resources: Vec<OcsfResource>,
    evidences: Vec<Evidence>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    product: Option<Product>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Product {
    name: Option<String>,
    uid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FindingInfo {
    uid: Option<String>,
    uid_alt: Option<String>,
    title: Option<String>,
    desc: Option<String>,
    types: Vec<String>,
    created_time: Option<Timestamp>,
    created_time_dt: Option<Timestamp>,
    modified_time: Option<Timestamp>,
    modified_time_dt: Option<Timestamp>,
    first_seen_time: Option<Timestamp>,
    first_seen_time_dt: Option<Timestamp>,
    last_seen_time: Option<Timestamp>,
    last_seen_time_dt: Option<Timestamp>,
    related_events: Vec<RelatedEvent>,
    attacks: Vec<Attack>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RelatedEvent {
    uid: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<String>,
    desc: Option<String>,
    count: Option<i64>,
    severity_id: Option<i64>,
    first_seen_time: Option<Timestamp>,
    first_seen_time_dt: Option<Timestamp>,
    last_seen_time: Option<Timestamp>,
    last_seen_time_dt: Option<Timestamp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Attack {
    tactic: Option<Named>,
    technique: Option<Named>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Named {
    name: Option<String>,
    uid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Cloud {
    account: Option<CloudAccount>,
    region: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CloudAccount {
    uid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OcsfResource {
    uid: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    region: Option<String>,
    cloud_partition: Option<String>,
    tags: Vec<KeyValue>,
    data: Option<ResourceData>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KeyValue {
    name: Option<String>,
    value: Option<String>,
}

/// What a resource's free-form `data` may say that classification reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResourceData {
    #[serde(alias = "instanceType", alias = "InstanceType")]
    instance_type: Option<String>,
    #[serde(alias = "modelId", alias = "ModelId")]
    model_id: Option<String>,
    /// A guardrail's intervention, as GuardDuty writes it in `bedrockGuardrailDetails`.
    #[serde(alias = "guardrailVersion", alias = "version")]
    guardrail_version: Option<String>,
    #[serde(alias = "guardrailAction")]
    guardrail_action: Option<String>,
    #[serde(alias = "guardrailSource")]
    guardrail_source: Option<String>,
    #[serde(alias = "contentPolicyFilters")]
    content_policy_filters: Vec<ContentPolicyFilter>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Evidence {
    actor: Option<OcsfActor>,
    api: Option<Api>,
    src_endpoint: Option<Endpoint>,
    http_request: Option<HttpRequest>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OcsfActor {
    user: Option<OcsfUser>,
    session: Option<OcsfSession>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OcsfUser {
    name: Option<String>,
    uid: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    credential_uid: Option<String>,
    account: Option<CloudAccount>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OcsfSession {
    uid: Option<String>,
    is_mfa: Option<bool>,
    issuer: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Api {
    operation: Option<String>,
    service: Option<ApiService>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApiService {
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Endpoint {
    ip: Option<String>,
    domain: Option<String>,
    port: Option<i64>,
    location: Option<Location>,
    autonomous_system: Option<AutonomousSystemOcsf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Location {
    city: Option<String>,
    country: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AutonomousSystemOcsf {
    name: Option<String>,
    number: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HttpRequest {
    user_agent: Option<String>,
}

/// The findings of a `Findings Imported V2` event's `detail` (the general path: from the
/// parsed event, each finding read on its own, a field of an unexpected type left out).
pub(super) fn security_hub_event(detail: Option<&Value>) -> ParsedEvent {
    let Some(findings) = detail.and_then(|d| d.get("findings")) else {
        return ParsedEvent::Rejected(
            "`detail.findings`: missing; a Findings Imported V2 event carries its finding there"
                .into(),
        );
    };
    let Some(findings) = findings.as_array() else {
        return ParsedEvent::Rejected(
            "`detail.findings`: expected an array of OCSF findings".into(),
        );
    };
    let mut read = Vec::new();
    let mut rejected = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        let typed = OcsfFinding::deserialize(finding)
            .or_else(|_| deserialize_dropping(finding.clone(), |path| !path.is_empty()));
        match typed {
            Ok(typed) => read.push((index, typed)),
            Err(err) => {
                let at = err.path().to_string();
                let at = if at == "." {
                    format!("detail.findings[{index}]")
                } else {
                    format!("detail.findings[{index}].{at}")
                };
                rejected.push(format!("`{at}`: {}", clip(&err.inner().to_string(), 200)));
            }
        }
    }
    self::findings(read, rejected)
}

/// The findings of a `Findings Imported V2` event's `detail`, already read, each with its index
/// in the event; `rejected` are the findings of the batch that could not be read, with why.
pub(super) fn findings(
    findings: Vec<(usize, OcsfFinding)>,
    mut rejected: Vec<String>,
) -> ParsedEvent {
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    for (index, finding) in findings {
        match to_finding(finding) {
            Read::Finding(finding) => out.push(SourcedFinding {
                finding,
                origin: Origin::SecurityHubOcsf,
                observation: None,
            }),
            Read::Ignored(why) => ignored.push(why),
            Read::Rejected(why) => rejected.push(format!("`detail.findings[{index}]`: {why}")),
        }
    }
    if out.is_empty() && !rejected.is_empty() {
        return ParsedEvent::Rejected(clip(&rejected.join("; "), 1_000));
    }
    if out.is_empty() {
        ignored.dedup();
        return ParsedEvent::Ignored(match ignored.is_empty() {
            true => "Security Hub event with no findings".to_owned(),
            false => ignored.join("; "),
        });
    }
    ParsedEvent::Findings {
        findings: out,
        rejected,
    }
}

/// What one OCSF finding is to Watchpost.
enum Read {
    Finding(Box<Finding>),
    Ignored(String),
    Rejected(String),
}

fn to_finding(ocsf: OcsfFinding) -> Read {
    let class_name = ocsf.class_name.as_deref().map(|n| clip(n, QUOTE_LIMIT));
    match ocsf.class_uid {
        Some(DETECTION_FINDING) => {}
        Some(COMPLIANCE_FINDING) => {
            return Read::Ignored(
                "Security Hub compliance finding (OCSF class 2003): a control's result, not a detection"
                    .to_owned(),
            );
        }
        Some(other) => {
            let name = class_name.map_or_else(String::new, |n| format!(" ({n})"));
            return Read::Ignored(format!(
                "Security Hub finding of OCSF class {other}{name}: not a detection finding"
            ));
        }
        None => {
            return Read::Rejected(
                "`class_uid`: missing; every OCSF finding names its class".to_owned(),
            );
        }
    }
    let info = ocsf.finding_info.unwrap_or_default();
    let Some(uid) = info.uid.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Read::Rejected(
            "`finding_info.uid`: missing; every OCSF finding has an identifier".to_owned(),
        );
    };
    // A GuardDuty finding's ARN, in either identifier, gives GuardDuty's own id: the copy then
    // shares its original's alert state.
    let guardduty_arn = [Some(uid), info.uid_alt.as_deref()]
        .into_iter()
        .flatten()
        .find(|id| guardduty_finding_id(id).is_some());
    let (arn, id) = match guardduty_arn {
        Some(arn) => (arn, guardduty_finding_id(arn).unwrap_or(arn)),
        None => (uid, uid),
    };
    let Some(account) = ocsf
        .cloud
        .as_ref()
        .and_then(|c| c.account.as_ref())
        .and_then(|a| a.uid.clone())
        .or_else(|| arn_part(arn, 4).map(str::to_owned))
    else {
        return Read::Rejected("`cloud.account.uid`: missing; the account is required".to_owned());
    };
    let region = arn_part(arn, 3)
        .map(str::to_owned)
        .or_else(|| ocsf.cloud.as_ref().and_then(|c| c.region.clone()))
        .or_else(|| ocsf.resources.iter().find_map(|r| r.region.clone()))
        .unwrap_or_else(|| "unknown".to_owned());
    let Some(severity) = severity_score(ocsf.severity_id, ocsf.severity.as_deref()) else {
        return Read::Rejected(
            "`severity_id`: expected 1 to 6, or a `severity` of Informational, Low, Medium, High, Critical or Fatal"
                .to_owned(),
        );
    };
    let product = ocsf.metadata.as_ref().and_then(|m| m.product.as_ref());
    let finding_type = info
        .types
        .iter()
        .find(|t| !t.trim().is_empty())
        .map(|t| finding_type(t))
        .or_else(|| info.title.clone())
        .or_else(|| ocsf.class_name.clone())
        .unwrap_or_else(|| "Unknown".to_owned());
    let time = |at: [&Option<Timestamp>; 2]| at.into_iter().flatten().find_map(Timestamp::time);
    let updated = time([&info.modified_time_dt, &info.modified_time])
        .or_else(|| time([&ocsf.time_dt, &ocsf.time]));
    let created = time([&info.created_time_dt, &info.created_time]).or(updated);
    let (Some(created), Some(updated)) = (created, updated) else {
        return Read::Rejected(
            "`finding_info.modified_time`: missing, and no `time`; a finding says when it changed"
                .to_owned(),
        );
    };
    let first_seen = time([&info.first_seen_time_dt, &info.first_seen_time]);
    let last_seen = time([&info.last_seen_time_dt, &info.last_seen_time]);
    let closed = closed_status(ocsf.status_id, ocsf.status.as_deref(), ocsf.activity_id);

    let is_sequence =
        finding_type.starts_with(crate::finding::sequence::ATTACK_SEQUENCE_TYPE_PREFIX);
    let mut additional_info = serde_json::Map::new();
    if let Some(status) = closed {
        additional_info.insert(
            crate::guardduty::SECURITY_HUB_STATUS.into(),
            serde_json::Value::String(status),
        );
    }
    if let Some(product) = product.and_then(|p| p.name.as_deref().or(p.uid.as_deref())) {
        additional_info.insert(
            "securityHubProduct".into(),
            serde_json::Value::String(clip(product, QUOTE_LIMIT)),
        );
    }
    let service = Service {
        // A sequence's calls are its high-risk APIs, not an action of its own (as GuardDuty
        // writes it).
        action: if is_sequence {
            None
        } else {
            action(&ocsf.evidences)
        },
        archived: Some(additional_info.contains_key(crate::guardduty::SECURITY_HUB_STATUS)),
        count: ocsf.count,
        event_first_seen: first_seen.map(format_time),
        event_last_seen: last_seen.map(format_time),
        additional_info: (!additional_info.is_empty())
            .then_some(serde_json::Value::Object(additional_info)),
        detection: is_sequence.then(|| {
            Box::new(Detection {
                sequence: Some(Box::new(sequence(
                    uid,
                    &info,
                    &ocsf.evidences,
                    &ocsf.resources,
                ))),
                ..Detection::default()
            })
        }),
        ..Service::default()
    };
    let partition = arn_part(arn, 1)
        .or_else(|| {
            ocsf.resources
                .iter()
                .find_map(|r| r.cloud_partition.as_deref())
        })
        .unwrap_or("aws");
    Read::Finding(Box::new(Finding {
        account_id: account,
        arn: arn.to_owned(),
        confidence: None,
        created_at: format_time(created),
        description: info.desc.clone(),
        id: id.to_owned(),
        partition: Some(partition.to_owned()),
        region,
        resource: resource(&ocsf.resources, &ocsf.evidences, is_sequence),
        schema_version: "2.0".to_owned(),
        service: Some(Box::new(service)),
        severity,
        title: info.title.clone(),
        r#type: finding_type,
        updated_at: format_time(updated),
        associated_attack_sequence_arn: None,
    }))
}

/// GuardDuty's finding id, when `id` is a GuardDuty finding's ARN
/// (`arn:aws:guardduty:<region>:<account>:detector/<detector>/finding/<id>`).
fn guardduty_finding_id(id: &str) -> Option<&str> {
    if arn_part(id, 2) != Some("guardduty") {
        return None;
    }
    let (_, finding) = id.rsplit_once("/finding/")?;
    (!finding.is_empty() && !finding.contains('/')).then_some(finding)
}

/// The `n`th `:`-separated part of an ARN, when `text` is one and the part is not empty.
fn arn_part(text: &str, n: usize) -> Option<&str> {
    if !text.starts_with("arn:") {
        return None;
    }
    text.splitn(6, ':').nth(n).filter(|p| !p.is_empty())
}

/// A finding type as Watchpost writes it: GuardDuty's own form (`Impact:IAMUser/Anomalous…`)
/// as it is; an ASFF-style path (`TTPs/Impact/Impact:IAMUser-AnomalousModelInvocation`) as
/// GuardDuty's; anything else as it is.
fn finding_type(text: &str) -> String {
    let text = text.trim();
    match text.split_once(':') {
        Some((threat, _)) if !threat.contains('/') => text.to_owned(),
        _ => super::asff::guardduty_type(text),
    }
}

/// OCSF's `severity_id` as a score in the band it names (Watchpost's bands: ≥ 9.0 CRITICAL,
/// ≥ 7.0 HIGH, ≥ 4.0 MEDIUM), or the `severity` caption when the id is Unknown or Other.
fn severity_score(id: Option<i64>, caption: Option<&str>) -> Option<f64> {
    let by_id = match id {
        Some(1) => Some(0.0),
        Some(2) => Some(1.0),
        Some(3) => Some(4.0),
        Some(4) => Some(7.0),
        Some(5) => Some(9.0),
        Some(6) => Some(10.0),
        _ => None,
    };
    by_id.or_else(|| match caption?.trim().to_ascii_lowercase().as_str() {
        "informational" => Some(0.0),
        "low" => Some(1.0),
        "medium" => Some(4.0),
        "high" => Some(7.0),
        "critical" => Some(9.0),
        "fatal" => Some(10.0),
        _ => None,
    })
}

/// Why Security Hub says the finding needs no one: its status (OCSF `status_id` 3 Suppressed,
/// 4 Resolved, 5 Archived, 6 Deleted, or the `status` caption) or a Close activity.
fn closed_status(
    status_id: Option<i64>,
    status: Option<&str>,
    activity_id: Option<i64>,
) -> Option<String> {
    let by_id = match status_id {
        Some(3) => Some("Suppressed"),
        Some(4) => Some("Resolved"),
        Some(5) => Some("Archived"),
        Some(6) => Some("Deleted"),
        _ => None,
    };
    let by_caption = status.and_then(|s| {
        ["Suppressed", "Resolved", "Archived", "Deleted"]
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(s.trim()))
    });
    by_id
        .or(by_caption)
        .map(str::to_owned)
        .or_else(|| (activity_id == Some(3)).then(|| "Closed".to_owned()))
}

/// The finding's resource: the first of Security Hub's resources, by its type; the evidence's
/// principal when it names the access key. Bedrock models and guardrails among the resources
/// become model and guardrail details.
fn resource(resources: &[OcsfResource], evidences: &[Evidence], is_sequence: bool) -> Resource {
    let mut resource = Resource::default();
    if is_sequence {
        resource.resource_type = Some("AttackSequence".to_owned());
    }
    let tags = |r: &OcsfResource| -> Vec<Tag> {
        r.tags
            .iter()
            .filter(|t| t.name.is_some())
            .map(|t| Tag {
                key: t.name.clone(),
                value: t.value.clone(),
            })
            .collect()
    };
    for (index, r) in resources.iter().enumerate().take(MAX_RESOURCES) {
        let kind = r.kind.as_deref().unwrap_or("");
        let uid = r.uid.as_deref().unwrap_or("");
        let tail = uid.rsplit(['/', ':']).next().unwrap_or(uid);
        let first = index == 0 && !is_sequence;
        if let Some(model) =
            bedrock_model(uid).or_else(|| r.data.as_ref().and_then(|d| d.model_id.clone()))
            && !resource
                .model_details
                .iter()
                .any(|m| m.model_id.as_deref() == Some(&model))
        {
            resource.model_details.push(ModelDetail {
                model_id: Some(model),
            });
        }
        if is_bedrock_guardrail(uid) && resource.bedrock_guardrail_details.is_none() {
            let data = r.data.as_ref();
            let version = data.and_then(|d| d.guardrail_version.clone());
            resource.bedrock_guardrail_details = Some(Box::new(BedrockGuardrailDetails {
                guardrail_arn: Some(uid.to_owned()),
                guardrail_version: version.clone(),
                guardrails: vec![BedrockGuardrail {
                    arn: Some(uid.to_owned()),
                    version,
                }],
                guardrail_action: data.and_then(|d| d.guardrail_action.clone()),
                guardrail_source: data.and_then(|d| d.guardrail_source.clone()),
                content_policy_filters: data
                    .map(|d| d.content_policy_filters.clone())
                    .unwrap_or_default(),
            }));
        }
        if !first {
            continue;
        }
        match kind {
            "AWS::EC2::Instance" | "AwsEc2Instance" => {
                resource.resource_type = Some("Instance".to_owned());
                resource.instance_details = Some(Box::new(InstanceDetails {
                    instance_id: Some(tail.to_owned()),
                    instance_type: r.data.as_ref().and_then(|d| d.instance_type.clone()),
                    tags: tags(r),
                    ..InstanceDetails::default()
                }));
            }
            "AWS::S3::Bucket" | "AwsS3Bucket" => {
                resource.resource_type = Some("S3Bucket".to_owned());
                resource.s3_bucket_details.push(S3BucketDetail {
                    arn: Some(uid.to_owned()),
                    name: Some(r.name.clone().unwrap_or_else(|| tail.to_owned())),
                    tags: tags(r),
                    ..S3BucketDetail::default()
                });
            }
            "AWS::IAM::AccessKey" | "AwsIamAccessKey" => {
                resource.resource_type = Some("AccessKey".to_owned());
                resource.access_key_details = Some(Box::new(AccessKeyDetails {
                    access_key_id: Some(tail.to_owned()),
                    user_name: r.name.clone(),
                    ..AccessKeyDetails::default()
                }));
            }
            "AWS::EKS::Cluster" | "AwsEksCluster" => {
                resource.resource_type = Some("EKSCluster".to_owned());
                resource.eks_cluster_details = Some(Box::new(wire::EksClusterDetails {
                    arn: Some(uid.to_owned()),
                    name: Some(r.name.clone().unwrap_or_else(|| tail.to_owned())),
                    tags: tags(r),
                    ..wire::EksClusterDetails::default()
                }));
            }
            "AWS::ECS::Cluster" | "AwsEcsCluster" => {
                resource.resource_type = Some("ECSCluster".to_owned());
                resource.ecs_cluster_details = Some(Box::new(wire::EcsClusterDetails {
                    arn: Some(uid.to_owned()),
                    name: Some(r.name.clone().unwrap_or_else(|| tail.to_owned())),
                    tags: tags(r),
                    ..wire::EcsClusterDetails::default()
                }));
            }
            "AWS::Lambda::Function" | "AwsLambdaFunction" => {
                resource.resource_type = Some("Lambda".to_owned());
                resource.lambda_details = Some(Box::new(wire::LambdaDetails {
                    function_arn: Some(uid.to_owned()),
                    function_name: Some(r.name.clone().unwrap_or_else(|| tail.to_owned())),
                    tags: tags(r),
                    ..wire::LambdaDetails::default()
                }));
            }
            "" => {}
            other => resource.resource_type = Some(other.to_owned()),
        }
    }
    // IAM findings name the principal in the evidence, not as a resource.
    if let Some(user) = evidences
        .iter()
        .find_map(|e| e.actor.as_ref()?.user.as_ref())
        && (resource.resource_type.is_none()
            || resource.resource_type.as_deref() == Some("AccessKey"))
        && !is_sequence
    {
        let key = resource.access_key_details.get_or_insert_with(Box::default);
        key.access_key_id = key
            .access_key_id
            .take()
            .or_else(|| user.credential_uid.clone());
        key.principal_id = key.principal_id.take().or_else(|| user.uid.clone());
        key.user_name = key.user_name.take().or_else(|| user.name.clone());
        key.user_type = key.user_type.take().or_else(|| user.kind.clone());
        resource.resource_type = Some("AccessKey".to_owned());
    }
    if resource.resource_type.is_none() {
        resource.resource_type = Some("Unknown".to_owned());
    }
    resource
}

/// Resources looked at per finding.
const MAX_RESOURCES: usize = 32;

/// The API call of the evidence, with where it came from and by what user agent.
fn action(evidences: &[Evidence]) -> Option<Box<Action>> {
    let evidence = evidences.iter().find(|e| e.api.is_some())?;
    let api = evidence.api.as_ref()?;
    let remote = evidence.src_endpoint.as_ref().map(|e| {
        Box::new(RemoteIpDetails {
            ip_address_v4: e.ip.clone().filter(|ip| !ip.contains(':')),
            ip_address_v6: e.ip.clone().filter(|ip| ip.contains(':')),
            organization: e.autonomous_system.as_ref().map(|a| {
                Box::new(Organization {
                    asn: a.number.map(|n| n.to_string()),
                    asn_org: a.name.clone(),
                    ..Organization::default()
                })
            }),
            country: e
                .location
                .as_ref()
                .and_then(|l| l.country.clone())
                .map(|name| {
                    Box::new(Country {
                        country_name: Some(name),
                        ..Country::default()
                    })
                }),
            city: e
                .location
                .as_ref()
                .and_then(|l| l.city.clone())
                .map(|name| {
                    Box::new(City {
                        city_name: Some(name),
                    })
                }),
            ..RemoteIpDetails::default()
        })
    });
    Some(Box::new(Action {
        action_type: Some("AWS_API_CALL".to_owned()),
        aws_api_call_action: Some(Box::new(AwsApiCallAction {
            api: api.operation.clone(),
            service_name: api.service.as_ref().and_then(|s| s.name.clone()),
            user_agent: evidence
                .http_request
                .as_ref()
                .and_then(|h| h.user_agent.clone()),
            remote_ip_details: remote,
            ..AwsApiCallAction::default()
        })),
        ..Action::default()
    }))
}

/// An attack sequence as Security Hub writes it in OCSF: its related events are the signals,
/// the evidence's actors and addresses its actors and endpoints, the evidence's calls its
/// high-risk APIs, the MITRE ATT&CK attacks its tactics and techniques.
fn sequence(
    uid: &str,
    info: &FindingInfo,
    evidences: &[Evidence],
    resources: &[OcsfResource],
) -> Sequence {
    let time = |at: [&Option<Timestamp>; 2]| {
        at.into_iter()
            .flatten()
            .find(|t| t.time().is_some())
            .cloned()
    };
    let signals = info
        .related_events
        .iter()
        .take(MAX_SIGNALS)
        .map(|event| Signal {
            uid: event.uid.clone(),
            r#type: event.kind.clone(),
            name: event.title.clone().or_else(|| event.uid.clone()),
            description: event.desc.clone(),
            first_seen_at: time([&event.first_seen_time_dt, &event.first_seen_time]),
            last_seen_at: time([&event.last_seen_time_dt, &event.last_seen_time]),
            severity: severity_score(event.severity_id, None),
            count: event.count,
            ..Signal::default()
        })
        .collect();
    let mut actors: Vec<Actor> = Vec::new();
    let mut endpoints: Vec<NetworkEndpoint> = Vec::new();
    let mut apis: Vec<String> = Vec::new();
    for evidence in evidences.iter().take(MAX_EVIDENCES) {
        if let Some(actor) = &evidence.actor
            && let Some(user) = &actor.user
            && !actors
                .iter()
                .any(|a| a.user.as_ref().and_then(|u| u.uid.as_ref()) == user.uid.as_ref())
        {
            actors.push(Actor {
                id: user.uid.clone(),
                user: Some(Box::new(User {
                    name: user.name.clone(),
                    uid: user.uid.clone(),
                    r#type: user.kind.clone(),
                    credential_uid: user.credential_uid.clone(),
                    account: user.account.as_ref().map(|a| {
                        Box::new(wire::Account {
                            uid: a.uid.clone(),
                            name: None,
                        })
                    }),
                })),
                session: actor.session.as_ref().map(|s| {
                    Box::new(Session {
                        uid: s.uid.clone(),
                        mfa_status: s
                            .is_mfa
                            .map(|mfa| if mfa { "ENABLED" } else { "DISABLED" }.to_owned()),
                        issuer: s.issuer.clone(),
                        created_time: None,
                    })
                }),
                process: None,
            });
        }
        if let Some(endpoint) = &evidence.src_endpoint
            && let Some(address) = endpoint.ip.as_ref().or(endpoint.domain.as_ref())
            && !endpoints.iter().any(|e| e.id.as_ref() == Some(address))
        {
            endpoints.push(NetworkEndpoint {
                id: Some(address.clone()),
                ip: endpoint.ip.clone(),
                domain: endpoint.domain.clone(),
                port: endpoint.port,
                location: endpoint.location.as_ref().map(|l| {
                    Box::new(NetworkGeoLocation {
                        city: l.city.clone(),
                        country: l.country.clone(),
                        ..NetworkGeoLocation::default()
                    })
                }),
                autonomous_system: endpoint.autonomous_system.as_ref().map(|a| {
                    Box::new(AutonomousSystem {
                        name: a.name.clone(),
                        number: a.number,
                    })
                }),
                connection: None,
            });
        }
        if let Some(api) = &evidence.api
            && let Some(operation) = &api.operation
        {
            let service = api
                .service
                .as_ref()
                .and_then(|s| s.name.as_deref())
                .unwrap_or("");
            let service = service.trim_end_matches(".amazonaws.com");
            let call = format!("{service}:{operation}");
            if !apis.contains(&call) {
                apis.push(call);
            }
        }
    }
    let named = |pick: fn(&Attack) -> Option<&Named>| -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for attack in &info.attacks {
            if let Some(named) = pick(attack) {
                let value = match (&named.uid, &named.name) {
                    (Some(uid), Some(name)) => format!("{uid} - {name}"),
                    (None, Some(name)) => name.clone(),
                    (Some(uid), None) => uid.clone(),
                    (None, None) => continue,
                };
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        values
    };
    let indicator = |key: &str, values: Vec<String>| {
        (!values.is_empty()).then(|| Indicator {
            key: Some(key.to_owned()),
            values,
            title: None,
        })
    };
    let tactics = {
        // Tactics read by name alone, as GuardDuty writes them.
        let mut names: Vec<String> = Vec::new();
        for name in info
            .attacks
            .iter()
            .filter_map(|a| a.tactic.as_ref()?.name.clone())
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    };
    Sequence {
        uid: Some(uid.to_owned()),
        description: info.desc.clone(),
        actors,
        resources: resources
            .iter()
            .take(MAX_RESOURCES)
            .map(|r| ResourceV2 {
                uid: r.uid.clone(),
                name: r.name.clone(),
                resource_type: r.kind.clone(),
                region: r.region.clone(),
                cloud_partition: r.cloud_partition.clone(),
                tags: r
                    .tags
                    .iter()
                    .map(|t| Tag {
                        key: t.name.clone(),
                        value: t.value.clone(),
                    })
                    .collect(),
                ..ResourceV2::default()
            })
            .collect(),
        endpoints,
        signals,
        sequence_indicators: [
            indicator(crate::finding::sequence::TACTIC_INDICATOR, tactics),
            indicator(
                crate::finding::sequence::TECHNIQUE_INDICATOR,
                named(|a| a.technique.as_ref()),
            ),
            indicator(crate::guardduty::API_INDICATORS[0], apis),
        ]
        .into_iter()
        .flatten()
        .collect(),
        additional_sequence_types: Vec::new(),
    }
}

/// Related events read as signals (GuardDuty's sequences have at most 100).
const MAX_SIGNALS: usize = 100;
/// Evidences read for a sequence's actors, addresses and calls.
const MAX_EVIDENCES: usize = 400;

/// `arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2:1` → `anthropic.claude-v2:1`.
fn bedrock_model(arn: &str) -> Option<String> {
    super::asff::bedrock_model_id(arn)
}

fn is_bedrock_guardrail(arn: &str) -> bool {
    super::asff::is_bedrock_guardrail(arn)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(finding: serde_json::Value) -> Read {
        to_finding(serde_json::from_value(finding).expect("an OCSF finding"))
    }

    fn detection(uid: &str, uid_alt: Option<&str>) -> serde_json::Value {
        json!({
            "class_uid": 2004,
            "severity_id": 4,
            "time_dt": "2026-03-02T08:14:09.512Z",
            "finding_info": {"uid": uid, "uid_alt": uid_alt, "types": ["TTPs/Impact/Impact:IAMUser-CostHarvesting"]},
            "cloud": {"account": {"uid": "111122223333"}, "region": "eu-west-1"},
        })
    }

    const ARN: &str =
        "arn:aws:guardduty:us-east-1:111122223333:detector/5ec4b1a2/finding/7ac6e7c1f4a2d0b9";

    #[test]
    fn a_guardduty_arn_in_either_identifier_gives_guardduty_s_own_id_account_and_region() {
        for (uid, alt) in [(ARN, None), ("securityhub-generated-id", Some(ARN))] {
            let Read::Finding(finding) = read(detection(uid, alt)) else {
                panic!("{uid}: read");
            };
            assert_eq!(finding.id, "7ac6e7c1f4a2d0b9");
            assert_eq!(finding.arn, ARN);
            assert_eq!(
                finding.region, "us-east-1",
                "the finding's region, not the copy's"
            );
            assert_eq!(finding.r#type, "Impact:IAMUser/CostHarvesting");
            assert_eq!(finding.severity, 7.0);
        }
        // Another product's identifier is the finding's own.
        let Read::Finding(finding) = read(detection("inspector-finding-1", None)) else {
            panic!("read");
        };
        assert_eq!(
            (finding.id.as_str(), finding.region.as_str()),
            ("inspector-finding-1", "eu-west-1")
        );
    }

    #[test]
    fn severity_comes_from_its_id_and_else_from_its_caption() {
        assert_eq!(severity_score(Some(5), Some("Low")), Some(9.0));
        assert_eq!(severity_score(Some(99), Some("High")), Some(7.0));
        assert_eq!(severity_score(Some(0), None), None);
        assert_eq!(severity_score(None, Some(" critical ")), Some(9.0));
    }

    #[test]
    fn closed_statuses_and_close_activities_say_why() {
        assert_eq!(
            closed_status(Some(3), None, None).as_deref(),
            Some("Suppressed")
        );
        assert_eq!(
            closed_status(Some(99), Some("resolved"), None).as_deref(),
            Some("Resolved")
        );
        assert_eq!(
            closed_status(Some(1), Some("New"), Some(3)).as_deref(),
            Some("Closed")
        );
        assert_eq!(closed_status(Some(2), Some("In Progress"), Some(2)), None);
    }

    #[test]
    fn compliance_and_other_classes_are_ignored_and_a_finding_without_class_is_rejected() {
        let mut compliance = detection(ARN, None);
        compliance["class_uid"] = json!(2003);
        assert!(matches!(read(compliance), Read::Ignored(why) if why.contains("2003")));
        let mut other = detection(ARN, None);
        other["class_uid"] = json!(2005);
        assert!(matches!(read(other), Read::Ignored(why) if why.contains("2005")));
        let mut none = detection(ARN, None);
        none.as_object_mut().unwrap().remove("class_uid");
        assert!(matches!(read(none), Read::Rejected(why) if why.contains("class_uid")));
    }
}
