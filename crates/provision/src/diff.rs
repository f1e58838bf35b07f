//! Diffing: desired and observed resources in, a plan out. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{Action, Change, Mode, Plan, Resource, ResourceId};

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
                before: None,
                after: Some(want.props.clone()),
                reason: "not found".into(),
            }),
            Some(have) if have.props != want.props => forward.push(Change {
                id: want.id.clone(),
                action: Action::Update,
                physical_id: have.physical_id.clone(),
                before: Some(have.props.clone()),
                after: Some(want.props.clone()),
                reason: changed_keys(&have.props, &want.props),
            }),
            Some(_) => {}
        }
    }
    for have in observed {
        if have.owned && !desired_ids.contains(&have.id) {
            deletes.push(Change {
                id: have.id.clone(),
                action: Action::Delete,
                physical_id: have.physical_id.clone(),
                before: Some(have.props.clone()),
                after: None,
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
