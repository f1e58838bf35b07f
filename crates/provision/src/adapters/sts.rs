//! STS: who the credentials belong to.

use aws_config::SdkConfig;
use aws_sdk_sts::Client;

use super::sdk_err;
use crate::ports::*;

#[derive(Debug, Clone)]
pub struct StsAdapter {
    client: Client,
}

impl StsAdapter {
    pub fn new(config: &SdkConfig) -> StsAdapter {
        StsAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> StsAdapter {
        StsAdapter { client }
    }
}

impl StsPort for StsAdapter {
    async fn identity(&self) -> PortResult<Identity> {
        let out = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(sdk_err!("GetCallerIdentity"))?;
        let account_id = out.account().unwrap_or_default().to_owned();
        let partition = out
            .arn()
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_owned();
        Ok(Identity {
            account_id,
            partition,
            arn: out.arn().unwrap_or_default().to_owned(),
        })
    }
}
