//! An attack sequence's story for people and machines: who acted (principal, key, session,
//! MFA), from where (addresses with their autonomous system and place), what happened (the
//! signals in the order they happened, the high-risk APIs, the tactics) and on what (the
//! resources). Lines here are plain text built from the finding, clipped but not yet escaped:
//! each format makes them safe its own way ([`super::text`] defangs, [`super::chat`] writes
//! them in the client's markdown); [`document`] is the JSON format's, with raw values.
//!
//! A sequence may name 100 signals and 400 actors, endpoints and resources (GuardDuty API
//! reference, "Sequence"): every list is bounded, and says how many it left out.

use serde::Serialize;
use time::OffsetDateTime;

use crate::finding::AttackSequence;
use crate::guardduty::Principal;
use crate::guardduty::wire::{NetworkEndpoint, ResourceV2, Signal};
use crate::text::clip;

/// Longest value a line quotes.
const VALUE_MAX_CHARS: usize = 200;
/// Lines each part of the story shows people; JSON carries more ([`JSON_ITEMS_MAX`]).
pub(super) const PRINCIPALS_SHOWN: usize = 3;
pub(super) const ENDPOINTS_SHOWN: usize = 5;
pub(super) const SIGNALS_SHOWN: usize = 20;
pub(super) const RESOURCES_SHOWN: usize = 10;
/// Values of an indicator list (APIs, tactics) shown on one line.
const VALUES_SHOWN: usize = 12;
/// Every signal goes into the JSON document (a sequence has at most 100)…
const JSON_SIGNALS_MAX: usize = 100;
/// …and this many of each other list (a sequence may name 400 of each), so that the story
/// always fits in SNS's message beside the rest of the alert.
const JSON_ITEMS_MAX: usize = 25;

/// A list to show, and how many items it left out.
pub(super) struct Shown {
    pub lines: Vec<String>,
    pub omitted: usize,
}

impl Shown {
    fn of<T>(items: &[T], max: usize, line: impl Fn(&T) -> Option<String>) -> Shown {
        let lines: Vec<String> = items.iter().filter_map(&line).collect();
        let omitted = lines.len().saturating_sub(max);
        Shown {
            lines: lines.into_iter().take(max).collect(),
            omitted,
        }
    }

    /// `… and 12 more` when something was left out.
    pub fn more(&self) -> Option<String> {
        (self.omitted > 0).then(|| format!("… and {} more", self.omitted))
    }
}

/// Who acted: one line per principal.
pub(super) fn who(sequence: &AttackSequence<'_>) -> Shown {
    let principals: Vec<Principal<'_>> = sequence.principals().collect();
    Shown::of(&principals, PRINCIPALS_SHOWN, |p| Some(principal_line(p)))
}

/// `IAMUser jane_ml · access key AKIA… (long-term) · MFA disabled · account 111122223333`.
pub(super) fn principal_line(p: &Principal<'_>) -> String {
    let mut parts = Vec::new();
    let name = [p.kind, p.name]
        .into_iter()
        .flatten()
        .map(|v| clip(v, 80))
        .collect::<Vec<_>>()
        .join(" ");
    parts.push(if name.is_empty() {
        "unnamed principal".to_owned()
    } else {
        name
    });
    if let Some(key) = p.credential {
        let term = if key.starts_with("AKIA") {
            " (long-term)"
        } else if key.starts_with("ASIA") {
            " (temporary)"
        } else {
            ""
        };
        parts.push(format!("access key {}{term}", clip(key, 64)));
    }
    if let Some(mfa) = p.mfa {
        parts.push(format!("MFA {}", clip(&mfa.to_lowercase(), 20)));
    }
    if let Some(session) = p.session {
        parts.push(format!("session {}", clip(session, 80)));
    }
    if let Some(issuer) = p.issuer {
        parts.push(format!("issued by {}", clip(issuer, VALUE_MAX_CHARS)));
    }
    if let Some(account) = p.account {
        parts.push(format!("account {}", clip(account, 40)));
    }
    parts.join(" · ")
}

/// From where: one line per network endpoint.
pub(super) fn from(sequence: &AttackSequence<'_>) -> Shown {
    Shown::of(sequence.endpoints(), ENDPOINTS_SHOWN, endpoint_line)
}

/// `198.51.100.23 · AS208294 Example Hosting Ltd · Amsterdam, Netherlands`.
fn endpoint_line(endpoint: &NetworkEndpoint) -> Option<String> {
    let address = endpoint
        .ip
        .as_deref()
        .or(endpoint.domain.as_deref())
        .or(endpoint.id.as_deref())?;
    let mut parts = vec![clip(address, 100)];
    if let Some(domain) = endpoint
        .domain
        .as_deref()
        .filter(|d| Some(*d) != Some(address))
    {
        parts.push(clip(domain, 100));
    }
    if let Some(port) = endpoint.port {
        parts.push(format!("port {port}"));
    }
    if let Some(system) = &endpoint.autonomous_system {
        let number = system.number.map(|n| format!("AS{n}"));
        let name = system.name.as_deref().map(|n| clip(n, 100));
        let both: Vec<String> = [number, name].into_iter().flatten().collect();
        if !both.is_empty() {
            parts.push(both.join(" "));
        }
    }
    if let Some(location) = &endpoint.location {
        let place: Vec<String> = [location.city.as_deref(), location.country.as_deref()]
            .into_iter()
            .flatten()
            .map(|p| clip(p, 80))
            .collect();
        if !place.is_empty() {
            parts.push(place.join(", "));
        }
    }
    Some(parts.join(" · "))
}

/// What happened: the signals in the order they happened.
pub(super) fn signals(sequence: &AttackSequence<'_>) -> Shown {
    let ordered = sequence.signals_in_time_order();
    Shown::of(&ordered, SIGNALS_SHOWN, |s| Some(signal_line(s)))
}

/// `2026-03-02 06:58 → 07:36 UTC  UnauthorizedAccess:IAMUser/TorIPCaller (finding, 9 times)`.
fn signal_line(signal: &Signal) -> String {
    let name = signal
        .name
        .as_deref()
        .or(signal.description.as_deref())
        .or(signal.uid.as_deref())
        .unwrap_or("unnamed signal");
    let mut facts = Vec::new();
    if let Some(kind) = signal.r#type.as_deref() {
        facts.push(signal_kind(kind));
    }
    match signal.count {
        Some(1) => facts.push("once".to_owned()),
        Some(n) => facts.push(format!("{n} times")),
        None => {}
    }
    let facts = if facts.is_empty() {
        String::new()
    } else {
        format!(" ({})", facts.join(", "))
    };
    let first = signal
        .first_seen_at
        .as_ref()
        .or(signal.created_at.as_ref())
        .and_then(|t| t.time());
    let last = signal
        .last_seen_at
        .as_ref()
        .or(signal.updated_at.as_ref())
        .and_then(|t| t.time());
    let when = match when(first, last) {
        Some(when) => format!("{when}  "),
        None => String::new(),
    };
    format!("{when}{}{facts}", clip(name, VALUE_MAX_CHARS))
}

/// What a signal is, for people (GuardDuty API reference, "Signal": `type`).
fn signal_kind(kind: &str) -> String {
    match kind {
        "FINDING" => "finding".to_owned(),
        "CLOUD_TRAIL" => "CloudTrail".to_owned(),
        "S3_DATA_EVENTS" => "S3 data events".to_owned(),
        "EKS_AUDIT_LOGS" => "EKS audit logs".to_owned(),
        "FLOW_LOGS" => "VPC flow logs".to_owned(),
        "DNS_LOGS" => "DNS logs".to_owned(),
        "RUNTIME_MONITORING" => "runtime monitoring".to_owned(),
        other => clip(other, 40),
    }
}

/// `2026-03-02 06:58 → 07:36 UTC`, or one time when first and last are the same minute.
fn when(first: Option<OffsetDateTime>, last: Option<OffsetDateTime>) -> Option<String> {
    let minute = |t: OffsetDateTime| {
        let t = t.to_offset(time::UtcOffset::UTC);
        (
            format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
            format!("{:02}:{:02}", t.hour(), t.minute()),
        )
    };
    match (first.map(minute), last.map(minute)) {
        (Some((day, at)), Some((last_day, last_at))) if (&day, &at) == (&last_day, &last_at) => {
            Some(format!("{day} {at} UTC"))
        }
        (Some((day, at)), Some((last_day, last_at))) if day == last_day => {
            Some(format!("{day} {at} → {last_at} UTC"))
        }
        (Some((day, at)), Some((last_day, last_at))) => {
            Some(format!("{day} {at} → {last_day} {last_at} UTC"))
        }
        (Some((day, at)), None) | (None, Some((day, at))) => Some(format!("{day} {at} UTC")),
        (None, None) => None,
    }
}

/// A list of indicator values on one line: `a, b, c and 4 more`.
pub(super) fn values_line(values: &[&str]) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let shown: Vec<String> = values
        .iter()
        .take(VALUES_SHOWN)
        .map(|v| clip(v, 120))
        .collect();
    let more = values.len().saturating_sub(VALUES_SHOWN);
    let mut line = shown.join(", ");
    if more > 0 {
        line.push_str(&format!(" and {more} more"));
    }
    Some(line)
}

/// On what: one line per resource.
pub(super) fn resources(sequence: &AttackSequence<'_>) -> Shown {
    Shown::of(sequence.resources(), RESOURCES_SHOWN, |r| {
        Some(resource_line(r))
    })
}

/// `ACCESS_KEY jane_ml (AKIA…)`, with the instance type of an instance.
fn resource_line(resource: &ResourceV2) -> String {
    let kind = resource.resource_type.as_deref().unwrap_or("resource");
    let mut line = clip(kind, 60);
    let name = resource.name.as_deref();
    let uid = resource.uid.as_deref();
    if let Some(name) = name {
        line.push(' ');
        line.push_str(&clip(name, 120));
    }
    if let Some(uid) = uid.filter(|u| Some(*u) != name) {
        line.push_str(&format!(" ({})", clip(uid, VALUE_MAX_CHARS)));
    }
    if let Some(instance_type) = resource
        .data
        .as_ref()
        .and_then(|d| d.ec2_instance.as_ref())
        .and_then(|i| i.instance_type.as_deref())
    {
        line.push_str(&format!(", {}", clip(instance_type, 40)));
    }
    line
}

/// The attack sequence for machines: every part, raw values clipped, lists bounded.
#[derive(Serialize)]
pub(super) struct Document {
    uid: Option<String>,
    description: Option<String>,
    principals: Vec<PrincipalFields>,
    endpoints: Vec<EndpointFields>,
    signals: Vec<SignalFields>,
    high_risk_apis: Vec<String>,
    tactics: Vec<String>,
    techniques: Vec<String>,
    resources: Vec<ResourceFields>,
}

#[derive(Serialize)]
struct PrincipalFields {
    kind: Option<String>,
    name: Option<String>,
    principal_id: Option<String>,
    access_key_id: Option<String>,
    account: Option<String>,
    session: Option<String>,
    mfa: Option<String>,
    issuer: Option<String>,
}

#[derive(Serialize)]
struct EndpointFields {
    ip: Option<String>,
    domain: Option<String>,
    port: Option<i64>,
    asn: Option<i64>,
    as_name: Option<String>,
    city: Option<String>,
    country: Option<String>,
}

#[derive(Serialize)]
struct SignalFields {
    first_seen: Option<String>,
    last_seen: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    count: Option<i64>,
    severity: Option<f64>,
    description: Option<String>,
}

#[derive(Serialize)]
struct ResourceFields {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    uid: Option<String>,
}

/// The sequence for the JSON format.
pub(super) fn document(sequence: &AttackSequence<'_>) -> Document {
    let opt = |v: Option<&str>, n: usize| v.map(|v| clip(v, n));
    let list = |values: Vec<&str>| -> Vec<String> {
        values
            .into_iter()
            .take(JSON_ITEMS_MAX)
            .map(|v| clip(v, 200))
            .collect()
    };
    let time = |t: Option<&crate::guardduty::Timestamp>| t.map(|t| clip(&t.to_string(), 40));
    Document {
        uid: opt(sequence.uid(), 200),
        description: opt(sequence.description(), 4_096),
        principals: sequence
            .principals()
            .take(JSON_ITEMS_MAX)
            .map(|p| PrincipalFields {
                kind: opt(p.kind, 40),
                name: opt(p.name, 200),
                principal_id: opt(p.uid, 200),
                access_key_id: opt(p.credential, 64),
                account: opt(p.account, 40),
                session: opt(p.session, 200),
                mfa: opt(p.mfa, 20),
                issuer: opt(p.issuer, 300),
            })
            .collect(),
        endpoints: sequence
            .endpoints()
            .iter()
            .take(JSON_ITEMS_MAX)
            .map(|e| EndpointFields {
                ip: opt(e.ip.as_deref(), 64),
                domain: opt(e.domain.as_deref(), 300),
                port: e.port,
                asn: e.autonomous_system.as_ref().and_then(|a| a.number),
                as_name: opt(
                    e.autonomous_system.as_ref().and_then(|a| a.name.as_deref()),
                    200,
                ),
                city: opt(e.location.as_ref().and_then(|l| l.city.as_deref()), 100),
                country: opt(e.location.as_ref().and_then(|l| l.country.as_deref()), 100),
            })
            .collect(),
        signals: sequence
            .signals_in_time_order()
            .into_iter()
            .take(JSON_SIGNALS_MAX)
            .map(|s| SignalFields {
                first_seen: time(s.first_seen_at.as_ref().or(s.created_at.as_ref())),
                last_seen: time(s.last_seen_at.as_ref().or(s.updated_at.as_ref())),
                name: opt(s.name.as_deref(), 200),
                kind: opt(s.r#type.as_deref(), 40),
                count: s.count,
                severity: s.severity.filter(|v| v.is_finite()),
                description: opt(s.description.as_deref(), 500),
            })
            .collect(),
        high_risk_apis: list(sequence.apis()),
        tactics: list(sequence.tactics()),
        techniques: list(sequence.techniques()),
        resources: sequence
            .resources()
            .iter()
            .take(JSON_ITEMS_MAX)
            .map(|r| ResourceFields {
                kind: opt(r.resource_type.as_deref(), 60),
                name: opt(r.name.as_deref(), 200),
                uid: opt(r.uid.as_deref(), 300),
            })
            .collect(),
    }
}
