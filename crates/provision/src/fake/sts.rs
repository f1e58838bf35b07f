//! The caller's identity.

use super::FakeAccount;
use crate::ports::*;

impl StsPort for FakeAccount {
    async fn identity(&self) -> PortResult<Identity> {
        drop(self.call("GetCallerIdentity"));
        Ok(Identity {
            account_id: self.account_id.clone(),
            partition: "aws".into(),
            arn: format!("arn:aws:iam::{}:user/fake", self.account_id),
        })
    }
}
