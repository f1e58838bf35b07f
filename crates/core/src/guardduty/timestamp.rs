//! Timestamps as they occur in findings: ISO-8601 strings (`2024-01-01T00:00:00.000Z`, also the
//! space-separated `2025-02-25 20:40:06.721` some exporters write) or epoch numbers (seconds or
//! milliseconds, as in `eksClusterDetails.createdAt` and `process.startTime`).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Epoch values above this are taken as milliseconds: 10^11 seconds is the year 5138.
const EPOCH_MILLIS_THRESHOLD: f64 = 1e11;

/// A point in time from a finding, kept as it was written when it cannot be understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Timestamp {
    /// A time that could be read.
    At(OffsetDateTime),
    /// A string that is not a known time format; kept so nothing is lost.
    Unparsed(String),
}

impl Timestamp {
    /// Reads a timestamp string in any of the formats findings use.
    pub fn parse(text: &str) -> Self {
        parse_time(text).map_or_else(|| Timestamp::Unparsed(text.to_owned()), Timestamp::At)
    }

    /// The time, when it could be read.
    pub fn time(&self) -> Option<OffsetDateTime> {
        match self {
            Timestamp::At(at) => Some(*at),
            Timestamp::Unparsed(_) => None,
        }
    }

    fn from_epoch(value: f64) -> Option<Self> {
        let nanos = if value.abs() >= EPOCH_MILLIS_THRESHOLD {
            value * 1e6
        } else {
            value * 1e9
        };
        OffsetDateTime::from_unix_timestamp_nanos(nanos as i128)
            .ok()
            .map(Timestamp::At)
    }
}

/// Parses RFC 3339 and the common variants of it found in exported findings.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    // `2025-02-25 20:40:06.721` and `2025-02-25T20:40:06` (no zone): taken as UTC.
    let normalised = text.replacen(' ', "T", 1);
    let with_zone = if normalised.ends_with('Z') {
        normalised
    } else {
        format!("{normalised}Z")
    };
    if let Ok(at) = OffsetDateTime::parse(&with_zone, &Rfc3339) {
        return Some(at);
    }
    let seconds: f64 = text.parse().ok()?;
    Timestamp::from_epoch(seconds)?.time()
}

/// Formats a time as RFC 3339 in UTC with millisecond precision.
pub fn format_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let millis = at.millisecond();
    let at = at
        .replace_nanosecond(u32::from(millis) * 1_000_000)
        .unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::At(at) => f.write_str(&format_time(*at)),
            Timestamp::Unparsed(text) => f.write_str(text),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO-8601 time string or an epoch number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Ok(Timestamp::parse(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                Timestamp::from_epoch(v).ok_or_else(|| E::custom("epoch time out of range"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(TimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iso_space_separated_and_epoch_forms() {
        let iso = Timestamp::parse("2024-01-01T00:00:00.000Z").time().unwrap();
        assert_eq!(iso.unix_timestamp(), 1_704_067_200);
        let spaced = Timestamp::parse("2025-02-25 20:40:06.721").time().unwrap();
        assert_eq!(spaced.unix_timestamp(), 1_740_516_006);
        let seconds: Timestamp = serde_json::from_str("1704067200").unwrap();
        let millis: Timestamp = serde_json::from_str("1704067200000").unwrap();
        assert_eq!(seconds, millis);
        assert_eq!(seconds.time().unwrap(), iso);
    }

    #[test]
    fn keeps_unknown_text_instead_of_failing() {
        let ts: Timestamp = serde_json::from_str("\"last tuesday\"").unwrap();
        assert_eq!(ts, Timestamp::Unparsed("last tuesday".into()));
        assert_eq!(ts.to_string(), "last tuesday");
    }
}
