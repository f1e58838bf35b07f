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
