//! The `watchpost-enricher` Lambda function (provided.al2023, arm64 or x86_64): builds its
//! settings and SDK clients once, then answers invocations through the Lambda Runtime API.

use std::process::ExitCode;

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use watchpost_enricher::{Settings, init};

#[tokio::main]
async fn main() -> ExitCode {
    init::tracing();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "watchpost-enricher stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), lambda_runtime::Error> {
    let settings = Settings::from_env()?;
    let handler = init::handler(settings).await;
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handler
            .handle(event.payload, &event.context.request_id)
            .await
    }))
    .await
}
