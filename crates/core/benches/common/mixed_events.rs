//! The benchmarks' input: JSON Lines of mixed EventBridge events, shared by the core's replay
//! benchmark and the CLI's whole-process one (`#[path]`-included by both).

use serde_json::{Value, json};

/// A realistic mix: GPU hosts, AI Protection, training-data buckets, ordinary findings,
/// duplicates, Security Hub copies, other events and malformed input.
pub fn mixed_events(count: usize) -> Vec<u8> {
    let mut lines = Vec::with_capacity(count);
    for i in 0..count {
        let id = format!("f{:06}", i / 2); // every finding arrives twice: half are duplicates
        let event = match i % 10 {
            0..=2 => finding(
                &id,
                "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                8.0,
                json!({
                "resourceType": "Instance",
                "instanceDetails": {"instanceId": format!("i-{i:017x}"), "instanceType": "p4d.24xlarge",
                    "tags": [{"key": "team", "value": "research"}]}}),
            ),
            3..=4 => finding(
                &id,
                "Impact:IAMUser/AnomalousModelInvocation",
                5.0,
                json!({
                "resourceType": "AccessKey",
                "accessKeyDetails": {"accessKeyId": "ASIAEXAMPLE", "principalId": "AIDAEXAMPLE",
                    "userName": "ml-pipeline", "userType": "IAMUser"},
                "modelDetails": [{"modelId": "anthropic.claude-3-sonnet"}]}),
            ),
            5 => finding(
                &id,
                "Exfiltration:S3/AnomalousBehavior",
                7.5,
                json!({
                "resourceType": "S3Bucket",
                "s3BucketDetails": [{"name": "sagemaker-us-east-1-123456789012",
                    "arn": "arn:aws:s3:::sagemaker-us-east-1-123456789012"}]}),
            ),
            6 => finding(
                &id,
                "Recon:EC2/PortProbeUnprotectedPort",
                2.0,
                json!({
                "resourceType": "Instance", "instanceDetails": {"instanceId": "i-0web", "instanceType": "t3.micro"}}),
            ),
            7 => {
                json!({"version": "0", "detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub",
                "detail": {"findings": [{"SchemaVersion": "2018-10-08", "Id": format!("arn:aws:securityhub:us-east-1:123456789012:control/{i}"),
                    "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub", "AwsAccountId": "123456789012",
                    "Types": ["Software and Configuration Checks"], "Severity": {"Label": "LOW"},
                    "CreatedAt": "2026-11-01T00:00:00Z", "UpdatedAt": "2026-11-01T00:00:00Z"}]}})
            }
            8 => {
                json!({"version": "0", "detail-type": "AWS Health Event", "source": "aws.health", "detail": {}})
            }
            _ => {
                json!({"version": "0", "detail-type": "GuardDuty Finding", "detail": {"id": id, "severity": "high"}})
            }
        };
        lines.push(event.to_string());
    }
    lines.join("\n").into_bytes()
}

fn finding(id: &str, finding_type: &str, severity: f64, resource: Value) -> Value {
    json!({
        "version": "0", "id": format!("evt-{id}"), "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
        "account": "123456789012", "time": "2026-11-01T00:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "123456789012", "region": "us-east-1", "partition": "aws",
            "id": id, "arn": format!("arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/{id}"),
            "type": finding_type, "severity": severity, "title": "Benchmark finding",
            "description": "A finding generated for the benchmark, with a description of typical length.",
            "createdAt": "2026-11-01T00:00:00.000Z", "updatedAt": "2026-11-01T00:00:00.000Z",
            "resource": resource,
            "service": {"serviceName": "guardduty", "count": 1, "archived": false,
                "eventFirstSeen": "2026-11-01T00:00:00.000Z", "eventLastSeen": "2026-11-01T00:00:00.000Z",
                "action": {"actionType": "AWS_API_CALL", "awsApiCallAction": {"api": "InvokeModel",
                    "serviceName": "bedrock-runtime.amazonaws.com", "userAgent": "boto3/1.34",
                    "remoteIpDetails": {"ipAddressV4": "198.51.100.7", "organization": {"asn": "64500", "asnOrg": "Example"},
                        "country": {"countryName": "Nowhere"}}}}}
        }
    })
}

/// The config both replay benchmarks run with: four routes, one per format and a pager; other
/// findings alert from MEDIUM up.
pub const CONFIG: &str = "[thresholds]\nother_min_severity = \"MEDIUM\"\n\
     [[routes]]\nname = \"pager\"\nmin_severity = \"HIGH\"\n\
     [[routes]]\nname = \"email\"\n\
     [[routes]]\nname = \"chat\"\nformat = \"chat\"\n\
     [[routes]]\nname = \"siem\"\nformat = \"json\"\n";
