//! A bare `lambda_runtime` echo function: the least any Rust function on the same runtime does
//! before its first poll. The enricher's init benchmark measures both and prints the ratio.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
