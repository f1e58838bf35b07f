//! Console links: the GuardDuty finding, and Detective's finding and entity profiles with a scope
//! around the activity (Detective user guide, "Navigating to a profile using a URL"), and the
//! helpers every link is built with (the console's host, percent-encoding). On the ground floor:
//! the parsers write the links of the findings they make, and alerts carry them.

use serde::Serialize;

use crate::guardduty::Finding;
use crate::guardduty::timestamp::parse_time;
use crate::text::clip;

/// Detective profiles show this much before the first and after the last activity.
const SCOPE_MARGIN_SECONDS: i64 = 3_600;
/// Longest id, region or address a link carries (characters, before percent-encoding).
const LINK_PART_MAX_CHARS: usize = 256;
/// Longest entity label (`AwsUser <name>`) a link carries.
const ENTITY_LABEL_MAX_CHARS: usize = 160;

/// Where to look next.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Links {
    /// The GuardDuty finding (none for findings Watchpost made itself).
    pub guardduty: Option<String>,
    pub detective_finding: Option<String>,
    /// `(what, url)`: the principal, instance, IP address the finding involves.
    pub detective_entities: Vec<EntityLink>,
    /// Other console pages: the CloudTrail event, the CloudWatch alarm, Logs Insights.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub console: Vec<EntityLink>,
    /// The attack sequence a finding is part of (`associatedAttackSequenceArn`), in GuardDuty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_sequence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityLink {
    pub entity: String,
    pub url: String,
}

/// Builds the links of a finding.
pub fn links(finding: &Finding) -> Links {
    let region = encode(bounded(&finding.region));
    // Ids from a finding are bounded before they go into a URL: GuardDuty's are 32 characters,
    // and an unbounded hostile one would make every message that carries the links too large.
    let encode = |text: &str| encode(bounded(text));
    let host = console_host(finding.partition.as_deref().unwrap_or("aws"));
    let id = encode(&finding.id);
    let (first, last) = finding.first_last_seen();
    let start = first
        .or(Some(finding.created_at.as_str()))
        .and_then(parse_time)
        .map(|t| t.unix_timestamp() - SCOPE_MARGIN_SECONDS);
    let end = last
        .or(Some(finding.updated_at.as_str()))
        .and_then(parse_time)
        .map(|t| t.unix_timestamp() + SCOPE_MARGIN_SECONDS);
    let scope = match (start, end) {
        (Some(s), Some(e)) if s <= e => format!("?scopeStart={s}&scopeEnd={e}"),
        _ => String::new(),
    };
    let detective = format!("https://{host}/detective/home?region={region}#");
    let mut entities = Vec::new();
    let mut entity = |kind: &str, label: String, id: &str| {
        entities.push(EntityLink {
            // The label comes from the finding (a user name): bounded and stripped like any.
            entity: clip(&format!("{kind} {label}"), ENTITY_LABEL_MAX_CHARS),
            url: format!("{detective}entities/{kind}/{}{scope}", encode(id)),
        });
    };
    if let Some(key) = &finding.resource.access_key_details
        && let Some(principal) = key.principal_id.as_deref()
    {
        let kind = match key.user_type.as_deref() {
            Some("AssumedRole") | Some("Role") => "AwsRole",
            Some("FederatedUser") => "FederatedUser",
            _ => "AwsUser",
        };
        // Role session principal ids are `AROA…:session`; the role profile uses the part before.
        let principal = principal.split(':').next().unwrap_or(principal);
        let label = key
            .user_name
            .clone()
            .unwrap_or_else(|| principal.to_owned());
        entity(kind, label, principal);
    }
    if let Some(instance) = finding
        .resource
        .instance_details
        .as_ref()
        .and_then(|i| i.instance_id.as_deref())
    {
        entity("Ec2Instance", instance.to_owned(), instance);
    }
    if let Some(ip) = finding.actor().ip_address {
        entity("IpAddress", ip.clone(), &ip);
    }
    // An attack sequence's actor and the addresses it came from: the profiles to open first.
    if finding.resource.access_key_details.is_none()
        && let Some(sequence) = finding.attack_sequence()
    {
        if let Some(principal) = sequence.principal()
            && let Some(uid) = principal.uid
        {
            let kind = match principal.kind {
                Some("AssumedRole" | "Role") => "AwsRole",
                Some("FederatedUser") => "FederatedUser",
                _ => "AwsUser",
            };
            let uid = uid.split(':').next().unwrap_or(uid);
            entity(kind, principal.name.unwrap_or(uid).to_owned(), uid);
        }
        let addresses = sequence.endpoints().iter().filter_map(|e| e.ip.as_deref());
        for ip in addresses.take(SEQUENCE_ADDRESSES_LINKED) {
            entity("IpAddress", ip.to_owned(), ip);
        }
    }
    let finding_link = |region: &str, id: &str| {
        format!("https://{host}/guardduty/home?region={region}#/findings?macros=current&fId={id}")
    };
    // A finding that is part of a sequence links to it, in the sequence's region (its ARN's
    // fourth field); the sequence itself is its own link.
    let attack_sequence = finding
        .attack_sequence_ref()
        .filter(|r| r.arn != finding.arn)
        .map(|r| {
            let in_region = r.arn.split(':').nth(3).filter(|r| !r.is_empty());
            let region = in_region.map_or_else(|| region.clone(), encode);
            finding_link(&region, &encode(r.finding_id))
        });
    Links {
        guardduty: Some(finding_link(&region, &id)),
        detective_finding: Some(format!("{detective}findings/GuardDuty/{id}{scope}")),
        detective_entities: entities,
        console: Vec::new(),
        attack_sequence,
    }
}

/// How many of an attack sequence's addresses get a Detective profile link (a sequence may
/// name 400).
const SEQUENCE_ADDRESSES_LINKED: usize = 3;

/// A link to a console page, labelled.
pub(crate) fn console_link(label: &str, url: String) -> EntityLink {
    EntityLink {
        entity: label.to_owned(),
        url,
    }
}

/// The first [`LINK_PART_MAX_CHARS`] characters of a link part.
fn bounded(text: &str) -> &str {
    match text.char_indices().nth(LINK_PART_MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// The console's host name in a partition.
pub fn console_host(partition: &str) -> &'static str {
    match partition {
        "aws-us-gov" => "console.amazonaws-us-gov.com",
        "aws-cn" => "console.amazonaws.cn",
        _ => "console.aws.amazon.com",
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so that a hostile id cannot
/// change the link's meaning.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn encoding_keeps_unreserved_and_escapes_the_rest() {
        assert_eq!(encode("abc-1.2_~"), "abc-1.2_~");
        assert_eq!(encode("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(encode("测"), "%E6%B5%8B");
    }
}
