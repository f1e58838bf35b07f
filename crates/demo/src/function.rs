//! The enricher as the demo runs it: the real `watchpost-enricher` binary built for this host,
//! answering invocations through a local Lambda Runtime API host, with the environment the
//! function was deployed with (read back from Lambda) plus what points it at the local AWS.
//! Its stdout (JSON logs and EMF metric lines, as CloudWatch Logs would get them) is kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Child;
use watchpost_contract::env::{CONFIG_ENV, GRAPH_ENV, TABLE_ENV, topic_env_var};
use watchpost_core::Config;
use watchpost_localaws::runtime_api::{self, Function, RuntimeApi};
use watchpost_provision::engine::RegionOutputs;

use crate::error::{DemoError, aws};

/// The binary's file name.
pub const ENRICHER_BINARY: &str = "watchpost-enricher";
/// Longest an invocation may take; the config's Detective budget is 2 s, everything else local.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of the function's stderr an error quotes.
const STDERR_TAIL_LINES: usize = 10;

/// Where the enricher binary is, beside the running executable: `target/<profile>/` holds both
/// `watchpost-demo` and `watchpost-enricher`; a test runs from `target/<profile>/deps/`.
pub fn locate_enricher() -> Result<PathBuf, DemoError> {
    let exe = std::env::current_exe()
        .map_err(|err| DemoError::Function(format!("cannot tell where this program is ({err})")))?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let candidates = [
        dir.join(ENRICHER_BINARY),
        dir.join("..").join(ENRICHER_BINARY),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| DemoError::EnricherMissing(candidates[0].clone()))
}

/// Where each variable of the function's environment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvSource {
    /// Lambda's GetFunctionConfiguration: what was deployed.
    Deployed,
    /// Computed from what provisioning created, because the deployed function lacks it.
    Computed,
}

/// The deployed function as the demo runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionEnvironment {
    pub function: String,
    pub memory_mb: u32,
    /// The function's variables (topics, graph, table) and where each came from.
    pub variables: BTreeMap<String, (String, EnvSource)>,
}

/// Reads the function's configuration back from Lambda; a variable the enricher needs that is
/// not deployed (or no function at all) is computed from the provisioned `outputs`, as
/// provisioning would set it.
pub async fn deployed_environment(
    lambda: &aws_sdk_lambda::Client,
    config: &Config,
    outputs: &RegionOutputs,
) -> Result<FunctionEnvironment, DemoError> {
    let name = &config.enricher.function_name;
    let mut variables = BTreeMap::new();
    let mut memory_mb = config.enricher.memory_mb;
    match lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
    {
        Ok(function) => {
            if let Some(memory) = function.memory_size().and_then(|m| u32::try_from(m).ok()) {
                memory_mb = memory;
            }
            for (key, value) in function
                .environment()
                .and_then(|e| e.variables())
                .into_iter()
                .flatten()
            {
                variables.insert(key.clone(), (value.clone(), EnvSource::Deployed));
            }
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) => {}
        Err(err) => return Err(aws("Lambda GetFunctionConfiguration")(err)),
    }
    let mut fallback = |key: String, value: Option<String>| {
        if let Some(value) = value {
            variables.entry(key).or_insert((value, EnvSource::Computed));
        }
    };
    for route in &config.routes {
        let topic = route
            .topic_arn
            .clone()
            .or_else(|| outputs.topics.get(&route.name).cloned());
        fallback(topic_env_var(&route.name), topic);
    }
    if config.detective.enabled {
        fallback(GRAPH_ENV.to_owned(), outputs.graph_arn.clone());
    }
    fallback(
        TABLE_ENV.to_owned(),
        Some(
            outputs
                .state_table
                .clone()
                .unwrap_or_else(|| config.enricher.state_table.clone()),
        ),
    );
    Ok(FunctionEnvironment {
        function: name.clone(),
        memory_mb,
        variables,
    })
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum InvocationResult {
    /// The function's answer.
    Ok(Value),
    /// The function's error: its type (`Watchpost.DeliveryFailed.Retryable`…) and message.
    Error { error_type: String, message: String },
}

impl InvocationResult {
    pub fn is_ok(&self) -> bool {
        matches!(self, InvocationResult::Ok(_))
    }
}

/// Lines read from one of the process's pipes, shared with the task reading them.
type Lines = Arc<Mutex<Vec<String>>>;

/// The enricher process under its Runtime API host.
pub struct RunningFunction {
    api: RuntimeApi,
    child: Child,
    stdout: Lines,
    stderr: Lines,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

/// What the function wrote, once stopped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionOutput {
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl RunningFunction {
    /// Starts `binary` as `function` with `env` on top of Lambda's own variables.
    pub async fn start(
        binary: &Path,
        function: Function,
        env: &[(&str, String)],
    ) -> Result<RunningFunction, DemoError> {
        let api = RuntimeApi::start_for(function).await;
        let mut child = runtime_api::try_spawn_function(binary, &api, env).map_err(|err| {
            DemoError::Function(format!("cannot start {}: {err}", binary.display()))
        })?;
        let (stdout, stderr) = (Lines::default(), Lines::default());
        let mut readers = Vec::new();
        if let Some(pipe) = child.stdout.take() {
            readers.push(tokio::spawn(collect(pipe, stdout.clone())));
        }
        if let Some(pipe) = child.stderr.take() {
            readers.push(tokio::spawn(collect(pipe, stderr.clone())));
        }
        Ok(RunningFunction {
            api,
            child,
            stdout,
            stderr,
            readers,
        })
    }

    /// Invokes the function with `event`; an error if the process stops or does not answer.
    pub async fn invoke(&mut self, event: &Value) -> Result<InvocationResult, DemoError> {
        let outcome = tokio::select! {
            outcome = self.api.try_invoke(event, INVOKE_TIMEOUT) => Ok(outcome),
            status = self.child.wait() => Err(status.ok()),
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(status) => return Err(self.stopped(status).await),
        };
        match outcome {
            Ok(runtime_api::Outcome::Response(answer)) => Ok(InvocationResult::Ok(answer)),
            Ok(runtime_api::Outcome::Error { error_type, body }) => Ok(InvocationResult::Error {
                error_type,
                message: body["errorMessage"].as_str().unwrap_or_default().to_owned(),
            }),
            Err(err) => Err(DemoError::Function(err.to_string())),
        }
    }

    async fn stopped(&mut self, status: Option<ExitStatus>) -> DemoError {
        // Let the readers take in the last lines the process wrote.
        for reader in &mut self.readers {
            let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
        }
        let init = self
            .api
            .init_error()
            .map(|e| format!("; its init error: {e}"))
            .unwrap_or_default();
        let stderr = self.stderr.lock().unwrap();
        let tail = stderr[stderr.len().saturating_sub(STDERR_TAIL_LINES)..].join("\n");
        DemoError::Function(format!(
            "the process stopped ({}){init}; its stderr ends with:\n{tail}",
            status.map_or("unknown status".to_owned(), |s| s.to_string())
        ))
    }

    /// Stops the process and the host, and returns what the process wrote.
    pub async fn stop(mut self) -> FunctionOutput {
        let _ = self.child.kill().await;
        // The pipes close with the process: the readers finish with everything it wrote.
        for reader in self.readers.drain(..) {
            let _ = reader.await;
        }
        drop(self.api);
        let take = |lines: &Lines| std::mem::take(&mut *lines.lock().unwrap());
        FunctionOutput {
            stdout: take(&self.stdout),
            stderr: take(&self.stderr),
        }
    }
}

/// Reads a pipe line by line into `lines` (so the process never blocks on a full pipe).
async fn collect(pipe: impl AsyncRead + Unpin, lines: Lines) {
    let mut reader = BufReader::new(pipe).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        lines.lock().unwrap().push(line);
    }
}

/// The variables the process gets on top of Lambda's: the deployed environment, the config
/// file (in Lambda it is `watchpost.toml` in the package), and the local endpoints.
pub fn process_env(
    deployed: &FunctionEnvironment,
    config_path: &Path,
    moto: &str,
    detective: &str,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = deployed
        .variables
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    env.push((CONFIG_ENV.to_owned(), config_path.display().to_string()));
    env.push(("AWS_ENDPOINT_URL".to_owned(), moto.to_owned()));
    env.push((
        "AWS_ENDPOINT_URL_DETECTIVE".to_owned(),
        detective.to_owned(),
    ));
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_gets_the_deployed_variables_the_config_and_the_endpoints() {
        let mut variables = BTreeMap::new();
        variables.insert(
            "WATCHPOST_STATE_TABLE".to_owned(),
            ("t".to_owned(), EnvSource::Deployed),
        );
        let deployed = FunctionEnvironment {
            function: "f".into(),
            memory_mb: 256,
            variables,
        };
        let env = process_env(
            &deployed,
            Path::new("/c/demo.toml"),
            "http://127.0.0.1:1",
            "http://127.0.0.1:2",
        );
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("WATCHPOST_STATE_TABLE"), Some("t"));
        assert_eq!(get("WATCHPOST_CONFIG"), Some("/c/demo.toml"));
        assert_eq!(get("AWS_ENDPOINT_URL"), Some("http://127.0.0.1:1"));
        assert_eq!(
            get("AWS_ENDPOINT_URL_DETECTIVE"),
            Some("http://127.0.0.1:2")
        );
    }
}
