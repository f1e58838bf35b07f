//! The delivery guarantees, checked after every schedule. Each is a sentence of
//! docs/how-it-works.md ("Delivery guarantees"), word for word: a test holds the two together.
//!
//! What the sentences mean, as checked here:
//! - An update *should alert* on the routes GuardDuty's original of it is decided to with no
//!   state before it (each simulated update rises a band, so each alerts again). A later update
//!   of the same finding that reaches a route in its place counts for it. An update of a
//!   finding of the stack's other region is that region's enricher's: it should alert nowhere
//!   here, and the other region is taken to have delivered it once. A finding of a region
//!   outside the stack comes only as Security Hub's copy, whose decision it should reach.
//! - A publish's outcome is *ambiguous* when SNS took it without the state table learning so:
//!   its answer was lost (an error or a timeout after SNS took it, the SDK's retry of a publish
//!   SNS had taken, an invocation stopped while waiting); or its invocation could not read the
//!   alert's state at its start; or a write of the alert's state failed and the route's own
//!   record was not written.
//! - The *documented time* to give a follow-up up: an hour after its first failed attempt, or
//!   the state TTL after it was started when Detective is still running it.

use std::collections::{BTreeMap, BTreeSet};

use watchpost_contract::metric;

use crate::faults::Service;
use crate::lambda::{Ended, Run, Work};
use crate::scenario::Carrier;
use crate::world::{Publish, Write};

/// The guarantees, as docs/how-it-works.md states them.
pub const INVARIANTS: [&str; 8] = [
    "Every finding update that should alert reaches each of its routes at least once, unless its event ended in the dead-letter queue (and then the dead-letter metric counts it).",
    "No route receives an update twice, except once more per publish to that route whose outcome was ambiguous.",
    "A copy never sends to a route the original's decision would not.",
    "Every route told a follow-up would come receives it, or `FollowUpsAbandoned` counts it, not before the documented time.",
    "No publish starts after its claim's lease minus the safety margin.",
    "An invocation never takes its own claim for another's.",
    "Detective trouble alone never sends an event to the dead-letter queue.",
    "Every finding update is told in one incident, as one kind, on every route that hears it, unless the state table could not say (then it stands alone).",
];

/// Publishing stops this long before a lease ends.
const LEASE_MARGIN_MS: i64 = watchpost_contract::lease::LEASE_MARGIN_SECONDS * 1000;
/// A follow-up may be given up an hour after its first failed attempt.
const GIVE_UP_AFTER_MS: i64 = 3_600_000;

/// What the checker found.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Individual checks made.
    pub checks: u64,
    /// Each broken guarantee: the invariant's number (1-based) and what broke it.
    pub violations: Vec<(usize, String)>,
}

impl Verdict {
    fn check(&mut self, invariant: usize, holds: bool, what: impl FnOnce() -> String) {
        self.checks += 1;
        if !holds {
            self.violations.push((invariant, what()));
        }
    }

    pub fn describe(&self) -> String {
        self.violations
            .iter()
            .map(|(n, what)| format!("  broken: {}\n    {what}", INVARIANTS[n - 1]))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Checks every guarantee against what happened.
pub fn check(run: &Run) -> Verdict {
    let mut verdict = Verdict::default();
    let facts = run.world.facts.borrow();
    let scenario = &run.world.scenario;
    // The update each event invocation worked on.
    let update_of = |inv: usize| -> Option<(usize, i64, Carrier)> {
        match run.invocations[inv].work {
            Work::Event { event, .. } => {
                let e = &scenario.events[event];
                Some((e.finding, e.count, e.carrier))
            }
            Work::Sweep { .. } => None,
        }
    };
    let key_of = |inv: usize| update_of(inv).map(|(f, _, _)| scenario.key(f));
    let alerts: Vec<&Publish> = facts.publishes.iter().filter(|p| !p.followup).collect();
    let followups: Vec<&Publish> = facts.publishes.iter().filter(|p| p.followup).collect();
    let dead: BTreeSet<usize> = run
        .dead_letters
        .iter()
        .filter_map(|w| match w {
            Work::Event { event, .. } => Some(*event),
            Work::Sweep { .. } => None,
        })
        .collect();

    // 1. Every update that should alert reaches its routes, unless dead-lettered; a later
    // update of the same finding that reached the route (or was dead-lettered) stands for it.
    for (f, finding) in scenario.findings.iter().enumerate() {
        for count in 1..=finding.updates.len() as i64 {
            let dead_lettered = scenario
                .events
                .iter()
                .enumerate()
                .any(|(e, ev)| ev.finding == f && ev.count >= count && dead.contains(&e));
            for route in scenario.expected(f, count) {
                let reached = alerts.iter().any(|p| {
                    p.effects > 0
                        && &p.route == route
                        && update_of(p.inv).is_some_and(|(pf, pc, _)| pf == f && pc >= count)
                });
                verdict.check(1, reached || dead_lettered, || {
                    format!("F{f} count {count} never reached route `{route}`")
                });
            }
        }
    }

    // 2. No route receives an update twice but for ambiguous publishes.
    let first_load_failed = |inv: usize, key: &str| {
        facts
            .store_calls
            .iter()
            .find(|c| c.inv == inv && c.op == "dynamodb.load" && c.subject == key)
            .is_some_and(|c| c.ok != Some(true))
    };
    let write_failed = |inv: usize, key: &str| {
        facts.store_calls.iter().any(|c| {
            c.inv == inv
                && c.subject == key
                && c.ok != Some(true)
                && matches!(
                    c.op,
                    "dynamodb.claim" | "dynamodb.delivered" | "dynamodb.finish"
                )
        })
    };
    let recorded = |p: &Publish, key: &str| {
        facts.writes.iter().any(|(inv, _, w)| {
            *inv == p.inv
                && matches!(w, Write::Delivered { key: k, route, .. } if k == key && *route == p.route)
        })
    };
    let mut received: BTreeMap<(usize, i64, &str), (u32, u32)> = BTreeMap::new();
    for p in &alerts {
        let Some((f, count, _)) = update_of(p.inv) else {
            continue;
        };
        let key = scenario.key(f);
        let mut ambiguous = p.effects.saturating_sub(u32::from(p.answered));
        if p.answered
            && p.effects > 0
            && (first_load_failed(p.inv, &key) || (write_failed(p.inv, &key) && !recorded(p, &key)))
        {
            ambiguous += 1;
        }
        let entry = received.entry((f, count, p.route.as_str())).or_default();
        entry.0 += p.effects;
        entry.1 += ambiguous;
    }
    for f in 0..scenario.findings.len() {
        if !scenario.alerted_elsewhere(f) {
            continue;
        }
        // The other region's enricher delivered its own finding once.
        for (c, routes) in scenario.decided[f].iter().enumerate() {
            for route in routes {
                received
                    .entry((f, c as i64 + 1, route.as_str()))
                    .or_default()
                    .0 += 1;
            }
        }
    }
    for ((f, count, route), (times, ambiguous)) in &received {
        verdict.check(2, *times <= 1 + ambiguous, || {
            let whose = if scenario.alerted_elsewhere(*f) {
                " (a finding of the stack's other region, delivered there once)"
            } else {
                ""
            };
            format!(
                "route `{route}` received F{f} count {count} {times} times{whose}, {ambiguous} of them ambiguous"
            )
        });
    }

    // 3. A copy never sends where the original would not.
    for p in &alerts {
        if let Some((f, count, Carrier::SecurityHub { .. })) = update_of(p.inv)
            && p.effects > 0
        {
            let decided = &scenario.decided[f][count as usize - 1];
            verdict.check(3, decided.contains(&p.route), || {
                format!(
                    "a Security Hub copy of F{f} count {count} reached route `{}`, not among {decided:?}",
                    p.route
                )
            });
        }
    }

    // 4. Every route told of a follow-up gets it, or its abandonment is counted in time.
    let ids = run.world.investigation_ids();
    let open_at_end: BTreeSet<String> = run
        .world
        .store
        .open()
        .into_iter()
        .map(|o| o.investigation_id)
        .collect();
    let mut unfollowed_by: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for id in &ids {
        // The text alert says a follow-up brings the verdict; the JSON one names the
        // investigation whose follow-up comes (chat cards do not speak of it).
        let promise = [
            format!("Detective investigation {id} started; a follow-up"),
            format!("\"investigation_id\":\"{id}\""),
        ];
        let told: BTreeSet<&str> = alerts
            .iter()
            .filter(|p| p.effects > 0 && promise.iter().any(|text| p.message.contains(text)))
            .map(|p| p.route.as_str())
            .collect();
        let followed: BTreeSet<&str> = followups
            .iter()
            .filter(|p| p.effects > 0 && p.message.contains(id.as_str()))
            .map(|p| p.route.as_str())
            .collect();
        let missed: Vec<&str> = told.difference(&followed).copied().collect();
        if missed.is_empty() {
            if !told.is_empty() {
                verdict.check(4, true, String::new);
            }
            continue;
        }
        let first_failure = facts
            .reports
            .iter()
            .filter(|(_, i, _, ok)| i == id && !ok)
            .map(|(_, _, at, _)| *at)
            .chain(
                followups
                    .iter()
                    .filter(|p| !p.answered && p.message.contains(id.as_str()))
                    .map(|p| p.started_ms),
            )
            .min();
        let started = facts
            .remembered
            .iter()
            .filter(|(i, _)| i == id)
            .map(|(_, at)| *at * 1000)
            .min();
        let allowed = [
            first_failure.map(|t| t + GIVE_UP_AFTER_MS),
            started.map(|t| t + scenario.state_ttl_s * 1000),
        ]
        .into_iter()
        .flatten()
        .min();
        let forgotten = facts.forgotten.iter().find(|(_, i, _)| i == id);
        match forgotten {
            Some((inv, _, at)) => {
                unfollowed_by.entry(*inv).or_default().insert(id.as_str());
                verdict.check(4, allowed.is_some_and(|t| *at >= t), || {
                    format!(
                        "investigation {id}: routes {missed:?} were told of a follow-up, and it was \
                         given up at {:.1} s, before the documented time ({})",
                        crate::lambda::since_start(*at),
                        allowed.map_or("none".into(), |t| format!(
                            "{:.1} s",
                            crate::lambda::since_start(t)
                        ))
                    )
                });
            }
            None if open_at_end.contains(id) => {
                // Still waiting when the world stopped: wrong only once it is overdue.
                verdict.check(4, allowed.is_none_or(|t| run.ended_ms < t), || {
                    format!(
                        "investigation {id}: routes {missed:?} were told of a follow-up; it was \
                         neither sent nor given up by the end"
                    )
                });
            }
            None => verdict.check(4, false, || {
                format!(
                    "investigation {id}: routes {missed:?} were told of a follow-up, and it was \
                     forgotten with neither the follow-up nor FollowUpsAbandoned"
                )
            }),
        }
    }
    for (inv, unfollowed) in &unfollowed_by {
        let counted = facts
            .metrics
            .get(inv)
            .map_or(0, |counts| total(counts, metric::FOLLOW_UPS_ABANDONED));
        verdict.check(4, unfollowed.len() as u64 <= counted, || {
            format!(
                "invocation #{inv} forgot {unfollowed:?} without their follow-ups and counted {counted} in FollowUpsAbandoned"
            )
        });
    }

    // 5. No publish starts after its claim's lease minus the margin.
    for p in &facts.publishes {
        let lease = facts
            .writes
            .iter()
            .filter(|(inv, at, _)| *inv == p.inv && *at <= p.started_ms)
            .filter_map(|(_, _, w)| match w {
                Write::Claim {
                    key, lease_until, ..
                } if !p.followup && key_of(p.inv).as_deref() == Some(key.as_str()) => {
                    Some(*lease_until)
                }
                Write::ClaimInvestigation { id, lease_until } if p.followup => {
                    p.message.contains(id.as_str()).then_some(*lease_until)
                }
                _ => None,
            })
            .next_back();
        if let Some(lease_until) = lease {
            let last_start = lease_until * 1000 - LEASE_MARGIN_MS;
            verdict.check(5, p.started_ms <= last_start, || {
                format!(
                    "invocation #{} started a publish to `{}` at {:.3} s, after its lease until {:.3} s less the margin",
                    p.inv,
                    p.route,
                    crate::lambda::since_start(p.started_ms),
                    crate::lambda::since_start(lease_until * 1000)
                )
            });
        }
    }

    // 6. An invocation that read its own claim never fails the event as in flight.
    for (inv, invocation) in run.invocations.iter().enumerate() {
        if let Ended::Failed(kind) = &invocation.ended
            && kind.contains("AlertInFlight")
        {
            let own: BTreeSet<&str> = facts
                .writes
                .iter()
                .filter_map(|(i, _, w)| match w {
                    Write::Claim { token, .. } if *i == inv => Some(token.as_str()),
                    _ => None,
                })
                .collect();
            let read_own = facts
                .store_calls
                .iter()
                .find(|c| c.inv == inv && c.token_read.as_deref().is_some_and(|t| own.contains(t)));
            verdict.check(6, read_own.is_none(), || {
                format!(
                    "invocation #{inv} read its own claim {} and failed the event as in flight",
                    read_own
                        .and_then(|c| c.token_read.as_deref())
                        .unwrap_or_default()
                )
            });
        }
    }

    // 7. Detective alone never costs an event its delivery.
    for work in &run.dead_letters {
        let Work::Event { event, delivery } = *work else {
            continue;
        };
        let attempts: Vec<_> = run.invocations.iter().filter(|i| i.work == *work).collect();
        let from = attempts.iter().map(|i| i.started_ms).min().unwrap_or(0);
        let to = attempts.iter().map(|i| i.ended_ms).max().unwrap_or(0);
        let other_trouble = facts
            .faults
            .iter()
            .any(|f| f.service != Service::Detective && (from..=to).contains(&f.at_ms));
        verdict.check(7, other_trouble, || {
            format!(
                "event E{event} (delivery {delivery}) ended in the dead-letter queue with nothing but Detective failing"
            )
        });
    }
    // 8. One incident, one kind, per finding update, on every route.
    let mut told: BTreeMap<(usize, i64), BTreeSet<(&str, &str)>> = BTreeMap::new();
    for publish in &alerts {
        let Some((finding, count, _)) = update_of(publish.inv) else {
            continue;
        };
        if publish.incident != watchpost_core::render::NO_INCIDENT {
            told.entry((finding, count))
                .or_default()
                .insert((&publish.incident, &publish.kind));
        }
    }
    for ((finding, count), ways) in &told {
        verdict.check(8, ways.len() <= 1, || {
            format!("finding F{finding} at count {count} was told as {ways:?}")
        });
    }
    verdict
}

/// A pipeline counter's total, read back from its EMF form.
fn total(counts: &watchpost_core::metrics::MetricCounts, metric: &str) -> u64 {
    counts
        .to_emf("sim", 0)
        .iter()
        .filter_map(|doc| doc.get(metric).and_then(serde_json::Value::as_u64))
        .sum()
}
