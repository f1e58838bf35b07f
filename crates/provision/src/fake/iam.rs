//! IAM: the enricher's role, its trust policy and inline policy. (The role's propagation delay
//! shows in CreateFunction, in the Lambda module.)

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl IamPort for FakeAccount {
    async fn role(&self, name: &str) -> PortResult<Option<Found<RoleSpec>>> {
        let s = self.call("GetRole");
        Ok(s.roles.get(name).map(|spec| {
            Found::new(
                format!("arn:aws:iam::{}:role/{name}", self.account_id),
                spec.clone(),
            )
        }))
    }
    async fn create_role(&self, name: &str, spec: &RoleSpec) -> PortResult<String> {
        let mut s = self.call("CreateRole");
        if s.roles.contains_key(name) {
            return Err(PortError::AlreadyExists {
                call: "CreateRole",
                code: "EntityAlreadyExists".into(),
                message: format!("Role with name {name} already exists."),
            });
        }
        s.roles.insert(name.to_owned(), spec.clone());
        s.made(Thing::Role(name.to_owned()));
        Ok(format!("arn:aws:iam::{}:role/{name}", self.account_id))
    }
    async fn update_trust_policy(&self, name: &str, policy: &PolicyDocument) -> PortResult<()> {
        let mut s = self.call("UpdateAssumeRolePolicy");
        let role = s
            .roles
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateAssumeRolePolicy", name))?;
        role.trust_policy = policy.clone();
        s.changed(Thing::Role(name.to_owned()));
        Ok(())
    }
    async fn update_description(&self, name: &str, description: &str) -> PortResult<()> {
        let mut s = self.call("UpdateRole");
        let role = s
            .roles
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateRole", name))?;
        role.description = description.to_owned();
        s.changed(Thing::Role(name.to_owned()));
        Ok(())
    }
    async fn tag_role(&self, name: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagRole");
        let role = s
            .roles
            .get_mut(name)
            .ok_or_else(|| not_found("TagRole", name))?;
        role.tags.extend(tags.clone());
        s.changed(Thing::Role(name.to_owned()));
        Ok(())
    }
    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> PortResult<()> {
        let mut s = self.call("DetachRolePolicy");
        let spec = s
            .roles
            .get_mut(role)
            .ok_or_else(|| not_found("DetachRolePolicy", role))?;
        spec.managed_policies.retain(|p| p != policy_arn);
        s.changed(Thing::Role(role.to_owned()));
        Ok(())
    }
    async fn delete_role(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteRole");
        if s.role_policies.keys().any(|(role, _)| role == name)
            || s.roles
                .get(name)
                .is_some_and(|r| !r.managed_policies.is_empty())
        {
            return Err(PortError::Other {
                call: "DeleteRole",
                code: "DeleteConflict".into(),
                message: "Cannot delete entity, must delete policies first.".into(),
            });
        }
        s.roles
            .remove(name)
            .ok_or_else(|| not_found("DeleteRole", name))?;
        s.deleted(Thing::Role(name.to_owned()));
        Ok(())
    }
    async fn role_policy(
        &self,
        role: &str,
        policy_name: &str,
    ) -> PortResult<Option<PolicyDocument>> {
        let s = self.call("GetRolePolicy");
        Ok(s.role_policies
            .get(&(role.to_owned(), policy_name.to_owned()))
            .cloned())
    }
    async fn put_role_policy(
        &self,
        role: &str,
        policy_name: &str,
        policy: &PolicyDocument,
    ) -> PortResult<()> {
        let mut s = self.call("PutRolePolicy");
        if !s.roles.contains_key(role) {
            return Err(not_found("PutRolePolicy", role));
        }
        let thing = Thing::RolePolicy(role.to_owned(), policy_name.to_owned());
        if s.role_policies
            .insert((role.to_owned(), policy_name.to_owned()), policy.clone())
            .is_some()
        {
            s.changed(thing);
        } else {
            s.made(thing);
        }
        Ok(())
    }
    async fn delete_role_policy(&self, role: &str, policy_name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteRolePolicy");
        s.role_policies
            .remove(&(role.to_owned(), policy_name.to_owned()))
            .ok_or_else(|| not_found("DeleteRolePolicy", policy_name))?;
        s.deleted(Thing::RolePolicy(role.to_owned(), policy_name.to_owned()));
        Ok(())
    }
}
