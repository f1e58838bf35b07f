//! Amazon Detective's kinds: the behavior graph, a member account, the data source packages and
//! organization mode.

use serde::{Deserialize, Serialize};

use super::value::Tags;

/// A behavior graph's properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphSpec {
    pub tags: Tags,
}

/// A member account's properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSpec {
    pub email: String,
}

/// The optional data source packages enabled on the graph (of those the config names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasourcesSpec {
    pub enabled: Vec<String>,
}

/// Organization mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationSpec {
    pub admin_account_id: String,
    pub auto_enable: bool,
}
