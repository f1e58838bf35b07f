//! Diffing: desired and observed resources in, a plan out. Pure. Specs are compared as typed
//! values; a difference AWS cannot apply in place ([`crate::spec::Spec::replacement_reason`])
//! plans as a replacement of an owned resource.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{Action, Change, Mode, Plan, Resource, ResourceId};
use crate::spec::SpecChange;

/// The changes that turn `observed` into `desired` (or, in [`Mode::Destroy`], that remove every
/// owned resource), in apply order: creates and updates by kind, then deletes in reverse.
pub fn diff(desired: &[Resource], observed: &[Resource], mode: Mode) -> Plan {
    let observed_by_id: BTreeMap<&ResourceId, &Resource> =
        observed.iter().map(|r| (&r.id, r)).collect();
    let mut forward = Vec::new();
    let mut deletes = Vec::new();
    let desired: &[Resource] = if mode == Mode::Destroy { &[] } else { desired };
    let desired_ids: std::collections::BTreeSet<&ResourceId> =
        desired.iter().map(|r| &r.id).collect();
    for want in desired {
        match observed_by_id.get(&want.id) {
            None => forward.push(Change {
                id: want.id.clone(),
                action: Action::Create,
                physical_id: None,
                spec: SpecChange::new(None, Some(want.spec.clone())),
                reason: "not found".into(),
            }),
            Some(have) if have.spec != want.spec => {
                // Only what Watchpost owns is ever deleted, so a resource it does not own is
                // updated, and apply says why it cannot be.
                let replacement = have
                    .owned
                    .then(|| have.spec.replacement_reason(&want.spec))
                    .flatten();
                let (action, reason) = match replacement {
                    Some(reason) => (Action::Replace, reason),
                    None => (
                        Action::Update,
                        changed_keys(&have.spec.to_json(), &want.spec.to_json()),
                    ),
                };
                forward.push(Change {
                    id: want.id.clone(),
                    action,
                    physical_id: have.physical_id.clone(),
                    spec: SpecChange::new(Some(have.spec.clone()), Some(want.spec.clone())),
                    reason,
                })
            }
            Some(_) => {}
        }
    }
    for have in observed {
        if have.owned && !desired_ids.contains(&have.id) {
            deletes.push(Change {
                id: have.id.clone(),
                action: Action::Delete,
                physical_id: have.physical_id.clone(),
                spec: SpecChange::new(Some(have.spec.clone()), None),
                reason: if mode == Mode::Destroy {
                    "destroy".into()
                } else {
                    "no longer in the config".into()
                },
            });
        }
    }
    forward.sort_by(|a, b| a.id.cmp(&b.id));
    deletes.sort_by(|a, b| {
        (&a.id.region, b.id.kind, &a.id.name).cmp(&(&b.id.region, a.id.kind, &b.id.name))
    });
    let mut changes = forward;
    changes.extend(deletes);
    // Apply order within a region: forward changes by kind, then deletes by reverse kind.
    changes.sort_by_key(|c| c.id.region.clone());
    Plan {
        changes,
        notes: Vec::new(),
    }
}

/// "policy, tags changed", from the top-level keys that differ.
fn changed_keys(before: &Value, after: &Value) -> String {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<&str> = a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(v))
                .map(|(k, _)| k.as_str())
                .chain(b.keys().filter(|k| !a.contains_key(*k)).map(|k| k.as_str()))
                .collect();
            keys.sort();
            keys.dedup();
            format!("{} changed", keys.join(", "))
        }
        _ => "changed".into(),
    }
}
