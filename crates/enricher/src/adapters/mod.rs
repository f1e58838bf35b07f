//! Adapters: each owns an SDK client and implements one port. They are the only code that names
//! `aws_sdk_*` types; SDK errors become [`PortError`]s that keep AWS's error code and message.

pub mod cloudwatch;
pub mod detective;
pub mod dynamodb;
pub mod emf;
pub mod http;
pub mod sns;

use aws_sdk_sns::config::http::HttpResponse;
use aws_sdk_sns::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use watchpost_aws_error::ErrorClass;

use crate::error::PortError;

/// Maps any SDK error to a [`PortError`], by AWS's error code where there is one.
pub(crate) fn port_error<E>(service: &'static str, err: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().map(str::to_owned);
    let status = err.raw_response().map(|r| r.status().as_u16());
    let message = err
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| DisplayErrorContext(&err).to_string());
    let message = watchpost_core::text::clip(&message, 500);
    match (err, code) {
        (SdkError::ServiceError(_), Some(code)) => classify(service, code, message, status),
        (SdkError::ServiceError(_), None) | (SdkError::ResponseError(_), _) if status.is_some() => {
            let code = format!("HTTP {}", status.unwrap_or_default());
            classify(service, code, message, status)
        }
        _ => PortError::Unavailable { service, message },
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
