//! AWS IAM: the enricher's execution role and its inline policy.

use aws_config::SdkConfig;
use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;
use serde_json::Value;

use super::{absent_if_not_found, build_err, json_document, sdk_err};
use crate::ports::*;
use crate::spec::*;

#[derive(Debug, Clone)]
pub struct IamAdapter {
    client: Client,
}

impl IamAdapter {
    pub fn new(config: &SdkConfig) -> IamAdapter {
        IamAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> IamAdapter {
        IamAdapter { client }
    }
}

fn tags(call: &'static str, tags: &Tags) -> PortResult<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_err(call))
        })
        .collect()
}

impl IamPort for IamAdapter {
    async fn role(&self, name: &str) -> PortResult<Option<Found<RoleSpec>>> {
        let got = absent_if_not_found(
            self.client
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(sdk_err!("GetRole")),
        )?;
        let Some(role) = got.and_then(|out| out.role) else {
            return Ok(None);
        };
        let listed = self
            .client
            .list_role_tags()
            .role_name(name)
            .send()
            .await
            .map_err(sdk_err!("ListRoleTags"))?;
        let mut managed_policies = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .client
                .list_attached_role_policies()
                .role_name(name)
                .set_marker(marker)
                .send()
                .await
                .map_err(sdk_err!("ListAttachedRolePolicies"))?;
            managed_policies.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned)),
            );
            marker = page.marker().map(str::to_owned);
            if !page.is_truncated() || marker.is_none() {
                break;
            }
        }
        managed_policies.sort();
        let spec = RoleSpec {
            managed_policies,
            description: role.description().unwrap_or_default().to_owned(),
            trust_policy: role
                .assume_role_policy_document()
                .map(json_document)
                .map_or(PolicyDocument::new(Value::Null), PolicyDocument::new),
            tags: listed
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        };
        Ok(Some(Found::new(role.arn(), spec)))
    }

    async fn create_role(&self, name: &str, spec: &RoleSpec) -> PortResult<String> {
        let out = self
            .client
            .create_role()
            .role_name(name)
            .description(&spec.description)
            .assume_role_policy_document(spec.trust_policy.to_string())
            .set_tags(Some(tags("CreateRole", &spec.tags)?))
            .send()
            .await
            .map_err(sdk_err!("CreateRole"))?;
        Ok(out.role().map(|r| r.arn().to_owned()).unwrap_or_default())
    }

    async fn update_trust_policy(&self, name: &str, policy: &PolicyDocument) -> PortResult<()> {
        self.client
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(policy.to_string())
            .send()
            .await
            .map_err(sdk_err!("UpdateAssumeRolePolicy"))?;
        Ok(())
    }

    async fn update_description(&self, name: &str, description: &str) -> PortResult<()> {
        self.client
            .update_role()
            .role_name(name)
            .description(description)
            .send()
            .await
            .map_err(sdk_err!("UpdateRole"))?;
        Ok(())
    }

    async fn tag_role(&self, name: &str, tags_: &Tags) -> PortResult<()> {
        self.client
            .tag_role()
            .role_name(name)
            .set_tags(Some(tags("TagRole", tags_)?))
            .send()
            .await
            .map_err(sdk_err!("TagRole"))?;
        Ok(())
    }

    async fn delete_role(&self, name: &str) -> PortResult<()> {
        self.client
            .delete_role()
            .role_name(name)
            .send()
            .await
            .map_err(sdk_err!("DeleteRole"))?;
        Ok(())
    }

    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> PortResult<()> {
        self.client
            .detach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(sdk_err!("DetachRolePolicy"))?;
        Ok(())
    }

    async fn role_policy(
        &self,
        role: &str,
        policy_name: &str,
    ) -> PortResult<Option<PolicyDocument>> {
        let got = absent_if_not_found(
            self.client
                .get_role_policy()
                .role_name(role)
                .policy_name(policy_name)
                .send()
                .await
                .map_err(sdk_err!("GetRolePolicy")),
        )?;
        Ok(got.map(|out| PolicyDocument::new(json_document(out.policy_document()))))
    }

    async fn put_role_policy(
        &self,
        role: &str,
        policy_name: &str,
        policy: &PolicyDocument,
    ) -> PortResult<()> {
        self.client
            .put_role_policy()
            .role_name(role)
            .policy_name(policy_name)
            .policy_document(policy.to_string())
            .send()
            .await
            .map_err(sdk_err!("PutRolePolicy"))?;
        Ok(())
    }

    async fn delete_role_policy(&self, role: &str, policy_name: &str) -> PortResult<()> {
        self.client
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(sdk_err!("DeleteRolePolicy"))?;
        Ok(())
    }
}
