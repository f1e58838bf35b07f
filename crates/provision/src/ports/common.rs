//! What every port shares: a resource it found, and its errors sorted by what the caller does
//! about them.

/// A resource a port found: what its service calls it (`id`: an ARN, a queue URL, a detector
/// id), its properties (the same spec a plan desires), and what a kind needs beyond them
/// (`extra`: nothing for most).
#[derive(Debug, Clone, PartialEq)]
pub struct Found<S, X = ()> {
    pub id: String,
    pub spec: S,
    pub extra: X,
}

impl<S> Found<S> {
    pub fn new(id: impl Into<String>, spec: S) -> Self {
        Found {
            id: id.into(),
            spec,
            extra: (),
        }
    }
}

/// Errors from any port, by what the caller does about them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PortError {
    #[error("{call}: not found: {code}: {message}")]
    NotFound {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: already exists: {code}: {message}")]
    AlreadyExists {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: throttled: {code}: {message}")]
    Throttled {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: {code}: {message}")]
    Invalid {
        call: &'static str,
        code: String,
        message: String,
    },
    #[error("{call}: {code}: {message}")]
    Other {
        call: &'static str,
        code: String,
        message: String,
    },
}

impl PortError {
    pub fn code(&self) -> &str {
        match self {
            PortError::NotFound { code, .. }
            | PortError::AlreadyExists { code, .. }
            | PortError::Throttled { code, .. }
            | PortError::Invalid { code, .. }
            | PortError::Other { code, .. } => code,
        }
    }
    pub fn message(&self) -> &str {
        match self {
            PortError::NotFound { message, .. }
            | PortError::AlreadyExists { message, .. }
            | PortError::Throttled { message, .. }
            | PortError::Invalid { message, .. }
            | PortError::Other { message, .. } => message,
        }
    }
    pub fn is_not_found(&self) -> bool {
        matches!(self, PortError::NotFound { .. })
    }
    /// Whether the service answered that it did not do the call (not found, already there,
    /// throttled, invalid, access denied). Any other error (a timeout, a server error, no
    /// answer) may come from a call that took effect.
    pub fn refused(&self) -> bool {
        match self {
            PortError::NotFound { .. }
            | PortError::AlreadyExists { .. }
            | PortError::Throttled { .. }
            | PortError::Invalid { .. } => true,
            PortError::Other { code, .. } => matches!(
                watchpost_aws_error::classify(code, None),
                watchpost_aws_error::ErrorClass::AccessDenied
            ),
        }
    }
    /// An SDK error, read as the enricher's adapters read it (`Unknown` when no answer came).
    pub fn from_aws(call: &'static str, err: watchpost_aws_error::AwsError) -> PortError {
        use watchpost_aws_error::ErrorClass;
        let class = err.class().unwrap_or(ErrorClass::Other);
        let code = err.code.unwrap_or_else(|| "Unknown".to_owned());
        PortError::of_class(call, class, code, err.message)
    }

    /// An error an answer reports for one entry of a batch (no HTTP status of its own).
    pub fn classify(call: &'static str, code: &str, message: &str) -> PortError {
        let class = watchpost_aws_error::classify(code, None);
        PortError::of_class(call, class, code.to_owned(), message.to_owned())
    }

    /// Sorts an AWS error into a variant, by the classifier the enricher uses too. Access
    /// denied and server errors stay `Other`: the engine stops on them either way, and the
    /// SDK has already retried what it could.
    fn of_class(
        call: &'static str,
        class: watchpost_aws_error::ErrorClass,
        code: String,
        message: String,
    ) -> PortError {
        use watchpost_aws_error::ErrorClass;
        match class {
            ErrorClass::NotFound => PortError::NotFound {
                call,
                code,
                message,
            },
            ErrorClass::AlreadyExists => PortError::AlreadyExists {
                call,
                code,
                message,
            },
            ErrorClass::RetryLater => PortError::Throttled {
                call,
                code,
                message,
            },
            ErrorClass::Invalid => PortError::Invalid {
                call,
                code,
                message,
            },
            ErrorClass::AccessDenied | ErrorClass::ServerError | ErrorClass::Other => {
                PortError::Other {
                    call,
                    code,
                    message,
                }
            }
        }
    }
}

pub type PortResult<T> = Result<T, PortError>;
