//! The AI services' own CloudWatch metrics the usage baselines alarm on: per namespace, the
//! metrics, the dimensions that name a model or an endpoint, and the metric discovery lists.
//! One table, read by the config's checks (`[usage.metrics.<name>]` must name one of these) and
//! by the deployer, which puts one alarm per metric and model or endpoint.

/// A namespace Watchpost puts usage alarms on: the metrics alarmed, the dimension naming the
/// model or endpoint, and the metric discovery lists (present for every model or endpoint that
/// ran at all).
#[derive(Debug, PartialEq, Eq)]
pub struct UsageNamespace {
    pub namespace: &'static str,
    /// The service's part of alarm names (`<stack>-usage-<service>-<metric>-<target>`).
    pub service: &'static str,
    pub metrics: &'static [&'static str],
    pub dimensions: &'static [&'static str],
    pub discovery_metric: &'static str,
}

/// Bedrock's runtime metrics per model (Bedrock user guide, "Runtime metrics").
pub const BEDROCK: UsageNamespace = UsageNamespace {
    namespace: "AWS/Bedrock",
    service: "bedrock",
    metrics: &[
        "Invocations",
        "InputTokenCount",
        "OutputTokenCount",
        "InvocationThrottles",
        "InvocationClientErrors",
    ],
    dimensions: &["ModelId"],
    discovery_metric: "Invocations",
};

/// The `bedrock-mantle` endpoint's metrics per model (Bedrock user guide, "Monitor
/// bedrock-mantle inference using CloudWatch metrics"): the OpenAI- and Anthropic-compatible
/// APIs, whose traffic `AWS/Bedrock` does not count. Only where used: models discovered there.
pub const BEDROCK_MANTLE: UsageNamespace = UsageNamespace {
    namespace: "AWS/BedrockMantle",
    service: "bedrockmantle",
    metrics: &[
        "Inferences",
        "TotalInputTokens",
        "TotalOutputTokens",
        "InferenceClientErrors",
    ],
    dimensions: &["Model"],
    discovery_metric: "Inferences",
};

/// SageMaker's invocation metrics per endpoint variant (SageMaker developer guide, "Amazon
/// SageMaker AI endpoint invocation metrics").
pub const SAGEMAKER: UsageNamespace = UsageNamespace {
    namespace: "AWS/SageMaker",
    service: "sagemaker",
    metrics: &["Invocations", "Invocation4XXErrors"],
    dimensions: &["EndpointName", "VariantName"],
    discovery_metric: "Invocations",
};

/// Every namespace, in the order alarms and the dashboard list them.
pub const NAMESPACES: [&UsageNamespace; 3] = [&BEDROCK, &BEDROCK_MANTLE, &SAGEMAKER];

/// Every metric name `[usage.metrics]` can set, once each, in the order of [`NAMESPACES`].
pub fn metric_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for metric in NAMESPACES.iter().flat_map(|ns| ns.metrics.iter()) {
        if !names.contains(metric) {
            names.push(metric);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_named_once_and_invocations_is_shared() {
        let names = metric_names();
        assert_eq!(names.len(), 10, "{names:?}");
        assert_eq!(names.iter().filter(|n| **n == "Invocations").count(), 1);
        assert!(names.contains(&"Invocation4XXErrors"));
    }
}
