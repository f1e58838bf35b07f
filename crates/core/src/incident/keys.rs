//! What relates alerts: an alert's keys, from its finding, in the order `[incidents] group_by`
//! gives, then the alert's own thread (the finding, or the usage alarm), so that a finding's
//! updates and an alarm's return to band stay in the incident they opened.

use crate::config::GroupBy;
use crate::finding::Observation;
use crate::guardduty::Finding;
use crate::state::alert_key;
use crate::text::clip;

/// A key's longest value kept to read (its `about`); the item key is bounded in bytes.
const KEY_VALUE_MAX_CHARS: usize = 512;
/// The most bytes of a value an item key carries as they are: a longer value (findings write
/// whatever names they like, in any script) is kept as its start and a hash of the whole, so
/// that every item key stays far below the table's 2,048-byte partition key, and two values
/// that differ only past the start stay two keys.
const ITEM_VALUE_MAX_BYTES: usize = 256;

/// FNV-1a, 64 bits, of `bytes`: stable across builds and platforms (std's hasher is not).
pub fn stable_hash(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// `value` within [`ITEM_VALUE_MAX_BYTES`]: as it is, or its start and the hash of the whole.
fn item_value(value: &str) -> String {
    if value.len() <= ITEM_VALUE_MAX_BYTES {
        return value.to_owned();
    }
    let mut end = ITEM_VALUE_MAX_BYTES - 20;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}~{:016x}", &value[..end], stable_hash(value.bytes()))
}

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
    /// The item it is kept under, from the whole value.
    item: String,
}

impl GroupKey {
    pub fn new(kind: KeyKind, value: &str) -> Self {
        GroupKey {
            kind,
            value: clip(value, KEY_VALUE_MAX_CHARS),
            item: format!("incident-key/{}/{}", kind.as_str(), item_value(value)),
        }
    }

    /// The item the key is kept under in the alert-state table: at most a few hundred bytes,
    /// whatever the value.
    pub fn item_key(&self) -> String {
        self.item.clone()
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
