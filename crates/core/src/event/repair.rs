//! Reading a finding whose optional parts may be odd: a field of an unexpected type is dropped
//! and the finding read again, a bounded number of times, so that one odd value does not lose
//! the rest. Which fields may go is the caller's to say; a required field never can, and ends
//! the attempt with its error.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// How many odd fields one finding may lose before it is rejected.
const MAX_DROPPED_FIELDS: usize = 16;

/// One step of a path into a JSON document.
pub(super) enum Segment {
    Key(String),
    Index(usize),
    Other,
}

impl Segment {
    fn of(segment: &serde_path_to_error::Segment) -> Segment {
        match segment {
            serde_path_to_error::Segment::Map { key } => Segment::Key(key.clone()),
            serde_path_to_error::Segment::Seq { index } => Segment::Index(*index),
            _ => Segment::Other,
        }
    }

    /// Whether this step is the key `name`.
    pub(super) fn is(&self, name: &str) -> bool {
        matches!(self, Segment::Key(key) if key == name)
    }
}

/// Reads `document` as `T`, dropping each field at fault that `droppable` allows (given its
/// path) and reading again; the error of the first field that may not go, or of the last
/// attempt, otherwise.
pub(super) fn deserialize_dropping<T: DeserializeOwned>(
    mut document: Value,
    droppable: impl Fn(&[Segment]) -> bool,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    let mut dropped = 0;
    loop {
        let err = match serde_path_to_error::deserialize(&document) {
            Ok(read) => return Ok(read),
            Err(err) => err,
        };
        let path: Vec<Segment> = err.path().iter().map(Segment::of).collect();
        if dropped >= MAX_DROPPED_FIELDS || !droppable(&path) || !remove_path(&mut document, &path)
        {
            return Err(err);
        }
        dropped += 1;
    }
}

/// Removes the value at `path`; `false` when there is none to remove.
fn remove_path(node: &mut Value, path: &[Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = node;
    for segment in parents {
        let next = match (segment, node) {
            (Segment::Key(key), Value::Object(map)) => map.get_mut(key),
            (Segment::Index(i), Value::Array(list)) => list.get_mut(*i),
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => return false,
        }
    }
    match (last, node) {
        (Segment::Key(key), Value::Object(map)) => map.remove(key).is_some(),
        (Segment::Index(i), Value::Array(list)) if *i < list.len() => {
            list.remove(*i);
            true
        }
        _ => false,
    }
}
