//! Detective's error shapes and how they go on the wire.
//!
//! Every error in detective-service-2.json is a structure with an HTTP status (`error.httpStatusCode`)
//! and a `Message`; `ValidationException` and `AccessDeniedException` also carry `ErrorCode` /
//! `ErrorCodeReason`, `ServiceQuotaExceededException` carries `Resources`. SDKs pick the error type
//! from the `x-amzn-errortype` header, so it is always set.

use serde_json::{Map, Value, json};

/// The model's `ErrorCode` enum (only on ValidationException and AccessDeniedException).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidGraphArn,
    InvalidRequestBody,
    InternalError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidGraphArn => "INVALID_GRAPH_ARN",
            ErrorCode::InvalidRequestBody => "INVALID_REQUEST_BODY",
            ErrorCode::InternalError => "INTERNAL_ERROR",
        }
    }
}

/// The error types of the Detective model, plus the two the front door produces for requests
/// that match no operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    AccessDenied,
    Conflict,
    InternalServer,
    ResourceNotFound,
    ServiceQuotaExceeded,
    TooManyRequests,
    Validation,
    /// Not in the model: what AWS's front door answers for an unknown path.
    UnknownOperation,
}

impl ErrorKind {
    /// The shape name, which is also the `x-amzn-errortype` value.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::Conflict => "ConflictException",
            ErrorKind::InternalServer => "InternalServerException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::ServiceQuotaExceeded => "ServiceQuotaExceededException",
            ErrorKind::TooManyRequests => "TooManyRequestsException",
            ErrorKind::Validation => "ValidationException",
            ErrorKind::UnknownOperation => "UnknownOperationException",
        }
    }

    /// `error.httpStatusCode` from the model.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::AccessDenied => 403,
            ErrorKind::Conflict => 409,
            ErrorKind::InternalServer => 500,
            ErrorKind::ResourceNotFound => 404,
            ErrorKind::ServiceQuotaExceeded => 402,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Validation => 400,
            ErrorKind::UnknownOperation => 404,
        }
    }

    /// The error a status code stands for, used by fault injection (`StartInvestigation=500`).
    pub fn from_status(status: u16) -> Option<ErrorKind> {
        Some(match status {
            400 => ErrorKind::Validation,
            402 => ErrorKind::ServiceQuotaExceeded,
            403 => ErrorKind::AccessDenied,
            404 => ErrorKind::ResourceNotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::TooManyRequests,
            500 => ErrorKind::InternalServer,
            _ => return None,
        })
    }
}

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {message}", kind.type_name())]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    pub code: Option<ErrorCode>,
    pub resources: Vec<String>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            code: None,
            resources: Vec::new(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message).with_code(ErrorCode::InvalidRequestBody)
    }

    pub fn invalid_graph_arn(arn: &str) -> Self {
        Self::new(
            ErrorKind::Validation,
            format!("The graph ARN {arn:?} is not valid"),
        )
        .with_code(ErrorCode::InvalidGraphArn)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFound, message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AccessDenied, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = Some(code);
        self
    }

    /// The JSON body: the members of the error structure that the model gives this type.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("Message".into(), json!(self.message));
        match self.kind {
            // Validation errors always say which check failed; access denials only when a
            // specific code applies (the model calls it "the SDK default error code").
            ErrorKind::Validation | ErrorKind::AccessDenied => {
                let code = match self.kind {
                    ErrorKind::Validation => {
                        Some(self.code.unwrap_or(ErrorCode::InvalidRequestBody))
                    }
                    _ => self.code,
                };
                if let Some(code) = code {
                    body.insert("ErrorCode".into(), json!(code.as_str()));
                    body.insert("ErrorCodeReason".into(), json!(self.message));
                }
            }
            ErrorKind::ServiceQuotaExceeded if !self.resources.is_empty() => {
                body.insert("Resources".into(), json!(self.resources));
            }
            _ => {}
        }
        Value::Object(body)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_carry_the_model_error_code() {
        let body = ApiError::invalid_graph_arn("nope").body();
        assert_eq!(body["ErrorCode"], "INVALID_GRAPH_ARN");
        assert_eq!(ErrorKind::Validation.status(), 400);
    }

    #[test]
    fn fault_statuses_map_to_model_errors() {
        assert_eq!(ErrorKind::from_status(500), Some(ErrorKind::InternalServer));
        assert_eq!(ErrorKind::from_status(403), Some(ErrorKind::AccessDenied));
        assert_eq!(ErrorKind::from_status(418), None);
    }
}
