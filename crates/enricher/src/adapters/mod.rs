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

use crate::error::PortError;

/// Error codes that mean "slow down" or "try again soon", across the services used.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "Throttled",
    "ThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "InternalErrorException",
    "KMSThrottlingException",
];
const ACCESS_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "AuthorizationErrorException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "KMSAccessDeniedException",
    "KMSAccessDenied",
];
const NOT_FOUND_CODES: &[&str] = &["NotFound", "NotFoundException", "ResourceNotFoundException"];

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

fn classify(
    service: &'static str,
    code: String,
    message: String,
    status: Option<u16>,
) -> PortError {
    let is = |codes: &[&str]| codes.contains(&code.as_str());
    if is(THROTTLING_CODES) || status == Some(429) {
        PortError::Throttled {
            service,
            code,
            message,
        }
    } else if is(ACCESS_CODES) || status == Some(403) {
        PortError::AccessDenied {
            service,
            code,
            message,
        }
    } else if is(NOT_FOUND_CODES) || status == Some(404) {
        PortError::NotFound {
            service,
            code,
            message,
        }
    } else if status.is_some_and(|s| s >= 500) {
        PortError::Unavailable {
            service,
            message: format!("{code}: {message}"),
        }
    } else {
        PortError::Invalid {
            service,
            code,
            message,
        }
    }
}
