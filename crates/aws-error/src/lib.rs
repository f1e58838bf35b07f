//! What an AWS error means for the caller, from the error code the service sent and the HTTP
//! status: one classifier for the enricher's adapters and the deployer's. Pure: the adapters
//! read the code and status off the SDK's error and pick their own error variant by class.
//!
//! Exact codes first (the services' documented codes for throttling and access), then the code
//! families AWS names consistently across services (`…NotFound…`, `NoSuchEntity`,
//! `…AlreadyExists`, `…Conflict…`, `…InUse`, `Invalid…`, `Validation…`), then the status.

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
    use super::*;

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
