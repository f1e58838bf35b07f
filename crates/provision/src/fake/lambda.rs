//! Lambda: the function, its code, configuration, asynchronous invoke config and permissions.

use std::collections::BTreeMap;

use super::{FakeAccount, Thing, not_found};
use crate::ports::*;
use crate::spec::*;

impl LambdaPort for FakeAccount {
    async fn invoke_async(&self, name: &str, payload: &str) -> PortResult<()> {
        let mut s = self.call("Invoke");
        if !s.functions.contains_key(name) {
            return Err(not_found("Invoke", name));
        }
        s.invocations.push((name.to_owned(), payload.to_owned()));
        Ok(())
    }
    async fn function(&self, name: &str) -> PortResult<Option<Found<FunctionSpec>>> {
        let s = self.call("GetFunction");
        Ok(s.functions.get(name).map(|spec| {
            Found::new(
                self.arn("lambda", &format!("function:{name}")),
                spec.clone(),
            )
        }))
    }
    async fn create_function(
        &self,
        name: &str,
        spec: &FunctionSpec,
        zip: &[u8],
    ) -> PortResult<String> {
        let mut s = self.call("CreateFunction");
        if s.role_propagation_failures > 0 {
            s.role_propagation_failures -= 1;
            return Err(PortError::Invalid {
                call: "CreateFunction",
                code: "InvalidParameterValueException".into(),
                message: "The role defined for the function cannot be assumed by Lambda.".into(),
            });
        }
        if !s
            .roles
            .keys()
            .any(|r| spec.role_arn.ends_with(&format!("/{r}")))
        {
            return Err(PortError::Invalid {
                call: "CreateFunction",
                code: "InvalidParameterValueException".into(),
                message: format!("The role {} does not exist.", spec.role_arn),
            });
        }
        let mut spec = spec.clone();
        spec.code_sha256 = crate::spec::Deferred::Known(
            crate::artifact::Package::from_bytes(zip.to_vec())
                .sha256()
                .unwrap_or_default()
                .to_owned(),
        );
        if s.functions.contains_key(name) {
            return Err(PortError::AlreadyExists {
                call: "CreateFunction",
                code: "ResourceConflictException".into(),
                message: format!("Function already exist: {name}"),
            });
        }
        s.functions.insert(name.to_owned(), spec);
        s.made(Thing::Function(name.to_owned()));
        Ok(self.arn("lambda", &format!("function:{name}")))
    }
    async fn update_code(&self, name: &str, zip: &[u8]) -> PortResult<()> {
        let mut s = self.call("UpdateFunctionCode");
        let function = s
            .functions
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateFunctionCode", name))?;
        function.code_sha256 = crate::spec::Deferred::Known(
            crate::artifact::Package::from_bytes(zip.to_vec())
                .sha256()
                .unwrap_or_default()
                .to_owned(),
        );
        s.changed(Thing::Function(name.to_owned()));
        Ok(())
    }
    async fn update_configuration(&self, name: &str, spec: &FunctionSpec) -> PortResult<()> {
        let mut s = self.call("UpdateFunctionConfiguration");
        let function = s
            .functions
            .get_mut(name)
            .ok_or_else(|| not_found("UpdateFunctionConfiguration", name))?;
        *function = FunctionSpec {
            code_sha256: function.code_sha256.clone(),
            tags: function.tags.clone(),
            ..spec.clone()
        };
        s.changed(Thing::Function(name.to_owned()));
        Ok(())
    }
    async fn tag_function(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let mut s = self.call("TagResource");
        let name = crate::desired::names::arn_name(arn).to_owned();
        let function = s
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found("TagResource", arn))?;
        function.tags.extend(tags.clone());
        s.changed(Thing::Function(name));
        Ok(())
    }
    async fn delete_function(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteFunction");
        s.functions
            .remove(name)
            .ok_or_else(|| not_found("DeleteFunction", name))?;
        // With the function go its invoke config and resource policy.
        s.invoke_configs.remove(name);
        s.permissions.remove(name);
        s.deleted(Thing::Function(name.to_owned()));
        Ok(())
    }
    async fn invoke_config(&self, name: &str) -> PortResult<Option<InvokeConfigSpec>> {
        Ok(self
            .call("GetFunctionEventInvokeConfig")
            .invoke_configs
            .get(name)
            .cloned())
    }
    async fn put_invoke_config(&self, name: &str, spec: &InvokeConfigSpec) -> PortResult<()> {
        let mut s = self.call("PutFunctionEventInvokeConfig");
        if !s.functions.contains_key(name) {
            return Err(not_found("PutFunctionEventInvokeConfig", name));
        }
        if s.invoke_configs
            .insert(name.to_owned(), spec.clone())
            .is_some()
        {
            s.changed(Thing::InvokeConfig(name.to_owned()));
        } else {
            s.made(Thing::InvokeConfig(name.to_owned()));
        }
        Ok(())
    }
    async fn delete_invoke_config(&self, name: &str) -> PortResult<()> {
        let mut s = self.call("DeleteFunctionEventInvokeConfig");
        if s.invoke_configs.remove(name).is_some() {
            s.deleted(Thing::InvokeConfig(name.to_owned()));
        }
        Ok(())
    }
    async fn permissions(&self, name: &str) -> PortResult<BTreeMap<String, PermissionSpec>> {
        Ok(self
            .call("GetPolicy")
            .permissions
            .get(name)
            .cloned()
            .unwrap_or_default())
    }
    async fn add_permission(&self, name: &str, sid: &str, spec: &PermissionSpec) -> PortResult<()> {
        let mut s = self.call("AddPermission");
        if !s.functions.contains_key(name) {
            return Err(not_found("AddPermission", name));
        }
        let statements = s.permissions.entry(name.to_owned()).or_default();
        if statements.contains_key(sid) {
            return Err(PortError::AlreadyExists {
                call: "AddPermission",
                code: "ResourceConflictException".into(),
                message: format!("The statement id ({sid}) provided already exists."),
            });
        }
        statements.insert(sid.to_owned(), spec.clone());
        s.made(Thing::Permission(name.to_owned(), sid.to_owned()));
        Ok(())
    }
    async fn remove_permission(&self, name: &str, sid: &str) -> PortResult<()> {
        let mut s = self.call("RemovePermission");
        s.permissions
            .get_mut(name)
            .and_then(|p| p.remove(sid))
            .ok_or_else(|| not_found("RemovePermission", sid))?;
        s.deleted(Thing::Permission(name.to_owned(), sid.to_owned()));
        Ok(())
    }
}
