//! AWS Lambda: the enricher function, its asynchronous-invocation settings and the resource
//! policy statements that let EventBridge invoke it.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, DestinationConfig, Environment, FunctionCode, InvocationType, OnFailure, Runtime,
};
use serde_json::Value;

use super::{absent_if_not_found, hash_tags, json_document, sdk_err};
use crate::ports::*;
use crate::spec::Deferred;
use crate::spec::*;

#[derive(Debug, Clone)]
pub struct LambdaAdapter {
    client: Client,
}

impl LambdaAdapter {
    pub fn new(config: &SdkConfig) -> LambdaAdapter {
        LambdaAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> LambdaAdapter {
        LambdaAdapter { client }
    }
}

fn environment(spec: &FunctionSpec) -> Environment {
    Environment::builder()
        .set_variables(Some(spec.environment_values().into_iter().collect()))
        .build()
}

/// The first string of a policy value that may be a string or a list of strings.
fn first_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// A resource policy statement as Watchpost writes it (AddPermission's principal, source ARN
/// and source account).
fn permission(statement: &Value) -> PermissionSpec {
    let condition = &statement["Condition"];
    PermissionSpec {
        principal: first_string(&statement["Principal"]["Service"]),
        source_arn: first_string(&condition["ArnLike"]["AWS:SourceArn"]),
        source_account: first_string(&condition["StringEquals"]["AWS:SourceAccount"]),
        other: beyond_what_watchpost_sets(statement),
    }
}

/// The parts of a statement other than those AddPermission writes for Watchpost (its id and
/// resource, `Allow`, `lambda:InvokeFunction`, the service principal, the source ARN and
/// account conditions); `None` when there are none.
fn beyond_what_watchpost_sets(statement: &Value) -> Option<Value> {
    let mut rest = statement.as_object()?.clone();
    rest.remove("Sid");
    rest.remove("Resource");
    if rest.get("Effect").and_then(Value::as_str) == Some("Allow") {
        rest.remove("Effect");
    }
    if rest.get("Action").and_then(Value::as_str) == Some("lambda:InvokeFunction") {
        rest.remove("Action");
    }
    if let Some(principal) = rest.get_mut("Principal").and_then(Value::as_object_mut)
        && principal.get("Service").is_some_and(Value::is_string)
    {
        principal.remove("Service");
    }
    if let Some(condition) = rest.get_mut("Condition").and_then(Value::as_object_mut) {
        for (operator, key) in [
            ("ArnLike", "AWS:SourceArn"),
            ("StringEquals", "AWS:SourceAccount"),
        ] {
            if let Some(keys) = condition.get_mut(operator).and_then(Value::as_object_mut) {
                keys.remove(key);
            }
        }
        condition.retain(|_, keys| keys.as_object().is_none_or(|k| !k.is_empty()));
    }
    rest.retain(|_, value| value.as_object().is_none_or(|o| !o.is_empty()));
    (!rest.is_empty()).then_some(Value::Object(rest))
}

impl LambdaPort for LambdaAdapter {
    async fn invoke_async(&self, name: &str, payload: &str) -> PortResult<()> {
        let out = self
            .client
            .invoke()
            .function_name(name)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(sdk_err!("Invoke"))?;
        if out.status_code() == 202 {
            Ok(())
        } else {
            Err(PortError::Other {
                call: "Invoke",
                code: out.status_code().to_string(),
                message: format!(
                    "Lambda answered {} instead of 202 (accepted)",
                    out.status_code()
                ),
            })
        }
    }

    async fn function(&self, name: &str) -> PortResult<Option<Found<FunctionSpec>>> {
        let got = absent_if_not_found(
            self.client
                .get_function()
                .function_name(name)
                .send()
                .await
                .map_err(sdk_err!("GetFunction")),
        )?;
        let Some(out) = got else { return Ok(None) };
        let Some(config) = out.configuration() else {
            return Ok(None);
        };
        let spec = FunctionSpec {
            role_arn: config.role().unwrap_or_default().to_owned(),
            runtime: config
                .runtime()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            handler: config.handler().unwrap_or_default().to_owned(),
            // Lambda runs on these two; a function that reports none runs on x86_64.
            architecture: match config.architectures().first() {
                Some(Architecture::Arm64) => watchpost_core::config::Architecture::Arm64,
                _ => watchpost_core::config::Architecture::X86_64,
            },
            memory_mb: config.memory_size().unwrap_or_default().max(0) as u32,
            timeout_s: config.timeout().unwrap_or_default().max(0) as u32,
            environment: config
                .environment()
                .and_then(|e| e.variables())
                .map(|v| {
                    v.iter()
                        .map(|(k, v)| (k.clone(), Deferred::Known(v.clone())))
                        .collect::<BTreeMap<_, _>>()
                })
                .unwrap_or_default(),
            code_sha256: Deferred::Known(config.code_sha256().unwrap_or_default().to_owned()),
            tags: out
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        };
        Ok(Some(Found::new(
            config.function_arn().unwrap_or_default(),
            spec,
        )))
    }

    async fn create_function(
        &self,
        name: &str,
        spec: &FunctionSpec,
        zip: &[u8],
    ) -> PortResult<String> {
        let out = self
            .client
            .create_function()
            .function_name(name)
            .role(&spec.role_arn)
            .runtime(Runtime::from(spec.runtime.as_str()))
            .handler(&spec.handler)
            .architectures(match spec.architecture {
                watchpost_core::config::Architecture::Arm64 => Architecture::Arm64,
                watchpost_core::config::Architecture::X86_64 => Architecture::X8664,
            })
            .memory_size(spec.memory_mb as i32)
            .timeout(spec.timeout_s as i32)
            .environment(environment(spec))
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .set_tags(Some(hash_tags(&spec.tags)))
            .send()
            .await
            .map_err(sdk_err!("CreateFunction"))?;
        Ok(out.function_arn().unwrap_or_default().to_owned())
    }

    async fn update_code(&self, name: &str, zip: &[u8]) -> PortResult<()> {
        self.client
            .update_function_code()
            .function_name(name)
            .zip_file(Blob::new(zip))
            .send()
            .await
            .map_err(sdk_err!("UpdateFunctionCode"))?;
        Ok(())
    }

    async fn update_configuration(&self, name: &str, spec: &FunctionSpec) -> PortResult<()> {
        self.client
            .update_function_configuration()
            .function_name(name)
            .role(&spec.role_arn)
            .runtime(Runtime::from(spec.runtime.as_str()))
            .handler(&spec.handler)
            .memory_size(spec.memory_mb as i32)
            .timeout(spec.timeout_s as i32)
            .environment(environment(spec))
            .send()
            .await
            .map_err(sdk_err!("UpdateFunctionConfiguration"))?;
        Ok(())
    }

    async fn tag_function(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        self.client
            .tag_resource()
            .resource(arn)
            .set_tags(Some(hash_tags(tags)))
            .send()
            .await
            .map_err(sdk_err!("TagResource"))?;
        Ok(())
    }

    async fn delete_function(&self, name: &str) -> PortResult<()> {
        self.client
            .delete_function()
            .function_name(name)
            .send()
            .await
            .map_err(sdk_err!("DeleteFunction"))?;
        Ok(())
    }

    async fn invoke_config(&self, name: &str) -> PortResult<Option<InvokeConfigSpec>> {
        let got = absent_if_not_found(
            self.client
                .get_function_event_invoke_config()
                .function_name(name)
                .send()
                .await
                .map_err(sdk_err!("GetFunctionEventInvokeConfig")),
        )?;
        Ok(got.map(|out| InvokeConfigSpec {
            maximum_retry_attempts: out.maximum_retry_attempts().unwrap_or_default().max(0) as u32,
            maximum_event_age_s: out
                .maximum_event_age_in_seconds()
                .unwrap_or_default()
                .max(0) as u32,
            on_failure_arn: out
                .destination_config()
                .and_then(|d| d.on_failure())
                .and_then(|f| f.destination())
                .unwrap_or_default()
                .to_owned(),
        }))
    }

    async fn put_invoke_config(&self, name: &str, spec: &InvokeConfigSpec) -> PortResult<()> {
        self.client
            .put_function_event_invoke_config()
            .function_name(name)
            .maximum_retry_attempts(spec.maximum_retry_attempts as i32)
            .maximum_event_age_in_seconds(spec.maximum_event_age_s as i32)
            .destination_config(
                DestinationConfig::builder()
                    .on_failure(
                        OnFailure::builder()
                            .destination(&spec.on_failure_arn)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .map_err(sdk_err!("PutFunctionEventInvokeConfig"))?;
        Ok(())
    }

    async fn delete_invoke_config(&self, name: &str) -> PortResult<()> {
        let deleted = self
            .client
            .delete_function_event_invoke_config()
            .function_name(name)
            .send()
            .await
            .map_err(sdk_err!("DeleteFunctionEventInvokeConfig"));
        absent_if_not_found(deleted).map(|_| ())
    }

    async fn permissions(&self, name: &str) -> PortResult<BTreeMap<String, PermissionSpec>> {
        let got = absent_if_not_found(
            self.client
                .get_policy()
                .function_name(name)
                .send()
                .await
                .map_err(sdk_err!("GetPolicy")),
        )?;
        let Some(policy) = got.and_then(|out| out.policy().map(json_document)) else {
            return Ok(BTreeMap::new());
        };
        Ok(policy["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|statement| {
                let sid = statement["Sid"].as_str()?;
                Some((sid.to_owned(), permission(statement)))
            })
            .collect())
    }

    async fn add_permission(&self, name: &str, sid: &str, spec: &PermissionSpec) -> PortResult<()> {
        self.client
            .add_permission()
            .function_name(name)
            .statement_id(sid)
            .action("lambda:InvokeFunction")
            .principal(&spec.principal)
            .source_arn(&spec.source_arn)
            .source_account(&spec.source_account)
            .send()
            .await
            .map_err(sdk_err!("AddPermission"))?;
        Ok(())
    }

    async fn remove_permission(&self, name: &str, sid: &str) -> PortResult<()> {
        self.client
            .remove_permission()
            .function_name(name)
            .statement_id(sid)
            .send()
            .await
            .map_err(sdk_err!("RemovePermission"))?;
        Ok(())
    }
}
