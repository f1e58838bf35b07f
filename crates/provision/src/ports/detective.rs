//! Amazon Detective: the behavior graph, its members, data source packages and organization
//! mode.

use std::collections::BTreeMap;

use super::common::PortResult;
use crate::spec::Tags;
use crate::spec::value::closed_set;

closed_set! {
    /// How an account became a member (Detective API reference, MemberDetail: InvitationType).
    InvitationType {
        /// Invited by the administrator account.
        Invitation = "INVITATION",
        /// Enabled through the organization (by its administrator, e.g. by auto-enable).
        Organization = "ORGANIZATION",
    }
}

/// A member as Detective lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    pub account_id: String,
    pub email: String,
    pub status: String,
    pub invitation_type: InvitationType,
}

/// An invitation to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub account_id: String,
    pub email: String,
}

/// An account a batch call could not process, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprocessed {
    pub account_id: String,
    pub reason: String,
}

pub trait DetectivePort {
    /// The graphs this account administers in the region (at most one in practice).
    async fn list_graphs(&self) -> PortResult<Vec<String>>;
    async fn create_graph(&self, tags: &Tags) -> PortResult<String>;
    async fn delete_graph(&self, graph_arn: &str) -> PortResult<()>;
    async fn graph_tags(&self, graph_arn: &str) -> PortResult<Tags>;
    async fn tag_graph(&self, graph_arn: &str, tags: &Tags) -> PortResult<()>;
    async fn untag_graph(&self, graph_arn: &str, keys: &[String]) -> PortResult<()>;
    async fn list_members(&self, graph_arn: &str) -> PortResult<Vec<MemberState>>;
    /// At most [`crate::limits::CREATE_MEMBERS_MAX`] invites.
    async fn create_members(
        &self,
        graph_arn: &str,
        invites: &[Invite],
        message: Option<&str>,
        disable_email_notification: bool,
    ) -> PortResult<Vec<Unprocessed>>;
    /// At most [`crate::limits::DELETE_MEMBERS_MAX`] accounts.
    async fn delete_members(
        &self,
        graph_arn: &str,
        account_ids: &[String],
    ) -> PortResult<Vec<Unprocessed>>;
    /// Data source package → ingest state (`STARTED`, `STOPPED`, `DISABLED`).
    async fn datasource_packages(&self, graph_arn: &str) -> PortResult<BTreeMap<String, String>>;
    async fn enable_datasource_packages(
        &self,
        graph_arn: &str,
        packages: &[String],
    ) -> PortResult<()>;
    /// The organization's delegated administrator accounts.
    async fn organization_admins(&self) -> PortResult<Vec<String>>;
    async fn enable_organization_admin(&self, account_id: &str) -> PortResult<()>;
    async fn disable_organization_admin(&self) -> PortResult<()>;
    async fn auto_enable(&self, graph_arn: &str) -> PortResult<bool>;
    async fn set_auto_enable(&self, graph_arn: &str, auto_enable: bool) -> PortResult<()>;
}
