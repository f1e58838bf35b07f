//! Security Hub's copies of GuardDuty findings (ASFF) turned back into GuardDuty's own shape, so
//! the rest of Watchpost sees one finding model and deduplicates the copy against the original.
//!
//! GuardDuty's integration writes the finding's `service` block into `ProductFields` as
//! `aws/guardduty/service/<path>` keys with string values; those are rebuilt into the nested
//! object. The resource comes from `Resources[0]` (Security Hub user guide, "GuardDuty
//! integration": EC2 instances, access keys, S3 buckets, EKS clusters, …).

use serde_json::{Map, Value, json};

use crate::event::deserialize_finding;
use crate::guardduty::Finding;

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
    // A ProductFields leaf of an unexpected type must not lose the whole finding: retry
    // without the rebuilt service block before giving up.
    match deserialize_finding(finding.clone()) {
        Ok(finding) => Ok(finding),
        Err(_) => {
            let mut service = Map::new();
            if let Some(archived) = finding["service"].get("archived") {
                service.insert("archived".into(), archived.clone());
            }
            finding["service"] = Value::Object(service);
            deserialize_finding(finding).map_err(|err| format!("`{}`: {}", err.path(), err.inner()))
        }
    }
}

/// `TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce` → `UnauthorizedAccess:EC2/SSHBruteForce`:
/// ASFF types use `/` as a separator, so the integration writes GuardDuty's `/` as `-`.
fn guardduty_type(asff_type: &str) -> String {
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
        let value = if NUMERIC_LEAVES.contains(&leaf) {
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

/// Drops `null` members so optional fields stay absent rather than typed wrong.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
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
}
