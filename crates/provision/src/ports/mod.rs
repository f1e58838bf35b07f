//! One narrow trait per AWS service, in Watchpost's vocabulary, one module each; [`Ports`]
//! gathers them for one region. The engine is generic over them; the SDK adapters in
//! [`crate::adapters`] and the in-memory `fake::FakeAccount` implement them. A port reads and
//! writes the specs of [`crate::spec`]: what is desired and what is observed are the same
//! shape, so diffing them is comparing values.

// Native async fn in traits, statically dispatched: the engine awaits regions concurrently on
// one task, so the futures need no `Send` bound.
#![allow(async_fn_in_trait)]

pub mod cloudwatch;
pub mod common;
pub mod detective;
pub mod dynamodb;
pub mod events;
pub mod guardduty;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod sts;

pub use cloudwatch::CloudwatchPort;
pub use common::{Found, PortError, PortResult};
pub use detective::{DetectivePort, InvitationType, Invite, MemberState, Unprocessed};
pub use dynamodb::DynamodbPort;
pub use events::EventsPort;
pub use guardduty::{FoundDetector, GuarddutyPort};
pub use iam::IamPort;
pub use kms::{FoundKey, KeyRef, KmsPort};
pub use lambda::LambdaPort;
pub use sns::{SnsPort, SubscriptionState};
pub use sqs::{Message, SqsPort};
pub use ssm::ParametersPort;
pub use sts::{Identity, StsPort};

/// Every port, for one region.
pub trait Ports {
    type Sts: StsPort;
    type Detective: DetectivePort;
    type Kms: KmsPort;
    type Sns: SnsPort;
    type Dynamodb: DynamodbPort;
    type Sqs: SqsPort;
    type Iam: IamPort;
    type Lambda: LambdaPort;
    type Events: EventsPort;
    type Cloudwatch: CloudwatchPort;
    type Guardduty: GuarddutyPort;
    type Ssm: ParametersPort;
    fn sts(&self) -> &Self::Sts;
    fn detective(&self) -> &Self::Detective;
    fn kms(&self) -> &Self::Kms;
    fn sns(&self) -> &Self::Sns;
    fn dynamodb(&self) -> &Self::Dynamodb;
    fn sqs(&self) -> &Self::Sqs;
    fn iam(&self) -> &Self::Iam;
    fn lambda(&self) -> &Self::Lambda;
    fn events(&self) -> &Self::Events;
    fn cloudwatch(&self) -> &Self::Cloudwatch;
    fn guardduty(&self) -> &Self::Guardduty;
    fn ssm(&self) -> &Self::Ssm;
}

/// Ports lent by reference are ports: a caller keeps the account and lends it to a session.
impl<P: Ports> Ports for &P {
    type Sts = P::Sts;
    type Detective = P::Detective;
    type Kms = P::Kms;
    type Sns = P::Sns;
    type Dynamodb = P::Dynamodb;
    type Sqs = P::Sqs;
    type Iam = P::Iam;
    type Lambda = P::Lambda;
    type Events = P::Events;
    type Cloudwatch = P::Cloudwatch;
    type Guardduty = P::Guardduty;
    type Ssm = P::Ssm;
    fn sts(&self) -> &P::Sts {
        (**self).sts()
    }
    fn detective(&self) -> &P::Detective {
        (**self).detective()
    }
    fn kms(&self) -> &P::Kms {
        (**self).kms()
    }
    fn sns(&self) -> &P::Sns {
        (**self).sns()
    }
    fn dynamodb(&self) -> &P::Dynamodb {
        (**self).dynamodb()
    }
    fn sqs(&self) -> &P::Sqs {
        (**self).sqs()
    }
    fn iam(&self) -> &P::Iam {
        (**self).iam()
    }
    fn lambda(&self) -> &P::Lambda {
        (**self).lambda()
    }
    fn events(&self) -> &P::Events {
        (**self).events()
    }
    fn cloudwatch(&self) -> &P::Cloudwatch {
        (**self).cloudwatch()
    }
    fn guardduty(&self) -> &P::Guardduty {
        (**self).guardduty()
    }
    fn ssm(&self) -> &P::Ssm {
        (**self).ssm()
    }
}
