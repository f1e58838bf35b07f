//! Detective: the behavior graph, its members, datasource packages, organization admin and
//! auto-enable.

use std::collections::BTreeMap;

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl DetectivePort for FakeAccount {
    async fn list_graphs(&self) -> PortResult<Vec<String>> {
        Ok(self.call("ListGraphs").graphs.keys().cloned().collect())
    }
    async fn create_graph(&self, tags: &Tags) -> PortResult<String> {
        let mut s = self.call("CreateGraph");
        if !s.graphs.is_empty() {
            return Err(PortError::AlreadyExists {
                call: "CreateGraph",
                code: "ConflictException".into(),
                message: "the account already has a graph".into(),
            });
        }
        s.next_id += 1;
        let arn = self.arn("detective", &format!("graph:{:032x}", s.next_id));
        s.graphs.insert(arn.clone(), tags.clone());
        s.made(Thing::Graph(arn.clone()));
        for key in tags.keys() {
            s.made(Thing::GraphTag(arn.clone(), key.clone()));
        }
        Ok(arn)
    }
    async fn delete_graph(&self, graph_arn: &str) -> PortResult<()> {
        let mut s = self.call("DeleteGraph");
        if !s.graphs.contains_key(graph_arn) {
            return Err(not_found("DeleteGraph", graph_arn));
        }
        // With the graph go its members, tags and settings.
        s.members.remove(graph_arn);
        s.graphs.remove(graph_arn);
        s.deleted(Thing::Graph(graph_arn.to_owned()));
        Ok(())
    }
    async fn graph_tags(&self, graph_arn: &str) -> PortResult<Tags> {
        let s = self.call("ListTagsForResource");
        s.graphs
            .get(graph_arn)
            .cloned()
            .ok_or_else(|| not_found("ListTagsForResource", graph_arn))
    }
    async fn tag_graph(&self, graph_arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let have = s
            .graphs
            .get_mut(graph_arn)
            .ok_or_else(|| not_found("TagResource", graph_arn))?;
        let before = have.clone();
        have.extend(tags.clone());
        for (key, value) in tags {
            let thing = Thing::GraphTag(graph_arn.to_owned(), key.clone());
            match before.get(key) {
                None => s.made(thing),
                Some(old) if old != value => s.changed(thing),
                Some(_) => {}
            }
        }
        Ok(())
    }
    async fn untag_graph(&self, graph_arn: &str, keys: &[String]) -> PortResult<()> {
        let mut s = self.call("UntagResource");
        let have = s
            .graphs
            .get_mut(graph_arn)
            .ok_or_else(|| not_found("UntagResource", graph_arn))?;
        if let Some(k) = keys.iter().find(|k| k.starts_with("aws:")) {
            return Err(PortError::Invalid {
                call: "UntagResource",
                code: "ValidationException".into(),
                message: format!("{k}: tags with the aws: prefix cannot be removed"),
            });
        }
        let gone: Vec<String> = keys
            .iter()
            .filter(|k| have.remove(*k).is_some())
            .cloned()
            .collect();
        for k in gone {
            s.deleted(Thing::GraphTag(graph_arn.to_owned(), k));
        }
        Ok(())
    }
    async fn list_members(&self, graph_arn: &str) -> PortResult<Vec<MemberState>> {
        let s = self.call("ListMembers");
        Ok(s.members
            .get(graph_arn)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default())
    }
    async fn create_members(
        &self,
        graph_arn: &str,
        invites: &[Invite],
        _message: Option<&str>,
        _disable_email_notification: bool,
    ) -> PortResult<Vec<Unprocessed>> {
        let mut s = self.call("CreateMembers");
        assert!(
            invites.len() <= crate::limits::CREATE_MEMBERS_MAX,
            "CreateMembers takes at most 50"
        );
        if !s.graphs.contains_key(graph_arn) {
            return Err(not_found("CreateMembers", graph_arn));
        }
        let members = s.members.entry(graph_arn.to_owned()).or_default();
        let mut unprocessed = Vec::new();
        let mut invited = Vec::new();
        for invite in invites {
            if members.contains_key(&invite.account_id) {
                unprocessed.push(Unprocessed {
                    account_id: invite.account_id.clone(),
                    reason: "already a member".into(),
                });
                continue;
            }
            members.insert(
                invite.account_id.clone(),
                MemberState {
                    account_id: invite.account_id.clone(),
                    email: invite.email.clone(),
                    status: "INVITED".into(),
                    invitation_type: InvitationType::Invitation,
                },
            );
            invited.push(invite.account_id.clone());
        }
        for account in invited {
            s.made(Thing::Member(graph_arn.to_owned(), account));
        }
        Ok(unprocessed)
    }
    async fn delete_members(
        &self,
        graph_arn: &str,
        account_ids: &[String],
    ) -> PortResult<Vec<Unprocessed>> {
        let mut s = self.call("DeleteMembers");
        let members = s.members.entry(graph_arn.to_owned()).or_default();
        let gone: Vec<String> = account_ids
            .iter()
            .filter(|id| members.remove(*id).is_some())
            .cloned()
            .collect();
        for account in gone {
            s.deleted(Thing::Member(graph_arn.to_owned(), account));
        }
        Ok(Vec::new())
    }
    async fn datasource_packages(&self, graph_arn: &str) -> PortResult<BTreeMap<String, String>> {
        let s = self.call("ListDatasourcePackages");
        let mut out = BTreeMap::from([("DETECTIVE_CORE".to_owned(), "STARTED".to_owned())]);
        out.extend(s.datasources.get(graph_arn).cloned().unwrap_or_default());
        Ok(out)
    }
    async fn enable_datasource_packages(
        &self,
        graph_arn: &str,
        packages: &[String],
    ) -> PortResult<()> {
        let mut s = self.call("UpdateDatasourcePackages");
        let entry = s.datasources.entry(graph_arn.to_owned()).or_default();
        let mut started = Vec::new();
        for p in packages {
            if entry.insert(p.clone(), "STARTED".into()).is_none() {
                started.push(p.clone());
            }
        }
        for p in started {
            s.made(Thing::Datasource(graph_arn.to_owned(), p));
        }
        Ok(())
    }
    async fn organization_admins(&self) -> PortResult<Vec<String>> {
        Ok(self
            .call("ListOrganizationAdminAccounts")
            .org_admins
            .clone())
    }
    async fn enable_organization_admin(&self, account_id: &str) -> PortResult<()> {
        let mut s = self.call("EnableOrganizationAdminAccount");
        if s.org_admins.iter().any(|a| a == account_id) {
            return Ok(());
        }
        for admin in std::mem::take(&mut s.org_admins) {
            s.deleted(Thing::OrganizationAdmin(admin));
        }
        s.org_admins = vec![account_id.to_owned()];
        s.made(Thing::OrganizationAdmin(account_id.to_owned()));
        Ok(())
    }
    async fn disable_organization_admin(&self) -> PortResult<()> {
        let mut s = self.call("DisableOrganizationAdminAccount");
        for admin in std::mem::take(&mut s.org_admins) {
            s.deleted(Thing::OrganizationAdmin(admin));
        }
        Ok(())
    }
    async fn auto_enable(&self, graph_arn: &str) -> PortResult<bool> {
        Ok(self
            .call("DescribeOrganizationConfiguration")
            .auto_enable
            .get(graph_arn)
            .copied()
            .unwrap_or(false))
    }
    async fn set_auto_enable(&self, graph_arn: &str, auto_enable: bool) -> PortResult<()> {
        let mut s = self.call("UpdateOrganizationConfiguration");
        if s.auto_enable.insert(graph_arn.to_owned(), auto_enable) != Some(auto_enable) {
            s.changed(Thing::AutoEnable(graph_arn.to_owned()));
        }
        Ok(())
    }
}
