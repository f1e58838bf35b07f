//! What relates alerts: an alert's keys, from its finding, in the order `[incidents] group_by`
//! gives, then the alert's own thread (the finding, or the usage alarm), so that a finding's
//! updates and an alarm's return to band stay in the incident they opened.

use crate::config::GroupBy;
use crate::finding::Observation;
use crate::guardduty::Finding;
use crate::state::alert_key;
use crate::text::clip;

/// A key's longest value: the table's partition key takes 2048 bytes, and findings write
/// whatever names they like.
const KEY_VALUE_MAX_CHARS: usize = 512;

/// What a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    Principal,
    Resource,
    Sequence,
    /// The alert's own thread: its finding, or its usage alarm.
    Thread,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Principal => "principal",
            KeyKind::Resource => "resource",
            KeyKind::Sequence => "sequence",
            KeyKind::Thread => "thread",
        }
    }
}

impl From<GroupBy> for KeyKind {
    fn from(by: GroupBy) -> Self {
        match by {
            GroupBy::Principal => KeyKind::Principal,
            GroupBy::Resource => KeyKind::Resource,
            GroupBy::Sequence => KeyKind::Sequence,
        }
    }
}

/// One key of an alert.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub kind: KeyKind,
    pub value: String,
}

impl GroupKey {
    pub fn new(kind: KeyKind, value: &str) -> Self {
        GroupKey {
            kind,
            value: clip(value, KEY_VALUE_MAX_CHARS),
        }
    }

    /// The item the key is kept under in the alert-state table.
    pub fn item_key(&self) -> String {
        format!("incident-key/{}/{}", self.kind.as_str(), self.value)
    }
}

/// The alert's keys: those of `group_by` the finding has, in that order, then its own thread.
pub fn keys(
    finding: &Finding,
    observation: Option<&Observation>,
    group_by: &[GroupBy],
) -> Vec<GroupKey> {
    let mut keys: Vec<GroupKey> = group_by
        .iter()
        .filter_map(|by| {
            let value = match by {
                GroupBy::Principal => principal(finding),
                GroupBy::Resource => resource(finding, observation),
                GroupBy::Sequence => sequence(finding),
            }?;
            Some(GroupKey::new((*by).into(), &value))
        })
        .collect();
    let thread = match observation {
        Some(observation) => observation.thread_key(finding),
        None => alert_key(finding),
    };
    keys.push(GroupKey::new(KeyKind::Thread, &thread));
    keys
}

/// The IAM user or role that acted, as an ARN: the same user or role in any session.
fn principal(finding: &Finding) -> Option<String> {
    finding.principal_arn()
}

/// The resource acted on, in its account and region; none when the finding names only a type
/// (nothing to tell two of them apart) or only an access key (that is its principal).
fn resource(finding: &Finding, observation: Option<&Observation>) -> Option<String> {
    let kind = finding.resource_type();
    if kind == "AccessKey" || finding.is_attack_sequence() {
        return None;
    }
    // A CloudTrail detection's resource is the caller's key: the call's target is not kept.
    if matches!(observation, Some(Observation::ApiCall(_))) {
        return None;
    }
    let label = finding.resource_label();
    if label.is_empty() || label == kind {
        return None;
    }
    Some(format!(
        "{}/{}/{kind}/{label}",
        finding.account_id, finding.region
    ))
}

/// The attack sequence: the sequence itself, or the one a finding names as its own.
fn sequence(finding: &Finding) -> Option<String> {
    finding.attack_sequence_ref().map(|s| s.arn.to_owned())
}
