//! AWS Systems Manager Parameter Store: Watchpost's own records (the subscriptions it created,
//! the organization administrator it enabled) and the stack's lock, as standard parameters
//! under `/watchpost/<stack>/`.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::ParameterType;

use super::sdk_err;
use crate::ports::*;

/// Parameter Store in one region.
#[derive(Debug, Clone)]
pub struct SsmAdapter {
    client: Client,
}

impl SsmAdapter {
    pub fn new(config: &SdkConfig) -> SsmAdapter {
        SsmAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> SsmAdapter {
        SsmAdapter { client }
    }
}

impl ParametersPort for SsmAdapter {
    async fn parameters(&self, path: &str) -> PortResult<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .get_parameters_by_path()
                .path(path)
                .recursive(true)
                .set_next_token(token)
                .send()
                .await
                .map_err(sdk_err!("GetParametersByPath"))?;
            for parameter in page.parameters() {
                if let (Some(name), Some(value)) = (parameter.name(), parameter.value()) {
                    out.insert(name.to_owned(), value.to_owned());
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    async fn parameter(&self, name: &str) -> PortResult<Option<String>> {
        match self.client.get_parameter().name(name).send().await {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_owned)),
            Err(err) => {
                let err = sdk_err!("GetParameter", err);
                if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn create_parameter(&self, name: &str, value: &str) -> PortResult<bool> {
        // Without Overwrite, PutParameter fails with ParameterAlreadyExists: a conditional
        // write, which is what makes the lock a lock.
        let put = self
            .client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::String)
            .overwrite(false)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(err) => match sdk_err!("PutParameter", err) {
                PortError::AlreadyExists { .. } => Ok(false),
                err => Err(err),
            },
        }
    }

    async fn delete_parameter(&self, name: &str) -> PortResult<()> {
        match self.client.delete_parameter().name(name).send().await {
            Ok(_) => Ok(()),
            Err(err) => {
                let err = sdk_err!("DeleteParameter", err);
                if err.is_not_found() { Ok(()) } else { Err(err) }
            }
        }
    }
}
