//! A schedule's inputs, all drawn from its seed: the config (timeout, Detective budget, state
//! TTL, Security Hub), the findings and their updates, the events that carry them (GuardDuty's
//! original, Security Hub's copy, possibly poorer, and copies aggregated from another region,
//! of the stack or not), when EventBridge delivers each (duplicates and reordering included), how long
//! Detective takes, and when DynamoDB's TTL deletes what expired.

use std::collections::HashMap;

use serde_json::{Value, json};
use watchpost_core::Config;
use watchpost_core::event::parse_event_with;
use watchpost_core::finding::ParsedEvent;
use watchpost_core::pipeline::evaluate;

use crate::rng::Rng;

/// Where every schedule starts: 2026-03-02T09:00:00Z (Unix seconds), shortly after the
/// findings' own times.
pub const EPOCH: i64 = 1_772_442_000;
/// The enricher's region; findings of `OTHER_REGION` belong to the stack's other enricher when
/// the stack runs there too.
pub const REGION: &str = "us-east-1";
pub const OTHER_REGION: &str = "us-west-2";
pub const ACCOUNT: &str = "111122223333";
pub const SWEEP_EVERY_S: i64 = 300;

/// The routes every schedule's config has: one for everything, one for model invocation
/// only, one from HIGH up, one for findings not related to AI.
pub const ROUTES: [&str; 4] = ["pager", "chat", "machines", "soc"];

/// This region's Detective graph, as the environment says.
pub fn graph_arn() -> String {
    format!("arn:aws:detective:{REGION}:{ACCOUNT}:graph:0123456789abcdef0123456789abcdef")
}

/// The topic of a route in this region, as provisioning names it and the environment says.
pub fn topic_arn(route: &str) -> String {
    format!("arn:aws:sns:{REGION}:{ACCOUNT}:watchpost-{route}")
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bedrock model invocation, AI-related by the API it names (a Security Hub copy that loses
    /// the API loses that).
    ModelInvocation,
    /// Bedrock's invocation logging removed: AI-related by its type.
    ControlPlane,
    /// Nothing to do with AI.
    NotAi,
}

/// One finding and its updates.
#[derive(Debug, Clone)]
pub struct Finding {
    pub id: String,
    pub region: &'static str,
    pub kind: Kind,
    /// The IAM user it is about (shared by findings to make investigations reused).
    pub user: &'static str,
    /// Severity score of each update, rising; count `n` is `updates[n - 1]`.
    pub updates: Vec<f64>,
}

/// How an event carries its update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    GuardDuty,
    SecurityHub { lossy: bool },
}

/// One event: an update of a finding as one source sent it, and every time EventBridge
/// delivered it (at-least-once).
#[derive(Debug, Clone)]
pub struct Event {
    pub finding: usize,
    pub count: i64,
    pub carrier: Carrier,
    /// Delivery times, ms after the start.
    pub deliveries: Vec<i64>,
}

/// A schedule's inputs.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub seed: u64,
    pub timeout_s: u32,
    pub budget_ms: u64,
    pub state_ttl_s: i64,
    pub security_hub: bool,
    /// Whether the stack runs in `OTHER_REGION` too (an enricher of its own alerts its
    /// findings), or only here (its findings reach Watchpost as aggregated copies alone).
    pub other_region_in_stack: bool,
    pub toml: String,
    pub findings: Vec<Finding>,
    pub events: Vec<Event>,
    /// Detective's time to finish the n-th investigation started (seconds), `None`: never.
    pub investigation_delays: Vec<Option<i64>>,
    /// How long after expiring DynamoDB's TTL deletes an item.
    pub ttl_deletion_delay_s: i64,
    /// The sweep's schedule: the first run (ms after the start); EventBridge may deliver a run
    /// twice (`duplicate_sweeps` per mille).
    pub first_sweep_ms: i64,
    pub duplicate_sweeps: u32,
    /// The routes GuardDuty's original of each update is decided to, with no state before it
    /// (for a finding of a region outside the stack, which reaches here only as Security Hub's
    /// copy, the copy's): `decided[finding][count - 1]`.
    pub decided: Vec<Vec<Vec<String>>>,
}

impl Scenario {
    pub fn generate(seed: u64) -> Scenario {
        let mut rng = Rng::new(seed);
        let timeout_s = *rng.pick(&[10u32, 30, 30, 60, 300, 900]);
        // Budgets up to the timeout less 5 s: what `validate` once accepted (see `config`).
        let max_budget = u64::from(timeout_s) * 1000 - 5_000;
        let budget_ms = *rng.pick(&[300u64, 2_000, 2_000, 5_000, max_budget, max_budget]);
        let budget_ms = budget_ms.min(max_budget);
        let state_ttl_s = *rng.pick(&[3_600i64, 7_200, 30 * 86_400]);
        let security_hub = rng.chance(700);

        const USERS: [&str; 2] = ["svc-chat-frontend", "ml-pipeline"];
        let n = *rng.pick(&[1usize, 1, 2, 2, 3]);
        let mut findings = Vec::new();
        for _ in 0..n {
            let kind = *rng.pick(&[
                Kind::ModelInvocation,
                Kind::ModelInvocation,
                Kind::ControlPlane,
                Kind::NotAi,
            ]);
            let region = if security_hub && rng.chance(150) {
                OTHER_REGION
            } else {
                REGION
            };
            let updates = rising_scores(&mut rng);
            findings.push(Finding {
                id: format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64()),
                region,
                kind,
                user: USERS[rng.below(2) as usize],
                updates,
            });
        }

        let mut events = Vec::new();
        for (f, finding) in findings.iter().enumerate() {
            let mut at = rng.range(0, 120_000);
            for i in 0..finding.updates.len() {
                let count = i as i64 + 1;
                // GuardDuty publishes an update some minutes after the last.
                if i > 0 {
                    at += rng.range(0, 400_000);
                }
                let mut carriers = Vec::new();
                // A finding of the other region reaches this one only as an aggregated copy.
                if finding.region == REGION {
                    carriers.push(Carrier::GuardDuty);
                }
                if security_hub {
                    carriers.push(Carrier::SecurityHub {
                        lossy: rng.chance(500),
                    });
                }
                for carrier in carriers {
                    let first = at + rng.range(0, 90_000);
                    let mut deliveries = vec![first];
                    // At least once: now and then twice, soon or minutes later.
                    while deliveries.len() < 3 && rng.chance(250) {
                        let later = if rng.chance(800) {
                            rng.range(0, 20_000)
                        } else {
                            rng.range(20_000, 600_000)
                        };
                        deliveries.push(first + later);
                    }
                    events.push(Event {
                        finding: f,
                        count,
                        carrier,
                        deliveries,
                    });
                }
            }
        }

        let never = state_ttl_s <= 7_200;
        let investigation_delays = (0..8)
            .map(|_| {
                if never && rng.chance(200) {
                    None
                } else {
                    Some(rng.range(30, 2_400))
                }
            })
            .collect();
        let ttl_deletion_delay_s = *rng.pick(&[0i64, 60, 1_800, 86_400]);
        let first_sweep_ms = rng.range(0, SWEEP_EVERY_S * 1000 - 1);
        let duplicate_sweeps = *rng.pick(&[0u32, 0, 50, 200]);
        // Drawn last, so that every draw before it is what it was before it was drawn.
        let other_region_in_stack = rng.chance(700);
        if !other_region_in_stack {
            // Nothing but Security Hub's copies brings a finding of a region outside the stack:
            // they are all as poor as its first (no original comes to make up for a poorer
            // update overtaking a richer one).
            for (f, finding) in findings.iter().enumerate() {
                if finding.region == REGION {
                    continue;
                }
                let mut copies = events.iter_mut().filter(|e| e.finding == f);
                if let Some(first) = copies.next().map(|e| e.carrier) {
                    copies.for_each(|e| e.carrier = first);
                }
            }
        }
        let toml = config_toml(
            timeout_s,
            budget_ms,
            state_ttl_s,
            security_hub,
            other_region_in_stack,
        );

        Scenario {
            seed,
            timeout_s,
            budget_ms,
            state_ttl_s,
            security_hub,
            other_region_in_stack,
            toml,
            findings,
            events,
            investigation_delays,
            ttl_deletion_delay_s,
            first_sweep_ms,
            duplicate_sweeps,
            decided: Vec::new(),
        }
    }

    /// The schedule with what each update should reach worked out (the draws are
    /// [`Scenario::generate`]'s alone: a seed can be looked at without this).
    pub fn decided(mut self) -> Scenario {
        let config = config(&self.toml);
        let decided = (0..self.findings.len())
            .map(|f| {
                (1..=self.findings[f].updates.len() as i64)
                    .map(|count| {
                        let copy = self.decided_on_copy(f, count);
                        decided_routes(&self.findings[f], count, copy, &self.toml, &config)
                    })
                    .collect()
            })
            .collect();
        self.decided = decided;
        self
    }

    /// Whether an update is decided on Security Hub's copy of it (`Some(lossy)`: a finding of
    /// a region outside the stack, which only that copy brings here) rather than GuardDuty's
    /// original (`None`).
    fn decided_on_copy(&self, f: usize, count: i64) -> Option<bool> {
        if self.findings[f].region == REGION || self.other_region_in_stack {
            return None;
        }
        self.events.iter().find_map(|e| match e.carrier {
            Carrier::SecurityHub { lossy } if e.finding == f && e.count == count => Some(lossy),
            Carrier::SecurityHub { .. } | Carrier::GuardDuty => None,
        })
    }

    /// The event as EventBridge delivers it.
    pub fn event_json(&self, event: usize) -> Value {
        let e = &self.events[event];
        let finding = &self.findings[e.finding];
        let score = finding.updates[e.count as usize - 1];
        match e.carrier {
            Carrier::GuardDuty => guardduty_event(finding, e.count, score),
            Carrier::SecurityHub { lossy } => security_hub_event(finding, e.count, score, lossy),
        }
    }

    /// How many times EventBridge delivers an event in this schedule.
    pub fn deliveries(&self) -> usize {
        self.events.iter().map(|e| e.deliveries.len()).sum()
    }

    /// When an investigation started at `now_ms` finishes (Unix ms), by its number.
    pub fn investigation_finish(&self, id: &str, now_ms: i64) -> Option<i64> {
        let n: usize = id.parse().unwrap_or(0);
        let delays = &self.investigation_delays;
        delays[n % delays.len()].map(|s| now_ms + s * 1000)
    }

    /// The routes an update should reach here: none for a finding of the stack's other region,
    /// whose own enricher alerts it.
    pub fn expected(&self, finding: usize, count: i64) -> &[String] {
        if self.alerted_elsewhere(finding) {
            &[]
        } else {
            &self.decided[finding][count as usize - 1]
        }
    }

    /// Whether a finding is the stack's other enricher's to alert (and it did, once).
    pub fn alerted_elsewhere(&self, finding: usize) -> bool {
        self.findings[finding].region != REGION && self.other_region_in_stack
    }

    /// The alert key of a finding.
    pub fn key(&self, finding: usize) -> String {
        let f = &self.findings[finding];
        format!("{ACCOUNT}/{}/{}", f.region, f.id)
    }

    pub fn describe(&self) -> String {
        let mut lines = vec![format!(
            "seed {}: timeout {} s, Detective budget {} ms, state TTL {} s, Security Hub {}, \
             {OTHER_REGION} {} the stack, TTL deletes {} s after expiry, first sweep at {:.3} s",
            self.seed,
            self.timeout_s,
            self.budget_ms,
            self.state_ttl_s,
            if self.security_hub { "on" } else { "off" },
            if self.other_region_in_stack {
                "in"
            } else {
                "outside"
            },
            self.ttl_deletion_delay_s,
            self.first_sweep_ms as f64 / 1000.0,
        )];
        for (i, f) in self.findings.iter().enumerate() {
            lines.push(format!(
                "  finding F{i} {:?} in {} on user {}, scores {:?}, decided to {:?}",
                f.kind, f.region, f.user, f.updates, self.decided[i]
            ));
        }
        for (i, e) in self.events.iter().enumerate() {
            lines.push(format!(
                "  event E{i}: F{} count {} by {:?}, delivered at {:?} ms",
                e.finding, e.count, e.carrier, e.deliveries
            ));
        }
        lines.join("\n")
    }
}

/// One to three updates, each in a higher band than the last (so each alerts again).
fn rising_scores(rng: &mut Rng) -> Vec<f64> {
    let bands = [2.0, 5.0, 7.5, 9.0];
    let n = *rng.pick(&[1usize, 1, 2, 2, 3]);
    let mut chosen: Vec<usize> = (0..bands.len()).collect();
    // A partial Fisher-Yates shuffle picks `n` distinct bands.
    for i in 0..n {
        let j = i + rng.below((bands.len() - i) as u64) as usize;
        chosen.swap(i, j);
    }
    let mut picked: Vec<usize> = chosen[..n].to_vec();
    picked.sort_unstable();
    picked.into_iter().map(|i| bands[i]).collect()
}

fn config_toml(
    timeout_s: u32,
    budget_ms: u64,
    state_ttl_s: i64,
    security_hub: bool,
    other_region_in_stack: bool,
) -> String {
    let regions = if other_region_in_stack {
        format!(r#""{REGION}", "{OTHER_REGION}""#)
    } else {
        format!(r#""{REGION}""#)
    };
    format!(
        r#"[watchpost]
stack = "watchpost"
regions = [{regions}]
security_hub = {security_hub}

[[routes]]
name = "pager"
format = "text"

[[routes]]
name = "chat"
format = "chat"
components = ["model-invocation"]

[[routes]]
name = "machines"
format = "json"
min_severity = "HIGH"

[[routes]]
name = "soc"
format = "text"
components = ["none"]

[detective]
budget_ms = {budget_ms}

[enricher]
timeout_s = {timeout_s}
state_ttl = "{state_ttl_s}s"
"#
    )
}

/// A config, parsed once per thread for each text (a schedule's config is one of a few).
///
/// Detective budgets are drawn up to the timeout less 5 s, which `validate` once accepted and
/// now refuses where they do not fit in the claim's lease: such a config is read with
/// Detective's budget at zero, then given the one drawn, for the handler's own limit to keep
/// Detective inside the lease should a config reach it unchecked.
pub fn config(toml: &str) -> Config {
    thread_local! {
        static PARSED: std::cell::RefCell<HashMap<String, Config>> = Default::default();
    }
    PARSED.with(|parsed| {
        parsed
            .borrow_mut()
            .entry(toml.to_owned())
            .or_insert_with(|| match Config::from_toml(toml, "sim.toml") {
                Ok(config) => config,
                Err(_) => {
                    let drawn: u64 = toml
                        .lines()
                        .find_map(|l| l.strip_prefix("budget_ms = "))
                        .and_then(|n| n.parse().ok())
                        .expect("a budget");
                    let fitting = toml.replace(&format!("budget_ms = {drawn}"), "budget_ms = 0");
                    let mut config =
                        Config::from_toml(&fitting, "sim.toml").expect("the simulation's config");
                    config.detective.budget_ms = drawn;
                    config
                }
            })
            .clone()
    })
}

/// The routes the enricher decides for GuardDuty's original of an update with no state before
/// it, or for Security Hub's copy of it (`copy`: whether the copy is the poorer kind). The same
/// for every finding of a kind and score under one config: kept per thread.
fn decided_routes(
    finding: &Finding,
    count: i64,
    copy: Option<bool>,
    toml: &str,
    config: &Config,
) -> Vec<String> {
    /// A decision's inputs: the config's text, the finding's kind, its score, and the copy.
    type Memo = (String, u8, u64, Option<bool>);
    thread_local! {
        static DECIDED: std::cell::RefCell<HashMap<Memo, Vec<String>>> = Default::default();
    }
    let score = finding.updates[count as usize - 1];
    let memo = (toml.to_owned(), finding.kind as u8, score.to_bits(), copy);
    if let Some(routes) = DECIDED.with(|d| d.borrow().get(&memo).cloned()) {
        return routes;
    }
    let event = match copy {
        None => guardduty_event(finding, count, score),
        Some(lossy) => security_hub_event(finding, count, score, lossy),
    };
    let ParsedEvent::Findings { mut findings, .. } = parse_event_with(event, config) else {
        panic!("the simulation's event does not parse");
    };
    let evaluation = evaluate(findings.remove(0), config, None, EPOCH);
    let routes = if evaluation.is_alert() {
        evaluation.decision.routes
    } else {
        Vec::new()
    };
    DECIDED.with(|d| d.borrow_mut().insert(memo, routes.clone()));
    routes
}

fn what(kind: Kind) -> (&'static str, &'static str, &'static str) {
    match kind {
        Kind::ModelInvocation => (
            "Impact:IAMUser/AnomalousBehavior",
            "InvokeModel",
            "bedrock.amazonaws.com",
        ),
        Kind::ControlPlane => (
            "DefenseEvasion:IAMUser/BedrockLoggingDisabled",
            "DeleteModelInvocationLoggingConfiguration",
            "bedrock.amazonaws.com",
        ),
        Kind::NotAi => (
            "Recon:IAMUser/MaliciousIPCaller",
            "DescribeInstances",
            "ec2.amazonaws.com",
        ),
    }
}

fn updated_at(count: i64) -> String {
    format!("2026-03-02T08:{:02}:09.512Z", 10 + count)
}

/// GuardDuty's own event for an update.
pub fn guardduty_event(finding: &Finding, count: i64, score: f64) -> Value {
    let (kind, api, service) = what(finding.kind);
    let region = finding.region;
    json!({
        "version": "0",
        "id": format!("gd-{}-{count}", finding.id),
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": ACCOUNT,
        "time": "2026-03-02T08:20:11Z",
        "region": region,
        "resources": [],
        "detail": {
            "schemaVersion": "2.0",
            "accountId": ACCOUNT,
            "region": region,
            "partition": "aws",
            "id": finding.id,
            "arn": format!("arn:aws:guardduty:{region}:{ACCOUNT}:detector/d0/finding/{}", finding.id),
            "type": kind,
            "resource": {
                "resourceType": "AccessKey",
                "accessKeyDetails": {
                    "accessKeyId": "ASIA4EXAMPLEKEY7Q2ZP",
                    "principalId": "AIDA4EXAMPLEUSER3XYZ",
                    "userName": finding.user,
                    "userType": "IAMUser"
                }
            },
            "service": {
                "action": {
                    "actionType": "AWS_API_CALL",
                    "awsApiCallAction": {
                        "api": api,
                        "serviceName": service,
                        "callerType": "Remote IP"
                    }
                },
                "count": count,
                "serviceName": "guardduty",
                "detectorId": "d0",
                "archived": false,
                "eventFirstSeen": "2026-03-02T07:58:41.000Z",
                "eventLastSeen": "2026-03-02T08:09:12.000Z"
            },
            "severity": score,
            "createdAt": "2026-03-02T08:10:09.512Z",
            "updatedAt": updated_at(count),
            "title": "Simulated finding.",
            "description": "A finding of the delivery simulation."
        }
    })
}

/// Security Hub's copy of an update, in ASFF, as delivered in this region (a finding of the
/// other region is an aggregated copy). A poorer copy has lost the API it named.
pub fn security_hub_event(finding: &Finding, count: i64, score: f64, lossy: bool) -> Value {
    let (kind, api, service) = what(finding.kind);
    let region = finding.region;
    let mut fields = json!({ "aws/guardduty/service/count": count.to_string() });
    if !lossy {
        fields["aws/guardduty/service/action/actionType"] = json!("AWS_API_CALL");
        fields["aws/guardduty/service/action/awsApiCallAction/api"] = json!(api);
        fields["aws/guardduty/service/action/awsApiCallAction/serviceName"] = json!(service);
    }
    let types = format!("TTPs/{}", kind.replace('/', "-"));
    json!({
        "version": "0",
        "id": format!("sh-{}-{count}", finding.id),
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "account": ACCOUNT,
        "time": "2026-03-02T08:20:40Z",
        "region": REGION,
        "resources": [],
        "detail": { "findings": [{
            "SchemaVersion": "2018-10-08",
            "Id": format!("arn:aws:guardduty:{region}:{ACCOUNT}:detector/d0/finding/{}", finding.id),
            "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/guardduty"),
            "GeneratorId": kind,
            "AwsAccountId": ACCOUNT,
            "Region": region,
            "Types": [types],
            "CreatedAt": "2026-03-02T08:10:09.512Z",
            "UpdatedAt": updated_at(count),
            "Severity": { "Product": score },
            "Title": "Simulated finding.",
            "Description": "A finding of the delivery simulation.",
            "ProductFields": fields,
            "Resources": [{
                "Type": "AwsIamAccessKey",
                "Id": "AWS::IAM::AccessKey:ASIA4EXAMPLEKEY7Q2ZP",
                "Region": region,
                "Details": { "AwsIamAccessKey": { "PrincipalName": finding.user } }
            }]
        }]}
    })
}
