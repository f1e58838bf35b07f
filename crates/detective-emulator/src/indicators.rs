//! Deterministic, realistic indicators of compromise for an investigated entity.
//!
//! The same entity ARN always yields the same indicators and severity (seeded by a stable hash of
//! the ARN), so tests can assert on them and the demo shows believable content. IP addresses come
//! from the documentation ranges (RFC 5737), so they never point at a real host.

use serde_json::{Value, json};

use crate::state::fnv1a;

/// The model's `IndicatorType` values, in the order reports list them.
pub const INDICATOR_TYPES: [&str; 8] = [
    "TTP_OBSERVED",
    "IMPOSSIBLE_TRAVEL",
    "FLAGGED_IP_ADDRESS",
    "NEW_GEOLOCATION",
    "NEW_ASO",
    "NEW_USER_AGENT",
    "RELATED_FINDING",
    "RELATED_FINDING_GROUP",
];

/// (tactic, technique, API name) triples as Detective reports them for IAM principals.
const TTPS: [(&str, &str, &str); 6] = [
    ("Discovery", "T1087 - Account Discovery", "ListUsers"),
    (
        "Persistence",
        "T1098 - Account Manipulation",
        "CreateAccessKey",
    ),
    ("Defense Evasion", "T1562 - Impair Defenses", "StopLogging"),
    (
        "Credential Access",
        "T1552 - Unsecured Credentials",
        "GetSecretValue",
    ),
    (
        "Privilege Escalation",
        "T1078 - Valid Accounts",
        "AttachUserPolicy",
    ),
    (
        "Exfiltration",
        "T1537 - Transfer Data to Cloud Account",
        "PutBucketPolicy",
    ),
];

const LOCATIONS: [&str; 8] = [
    "Seattle, United States",
    "Frankfurt am Main, Germany",
    "Sao Paulo, Brazil",
    "Singapore, Singapore",
    "Lagos, Nigeria",
    "Moscow, Russia",
    "Sydney, Australia",
    "Tokyo, Japan",
];

const ASOS: [&str; 5] = [
    "AS14061 DigitalOcean, LLC",
    "AS16276 OVH SAS",
    "AS24940 Hetzner Online GmbH",
    "AS9009 M247 Europe SRL",
    "AS63949 Akamai Connected Cloud",
];

const USER_AGENTS: [&str; 5] = [
    "aws-cli/2.15.30 Python/3.11.8 Linux/5.15.0 exe/x86_64.ubuntu.22 prompt/off command/iam.list-users",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.12.2",
    "python-requests/2.31.0",
    "aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64",
    "curl/8.5.0",
];

const FINDING_TYPES: [&str; 5] = [
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "Discovery:IAMUser/AnomalousBehavior",
    "CredentialAccess:IAMUser/AnomalousBehavior",
    "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
    "Persistence:IAMUser/AnomalousBehavior",
];

/// What an investigation of one entity found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub severity: &'static str,
    /// `Indicator` structures (IndicatorType + IndicatorDetail), ready for the wire.
    pub indicators: Vec<Value>,
}

/// A tiny deterministic generator (splitmix64) seeded from the entity.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn ip(&mut self) -> String {
        let nets = ["192.0.2", "198.51.100", "203.0.113"];
        format!("{}.{}", nets[self.below(3)], 1 + self.below(254))
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::new();
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
}

/// The indicators and severity for `entity_arn`, investigated in a graph of `account`/`region`.
pub fn generate(entity_arn: &str, account: &str, region: &str) -> Report {
    let mut rng = Rng(fnv1a(&[entity_arn]));
    let mut indicators = Vec::new();

    // Every investigation links back to at least one GuardDuty finding; the other indicator
    // types appear or not depending on the entity.
    let present: Vec<&str> = INDICATOR_TYPES
        .iter()
        .copied()
        .filter(|t| *t == "RELATED_FINDING" || rng.below(100) < 55)
        .collect();

    for kind in &present {
        let detail = match *kind {
            "TTP_OBSERVED" => {
                let (tactic, technique, api) = TTPS[rng.below(TTPS.len())];
                json!({"TTPsObservedDetail": {
                    "Tactic": tactic,
                    "Technique": technique,
                    "Procedure": format!("{api} called by {}", short_name(entity_arn)),
                    "IpAddress": rng.ip(),
                    "APIName": api,
                    "APISuccessCount": 1 + rng.below(40),
                    "APIFailureCount": rng.below(12),
                }})
            }
            "IMPOSSIBLE_TRAVEL" => {
                let from = rng.below(LOCATIONS.len());
                let to = (from + 1 + rng.below(LOCATIONS.len() - 1)) % LOCATIONS.len();
                json!({"ImpossibleTravelDetail": {
                    "StartingIpAddress": rng.ip(),
                    "EndingIpAddress": rng.ip(),
                    "StartingLocation": LOCATIONS[from],
                    "EndingLocation": LOCATIONS[to],
                    "HourlyTimeDelta": 1 + rng.below(3),
                }})
            }
            "FLAGGED_IP_ADDRESS" => json!({"FlaggedIpAddressDetail": {
                "IpAddress": rng.ip(),
                "Reason": "AWS_THREAT_INTELLIGENCE",
            }}),
            "NEW_GEOLOCATION" => json!({"NewGeolocationDetail": {
                "Location": rng.pick(&LOCATIONS),
                "IpAddress": rng.ip(),
                "IsNewForEntireAccount": rng.below(2) == 0,
            }}),
            "NEW_ASO" => json!({"NewAsoDetail": {
                "Aso": rng.pick(&ASOS),
                "IsNewForEntireAccount": rng.below(2) == 0,
            }}),
            "NEW_USER_AGENT" => json!({"NewUserAgentDetail": {
                "UserAgent": rng.pick(&USER_AGENTS),
                "IsNewForEntireAccount": rng.below(2) == 0,
            }}),
            "RELATED_FINDING" => json!({"RelatedFindingDetail": {
                "Arn": format!(
                    "arn:aws:guardduty:{region}:{account}:detector/{}/finding/{}",
                    rng.hex(32),
                    rng.hex(32)
                ),
                "Type": rng.pick(&FINDING_TYPES),
                "IpAddress": rng.ip(),
            }}),
            _ => {
                let h = rng.hex(32);
                json!({"RelatedFindingGroupDetail": {
                    "Id": format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]),
                }})
            }
        };
        indicators.push(json!({"IndicatorType": kind, "IndicatorDetail": detail}));
    }

    Report {
        severity: severity(&present),
        indicators,
    }
}

/// Severity follows the likelihood and impact of what was found: observed attacker techniques
/// together with travel or threat-intel hits are critical; each further signal raises it.
fn severity(present: &[&str]) -> &'static str {
    let has = |t: &str| present.contains(&t);
    if has("TTP_OBSERVED") && (has("IMPOSSIBLE_TRAVEL") || has("FLAGGED_IP_ADDRESS")) {
        return "CRITICAL";
    }
    match present.len() {
        0 | 1 => "LOW",
        2 | 3 => "MEDIUM",
        _ => "HIGH",
    }
}

/// `alice` from `arn:aws:iam::123456789012:user/alice`.
fn short_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "arn:aws:iam::123456789012:user/alice";

    #[test]
    fn same_entity_same_report() {
        let a = generate(USER, "123456789012", "us-east-1");
        assert_eq!(a, generate(USER, "123456789012", "us-east-1"));
        assert_ne!(
            a,
            generate(
                "arn:aws:iam::123456789012:role/ci-deployer",
                "123456789012",
                "us-east-1"
            )
        );
    }

    #[test]
    fn every_report_has_a_related_finding_in_the_graph_account() {
        for i in 0..50 {
            let r = generate(
                &format!("arn:aws:iam::123456789012:user/u{i}"),
                "123456789012",
                "eu-west-1",
            );
            let finding = r
                .indicators
                .iter()
                .find(|i| i["IndicatorType"] == "RELATED_FINDING")
                .expect("a related finding");
            let arn = finding["IndicatorDetail"]["RelatedFindingDetail"]["Arn"]
                .as_str()
                .unwrap();
            assert!(
                arn.starts_with("arn:aws:guardduty:eu-west-1:123456789012:detector/"),
                "{arn}"
            );
            assert!(["LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&r.severity));
        }
    }

    #[test]
    fn details_match_their_indicator_type() {
        let key = |t: &str| match t {
            "TTP_OBSERVED" => "TTPsObservedDetail",
            "IMPOSSIBLE_TRAVEL" => "ImpossibleTravelDetail",
            "FLAGGED_IP_ADDRESS" => "FlaggedIpAddressDetail",
            "NEW_GEOLOCATION" => "NewGeolocationDetail",
            "NEW_ASO" => "NewAsoDetail",
            "NEW_USER_AGENT" => "NewUserAgentDetail",
            "RELATED_FINDING" => "RelatedFindingDetail",
            _ => "RelatedFindingGroupDetail",
        };
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..40 {
            for ind in generate(
                &format!("arn:aws:iam::111122223333:role/r{i}"),
                "111122223333",
                "us-east-1",
            )
            .indicators
            {
                let t = ind["IndicatorType"].as_str().unwrap().to_string();
                assert!(ind["IndicatorDetail"][key(&t)].is_object(), "{ind}");
                seen.insert(t);
            }
        }
        assert_eq!(
            seen.len(),
            INDICATOR_TYPES.len(),
            "every type shows up across entities"
        );
    }

    #[test]
    fn impossible_travel_goes_somewhere_else() {
        for i in 0..40 {
            let r = generate(
                &format!("arn:aws:iam::1:user/t{i}"),
                "111122223333",
                "us-east-1",
            );
            for ind in r
                .indicators
                .iter()
                .filter(|i| i["IndicatorType"] == "IMPOSSIBLE_TRAVEL")
            {
                let d = &ind["IndicatorDetail"]["ImpossibleTravelDetail"];
                assert_ne!(d["StartingLocation"], d["EndingLocation"]);
            }
        }
    }
}
