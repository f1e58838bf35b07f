//! SSM Parameter Store's kind: one of the stack's own records (see `crate::records`) whose
//! subject is gone, which the plan removes.

use serde::{Deserialize, Serialize};

/// A record and what it says (the ARN of the subscription it records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSpec {
    pub value: String,
}
