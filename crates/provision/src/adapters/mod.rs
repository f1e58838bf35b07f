//! SDK adapters: the only code that names `aws_sdk_*` types. Each owns its client and maps
//! SDK errors as the enricher's adapters do (`watchpost_aws_error`), keeping AWS's error code,
//! message and HTTP status.

mod cloudwatch;
mod detective;
mod dynamodb;
mod events;
mod guardduty;
mod iam;
mod kms;
mod lambda;
mod sns;
mod sqs;
mod ssm;
mod sts;

use aws_config::SdkConfig;

pub use cloudwatch::CloudwatchAdapter;
pub use detective::DetectiveAdapter;
pub use dynamodb::DynamodbAdapter;
pub use events::EventsAdapter;
pub use guardduty::GuarddutyAdapter;
pub use iam::IamAdapter;
pub use kms::KmsAdapter;
pub use lambda::LambdaAdapter;
pub use sns::SnsAdapter;
pub use sqs::SqsAdapter;
pub use ssm::SsmAdapter;
pub use sts::StsAdapter;

use crate::ports::PortError;
use crate::ports::Ports;
use crate::spec::Tags;

/// Maps an SDK error to a [`crate::ports::PortError`] naming the call: AWS's code, message and
/// HTTP status when the service answered, the dispatch failure otherwise.
macro_rules! sdk_err {
    ($call:literal, $err:expr) => {{ $crate::ports::PortError::from_aws($call, watchpost_aws_error::AwsError::from_sdk(&$err)) }};
    ($call:literal) => {
        |err| $crate::adapters::sdk_err!($call, err)
    };
}
pub(crate) use sdk_err;

/// Maps a request that could not be built (a required field missing) to a [`PortError`]. Every
/// SDK crate re-exports the same smithy `BuildError`.
pub(crate) fn build_err(
    call: &'static str,
) -> impl Fn(aws_sdk_sns::error::BuildError) -> PortError {
    move |e| PortError::Invalid {
        call,
        code: "BuildError".into(),
        message: e.to_string(),
    }
}

/// A read that found nothing is `None`, not an error.
pub(crate) fn absent_if_not_found<T>(
    result: crate::ports::PortResult<T>,
) -> crate::ports::PortResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// Tags as the SDKs' maps want them.
pub(crate) fn hash_tags(tags: &Tags) -> std::collections::HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A JSON document AWS returned as text (some services URL-encode policies); `Null` when it is
/// not JSON, so the plan shows it as different rather than failing.
pub(crate) fn json_document(text: &str) -> serde_json::Value {
    serde_json::from_str(text)
        .or_else(|_| {
            let decoded = percent_decode(text);
            serde_json::from_str(&decoded)
        })
        .unwrap_or(serde_json::Value::Null)
}

/// `%xx` decoding (IAM returns policy documents URL-encoded).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every adapter for one region.
#[derive(Debug, Clone)]
pub struct AwsPorts {
    pub sts: StsAdapter,
    pub detective: DetectiveAdapter,
    pub kms: KmsAdapter,
    pub sns: SnsAdapter,
    pub dynamodb: DynamodbAdapter,
    pub sqs: SqsAdapter,
    pub iam: IamAdapter,
    pub lambda: LambdaAdapter,
    pub events: EventsAdapter,
    pub cloudwatch: CloudwatchAdapter,
    pub guardduty: GuarddutyAdapter,
    pub ssm: SsmAdapter,
}

impl AwsPorts {
    /// Adapters over `config` (region, credentials, endpoints); Detective over
    /// `detective_config`, which is the same config except where a test points it elsewhere.
    pub fn new(config: &SdkConfig, detective_config: &SdkConfig) -> AwsPorts {
        AwsPorts {
            sts: StsAdapter::new(config),
            detective: DetectiveAdapter::new(detective_config),
            kms: KmsAdapter::new(config),
            sns: SnsAdapter::new(config),
            dynamodb: DynamodbAdapter::new(config),
            sqs: SqsAdapter::new(config),
            iam: IamAdapter::new(config),
            lambda: LambdaAdapter::new(config),
            events: EventsAdapter::new(config),
            cloudwatch: CloudwatchAdapter::new(config),
            guardduty: GuarddutyAdapter::new(config),
            ssm: SsmAdapter::new(config),
        }
    }
}

impl Ports for AwsPorts {
    type Sts = StsAdapter;
    type Detective = DetectiveAdapter;
    type Kms = KmsAdapter;
    type Sns = SnsAdapter;
    type Dynamodb = DynamodbAdapter;
    type Sqs = SqsAdapter;
    type Iam = IamAdapter;
    type Lambda = LambdaAdapter;
    type Events = EventsAdapter;
    type Cloudwatch = CloudwatchAdapter;
    type Guardduty = GuarddutyAdapter;
    type Ssm = SsmAdapter;
    fn sts(&self) -> &StsAdapter {
        &self.sts
    }
    fn detective(&self) -> &DetectiveAdapter {
        &self.detective
    }
    fn kms(&self) -> &KmsAdapter {
        &self.kms
    }
    fn sns(&self) -> &SnsAdapter {
        &self.sns
    }
    fn dynamodb(&self) -> &DynamodbAdapter {
        &self.dynamodb
    }
    fn sqs(&self) -> &SqsAdapter {
        &self.sqs
    }
    fn iam(&self) -> &IamAdapter {
        &self.iam
    }
    fn lambda(&self) -> &LambdaAdapter {
        &self.lambda
    }
    fn events(&self) -> &EventsAdapter {
        &self.events
    }
    fn cloudwatch(&self) -> &CloudwatchAdapter {
        &self.cloudwatch
    }
    fn guardduty(&self) -> &GuarddutyAdapter {
        &self.guardduty
    }
    fn ssm(&self) -> &SsmAdapter {
        &self.ssm
    }
}
