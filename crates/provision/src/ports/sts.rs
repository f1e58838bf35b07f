//! AWS STS: who the credentials belong to.

use super::common::PortResult;

/// Who the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: from the caller's ARN.
    pub partition: String,
    /// The caller's ARN (who holds the stack's lock).
    pub arn: String,
}

pub trait StsPort {
    async fn identity(&self) -> PortResult<Identity>;
}
