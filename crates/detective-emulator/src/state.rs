//! The emulator's in-memory world: behavior graphs (with their members, tags, data source
//! packages, investigations) and organization admin designations. One store serves every
//! account and region, so a member account sees invitations from another account's graph.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use time::OffsetDateTime;

use crate::errors::{ApiError, ApiResult};
use crate::identity::Caller;

/// A member account's place in a graph (the model's `MemberStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    Invited,
    Enabled,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Invited => "INVITED",
            MemberStatus::Enabled => "ENABLED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    pub account: String,
    pub email: String,
    pub status: MemberStatus,
    /// Enabled by the organization's administrator (InvitationType ORGANIZATION), not invited.
    pub organization: bool,
    pub invited: OffsetDateTime,
    pub updated: OffsetDateTime,
}

/// A data source package's ingest state and when each state began.
#[derive(Debug, Clone)]
pub struct Datasource {
    pub state: &'static str,
    pub changes: BTreeMap<&'static str, OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct Investigation {
    pub id: String,
    pub entity_arn: String,
    pub entity_type: &'static str,
    pub created: OffsetDateTime,
    pub scope_start: OffsetDateTime,
    pub scope_end: OffsetDateTime,
    /// Investigations are RUNNING until this instant, SUCCESSFUL after it.
    pub completes_at: OffsetDateTime,
    pub state: &'static str,
}

impl Investigation {
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        if now >= self.completes_at {
            "SUCCESSFUL"
        } else {
            "RUNNING"
        }
    }
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub arn: String,
    pub account: String,
    pub region: String,
    pub created: OffsetDateTime,
    pub tags: BTreeMap<String, String>,
    pub members: BTreeMap<String, Member>,
    pub datasources: BTreeMap<&'static str, Datasource>,
    pub investigations: BTreeMap<String, Investigation>,
    pub auto_enable: bool,
}

/// An organization's Detective administrator in one region.
#[derive(Debug, Clone)]
pub struct OrgAdmin {
    pub account: String,
    pub graph_arn: String,
    pub delegated: OffsetDateTime,
}

/// Everything the emulator knows.
#[derive(Debug, Default)]
pub struct Store {
    pub graphs: BTreeMap<String, Graph>,
    /// (management account, region) → the administrator it designated.
    pub org_admins: BTreeMap<(String, String), OrgAdmin>,
    /// Feeds the deterministic ids (graph ARNs, investigation ids).
    pub sequence: u64,
    /// How long investigations stay RUNNING.
    pub investigation_delay: Duration,
    /// The accounts of the organization ([`crate::server::Config::organization_accounts`]).
    pub organization_accounts: BTreeSet<String>,
}

/// FNV-1a, 64-bit: a stable hash (std's hasher may change between Rust releases, and ids and
/// indicators must not).
pub fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The ARN partition of a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

impl Store {
    pub fn new(investigation_delay: Duration, organization_accounts: BTreeSet<String>) -> Store {
        Store {
            investigation_delay,
            organization_accounts,
            ..Store::default()
        }
    }

    /// Whether `graph_arn` is an organization's graph (its account the designated administrator).
    pub fn is_organization_graph(&self, graph_arn: &str) -> bool {
        self.org_admins.values().any(|a| a.graph_arn == graph_arn)
    }

    fn next(&mut self) -> String {
        self.sequence += 1;
        self.sequence.to_string()
    }

    /// The graph `account` administers in `region`, if any.
    pub fn graph_of(&self, account: &str, region: &str) -> Option<&Graph> {
        self.graphs
            .values()
            .find(|g| g.account == account && g.region == region)
    }

    /// Creates the caller's graph, or returns the one it already has (CreateGraph's documented
    /// behaviour: the same administrator always gets the same graph ARN).
    pub fn ensure_graph(
        &mut self,
        account: &str,
        region: &str,
        now: OffsetDateTime,
    ) -> (String, bool) {
        if let Some(g) = self.graph_of(account, region) {
            return (g.arn.clone(), false);
        }
        let seq = self.next();
        let hex = format!(
            "{:016x}{:016x}",
            fnv1a(&[account, region, &seq]),
            fnv1a(&[&seq, region, account])
        );
        let arn = format!(
            "arn:{}:detective:{region}:{account}:graph:{hex}",
            partition(region)
        );
        // New graphs ingest the core package and EKS audit logs by default; Security Hub
        // findings are opt-in through UpdateDatasourcePackages.
        let datasources = ["DETECTIVE_CORE", "EKS_AUDIT"]
            .into_iter()
            .map(|p| {
                (
                    p,
                    Datasource {
                        state: "STARTED",
                        changes: BTreeMap::from([("STARTED", now)]),
                    },
                )
            })
            .collect();
        let graph = Graph {
            arn: arn.clone(),
            account: account.to_string(),
            region: region.to_string(),
            created: now,
            tags: BTreeMap::new(),
            members: BTreeMap::new(),
            datasources,
            investigations: BTreeMap::new(),
            auto_enable: false,
        };
        self.graphs.insert(arn.clone(), graph);
        (arn, true)
    }

    /// The graph with this ARN, which must exist (ResourceNotFoundException otherwise).
    pub fn graph(&self, arn: &str) -> ApiResult<&Graph> {
        self.graphs.get(arn).ok_or_else(|| {
            ApiError::not_found(format!(
                "The request refers to a nonexistent resource: {arn}"
            ))
        })
    }

    /// The graph with this ARN, for an operation only its administrator may call.
    pub fn admin_graph(&self, caller: &Caller, arn: &str) -> ApiResult<&Graph> {
        let graph = self.graph(arn)?;
        if graph.account != caller.account || graph.region != caller.region {
            return Err(ApiError::access_denied(format!(
                "Account {} is not the administrator account of behavior graph {arn}",
                caller.account
            )));
        }
        Ok(graph)
    }

    pub fn admin_graph_mut(&mut self, caller: &Caller, arn: &str) -> ApiResult<&mut Graph> {
        self.admin_graph(caller, arn)?;
        Ok(self.graphs.get_mut(arn).expect("checked above"))
    }

    /// A fresh 21-digit investigation id, unique within the graph.
    pub fn new_investigation_id(&mut self, graph_arn: &str) -> String {
        loop {
            let seq = self.next();
            let id = format!(
                "{:021}",
                fnv1a(&[graph_arn, &seq]) % 10_000_000_000_000_000_000
            );
            let taken = self
                .graphs
                .get(graph_arn)
                .is_some_and(|g| g.investigations.contains_key(&id));
            if !taken {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_creation_is_idempotent_per_account_and_region() {
        let mut s = Store::default();
        let now = OffsetDateTime::now_utc();
        let (a, created) = s.ensure_graph("111122223333", "us-east-1", now);
        assert!(created);
        assert_eq!(
            s.ensure_graph("111122223333", "us-east-1", now),
            (a.clone(), false)
        );
        let (b, _) = s.ensure_graph("111122223333", "eu-west-1", now);
        assert_ne!(a, b);
        crate::validate::graph_arn(&a).unwrap();
        assert!(
            s.ensure_graph("111122223333", "cn-north-1", now)
                .0
                .starts_with("arn:aws-cn:")
        );
    }

    #[test]
    fn investigation_ids_have_twenty_one_digits() {
        let mut s = Store::default();
        let id = s.new_investigation_id("g");
        crate::validate::investigation_id(&id).unwrap();
        assert_ne!(id, s.new_investigation_id("g"));
    }
}
