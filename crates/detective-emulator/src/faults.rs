//! Fault injection: added latency, throttling, and failures of named operations. Set at start
//! (flags or `WATCHPOST_DETECTIVE_*` env vars) and changed at run time through
//! `POST /_emulator/faults`, so tests in one process can exercise their error paths.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorKind};

/// Env var: milliseconds added before every API answer.
pub const ENV_LATENCY_MS: &str = "WATCHPOST_DETECTIVE_LATENCY_MS";
/// Env var: share of API calls (0..1) answered with TooManyRequestsException.
pub const ENV_THROTTLE_RATE: &str = "WATCHPOST_DETECTIVE_THROTTLE_RATE";
/// Env var: failing operations, `Op=STATUS` separated by commas (`StartInvestigation=500`).
pub const ENV_FAIL: &str = "WATCHPOST_DETECTIVE_FAIL";

/// The faults in force.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub latency_ms: u64,
    pub throttle_rate: f64,
    /// Operation name → the error it answers with.
    pub fail: BTreeMap<String, ErrorKind>,
}

impl Faults {
    /// Reads the `WATCHPOST_DETECTIVE_*` variables; unset ones mean no fault.
    pub fn from_env() -> Result<Faults, String> {
        let mut faults = Faults::default();
        if let Ok(v) = std::env::var(ENV_LATENCY_MS) {
            faults.latency_ms = v
                .trim()
                .parse()
                .map_err(|_| format!("{ENV_LATENCY_MS}={v:?} is not a number of ms"))?;
        }
        if let Ok(v) = std::env::var(ENV_THROTTLE_RATE) {
            faults.throttle_rate = parse_rate(&v)?;
        }
        if let Ok(v) = std::env::var(ENV_FAIL) {
            for spec in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (op, kind) = parse_failure(spec)?;
                faults.fail.insert(op, kind);
            }
        }
        Ok(faults)
    }

    /// Reads the JSON body of `POST /_emulator/faults`:
    /// `{"latency_ms": 0, "throttle_rate": 0.0, "fail": {"StartInvestigation": 500}}`.
    /// Members left out mean no such fault: the body replaces the whole fault set.
    pub fn from_json(body: &Value) -> Result<Faults, String> {
        let obj = body.as_object().ok_or("the body must be a JSON object")?;
        let mut faults = Faults::default();
        if let Some(v) = obj.get("latency_ms").filter(|v| !v.is_null()) {
            faults.latency_ms = v
                .as_u64()
                .ok_or("latency_ms must be a non-negative integer")?;
        }
        if let Some(v) = obj.get("throttle_rate").filter(|v| !v.is_null()) {
            faults.throttle_rate = v
                .as_f64()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or("throttle_rate must be within 0..1")?;
        }
        if let Some(v) = obj.get("fail").filter(|v| !v.is_null()) {
            for (op, status) in v
                .as_object()
                .ok_or("fail must map operation names to HTTP statuses")?
            {
                let status = status.as_u64().ok_or("fail statuses must be numbers")?;
                faults.fail.insert(known_operation(op)?, kind_for(status)?);
            }
        }
        Ok(faults)
    }

    pub fn to_json(&self) -> Value {
        let fail: BTreeMap<&str, u16> = self
            .fail
            .iter()
            .map(|(op, k)| (op.as_str(), k.status()))
            .collect();
        json!({"latency_ms": self.latency_ms, "throttle_rate": self.throttle_rate, "fail": fail})
    }

    /// The error this call answers with, if any. `draw` is a uniform number in 0..1.
    pub fn error_for(&self, operation: &str, draw: f64) -> Option<ApiError> {
        if let Some(kind) = self.fail.get(operation) {
            return Some(ApiError::new(
                *kind,
                format!("{operation} failed (fault injected by the emulator)"),
            ));
        }
        if draw < self.throttle_rate {
            return Some(ApiError::new(
                ErrorKind::TooManyRequests,
                "Rate exceeded (fault injected by the emulator)",
            ));
        }
        None
    }
}

/// Parses a throttling rate within 0..=1.
pub fn parse_rate(v: &str) -> Result<f64, String> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| format!("throttle rate {v:?} must be a number within 0..1"))
}

/// Parses `Operation=STATUS`.
pub fn parse_failure(spec: &str) -> Result<(String, ErrorKind), String> {
    let (op, status) = spec
        .split_once('=')
        .ok_or_else(|| format!("{spec:?} is not Operation=STATUS"))?;
    let status: u64 = status
        .trim()
        .parse()
        .map_err(|_| format!("{spec:?}: the status is not a number"))?;
    Ok((known_operation(op.trim())?, kind_for(status)?))
}

/// A typo in an operation name would silently inject nothing; refuse it instead.
fn known_operation(op: &str) -> Result<String, String> {
    if crate::routing::is_operation(op) {
        Ok(op.to_string())
    } else {
        Err(format!(
            "{op:?} is not a Detective operation (e.g. StartInvestigation, CreateMembers)"
        ))
    }
}

fn kind_for(status: u64) -> Result<ErrorKind, String> {
    u16::try_from(status)
        .ok()
        .and_then(ErrorKind::from_status)
        .ok_or_else(|| {
            format!(
                "status {status} is none of Detective's errors (400, 402, 403, 404, 409, 429, 500)"
            )
        })
}

/// A cheap, lock-free source of uniform draws for throttling (splitmix64 over a counter).
/// Statistical quality is plenty for "throttle about this share of calls".
#[derive(Debug)]
pub struct Dice(AtomicU64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(AtomicU64::new(seed))
    }

    pub fn draw(&self) -> f64 {
        let mut z = self
            .0
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_failures_map_status_to_error_type() {
        let (op, kind) = parse_failure("StartInvestigation=500").unwrap();
        assert_eq!(
            (op.as_str(), kind),
            ("StartInvestigation", ErrorKind::InternalServer)
        );
        assert!(parse_failure("StartInvestigation=418").is_err());
        assert!(parse_failure("StartInvestigation").is_err());
        assert!(parse_failure("StartInvestigaton=500").is_err());
    }

    #[test]
    fn json_body_replaces_the_fault_set() {
        let f = Faults::from_json(&json!({"throttle_rate": 1.0, "fail": {"CreateGraph": 403}}))
            .unwrap();
        assert_eq!(f.fail["CreateGraph"], ErrorKind::AccessDenied);
        assert_eq!(
            f.error_for("ListGraphs", 0.99).unwrap().kind,
            ErrorKind::TooManyRequests
        );
        assert_eq!(
            f.error_for("CreateGraph", 0.5).unwrap().kind,
            ErrorKind::AccessDenied
        );
        assert!(Faults::from_json(&json!({"throttle_rate": 2})).is_err());
        assert_eq!(Faults::from_json(&f.to_json()).unwrap(), f);
    }

    #[test]
    fn throttle_rate_is_roughly_respected() {
        let dice = Dice::new(7);
        let f = Faults {
            throttle_rate: 0.25,
            ..Faults::default()
        };
        let throttled = (0..4000)
            .filter(|_| f.error_for("ListGraphs", dice.draw()).is_some())
            .count();
        assert!((800..1200).contains(&throttled), "{throttled}");
        let none = Faults::default();
        assert!((0..100).all(|_| none.error_for("ListGraphs", dice.draw()).is_none()));
    }
}
