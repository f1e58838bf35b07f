//! GuardDuty Extended Threat Detection's attack sequences, as the rest of Watchpost reads them:
//! the whole story of an incident in one finding (`service.detection.sequence`: GuardDuty API
//! reference, "Sequence"). Who acted (actors: the user, its key, its session and MFA), from
//! where (network endpoints with their autonomous system and place), what happened (signals:
//! the findings and activity GuardDuty correlated, each with its count and first and last
//! sight; indicators: high-risk APIs, MITRE ATT&CK tactics and techniques), on what
//! (resources).
//!
//! A sequence's identity is its finding's ARN: the findings that make it up name it in their
//! `associatedAttackSequenceArn` ([`Finding::attack_sequence_ref`] reads both sides the same
//! way).

use std::cmp::Ordering;

use crate::guardduty::wire::{Actor, Indicator, NetworkEndpoint, ResourceV2, Sequence, Signal};
use crate::guardduty::{API_INDICATORS, Finding, Principal};

/// The finding type prefix of attack sequences (`AttackSequence:IAM/CompromisedCredentials`).
pub const ATTACK_SEQUENCE_TYPE_PREFIX: &str = "AttackSequence:";

/// The indicator key of MITRE ATT&CK tactics.
pub const TACTIC_INDICATOR: &str = "ATTACK_TACTIC";
/// The indicator key of MITRE ATT&CK techniques.
pub const TECHNIQUE_INDICATOR: &str = "ATTACK_TECHNIQUE";

/// Which attack sequence a finding is, or belongs to: the sequence finding's ARN, and its
/// GuardDuty finding id (the ARN's last part, which its alert state is kept under).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceRef<'a> {
    pub arn: &'a str,
    pub finding_id: &'a str,
}

impl<'a> SequenceRef<'a> {
    fn of(arn: &'a str) -> Self {
        let finding_id = arn.rsplit('/').next().unwrap_or(arn);
        SequenceRef { arn, finding_id }
    }
}

/// An attack sequence finding's story.
#[derive(Debug, Clone, Copy)]
pub struct AttackSequence<'a> {
    finding: &'a Finding,
    sequence: &'a Sequence,
}

impl Finding {
    /// Whether the finding is an attack sequence (by its type, or by the sequence it carries).
    pub fn is_attack_sequence(&self) -> bool {
        self.r#type.starts_with(ATTACK_SEQUENCE_TYPE_PREFIX) || self.sequence().is_some()
    }

    /// The attack sequence the finding tells, when it carries one.
    pub fn attack_sequence(&self) -> Option<AttackSequence<'_>> {
        self.sequence().map(|sequence| AttackSequence {
            finding: self,
            sequence,
        })
    }

    /// The attack sequence this finding is (its own ARN) or is part of
    /// (`associatedAttackSequenceArn`): the key that ties a sequence and its signals together.
    pub fn attack_sequence_ref(&self) -> Option<SequenceRef<'_>> {
        if self.is_attack_sequence() {
            return Some(SequenceRef::of(&self.arn));
        }
        self.associated_attack_sequence_arn
            .as_deref()
            .filter(|arn| !arn.trim().is_empty())
            .map(SequenceRef::of)
    }
}

impl<'a> AttackSequence<'a> {
    /// The finding that tells it.
    pub fn finding(&self) -> &'a Finding {
        self.finding
    }

    /// GuardDuty's identifier of the sequence (`uid`).
    pub fn uid(&self) -> Option<&'a str> {
        self.sequence.uid.as_deref()
    }

    pub fn description(&self) -> Option<&'a str> {
        self.sequence.description.as_deref()
    }

    pub fn actors(&self) -> &'a [Actor] {
        &self.sequence.actors
    }

    /// The principal of the first actor that names one: who the sequence is about.
    pub fn principal(&self) -> Option<Principal<'a>> {
        self.principals().next()
    }

    /// Every actor's principal, in the sequence's order.
    pub fn principals(&self) -> impl Iterator<Item = Principal<'a>> + 'a {
        self.sequence.actors.iter().filter_map(Principal::of)
    }

    pub fn endpoints(&self) -> &'a [NetworkEndpoint] {
        &self.sequence.endpoints
    }

    pub fn resources(&self) -> &'a [ResourceV2] {
        &self.sequence.resources
    }

    /// The signals in the order they happened: by first sight (then last sight, then name);
    /// signals with no time come last, in the sequence's order.
    pub fn signals_in_time_order(&self) -> Vec<&'a Signal> {
        let mut signals: Vec<&Signal> = self.sequence.signals.iter().collect();
        let at = |s: &Signal| {
            s.first_seen_at
                .as_ref()
                .or(s.created_at.as_ref())
                .and_then(|t| t.time())
        };
        let last = |s: &Signal| {
            s.last_seen_at
                .as_ref()
                .or(s.updated_at.as_ref())
                .and_then(|t| t.time())
        };
        signals.sort_by(|a, b| match (at(a), at(b)) {
            (Some(x), Some(y)) => x
                .cmp(&y)
                .then_with(|| last(a).cmp(&last(b)))
                .then_with(|| a.name.cmp(&b.name)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        signals
    }

    /// Every indicator of the sequence and of its signals.
    pub fn indicators(&self) -> impl Iterator<Item = &'a Indicator> + 'a {
        self.sequence.sequence_indicators.iter().chain(
            self.sequence
                .signals
                .iter()
                .flat_map(|s| s.signal_indicators.iter()),
        )
    }

    /// The values of the indicators with one of `keys`, first sight first, each once.
    pub fn indicator_values(&self, keys: &[&str]) -> Vec<&'a str> {
        let mut values: Vec<&str> = Vec::new();
        for indicator in self.indicators() {
            if !indicator.key.as_deref().is_some_and(|k| keys.contains(&k)) {
                continue;
            }
            for value in &indicator.values {
                if !values.contains(&value.as_str()) {
                    values.push(value);
                }
            }
        }
        values
    }

    /// The high-risk and unusual API calls GuardDuty names, `service:Operation`.
    pub fn apis(&self) -> Vec<&'a str> {
        self.indicator_values(API_INDICATORS)
    }

    /// MITRE ATT&CK tactics.
    pub fn tactics(&self) -> Vec<&'a str> {
        self.indicator_values(&[TACTIC_INDICATOR])
    }

    /// MITRE ATT&CK techniques.
    pub fn techniques(&self) -> Vec<&'a str> {
        self.indicator_values(&[TECHNIQUE_INDICATOR])
    }

    /// The signal names that are GuardDuty findings (`Impact:IAMUser/AnomalousModelInvocation`):
    /// every signal's name, as GuardDuty writes a finding's type there.
    pub fn signal_names(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.sequence
            .signals
            .iter()
            .filter_map(|s| s.name.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(detail: serde_json::Value) -> Finding {
        serde_json::from_value(detail).unwrap()
    }

    fn sequence_finding(sequence: serde_json::Value) -> Finding {
        finding(serde_json::json!({
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": "seq1", "arn": "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/seq1",
            "type": "AttackSequence:IAM/CompromisedCredentials", "severity": 9.0,
            "createdAt": "2026-03-02T08:00:00Z", "updatedAt": "2026-03-02T08:00:00Z",
            "resource": { "resourceType": "AttackSequence" },
            "service": { "detection": { "sequence": sequence } }
        }))
    }

    #[test]
    fn signals_read_in_the_order_they_happened() {
        let finding = sequence_finding(serde_json::json!({
            "uid": "u", "description": "d",
            "signals": [
                { "uid": "late", "name": "B", "firstSeenAt": 1772437000000_i64 },
                { "uid": "untimed", "name": "C" },
                { "uid": "early", "name": "A", "firstSeenAt": 1772434700000_i64 },
            ]
        }));
        let sequence = finding.attack_sequence().unwrap();
        let order: Vec<&str> = sequence
            .signals_in_time_order()
            .iter()
            .map(|s| s.uid.as_deref().unwrap())
            .collect();
        assert_eq!(order, ["early", "late", "untimed"]);
    }

    #[test]
    fn apis_come_from_the_indicators_aws_names() {
        let finding = sequence_finding(serde_json::json!({
            "uid": "u", "description": "d",
            "signals": [{ "uid": "s", "name": "n", "signalIndicators": [
                { "key": "HIGH_RISK_API", "values": ["bedrock:InvokeModel"] }
            ] }],
            "sequenceIndicators": [
                { "key": "HIGH_RISK_API", "values": ["bedrock:InvokeModel", "cloudtrail:DeleteTrail"] },
                { "key": "UNUSUAL_API_FOR_ACCOUNT", "values": ["bedrock:ListFoundationModels"] },
                { "key": "ATTACK_TACTIC", "values": ["Impact"] },
            ]
        }));
        let sequence = finding.attack_sequence().unwrap();
        assert_eq!(
            sequence.apis(),
            [
                "bedrock:InvokeModel",
                "cloudtrail:DeleteTrail",
                "bedrock:ListFoundationModels"
            ]
        );
        assert_eq!(sequence.tactics(), ["Impact"]);
    }

    #[test]
    fn a_sequence_and_its_signals_share_one_reference() {
        let sequence = sequence_finding(serde_json::json!({ "uid": "u", "signals": [] }));
        let signal = finding(serde_json::json!({
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": "f1", "arn": "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f1",
            "type": "Impact:IAMUser/AnomalousModelInvocation", "severity": 2.0,
            "createdAt": "2026-03-02T08:00:00Z", "updatedAt": "2026-03-02T08:00:00Z",
            "resource": { "resourceType": "AccessKey" },
            "associatedAttackSequenceArn": sequence.arn,
        }));
        let one = sequence.attack_sequence_ref().unwrap();
        assert_eq!(one, signal.attack_sequence_ref().unwrap());
        assert_eq!(one.finding_id, "seq1");
    }
}
