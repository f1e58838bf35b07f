//! Security Hub's events and the copies of GuardDuty findings they carry (ASFF), turned back into
//! GuardDuty's own shape, so the rest of Watchpost sees one finding model and deduplicates the
//! copy against the original; the findings of other products are ignored.
//!
//! GuardDuty's integration writes the finding's `service` block into `ProductFields` as
//! `aws/guardduty/service/<path>` keys with string values; those are rebuilt into the nested
//! object. The resource comes from `Resources[0]` (Security Hub user guide, "GuardDuty
//! integration": EC2 instances, access keys, S3 buckets, EKS clusters, …).

use serde_json::{Map, Value, json};

use super::QUOTE_LIMIT;
use super::repair::deserialize_dropping;
use crate::finding::{Origin, ParsedEvent, SourcedFinding};
use crate::guardduty::Finding;
use crate::guardduty::serde_helpers::strip_nulls;
use crate::text::clip;

/// ASFF `SchemaVersion` (Security Hub user guide, "ASFF required attributes").
pub(super) const SCHEMA_VERSION: &str = "2018-10-08";
/// ProductFields prefix under which GuardDuty's integration writes the `service` block.
const SERVICE_PREFIX: &str = "aws/guardduty/service/";
/// ProductFields leaves that are numbers in GuardDuty's model.
const NUMERIC_LEAVES: &[&str] = &["count", "port", "lat", "lon", "statusCode"];
/// ProductFields leaves that are booleans in GuardDuty's model.
const BOOLEAN_LEAVES: &[&str] = &["archived", "blocked", "sample"];

/// The product an ASFF finding comes from, from its `ProductArn`.
pub fn product_of(finding: &Value) -> Result<&str, String> {
    match finding.get("ProductArn") {
        Some(Value::String(arn)) => Ok(arn),
        Some(_) => Err("`ProductArn`: expected a string".into()),
        None => Err("`ProductArn`: missing; every ASFF finding names its product".into()),
    }
}

/// Whether a `ProductArn` is GuardDuty's (`arn:aws:securityhub:<region>::product/aws/guardduty`).
pub fn is_guardduty(product_arn: &str) -> bool {
    product_arn.ends_with("::product/aws/guardduty")
}

/// A short product name for messages: the part after `product/`.
pub fn product_name(product_arn: &str) -> &str {
    product_arn
        .split_once("product/")
        .map_or(product_arn, |(_, name)| name)
}

/// Rebuilds the GuardDuty finding from its ASFF copy.
pub fn to_finding(asff: &Value) -> Result<Finding, String> {
    let text = |key: &str| -> Result<&str, String> {
        asff.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("`{key}`: missing or not a string; ASFF requires it"))
    };
    let arn = text("Id")?;
    let id = arn.rsplit('/').next().unwrap_or(arn);
    let account = text("AwsAccountId")?;
    let product = product_of(asff)?;
    // Older findings have no top-level `Region`; the resource's is the finding's, and the
    // product ARN is the last resort (its fourth field, when it is well formed).
    let region = asff
        .get("Region")
        .and_then(Value::as_str)
        .or_else(|| {
            asff.get("Resources")
                .and_then(|r| r.get(0))
                .and_then(|r| r.get("Region"))
                .and_then(Value::as_str)
        })
        .or_else(|| product.split(':').nth(3).filter(|r| !r.is_empty()))
        .unwrap_or("unknown");
    let partition = arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    let finding_type = asff
        .get("Types")
        .and_then(Value::as_array)
        .and_then(|types| types.first())
        .and_then(Value::as_str)
        .map(guardduty_type)
        .ok_or("`Types`: missing; ASFF requires at least one type")?;
    let severity = severity_score(asff.get("Severity"))?;

    let fields = asff.get("ProductFields").and_then(Value::as_object);
    let mut service = fields.map(service_from_product_fields).unwrap_or_default();
    if asff.get("RecordState").and_then(Value::as_str) == Some("ARCHIVED") {
        service.insert("archived".into(), Value::Bool(true));
    }
    let resource = asff
        .get("Resources")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .map(resource_from_asff)
        .unwrap_or_else(|| json!({ "resourceType": "Unknown" }));
    let mut resource = resource;
    let (models, guardrail) = bedrock_details(asff);
    if !models.is_empty() {
        resource["modelDetails"] = Value::Array(models);
    }
    if let Some(guardrail) = guardrail {
        resource["bedrockGuardrailDetails"] = guardrail;
    }

    let mut finding = json!({
        "schemaVersion": "2.0",
        "accountId": account,
        "region": region,
        "partition": partition,
        "id": id,
        "arn": arn,
        "type": finding_type,
        "severity": severity,
        "createdAt": text("CreatedAt")?,
        "updatedAt": text("UpdatedAt")?,
        "resource": resource,
        "service": Value::Object(service),
    });
    for (from, to) in [("Title", "title"), ("Description", "description")] {
        if let Some(value) = asff.get(from).filter(|v| v.is_string()) {
            finding[to] = value.clone();
        }
    }
    // A field of an unexpected type (a ProductFields leaf, a resource detail) must not lose
    // the rest: it is dropped. Required fields cannot be, and end the attempt with their error.
    deserialize_dropping(finding, |path| {
        path.len() > 1 && (path[0].is("service") || path[0].is("resource"))
    })
    .map_err(|err| format!("`{}`: {}", err.path(), err.inner()))
}

/// What ASFF carries of GuardDuty's AI Protection resource details: Bedrock models and
/// guardrails appear among `Resources` by their ARNs (or, for resources ASFF has no type for,
/// in `Details.Other`). They become `modelDetails` and `bedrockGuardrailDetails`.
fn bedrock_details(asff: &Value) -> (Vec<Value>, Option<Value>) {
    let mut models = Vec::new();
    let mut guardrail = None;
    let resources = asff.get("Resources").and_then(Value::as_array);
    for resource in resources.into_iter().flatten().take(MAX_RESOURCES) {
        let other = resource.get("Details").and_then(|d| d.get("Other"));
        let other_text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| other.and_then(|o| o.get(*k)).and_then(Value::as_str))
                .map(str::to_owned)
        };
        let id = resource.get("Id").and_then(Value::as_str).unwrap_or("");
        let model = bedrock_model_id(id).or_else(|| other_text(&["ModelId", "modelId"]));
        if let Some(model) = model
            && !models
                .iter()
                .any(|m: &Value| m["modelId"] == model.as_str())
        {
            models.push(json!({ "modelId": model }));
        }
        let arn = is_bedrock_guardrail(id)
            .then(|| id.to_owned())
            .or_else(|| other_text(&["GuardrailArn", "guardrailArn"]));
        if guardrail.is_none()
            && let Some(arn) = arn
        {
            // What else the resource says of the intervention, when it says it.
            guardrail = Some(strip_nulls(json!({
                "guardrailArn": arn,
                "guardrailVersion": other_text(&["GuardrailVersion", "guardrailVersion"]),
                "guardrailAction": other_text(&["GuardrailAction", "guardrailAction"]),
                "guardrailSource": other_text(&["GuardrailSource", "guardrailSource"]),
            })));
        }
    }
    (models, guardrail)
}

/// Resources looked at per finding (ASFF allows up to 32).
const MAX_RESOURCES: usize = 32;

/// Bedrock ARN resource kinds that name a model (Bedrock user guide, "Resource types").
const BEDROCK_MODEL_KINDS: &[&str] = &[
    "foundation-model",
    "custom-model",
    "provisioned-model",
    "imported-model",
    "inference-profile",
    "application-inference-profile",
];

/// `arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2:1` → `anthropic.claude-v2:1`.
pub(super) fn bedrock_model_id(arn: &str) -> Option<String> {
    let resource = bedrock_resource(arn)?;
    let (kind, id) = resource.split_once('/')?;
    (BEDROCK_MODEL_KINDS.contains(&kind) && !id.is_empty()).then(|| id.to_owned())
}

pub(super) fn is_bedrock_guardrail(arn: &str) -> bool {
    bedrock_resource(arn).is_some_and(|r| r.starts_with("guardrail/"))
}

/// The resource part of a Bedrock ARN (`arn:<partition>:bedrock:<region>:<account>:<resource>`).
fn bedrock_resource(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    let (_region, _account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    (arn_word == "arn" && service == "bedrock").then_some(resource)
}

/// `TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce` → `UnauthorizedAccess:EC2/SSHBruteForce`:
/// ASFF types use `/` as a separator, so the integration writes GuardDuty's `/` as `-`.
pub(super) fn guardduty_type(asff_type: &str) -> String {
    let last = asff_type.rsplit('/').next().unwrap_or(asff_type);
    match last.split_once(':') {
        Some((threat, rest)) => match rest.split_once('-') {
            Some((resource, name)) => format!("{threat}:{resource}/{name}"),
            None => last.to_owned(),
        },
        None => last.to_owned(),
    }
}

/// GuardDuty's own score is `Severity.Product`; failing that, `Normalized` is 0–100.
fn severity_score(severity: Option<&Value>) -> Result<f64, String> {
    let severity = severity.ok_or("`Severity`: missing; ASFF requires it")?;
    if let Some(product) = severity.get("Product").and_then(Value::as_f64) {
        return Ok(product);
    }
    if let Some(normalized) = severity.get("Normalized").and_then(Value::as_f64) {
        return Ok(normalized / 10.0);
    }
    match severity.get("Label").and_then(Value::as_str) {
        Some("CRITICAL") => Ok(9.0),
        Some("HIGH") => Ok(7.0),
        Some("MEDIUM") => Ok(4.0),
        Some("LOW") | Some("INFORMATIONAL") => Ok(1.0),
        _ => Err("`Severity`: expected `Product`, `Normalized` or `Label`".into()),
    }
}

fn service_from_product_fields(fields: &Map<String, Value>) -> Map<String, Value> {
    let mut root = Value::Object(Map::new());
    for (key, value) in fields {
        let Some(path) = key.strip_prefix(SERVICE_PREFIX) else {
            continue;
        };
        let Some(text) = value.as_str().filter(|t| !t.is_empty()) else {
            continue;
        };
        let segments: Vec<&str> = path.split('/').collect();
        let leaf = *segments.last().unwrap_or(&"");
        // An anomaly's figures (`detection/anomaly/…/observations/number/<i>`: token volumes,
        // invocation counts) are a list of numbers.
        let figure = segments.len() > 1
            && segments[segments.len() - 2] == "number"
            && leaf.parse::<usize>().is_ok();
        let value = if figure {
            match text.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => continue,
            }
        } else if NUMERIC_LEAVES.contains(&leaf) {
            match text.parse::<f64>() {
                Ok(n) if n.fract() == 0.0 && leaf != "lat" && leaf != "lon" => json!(n as i64),
                Ok(n) => json!(n),
                Err(_) => continue,
            }
        } else if BOOLEAN_LEAVES.contains(&leaf) {
            Value::Bool(text.eq_ignore_ascii_case("true"))
        } else {
            Value::String(text.to_owned())
        };
        insert_path(&mut root, &segments, value);
    }
    match root {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Inserts `value` at a `/`-separated path; numeric segments index arrays.
fn insert_path(node: &mut Value, segments: &[&str], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        *node = value;
        return;
    };
    if let Ok(index) = first.parse::<usize>() {
        // Bounded so a hostile index cannot allocate without limit.
        if index > 1000 {
            return;
        }
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        let list = node.as_array_mut().expect("just made an array");
        while list.len() <= index {
            list.push(Value::Object(Map::new()));
        }
        insert_path(&mut list[index], rest, value);
    } else {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let map = node.as_object_mut().expect("just made an object");
        let child = map
            .entry(first.to_string())
            .or_insert(Value::Object(Map::new()));
        insert_path(child, rest, value);
    }
}

fn resource_from_asff(resource: &Value) -> Value {
    let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
    let id = resource.get("Id").and_then(Value::as_str).unwrap_or("");
    let details = resource.get("Details").and_then(|d| d.get(kind));
    let detail = |key: &str| details.and_then(|d| d.get(key)).cloned();
    let tags: Vec<Value> = resource
        .get("Tags")
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .map(|(k, v)| json!({ "key": k, "value": v.as_str().unwrap_or("") }))
                .collect()
        })
        .unwrap_or_default();
    let tail = id.rsplit(['/', ':']).next().unwrap_or(id);
    strip_nulls(match kind {
        "AwsEc2Instance" => json!({
            "resourceType": "Instance",
            "instanceDetails": {
                "instanceId": tail,
                "instanceType": detail("Type"),
                "imageId": detail("ImageId"),
                "launchTime": detail("LaunchedAt"),
                "tags": tags,
            }
        }),
        "AwsIamAccessKey" => json!({
            "resourceType": "AccessKey",
            "accessKeyDetails": {
                "accessKeyId": detail("AccessKeyId").or_else(|| Some(json!(tail))),
                "principalId": detail("PrincipalId"),
                "userName": detail("PrincipalName").or_else(|| detail("UserName")),
                "userType": detail("PrincipalType"),
            }
        }),
        "AwsS3Bucket" => json!({
            "resourceType": "S3Bucket",
            "s3BucketDetails": [{ "arn": id, "name": tail, "tags": tags }],
        }),
        "AwsEksCluster" => json!({
            "resourceType": "EKSCluster",
            "eksClusterDetails": { "arn": id, "name": detail("Name").or_else(|| Some(json!(tail))), "tags": tags },
        }),
        "AwsEcsCluster" => json!({
            "resourceType": "ECSCluster",
            "ecsClusterDetails": { "arn": id, "name": detail("ClusterName").or_else(|| Some(json!(tail))), "tags": tags },
        }),
        "AwsLambdaFunction" => json!({
            "resourceType": "Lambda",
            "lambdaDetails": { "functionArn": id, "functionName": detail("FunctionName").or_else(|| Some(json!(tail))), "role": detail("Role"), "tags": tags },
        }),
        "Container" => json!({
            "resourceType": "Container",
            "containerDetails": { "name": detail("Name"), "image": detail("ImageName") },
        }),
        other => json!({ "resourceType": if other.is_empty() { "Unknown" } else { other } }),
    })
}

/// The findings of a `Security Hub Findings - Imported` event's `detail`.
pub(super) fn security_hub_event(detail: Option<&Value>) -> ParsedEvent {
    let Some(findings) = detail.and_then(|d| d.get("findings")) else {
        return ParsedEvent::Rejected(
            "`detail.findings`: missing; a Security Hub event carries its findings there".into(),
        );
    };
    let Some(findings) = findings.as_array() else {
        return ParsedEvent::Rejected(
            "`detail.findings`: expected an array of ASFF findings".into(),
        );
    };
    security_hub_findings(findings, "detail.findings")
}

/// The GuardDuty findings among ASFF findings (at `path` of the event); Security Hub's own and
/// other products' are ignored, those that cannot be read rejected one by one.
pub(super) fn security_hub_findings(findings: &[Value], path: &str) -> ParsedEvent {
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    let mut others = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("{path}[{index}]")
        };
        match product_of(finding) {
            Err(what) => rejected.push(format!("{}{what}", prefix_of(&at))),
            Ok(product) if is_guardduty(product) => match to_finding(finding) {
                Ok(finding) => out.push(SourcedFinding {
                    finding: Box::new(finding),
                    origin: Origin::SecurityHubAsff,
                    observation: None,
                }),
                Err(what) => rejected.push(format!("{}{what}", prefix_of(&at))),
            },
            Ok(product) => others.push(clip(product_name(product), QUOTE_LIMIT)),
        }
    }
    if out.is_empty() && !rejected.is_empty() {
        // Nothing usable: the event as a whole is rejected, naming every finding at fault.
        return ParsedEvent::Rejected(clip(&rejected.join("; "), 1_000));
    }
    if out.is_empty() {
        if others.is_empty() {
            return ParsedEvent::Ignored("Security Hub event with no findings".into());
        }
        others.dedup();
        return ParsedEvent::Ignored(format!(
            "Security Hub finding from {} (not GuardDuty)",
            others.join(", ")
        ));
    }
    ParsedEvent::Findings {
        findings: out,
        rejected,
    }
}

fn prefix_of(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("`{path}`: ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asff_types_become_guardduty_types() {
        assert_eq!(
            guardduty_type("TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce"),
            "UnauthorizedAccess:EC2/SSHBruteForce"
        );
        assert_eq!(
            guardduty_type("TTPs/Impact/Impact:IAMUser-AnomalousModelInvocation"),
            "Impact:IAMUser/AnomalousModelInvocation"
        );
        assert_eq!(guardduty_type("Unusual"), "Unusual");
    }

    #[test]
    fn product_fields_rebuild_the_service_block() {
        let fields = json!({
            "aws/guardduty/service/count": "74",
            "aws/guardduty/service/archived": "false",
            "aws/guardduty/service/action/networkConnectionAction/remotePortDetails/port": "46717",
            "aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/organization/asn": "209",
            "aws/guardduty/service/evidence": "",
            "aws/securityhub/ProductName": "GuardDuty",
        });
        let service = service_from_product_fields(fields.as_object().unwrap());
        assert_eq!(service["count"], json!(74));
        assert_eq!(service["archived"], json!(false));
        let action = &service["action"]["networkConnectionAction"];
        assert_eq!(action["remotePortDetails"]["port"], json!(46717));
        assert_eq!(
            action["remoteIpDetails"]["organization"]["asn"],
            json!("209")
        );
        assert!(service.get("evidence").is_none());
    }

    #[test]
    fn an_anomaly_s_figures_are_numbers_again() {
        let behaviour = "aws/guardduty/service/detection/anomaly/unusual/behavior/IAMUser";
        let asff = asff_with(
            json!({
                format!("{behaviour}/InputTokenCount/profileType"): "VOLUME",
                format!("{behaviour}/InputTokenCount/observations/number/0"): "187400",
                format!("{behaviour}/ASNOrg/observations/text/0"): "Example Hosting Ltd",
                format!("{behaviour}/Odd/observations/number/0"): "many",
            }),
            json!([access_key()]),
        );
        let finding = to_finding(&asff).unwrap();
        let model_use = finding.model_use().expect("figures and values");
        assert_eq!(model_use.volumes.len(), 1);
        assert_eq!(model_use.volumes[0].feature, "InputTokenCount");
        assert_eq!(model_use.volumes[0].observed, [187_400]);
        assert_eq!(model_use.unusual[0].values, ["Example Hosting Ltd"]);
    }

    fn asff_with(fields: Value, resources: Value) -> Value {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": "arn:aws:guardduty:us-east-1:111122223333:detector/d1/finding/f1",
            "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty",
            "AwsAccountId": "111122223333",
            "Region": "us-east-1",
            "Types": ["TTPs/Impact/Impact:IAMUser-AnomalousBehavior"],
            "CreatedAt": "2026-03-01T00:00:00Z",
            "UpdatedAt": "2026-03-01T01:00:00Z",
            "Severity": { "Product": 5.0 },
            "ProductFields": fields,
            "Resources": resources,
        })
    }

    fn access_key() -> Value {
        json!({
            "Type": "AwsIamAccessKey",
            "Id": "AWS::IAM::AccessKey:ASIAEXAMPLE",
            "Details": { "AwsIamAccessKey": { "PrincipalName": "svc", "PrincipalType": "IAMUser" } }
        })
    }

    #[test]
    fn one_odd_service_field_does_not_lose_the_others() {
        let asff = asff_with(
            json!({
                "aws/guardduty/service/count": "7",
                "aws/guardduty/service/action/actionType": "AWS_API_CALL",
                "aws/guardduty/service/action/awsApiCallAction/api": "InvokeModel",
                "aws/guardduty/service/action/awsApiCallAction/serviceName": "bedrock.amazonaws.com",
                // An array where GuardDuty's model has a string.
                "aws/guardduty/service/resourceRole/0": "TARGET",
            }),
            json!([access_key()]),
        );
        let finding = to_finding(&asff).unwrap();
        assert_eq!(finding.count(), 7);
        let calls = finding.api_calls();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].name, "InvokeModel");
    }

    #[test]
    fn a_required_field_of_the_wrong_type_still_rejects() {
        let mut asff = asff_with(json!({}), json!([access_key()]));
        asff["CreatedAt"] = json!(5);
        assert!(to_finding(&asff).is_err());
    }

    #[test]
    fn bedrock_models_and_guardrails_among_the_resources_are_mapped() {
        let model = "anthropic.claude-3-haiku-20240307-v1:0";
        let guardrail = "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr0example";
        let asff = asff_with(
            json!({ "aws/guardduty/service/count": "1" }),
            json!([
                access_key(),
                { "Type": "Other", "Id": format!("arn:aws:bedrock:us-east-1::foundation-model/{model}") },
                { "Type": "Other", "Id": guardrail, "Details": { "Other": {
                    "GuardrailAction": "GUARDRAIL_INTERVENED", "GuardrailSource": "INPUT" } } },
                { "Type": "Other", "Id": "x", "Details": { "Other": { "ModelId": "custom.one" } } },
            ]),
        );
        let finding = to_finding(&asff).unwrap();
        let models: Vec<&str> = finding
            .resource
            .model_details
            .iter()
            .filter_map(|m| m.model_id.as_deref())
            .collect();
        assert_eq!(models, [model, "custom.one"]);
        let details = finding.resource.bedrock_guardrail_details.as_ref().unwrap();
        assert_eq!(details.guardrail_arn.as_deref(), Some(guardrail));
        assert_eq!(
            details.guardrail_action.as_deref(),
            Some("GUARDRAIL_INTERVENED")
        );
        assert_eq!(details.guardrail_source.as_deref(), Some("INPUT"));
        assert_eq!(finding.resource.resource_type.as_deref(), Some("AccessKey"));
    }

    #[test]
    fn bedrock_arns_are_read_by_their_parts() {
        assert_eq!(
            bedrock_model_id("arn:aws:bedrock:us-east-1::foundation-model/a.b-v1:0").as_deref(),
            Some("a.b-v1:0")
        );
        assert_eq!(bedrock_model_id("arn:aws:s3:::foundation-model/x"), None);
        assert_eq!(
            bedrock_model_id("arn:aws:bedrock:us-east-1:1:agent/x"),
            None
        );
        assert!(is_bedrock_guardrail(
            "arn:aws:bedrock:us-east-1:1:guardrail/x"
        ));
        assert!(!is_bedrock_guardrail("guardrail/x"));
    }
}
