//! The common cases read straight from the text: a `GuardDuty Finding` event whose finding is
//! deserialised from the event's bytes, and a `Findings Imported V2` event whose OCSF findings
//! are, without building a `serde_json::Value` of the event first (that tree, then a copy of
//! every string out of it, was most of a replay's parsing).
//!
//! This path only ever answers for events it is sure of; anything unusual (another detail
//! type, `detail` before `detail-type`, a key given twice, a finding that does not read) gives
//! `None`, and the caller reads the event the general way, which says what is wrong. The
//! property tests check that both ways agree, over hostile input.
//!
//! The text is first read whole without keeping anything ([`Checked`]): serde_json skips the
//! fields a typed read does not want without checking them (UTF-8, `\u` surrogates, number
//! range, nesting depth), where the general path's `Value` refuses them; reading every value as
//! that parse does, but allocating nothing, keeps the two paths' verdicts the same.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::{GUARDDUTY_DETAIL_TYPE, SECURITY_HUB_V2_DETAIL_TYPE, ocsf};
use crate::guardduty::Finding;

/// An event read straight from its text.
pub(super) enum Direct {
    /// The finding of a `GuardDuty Finding` event.
    GuardDuty(Box<Finding>),
    /// The `detail` of a `Findings Imported V2` event, every finding of it read.
    SecurityHubV2(ocsf::Detail),
}

/// The event read straight from its text, or `None` when it is another kind of event or
/// anything about it is unusual.
pub(super) fn read(bytes: &[u8]) -> Option<Direct> {
    // Valid UTF-8 as a whole, so that neither pass checks each string again.
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::from_str::<Checked>(text).ok()?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let event = Event::deserialize(&mut deserializer).ok()?;
    // Trailing text makes the event invalid JSON: the general path rejects it.
    deserializer.end().ok()?;
    Some(event.0)
}

/// The finding of a `GuardDuty Finding` event read straight from its text.
#[cfg(test)]
fn guardduty_finding(bytes: &[u8]) -> Option<Box<Finding>> {
    match read(bytes)? {
        Direct::GuardDuty(finding) => Some(finding),
        Direct::SecurityHubV2(_) => None,
    }
}

/// A JSON value read as `serde_json::Value` reads it (every string decoded, every number
/// parsed, nesting limited), and nothing kept.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

struct Event(Direct);

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

/// The envelope's keys this path cares about; every other key's value is skipped unread.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum Key {
    #[serde(rename = "detail-type")]
    DetailType,
    #[serde(rename = "detail")]
    Detail,
    #[serde(other)]
    Other,
}

/// The detail types this path reads; compared where the string lies in the input.
#[derive(Clone, Copy, PartialEq)]
enum DetailType {
    GuardDuty,
    SecurityHubV2,
    Other,
}

impl<'de> Deserialize<'de> for DetailType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DetailTypeVisitor;
        impl Visitor<'_> for DetailTypeVisitor {
            type Value = DetailType;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a detail type")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<DetailType, E> {
                Ok(match value {
                    GUARDDUTY_DETAIL_TYPE => DetailType::GuardDuty,
                    SECURITY_HUB_V2_DETAIL_TYPE => DetailType::SecurityHubV2,
                    _ => DetailType::Other,
                })
            }
        }
        deserializer.deserialize_str(DetailTypeVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GuardDuty Finding or Findings Imported V2 event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        // Why this path gives up; never shown (the general path explains the event).
        let unusual = || de::Error::custom("not a common event");
        let (mut kind, mut event) = (None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                // A second `detail-type` or `detail` would override the first in the general
                // path's map: leave such events to it.
                Key::DetailType if kind.is_some() => return Err(unusual()),
                Key::DetailType => match map.next_value::<DetailType>()? {
                    DetailType::Other => return Err(unusual()),
                    known => kind = Some(known),
                },
                // EventBridge writes `detail-type` before `detail`; in any other order the
                // detail could not be typed before it is read.
                Key::Detail if event.is_some() => return Err(unusual()),
                Key::Detail => {
                    event = Some(match kind {
                        Some(DetailType::GuardDuty) => {
                            Direct::GuardDuty(map.next_value::<Box<Finding>>()?)
                        }
                        Some(DetailType::SecurityHubV2) => {
                            Direct::SecurityHubV2(map.next_value::<ocsf::Detail>()?)
                        }
                        _ => return Err(unusual()),
                    })
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        event.map(Event).ok_or_else(unusual)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::guardduty_finding;

    const EVENT: &str = include_str!("../../testdata/events/instance-gpu-cryptomining-p4d.json");

    fn event() -> serde_json::Map<String, Value> {
        match serde_json::from_str(EVENT).unwrap() {
            Value::Object(map) => map,
            _ => unreachable!("the fixture is an event"),
        }
    }

    #[test]
    fn reads_the_common_event_as_the_finding_in_its_detail() {
        let finding = guardduty_finding(EVENT.as_bytes()).expect("the common case is read");
        let expected: crate::guardduty::Finding =
            serde_json::from_value(event()["detail"].clone()).unwrap();
        assert_eq!(*finding, expected);
    }

    #[test]
    fn leaves_every_unusual_event_to_the_general_path() {
        let detail = event()["detail"].to_string();
        let unusual = [
            // `detail` before `detail-type`.
            format!(r#"{{"detail":{detail},"detail-type":"GuardDuty Finding"}}"#),
            // A key twice: the general path keeps the last one.
            format!(
                r#"{{"detail-type":"GuardDuty Finding","detail":{detail},"detail-type":"Other"}}"#
            ),
            format!(r#"{{"detail-type":"GuardDuty Finding","detail":{detail},"detail":{{}}}}"#),
            // Another event, a missing or unreadable detail, trailing text, not an object.
            format!(r#"{{"detail-type":"Security Hub Findings - Imported","detail":{detail}}}"#),
            r#"{"detail-type":"GuardDuty Finding"}"#.to_owned(),
            r#"{"detail-type":"GuardDuty Finding","detail":{"id":"x","severity":"high"}}"#
                .to_owned(),
            format!(r#"{{"detail-type":"GuardDuty Finding","detail":{detail}}} x"#),
            json!([{"detail-type": "GuardDuty Finding"}]).to_string(),
            format!(r#"{{"detail-type":null,"detail":{detail}}}"#),
        ];
        for text in unusual {
            assert_eq!(guardduty_finding(text.as_bytes()), None, "{text}");
        }
        // What a skipped field may hold that `Value` refuses: the event is invalid JSON to the
        // general path, so this path must not read it either.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let refused: [&[u8]; 5] = [
            br#""\ud800""#,
            br#"1e999"#,
            b"\"\xff\"",
            deep.as_bytes(),
            br#"{"a":"\udc00"}"#,
        ];
        for value in refused {
            let text = [
                br#"{"detail-type":"GuardDuty Finding","x":"#.as_slice(),
                value,
                b",\"detail\":",
                detail.as_bytes(),
                b"}",
            ]
            .concat();
            assert!(serde_json::from_slice::<Value>(&text).is_err());
            assert_eq!(
                guardduty_finding(&text),
                None,
                "{}",
                String::from_utf8_lossy(value)
            );
        }
        // The same pieces in the usual order are read.
        let usual =
            format!(r#"{{"detail-type":"GuardDuty Finding","x":[1,{{}}],"detail":{detail}}}"#);
        assert!(guardduty_finding(usual.as_bytes()).is_some());
    }
}
