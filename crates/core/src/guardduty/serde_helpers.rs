//! Small serde adapters the generated wire model relies on.

use serde::{Deserialize, Deserializer};

/// Deserialises `null` as the type's default (an empty list or map), since some producers
/// write `"tags": null` where GuardDuty writes `[]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Collections that serialisation may leave out when empty.
pub trait IsEmpty {
    fn is_empty_collection(&self) -> bool;
}

impl<T> IsEmpty for Vec<T> {
    fn is_empty_collection(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> IsEmpty for std::collections::BTreeMap<K, V> {
    fn is_empty_collection(&self) -> bool {
        self.is_empty()
    }
}

/// `skip_serializing_if` predicate for lists and maps.
pub fn is_empty<T: IsEmpty>(value: &T) -> bool {
    value.is_empty_collection()
}

/// Drops `null` members, at any depth, from a finding document built in code (from ASFF, from
/// a CloudTrail record), so an optional field is absent rather than typed wrong.
pub(crate) fn strip_nulls(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
