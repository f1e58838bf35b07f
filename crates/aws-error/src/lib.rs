//! What an AWS error means for the caller, from the error code the service sent and the HTTP
//! status: one reading of an SDK error ([`AwsError::from_sdk`]: code, status, message) and one
//! classifier ([`classify`]) for the enricher's adapters and the deployer's. Each side picks
//! its own error variant by class.
//!
//! Exact codes first (the services' documented codes for throttling and access), then the code
//! families AWS names consistently across services (`…NotFound…`, `NoSuchEntity`,
//! `…AlreadyExists`, `…Conflict…`, `…InUse`, `Invalid…`, `Validation…`), then the status.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Codes that mean "slow down" or "try again soon", across the services Watchpost calls.
const RETRY_LATER_CODES: &[&str] = &[
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

/// Codes that mean the credentials may not do this; a retry will not help.
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

/// What the caller does about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttled or briefly unavailable: retry later.
    RetryLater,
    /// Not allowed with these credentials.
    AccessDenied,
    /// The resource does not exist.
    NotFound,
    /// It exists already, or another change to it is in progress.
    AlreadyExists,
    /// The request was refused as invalid.
    Invalid,
    /// A server error the service gave no known code for (5xx): retry later.
    ServerError,
    /// Anything else the service answered.
    Other,
}

/// What an SDK call's failure says, read the same way for every service and either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The service's error code (`ThrottlingException`); `HTTP <status>` when the service
    /// answered without one; `None` when no answer came (the request could not be sent or
    /// timed out, or could not be built).
    pub code: Option<String>,
    /// The HTTP status of the service's answer, when there was one.
    pub status: Option<u16>,
    /// The service's message, else the SDK's account of what went wrong.
    pub message: String,
}

impl AwsError {
    /// Reads an SDK error: the code and message the service sent, and the HTTP status.
    pub fn from_sdk<E>(err: &SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let message = err
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| DisplayErrorContext(err).to_string());
        let code = match err {
            SdkError::ServiceError(_) => err
                .code()
                .map(str::to_owned)
                .or_else(|| status.map(|s| format!("HTTP {s}"))),
            // An answer the SDK could not read: its status still says what happened.
            SdkError::ResponseError(_) => status.map(|s| format!("HTTP {s}")),
            _ => None,
        };
        AwsError {
            code,
            status,
            message,
        }
    }

    /// What the caller does about it; `None` when the service never answered.
    pub fn class(&self) -> Option<ErrorClass> {
        self.code.as_deref().map(|code| classify(code, self.status))
    }
}

/// Classifies an error by the service's `code` and, when known, the HTTP `status`.
pub fn classify(code: &str, status: Option<u16>) -> ErrorClass {
    if RETRY_LATER_CODES.contains(&code) {
        return ErrorClass::RetryLater;
    }
    if ACCESS_CODES.contains(&code) {
        return ErrorClass::AccessDenied;
    }
    let lower = code.to_ascii_lowercase();
    let has = |part: &str| lower.contains(part);
    if has("throttl") || has("toomanyrequests") {
        ErrorClass::RetryLater
    } else if has("notfound") || has("nosuchentity") || has("nonexistent") || has("doesnotexist") {
        ErrorClass::NotFound
    } else if has("alreadyexists") || has("conflict") || has("inuse") {
        ErrorClass::AlreadyExists
    } else if has("invalid") || has("validation") || has("malformed") {
        ErrorClass::Invalid
    } else {
        match status {
            Some(429) => ErrorClass::RetryLater,
            Some(401 | 403) => ErrorClass::AccessDenied,
            Some(404) => ErrorClass::NotFound,
            Some(409) => ErrorClass::AlreadyExists,
            Some(500..=599) => ErrorClass::ServerError,
            Some(400..=499) => ErrorClass::Invalid,
            _ => ErrorClass::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn answer(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    fn service_error(code: Option<&str>, status: u16) -> SdkError<ErrorMetadata, HttpResponse> {
        let mut meta = ErrorMetadata::builder().message("the service says why");
        if let Some(code) = code {
            meta = meta.code(code);
        }
        SdkError::service_error(meta.build(), answer(status))
    }

    #[test]
    fn a_service_error_keeps_its_code_message_and_status() {
        let err = AwsError::from_sdk(&service_error(Some("ThrottlingException"), 400));
        assert_eq!(err.code.as_deref(), Some("ThrottlingException"));
        assert_eq!(err.status, Some(400));
        assert_eq!(err.message, "the service says why");
        assert_eq!(err.class(), Some(ErrorClass::RetryLater));
    }

    #[test]
    fn an_answer_without_a_code_is_classified_by_its_status() {
        let err = AwsError::from_sdk(&service_error(None, 429));
        assert_eq!(err.code.as_deref(), Some("HTTP 429"));
        assert_eq!(err.class(), Some(ErrorClass::RetryLater));
        let unreadable: SdkError<ErrorMetadata, HttpResponse> =
            SdkError::response_error("truncated body", answer(503));
        let err = AwsError::from_sdk(&unreadable);
        assert_eq!(err.code.as_deref(), Some("HTTP 503"));
        assert_eq!(err.status, Some(503));
        assert_eq!(err.class(), Some(ErrorClass::ServerError));
    }

    #[test]
    fn no_answer_has_no_code_nor_class() {
        let failures: [SdkError<ErrorMetadata, HttpResponse>; 3] = [
            SdkError::timeout_error("took too long"),
            SdkError::dispatch_failure(ConnectorError::io("connection refused".into())),
            SdkError::construction_failure("a required field is missing"),
        ];
        for failure in failures {
            let err = AwsError::from_sdk(&failure);
            assert_eq!((err.code.as_deref(), err.status), (None, None), "{err:?}");
            assert_eq!(err.class(), None);
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn services_codes_sort_into_what_the_caller_does() {
        for (code, status, class) in [
            ("ThrottlingException", Some(400), ErrorClass::RetryLater),
            ("Throttling", Some(400), ErrorClass::RetryLater),
            ("KMSThrottlingException", None, ErrorClass::RetryLater),
            ("InternalFailure", Some(500), ErrorClass::RetryLater),
            ("AccessDeniedException", Some(400), ErrorClass::AccessDenied),
            ("AuthorizationError", Some(403), ErrorClass::AccessDenied),
            ("ExpiredToken", Some(400), ErrorClass::AccessDenied),
            // IAM, SQS and Lambda each name "not there" their own way.
            ("NoSuchEntity", Some(404), ErrorClass::NotFound),
            (
                "AWS.SimpleQueueService.NonExistentQueue",
                Some(400),
                ErrorClass::NotFound,
            ),
            ("ResourceNotFoundException", Some(404), ErrorClass::NotFound),
            ("EntityAlreadyExists", Some(409), ErrorClass::AlreadyExists),
            (
                "ResourceConflictException",
                Some(409),
                ErrorClass::AlreadyExists,
            ),
            (
                "ResourceInUseException",
                Some(400),
                ErrorClass::AlreadyExists,
            ),
            ("InvalidParameterValue", Some(400), ErrorClass::Invalid),
            ("ValidationException", Some(400), ErrorClass::Invalid),
            ("MalformedPolicyDocument", Some(400), ErrorClass::Invalid),
        ] {
            assert_eq!(classify(code, status), class, "{code}");
        }
    }

    #[test]
    fn an_unknown_code_falls_back_to_the_status() {
        assert_eq!(classify("HTTP 429", Some(429)), ErrorClass::RetryLater);
        assert_eq!(classify("HTTP 403", Some(403)), ErrorClass::AccessDenied);
        assert_eq!(classify("HTTP 404", Some(404)), ErrorClass::NotFound);
        assert_eq!(classify("HTTP 502", Some(502)), ErrorClass::ServerError);
        assert_eq!(classify("SomethingNew", Some(400)), ErrorClass::Invalid);
        assert_eq!(classify("SomethingNew", None), ErrorClass::Other);
    }
}
