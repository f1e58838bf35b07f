//! Diffing: desired and observed resources in, a plan out. Pure. Specs are compared as typed
//! values; a difference AWS cannot apply in place ([`crate::spec::Spec::replacement`]) plans
//! as a replacement of an owned resource.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{Change, Mode, Observed, Plan, Reason, Resource, ResourceId};
use crate::spec::{Ownership, SpecChange};

/// The changes that turn `observed` into `desired` (or, in [`Mode::Destroy`], that remove every
/// owned resource), in apply order: creates and updates by kind, then deletes in reverse.
/// `pending` are resources that exist but cannot be read yet (subscriptions awaiting
/// confirmation): they count as what the config asks for and are never changed.
pub fn diff(
    desired: &[Resource],
    observed: &[Observed],
    pending: &BTreeSet<ResourceId>,
    mode: Mode,
) -> Plan {
    let observed_by_id: BTreeMap<&ResourceId, &Observed> =
        observed.iter().map(|r| (&r.id, r)).collect();
    let mut forward = Vec::new();
    let mut deletes = Vec::new();
    let desired: &[Resource] = if mode == Mode::Destroy { &[] } else { desired };
    let desired_ids: BTreeSet<&ResourceId> = desired.iter().map(|r| &r.id).collect();
    for want in desired {
        match observed_by_id.get(&want.id) {
            None if pending.contains(&want.id) => {}
            None => forward.push(Change {
                id: want.id.clone(),
                spec: SpecChange::create(want.spec.clone()),
                reason: Reason::Missing,
            }),
            // What the stack knows as its own by a record (a subscription, a member) and did
            // not record is someone else's: it counts as what the config asks for, and is
            // never changed (nor re-created beside it).
            Some(have) if !have.owned && want.id.kind.ownership() == Ownership::Recorded => {}
            Some(have) if *have.spec.tags_as_in(&want.spec) != want.spec => {
                let had = have.spec.tags_as_in(&want.spec).into_owned();
                // Only what Watchpost owns is ever deleted, so a resource it does not own is
                // updated, and apply says why it cannot be.
                let replacement = have.owned.then(|| had.replacement(&want.spec)).flatten();
                let replace = replacement.is_some();
                let reason = match replacement {
                    Some(replacement) => Reason::CannotUpdateInPlace(replacement),
                    None => Reason::Drift {
                        fields: changed_fields(&had.to_json(), &want.spec.to_json()),
                    },
                };
                forward.push(Change {
                    id: want.id.clone(),
                    spec: SpecChange::update(
                        had,
                        want.spec.clone(),
                        have.physical_id.clone(),
                        replace,
                    ),
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
                spec: SpecChange::delete(have.spec.clone(), have.physical_id.clone()),
                reason: if mode == Mode::Destroy {
                    Reason::Destroy
                } else {
                    Reason::NotInConfig
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

/// The top-level keys that differ, sorted.
fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<String> = a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
                .collect();
            keys.sort();
            keys.dedup();
            keys
        }
        _ => Vec::new(),
    }
}
