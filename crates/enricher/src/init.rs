//! Building the Lambda's handler once, at init: tracing, settings, SDK clients, adapters.

use aws_config::{BehaviorVersion, SdkConfig};
use watchpost_core::config::MetricsMode;
use watchpost_core::metrics::MetricCounts;

use crate::adapters::cloudwatch::PutMetricData;
use crate::adapters::detective::DetectiveInvestigations;
use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::emf::EmfStdout;
use crate::adapters::http::DeferredTls;
use crate::adapters::sns::SnsNotifier;
use crate::error::PortError;
use crate::handler::{Handler, Ports};
use crate::ports::{MetricsSink, SystemClock};
use crate::settings::Settings;

/// The handler the Lambda runs: every port over AWS.
pub type LambdaHandler =
    Handler<SnsNotifier, Metrics, DetectiveInvestigations, DynamoStore, SystemClock>;

/// The metrics sink the config chose.
#[derive(Debug, Clone)]
pub enum Metrics {
    Emf(EmfStdout),
    PutMetricData(PutMetricData),
}

impl MetricsSink for Metrics {
    async fn emit(&self, counts: &MetricCounts, timestamp_ms: i64) -> Result<(), PortError> {
        match self {
            Metrics::Emf(sink) => sink.emit(counts, timestamp_ms).await,
            Metrics::PutMetricData(sink) => sink.emit(counts, timestamp_ms).await,
        }
    }
}

/// JSON log lines on stdout (CloudWatch Logs), level from `RUST_LOG` (default `info`).
pub fn tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_ansi(false)
        .init();
}

/// The handler over the SDK config of the environment (`AWS_ENDPOINT_URL_<SERVICE>` and the
/// like apply, which is how local tests point it at moto and the Detective emulator).
pub async fn handler(settings: Settings) -> LambdaHandler {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    // Every client, ours and those aws-config builds for its credential chain, shares the
    // default HTTPS client with its TLS setup deferred to the first request (adapters::http).
    if let Some(http) = DeferredTls::default_client(BehaviorVersion::latest()) {
        loader = loader.http_client(http);
    }
    let sdk = loader.load().await;
    handler_with(settings, &sdk, &sdk)
}

/// The handler over given SDK configs (Detective's may differ: it has its own endpoint locally).
pub fn handler_with(settings: Settings, sdk: &SdkConfig, detective: &SdkConfig) -> LambdaHandler {
    let namespace = settings.config.metrics.namespace.clone();
    let metrics = match settings.config.metrics.mode {
        MetricsMode::Emf => Metrics::Emf(EmfStdout::new(namespace)),
        MetricsMode::PutMetricData => Metrics::PutMetricData(PutMetricData::new(
            aws_sdk_cloudwatch::Client::new(sdk),
            namespace,
        )),
    };
    let ports = Ports {
        notifier: SnsNotifier::new(aws_sdk_sns::Client::new(sdk)),
        metrics,
        detective: DetectiveInvestigations::new(aws_sdk_detective::Client::new(detective)),
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), settings.table.clone())
            .with_investigation_ttl(settings.config.enricher.state_ttl.as_secs() as i64),
        clock: SystemClock,
    };
    Handler::new(settings, ports)
}
