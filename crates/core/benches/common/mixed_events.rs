//! The benchmarks' input: JSON Lines of mixed EventBridge events, shared by the core's replay
//! benchmark and the CLI's whole-process one (`#[path]`-included by both). Two mixes: mostly
//! GuardDuty's own findings ([`mixed_events`]), and every source Watchpost reads
//! ([`sources_mix`]), built from the test data's fixtures.

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

/// Every source Watchpost reads, in roughly the proportions of an account with all of them on
/// (`security_hub = "both"`, detections and usage alarms): of every 20 events, 7 GuardDuty
/// findings and 1 attack sequence, 2 Security Hub CSPM copies (ASFF), 3 copies of GuardDuty's
/// findings from the new Security Hub (OCSF) and 1 of its other findings (another product's,
/// closed ones, a compliance finding), 4 CloudTrail calls the detections read, 1 usage alarm
/// state change and 1 other event. Each finding arrives twice (half are duplicates), as in
/// [`mixed_events`].
pub fn sources_mix(count: usize) -> Vec<u8> {
    let template = |text: &str| -> Vec<Value> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a fixture line is JSON"))
            .collect()
    };
    let one = |text: &str| -> Value { serde_json::from_str(text).expect("a fixture is JSON") };
    let sequence = one(include_str!(
        "../../testdata/events/attack-sequence-bedrock.json"
    ));
    let asff = one(include_str!(
        "../../testdata/events/securityhub-guardduty-gpu-instance.json"
    ));
    let ocsf = [
        one(include_str!(
            "../../testdata/events/ocsf-guardduty-anomalous-invocation.json"
        )),
        one(include_str!(
            "../../testdata/events/ocsf-guardduty-prompt-injection.json"
        )),
        one(include_str!(
            "../../testdata/events/ocsf-attack-sequence-bedrock.json"
        )),
    ];
    let ocsf_others = template(include_str!(
        "../../testdata/events/ocsf-closed-compliance-and-others.jsonl"
    ));
    let calls: Vec<Value> = [
        include_str!("../../testdata/activity/cloudtrail-model-access-granted.jsonl"),
        include_str!("../../testdata/activity/cloudtrail-invocation-logging-removed.jsonl"),
        include_str!("../../testdata/activity/cloudtrail-guardrail-weakened.jsonl"),
        include_str!("../../testdata/activity/cloudtrail-model-availability-probed.jsonl"),
    ]
    .into_iter()
    .flat_map(template)
    .collect();
    let alarms = template(include_str!(
        "../../testdata/activity/usage-bedrock-token-spike-flapping.jsonl"
    ));
    let native = mixed_events(20);
    let native: Vec<Value> = native
        .split(|&b| b == b'\n')
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();

    let mut lines = Vec::with_capacity(count);
    for i in 0..count {
        let id = format!("{:032x}", i / 2);
        let arn = format!(
            "arn:aws:guardduty:us-east-1:111122223333:detector/5ec4b1a2c3d4e5f60718293a4b5c6d7e/finding/{id}"
        );
        let n = i / 20;
        let mut event = match i % 20 {
            0..=6 => native[(i % 20) * 3 % 7].clone(),
            7 => sequence.clone(),
            8..=9 => asff.clone(),
            10..=12 => ocsf[i % 20 - 10].clone(),
            13..=16 => calls[(n * 4 + i % 20 - 13) % calls.len()].clone(),
            17 => alarms[n % alarms.len()].clone(),
            18 => ocsf_others[n % ocsf_others.len()].clone(),
            _ => {
                json!({"version": "0", "detail-type": "AWS Health Event", "source": "aws.health", "detail": {}})
            }
        };
        // A finding of its own, arriving twice: GuardDuty's id, or its ARN in a copy.
        if let Some(detail) = event.get_mut("detail") {
            if detail.get("schemaVersion").is_some() {
                detail["id"] = json!(id);
                detail["arn"] = json!(arn);
            }
            if let Some(finding) = detail
                .get_mut("findings")
                .and_then(|f| f.get_mut(0))
                .filter(|f| f.get("Id").is_some() || f.get("finding_info").is_some())
            {
                if finding.get("Id").is_some() {
                    finding["Id"] = json!(arn);
                } else if i % 20 != 18 {
                    finding["finding_info"]["uid"] = json!(arn);
                    finding["metadata"]["uid"] = json!(arn);
                }
            }
            if detail.get("eventID").is_some() {
                detail["eventID"] = json!(format!("{id}-call"));
            }
        }
        lines.push(event.to_string());
    }
    lines.join("\n").into_bytes()
}

/// The config both replay benchmarks run with: four routes, one per format and a pager; other
/// findings alert from MEDIUM up; the usage alarms' log group and a price, for
/// [`sources_mix`].
pub const CONFIG: &str = "[thresholds]\nother_min_severity = \"MEDIUM\"\n\
     [[routes]]\nname = \"pager\"\nmin_severity = \"HIGH\"\n\
     [[routes]]\nname = \"email\"\n\
     [[routes]]\nname = \"chat\"\nformat = \"chat\"\n\
     [[routes]]\nname = \"siem\"\nformat = \"json\"\n\
     [usage]\ninvocation_log_group = \"/aws/bedrock/invocations\"\n\
     [[usage.prices]]\nmodel = \"anthropic.claude-3-5-sonnet*\"\n\
     input_per_1k_tokens = 0.01\noutput_per_1k_tokens = 0.05\n";
