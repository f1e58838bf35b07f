//! Metrics as CloudWatch Embedded Metric Format lines on stdout: inside Lambda, CloudWatch Logs
//! turns them into metrics with no API call and no added latency.

use std::io::Write;

use watchpost_core::metrics::MetricCounts;

use crate::error::PortError;
use crate::ports::MetricsSink;

/// [`MetricsSink`] writing EMF documents, one JSON line each, to stdout.
#[derive(Debug, Clone)]
pub struct EmfStdout {
    namespace: String,
}

impl EmfStdout {
    pub fn new(namespace: impl Into<String>) -> Self {
        EmfStdout {
            namespace: namespace.into(),
        }
    }
}

impl MetricsSink for EmfStdout {
    async fn emit(&self, counts: &MetricCounts, timestamp_ms: i64) -> Result<(), PortError> {
        let mut out = String::new();
        for document in counts.to_emf(&self.namespace, timestamp_ms) {
            out.push_str(&document.to_string());
            out.push('\n');
        }
        // One write, so that lines from concurrent writers do not interleave.
        std::io::stdout()
            .lock()
            .write_all(out.as_bytes())
            .map_err(|err| PortError::Unavailable {
                service: "logs",
                message: err.to_string(),
            })
    }
}
