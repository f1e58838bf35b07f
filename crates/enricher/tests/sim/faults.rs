//! The fault plan of a schedule, drawn from its seed: how often each service's calls fail and
//! how (retryably, for good, throttled, timing out before or after their effect, applied twice
//! by the SDK's own retry, or slow), and outages: a service failing every call for a while.

use std::time::Duration;

use crate::rng::Rng;
use crate::scenario::{EPOCH, Scenario};

/// The services the enricher calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Service {
    Sns,
    DynamoDb,
    Detective,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Sns, Service::DynamoDb, Service::Detective];

    pub fn name(self) -> &'static str {
        match self {
            Service::Sns => "sns",
            Service::DynamoDb => "dynamodb",
            Service::Detective => "detective",
        }
    }
}

/// What happens to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Takes its effect, late.
    Slow(Duration),
    /// Throttled after the SDK's own backoff.
    Throttled(Duration),
    /// A server error: no effect, retry later.
    Unavailable,
    /// Refused for good (permissions, a missing resource).
    Denied,
    /// No answer, and no effect.
    TimeoutBefore(Duration),
    /// No answer, but the effect took place: the ambiguous case.
    TimeoutAfter(Duration),
    /// The effect took place, its answer was lost, and the SDK's retry took it again: the
    /// caller hears the second answer.
    AppliedTwice(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Slow,
    Throttled,
    Unavailable,
    Denied,
    TimeoutBefore,
    TimeoutAfter,
    AppliedTwice,
    /// A call that never answers: the caller's own timeout or Lambda's ends it.
    Hang,
}

const KINDS: [Kind; 8] = [
    Kind::Slow,
    Kind::Throttled,
    Kind::Unavailable,
    Kind::Denied,
    Kind::TimeoutBefore,
    Kind::TimeoutAfter,
    Kind::AppliedTwice,
    Kind::Hang,
];

/// A service failing every call, the same way, for a while (Unix ms).
#[derive(Debug, Clone)]
struct Outage {
    service: Service,
    from_ms: i64,
    to_ms: i64,
    kind: Kind,
}

/// The schedule's faults.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    /// Per mille of calls that fail, per service (in `Service::ALL` order).
    rates: [u32; 3],
    outages: Vec<Outage>,
}

impl FaultPlan {
    pub fn draw(rng: &mut Rng, _scenario: &Scenario) -> FaultPlan {
        let mut plan = FaultPlan::default();
        match rng.below(20) {
            // Calm: nothing fails.
            0..=2 => {}
            // Light noise on some services.
            3..=9 => {
                for rate in plan.rates.iter_mut() {
                    if rng.chance(500) {
                        *rate = rng.range(5, 60) as u32;
                    }
                }
            }
            // Heavy weather everywhere.
            10..=14 => {
                for rate in plan.rates.iter_mut() {
                    *rate = rng.range(60, 250) as u32;
                }
            }
            // Outages, with a little noise on one service now and then.
            _ => {
                for _ in 0..rng.range(1, 2) {
                    let from_ms = EPOCH * 1000 + rng.range(0, 600_000);
                    let length = if rng.chance(500) {
                        rng.range(5_000, 120_000)
                    } else {
                        rng.range(120_000, 1_500_000)
                    };
                    plan.outages.push(Outage {
                        service: *rng.pick(&Service::ALL),
                        from_ms,
                        to_ms: from_ms + length,
                        kind: *rng.pick(&KINDS),
                    });
                }
                if rng.chance(300) {
                    let i = rng.below(3) as usize;
                    plan.rates[i] = rng.range(5, 60) as u32;
                }
            }
        }
        plan
    }

    /// What happens to a call to `service` made at `now_ms`.
    pub fn draw_fault(&self, rng: &mut Rng, service: Service, now_ms: i64) -> Fault {
        let outage = self
            .outages
            .iter()
            .find(|o| o.service == service && (o.from_ms..o.to_ms).contains(&now_ms));
        if let Some(outage) = outage {
            return fault(rng, outage.kind);
        }
        let i = Service::ALL.iter().position(|s| *s == service).unwrap_or(0);
        if self.rates[i] > 0 && rng.chance(self.rates[i]) {
            let kind = *rng.pick(&KINDS);
            return fault(rng, kind);
        }
        Fault::None
    }

    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (service, rate) in Service::ALL.iter().zip(self.rates) {
            if rate > 0 {
                parts.push(format!("{} fails {rate}‰ of calls", service.name()));
            }
        }
        for o in &self.outages {
            parts.push(format!(
                "{} {:?} from {:.1} s to {:.1} s",
                o.service.name(),
                o.kind,
                (o.from_ms - EPOCH * 1000) as f64 / 1000.0,
                (o.to_ms - EPOCH * 1000) as f64 / 1000.0
            ));
        }
        if parts.is_empty() {
            "no faults".into()
        } else {
            parts.join("; ")
        }
    }
}

fn fault(rng: &mut Rng, kind: Kind) -> Fault {
    let ms = |rng: &mut Rng, lo: i64, hi: i64| Duration::from_millis(rng.range(lo, hi) as u64);
    match kind {
        Kind::Slow => Fault::Slow(ms(rng, 1_000, 20_000)),
        Kind::Throttled => Fault::Throttled(ms(rng, 50, 4_000)),
        Kind::Unavailable => Fault::Unavailable,
        Kind::Denied => Fault::Denied,
        Kind::TimeoutBefore => Fault::TimeoutBefore(ms(rng, 1_000, 30_000)),
        Kind::TimeoutAfter => Fault::TimeoutAfter(ms(rng, 1_000, 30_000)),
        Kind::AppliedTwice => Fault::AppliedTwice(ms(rng, 50, 2_000)),
        Kind::Hang => Fault::TimeoutBefore(ms(rng, 600_000, 1_000_000)),
    }
}
