//! Detective: the behavior graph, its members, datasource packages, organization admin and
//! auto-enable.

use std::collections::BTreeMap;

use super::{FakeAccount, not_found};
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
        Ok(arn)
    }
    async fn delete_graph(&self, graph_arn: &str) -> PortResult<()> {
        let mut s = self.call("DeleteGraph");
        s.members.remove(graph_arn);
        s.graphs
            .remove(graph_arn)
            .map(|_| ())
            .ok_or_else(|| not_found("DeleteGraph", graph_arn))
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
        have.extend(tags.clone());
        Ok(())
    }
    async fn untag_graph(&self, graph_arn: &str, keys: &[String]) -> PortResult<()> {
        let mut s = self.call("UntagResource");
        let have = s
            .graphs
            .get_mut(graph_arn)
            .ok_or_else(|| not_found("UntagResource", graph_arn))?;
        for k in keys {
            have.remove(k);
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
        let members = s.members.entry(graph_arn.to_owned()).or_default();
        let mut unprocessed = Vec::new();
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
        for id in account_ids {
            members.remove(id);
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
        for p in packages {
            entry.insert(p.clone(), "STARTED".into());
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
        self.call("EnableOrganizationAdminAccount").org_admins = vec![account_id.to_owned()];
        Ok(())
    }
    async fn disable_organization_admin(&self) -> PortResult<()> {
        self.call("DisableOrganizationAdminAccount")
            .org_admins
            .clear();
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
        self.call("UpdateOrganizationConfiguration")
            .auto_enable
            .insert(graph_arn.to_owned(), auto_enable);
        Ok(())
    }
}
