//! Amazon Detective: the behavior graph, its members, data sources and organization mode.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_detective::Client;
use aws_sdk_detective::types::{Account, DatasourcePackage};

use super::sdk_err;
use crate::ports::*;
use crate::spec::*;

#[derive(Debug, Clone)]
pub struct DetectiveAdapter {
    client: Client,
}

impl DetectiveAdapter {
    pub fn new(config: &SdkConfig) -> DetectiveAdapter {
        DetectiveAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> DetectiveAdapter {
        DetectiveAdapter { client }
    }
}

fn unprocessed(list: &[aws_sdk_detective::types::UnprocessedAccount]) -> Vec<Unprocessed> {
    list.iter()
        .map(|u| Unprocessed {
            account_id: u.account_id().unwrap_or_default().to_owned(),
            reason: u.reason().unwrap_or("no reason given").to_owned(),
        })
        .collect()
}

impl DetectivePort for DetectiveAdapter {
    async fn list_graphs(&self) -> PortResult<Vec<String>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_graphs()
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("ListGraphs"))?;
            out.extend(
                page.graph_list()
                    .iter()
                    .filter_map(|g| g.arn().map(str::to_owned)),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn create_graph(&self, tags: &Tags) -> PortResult<String> {
        let out = self
            .client
            .create_graph()
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(sdk_err!("CreateGraph"))?;
        Ok(out.graph_arn().unwrap_or_default().to_owned())
    }

    async fn delete_graph(&self, graph_arn: &str) -> PortResult<()> {
        self.client
            .delete_graph()
            .graph_arn(graph_arn)
            .send()
            .await
            .map_err(sdk_err!("DeleteGraph"))?;
        Ok(())
    }

    async fn graph_tags(&self, graph_arn: &str) -> PortResult<Tags> {
        let out = self
            .client
            .list_tags_for_resource()
            .resource_arn(graph_arn)
            .send()
            .await
            .map_err(sdk_err!("ListTagsForResource"))?;
        Ok(out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    async fn tag_graph(&self, graph_arn: &str, tags: &Tags) -> PortResult<()> {
        self.client
            .tag_resource()
            .resource_arn(graph_arn)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(sdk_err!("TagResource"))?;
        Ok(())
    }

    async fn untag_graph(&self, graph_arn: &str, keys: &[String]) -> PortResult<()> {
        self.client
            .untag_resource()
            .resource_arn(graph_arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(sdk_err!("UntagResource"))?;
        Ok(())
    }

    async fn list_members(&self, graph_arn: &str) -> PortResult<Vec<MemberState>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_members()
                .graph_arn(graph_arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("ListMembers"))?;
            out.extend(page.member_details().iter().map(|m| {
                MemberState {
                    account_id: m.account_id().unwrap_or_default().to_owned(),
                    email: m.email_address().unwrap_or_default().to_owned(),
                    status: m
                        .status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    invitation_type: m.invitation_type().map_or(InvitationType::Invitation, |t| {
                        InvitationType::from(t.as_str())
                    }),
                }
            }));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn create_members(
        &self,
        graph_arn: &str,
        invites: &[Invite],
        message: Option<&str>,
        disable_email_notification: bool,
    ) -> PortResult<Vec<Unprocessed>> {
        let accounts = invites
            .iter()
            .map(|i| {
                Account::builder()
                    .account_id(&i.account_id)
                    .email_address(&i.email)
                    .build()
                    .map_err(|e| PortError::Invalid {
                        call: "CreateMembers",
                        code: "BuildError".into(),
                        message: e.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = self
            .client
            .create_members()
            .graph_arn(graph_arn)
            .set_accounts(Some(accounts))
            .set_message(message.map(str::to_owned))
            .disable_email_notification(disable_email_notification)
            .send()
            .await
            .map_err(sdk_err!("CreateMembers"))?;
        Ok(unprocessed(out.unprocessed_accounts()))
    }

    async fn delete_members(
        &self,
        graph_arn: &str,
        account_ids: &[String],
    ) -> PortResult<Vec<Unprocessed>> {
        let out = self
            .client
            .delete_members()
            .graph_arn(graph_arn)
            .set_account_ids(Some(account_ids.to_vec()))
            .send()
            .await
            .map_err(sdk_err!("DeleteMembers"))?;
        Ok(unprocessed(out.unprocessed_accounts()))
    }

    async fn datasource_packages(&self, graph_arn: &str) -> PortResult<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_datasource_packages()
                .graph_arn(graph_arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("ListDatasourcePackages"))?;
            if let Some(packages) = page.datasource_packages() {
                for (package, detail) in packages {
                    let state = detail
                        .datasource_package_ingest_state()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default();
                    out.insert(package.as_str().to_owned(), state);
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn enable_datasource_packages(
        &self,
        graph_arn: &str,
        packages: &[String],
    ) -> PortResult<()> {
        self.client
            .update_datasource_packages()
            .graph_arn(graph_arn)
            .set_datasource_packages(Some(
                packages
                    .iter()
                    .map(|p| DatasourcePackage::from(p.as_str()))
                    .collect(),
            ))
            .send()
            .await
            .map_err(sdk_err!("UpdateDatasourcePackages"))?;
        Ok(())
    }

    async fn organization_admins(&self) -> PortResult<Vec<String>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_organization_admin_accounts()
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("ListOrganizationAdminAccounts"))?;
            out.extend(
                page.administrators()
                    .iter()
                    .filter_map(|a| a.account_id().map(str::to_owned)),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn enable_organization_admin(&self, account_id: &str) -> PortResult<()> {
        self.client
            .enable_organization_admin_account()
            .account_id(account_id)
            .send()
            .await
            .map_err(sdk_err!("EnableOrganizationAdminAccount"))?;
        Ok(())
    }

    async fn disable_organization_admin(&self) -> PortResult<()> {
        self.client
            .disable_organization_admin_account()
            .send()
            .await
            .map_err(sdk_err!("DisableOrganizationAdminAccount"))?;
        Ok(())
    }

    async fn auto_enable(&self, graph_arn: &str) -> PortResult<bool> {
        let out = self
            .client
            .describe_organization_configuration()
            .graph_arn(graph_arn)
            .send()
            .await
            .map_err(sdk_err!("DescribeOrganizationConfiguration"))?;
        Ok(out.auto_enable())
    }

    async fn set_auto_enable(&self, graph_arn: &str, auto_enable: bool) -> PortResult<()> {
        self.client
            .update_organization_configuration()
            .graph_arn(graph_arn)
            .auto_enable(auto_enable)
            .send()
            .await
            .map_err(sdk_err!("UpdateOrganizationConfiguration"))?;
        Ok(())
    }
}
