//! Errors: [`PortError`] is what an adapter reports (its variants follow what the caller does
//! next, and keep AWS's error code and message); [`HandlerError`] is what an invocation ends
//! with, mapped to the Lambda runtime's `Diagnostic` with an `error_type` that says whether a
//! retry helps.

use lambda_runtime::Diagnostic;

/// What went wrong talking to a service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Slowed down or briefly unavailable: a retry later may work.
    #[error("{service} throttled the request ({code}): {message}")]
    Throttled {
        service: &'static str,
        code: String,
        message: String,
    },
    /// Not allowed: a retry will not help until permissions change.
    #[error("{service} denied access ({code}): {message}")]
    AccessDenied {
        service: &'static str,
        code: String,
        message: String,
    },
    /// The resource (topic, graph, table, investigation) does not exist.
    #[error("{service} could not find it ({code}): {message}")]
    NotFound {
        service: &'static str,
        code: String,
        message: String,
    },
    /// The request was refused as invalid.
    #[error("{service} rejected the request ({code}): {message}")]
    Invalid {
        service: &'static str,
        code: String,
        message: String,
    },
    /// Anything else: network, timeouts, server errors.
    #[error("{service} unavailable: {message}")]
    Unavailable {
        service: &'static str,
        message: String,
    },
}

impl PortError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            PortError::Throttled { .. } | PortError::Unavailable { .. }
        )
    }

    /// A short form for alert notes and logs: the service's code, or the first words.
    pub fn short(&self) -> String {
        match self {
            PortError::Throttled { code, .. } => format!("throttled ({code})"),
            PortError::AccessDenied { code, .. } => format!("access denied ({code})"),
            PortError::NotFound { code, .. } => format!("not found ({code})"),
            PortError::Invalid { code, .. } => format!("rejected ({code})"),
            PortError::Unavailable { message, .. } => watchpost_core::text::clip(message, 120),
        }
    }
}

/// How an invocation fails.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The event cannot be acted on; retrying the same event cannot help.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// Some routes could not be reached; a retry sends only those.
    #[error("alert delivery failed for {}", describe(.0))]
    DeliveryFailed(Vec<(String, PortError)>),
    /// Another invocation holds the claim on this alert and may still be delivering it.
    #[error("alert {0} is being delivered by another invocation; retry to confirm it was")]
    AlertInFlight(String),
    /// The alert state could not be read or claimed for a reason a retry may fix: nothing was
    /// published, so the retry (or a redrive of the dead letter) delivers exactly once.
    #[error("alert state unavailable, nothing was delivered; retry: {0}")]
    StateUnavailable(PortError),
    /// The sweep could not finish; the next one (or a retry) picks up where it stopped.
    #[error("investigation sweep failed: {0}")]
    SweepFailed(String),
}

fn describe(failures: &[(String, PortError)]) -> String {
    failures
        .iter()
        .map(|(route, err)| format!("route `{route}`: {err}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether Lambda's retry of an invocation may succeed where it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The same event will fail the same way.
    Useless,
    /// The failure may pass: a retry may deliver.
    MayHelp,
}

impl HandlerError {
    /// The error's name in `errorType`, and whether a retry may fix it.
    fn kind(&self) -> (&'static str, Retry) {
        match self {
            HandlerError::InvalidEvent(_) => ("InvalidEvent", Retry::Useless),
            HandlerError::DeliveryFailed(_) => ("DeliveryFailed", Retry::MayHelp),
            HandlerError::AlertInFlight(_) => ("AlertInFlight", Retry::MayHelp),
            HandlerError::StateUnavailable(_) => ("StateUnavailable", Retry::MayHelp),
            HandlerError::SweepFailed(_) => ("SweepFailed", Retry::MayHelp),
        }
    }

    pub fn retry(&self) -> Retry {
        self.kind().1
    }

    pub fn is_retryable(&self) -> bool {
        self.retry() == Retry::MayHelp
    }

    /// The `errorType` Lambda records: `Watchpost.<name>`, with `.Retryable` on errors a
    /// retry may fix.
    pub fn error_type(&self) -> String {
        let (name, retry) = self.kind();
        match retry {
            Retry::Useless => format!("Watchpost.{name}"),
            Retry::MayHelp => format!("Watchpost.{name}.Retryable"),
        }
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(err: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: err.error_type(),
            error_message: err.to_string(),
        }
    }
}
