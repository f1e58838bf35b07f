//! Adapters: each owns an SDK client and implements one port. They are the only code that names
//! `aws_sdk_*` types; SDK errors become [`PortError`]s that keep AWS's error code and message.

pub mod cloudwatch;
pub mod detective;
pub mod dynamodb;
pub mod emf;
pub mod http;
pub mod sns;

use aws_sdk_sns::config::http::HttpResponse;
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};

use watchpost_aws_error::{AwsError, ErrorClass};

use crate::error::PortError;

/// Maps any SDK error to a [`PortError`], by AWS's error code where there is one (the HTTP
/// status where there is none); no answer at all is the service unavailable.
pub(crate) fn port_error<E>(service: &'static str, err: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let AwsError {
        code,
        status,
        message,
    } = AwsError::from_sdk(&err);
    let message = watchpost_core::text::clip(&message, 500);
    match code {
        Some(code) => classify(service, code, message, status),
        None => PortError::Unavailable { service, message },
    }
}

/// The variant for `code` by the shared classifier; what it cannot place is a refusal.
fn classify(
    service: &'static str,
    code: String,
    message: String,
    status: Option<u16>,
) -> PortError {
    match watchpost_aws_error::classify(&code, status) {
        ErrorClass::ServerError => PortError::Unavailable {
            service,
            message: format!("{code}: {message}"),
        },
        ErrorClass::RetryLater => PortError::Throttled {
            service,
            code,
            message,
        },
        ErrorClass::AccessDenied => PortError::AccessDenied {
            service,
            code,
            message,
        },
        ErrorClass::NotFound => PortError::NotFound {
            service,
            code,
            message,
        },
        ErrorClass::AlreadyExists | ErrorClass::Invalid | ErrorClass::Other => PortError::Invalid {
            service,
            code,
            message,
        },
    }
}
