//! Why the demo stopped. Each variant says what to do about it; AWS errors keep the call and
//! AWS's own message.

use std::path::PathBuf;

/// A failed demo run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(Box<watchpost_core::config::ConfigError>),
    /// The config or the findings do not suit the demo (e.g. a region other than the local one).
    #[error("{0}")]
    Input(String),
    #[error(
        "the enricher binary is not at {0}: build it with `cargo build -p watchpost-enricher` (`just demo` does)"
    )]
    EnricherMissing(PathBuf),
    #[error(transparent)]
    LocalAws(#[from] watchpost_localaws::StartError),
    /// A call to the local AWS failed.
    #[error("{call}: {message}")]
    Aws { call: &'static str, message: String },
    /// Planning or applying the demo config failed.
    #[error("provisioning: {0}")]
    Provision(String),
    /// The enricher process could not start, stopped, or did not answer.
    #[error("the enricher: {0}")]
    Function(String),
    /// Something expected did not arrive (events on the tap queue, a follow-up).
    #[error("{0}")]
    Pipeline(String),
}

/// Maps an SDK error (any service) to [`DemoError::Aws`], keeping the whole error chain: AWS's
/// code and message, or why the request never got an answer.
pub(crate) fn aws<E: std::error::Error>(call: &'static str) -> impl FnOnce(E) -> DemoError {
    move |err| DemoError::Aws {
        call,
        message: aws_sdk_sqs::error::DisplayErrorContext(&err).to_string(),
    }
}
