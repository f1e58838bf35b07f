//! SDK adapters: the only code that names `aws_sdk_*` types. Each owns its client and maps
//! SDK errors with `into_service_error()`, keeping AWS's error code and message.

mod detective;
mod dynamodb;
mod kms;
mod sns;
mod sqs;
mod sts;

use aws_config::SdkConfig;

pub use detective::DetectiveAdapter;
pub use dynamodb::DynamodbAdapter;
pub use kms::KmsAdapter;
pub use sns::SnsAdapter;
pub use sqs::SqsAdapter;
pub use sts::StsAdapter;

use crate::engine::Ports;

/// Maps an SDK error to a [`crate::ports::PortError`] naming the call: AWS's code and message
/// when the service answered, the dispatch failure otherwise.
macro_rules! sdk_err {
    ($call:literal, $err:expr) => {{
        #[allow(unused_imports)]
        use aws_sdk_sns::error::ProvideErrorMetadata as _;
        let service = $err.into_service_error();
        let code = service.code().unwrap_or("Unknown").to_owned();
        let message = service
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| aws_sdk_sns::error::DisplayErrorContext(&service).to_string());
        $crate::ports::PortError::classify($call, &code, &message)
    }};
    ($call:literal) => {
        |err| $crate::adapters::sdk_err!($call, err)
    };
}
pub(crate) use sdk_err;

/// Every adapter for one region.
#[derive(Debug, Clone)]
pub struct AwsPorts {
    pub sts: StsAdapter,
    pub detective: DetectiveAdapter,
    pub kms: KmsAdapter,
    pub sns: SnsAdapter,
    pub dynamodb: DynamodbAdapter,
    pub sqs: SqsAdapter,
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
}
