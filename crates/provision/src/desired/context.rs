//! What every part of the desired state is derived with: the [`Context`] (who and where, the
//! graph and key as observed, the package), the stack's deterministic [`names`], its tag, and
//! the routes' topics.

use watchpost_core::Config;

use crate::model::Resource;
use crate::spec::{Deferred, Spec, Tags, Unknown};

/// Alarms evaluate five-minute periods.
pub(super) const PERIOD_S: u32 = 300;

/// The tag on everything Watchpost owns.
pub use watchpost_contract::stack::STACK_TAG;

/// What the desired state depends on besides the config.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub region: String,
    pub account_id: String,
    pub partition: String,
    /// The graph in use, when it exists (or the config names one).
    pub graph_arn: Option<String>,
    /// The region's graph existed without the stack's tag: Watchpost manages its members and
    /// tags but never marks it as its own, so destroy leaves it.
    pub graph_adopted: bool,
    /// The topics' key, when it exists.
    pub key_arn: Option<String>,
    /// The deployment package's hash (base64 SHA-256), when there is a package.
    pub code_sha256: Option<String>,
}

impl Context {
    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account_id
        )
    }
    pub fn topic_arn(&self, name: &str) -> String {
        self.arn("sns", name)
    }
    pub fn role_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:role/{name}",
            self.partition, self.account_id
        )
    }
    pub fn root_arn(&self) -> String {
        format!("arn:{}:iam::{}:root", self.partition, self.account_id)
    }
    pub fn rule_arn(&self, name: &str) -> String {
        self.arn("events", &format!("rule/{name}"))
    }
    pub fn queue_arn(&self, name: &str) -> String {
        self.arn("sqs", name)
    }
    pub fn function_arn(&self, name: &str) -> String {
        self.arn("lambda", &format!("function:{name}"))
    }
    pub fn table_arn(&self, name: &str) -> String {
        self.arn("dynamodb", &format!("table/{name}"))
    }
    pub fn alarm_arn(&self, name: &str) -> String {
        self.arn("cloudwatch", &format!("alarm:{name}"))
    }
    pub fn region(&self) -> &str {
        &self.region
    }
    /// The graph's ARN, unknown until the graph exists.
    pub fn graph(&self) -> Deferred<String> {
        Deferred::from_option(self.graph_arn.clone(), Unknown::GraphArn)
    }
    /// The topics' key's ARN, unknown until the key exists.
    pub fn key(&self) -> Deferred<String> {
        Deferred::from_option(self.key_arn.clone(), Unknown::KeyArn)
    }
    /// The package's hash, unknown when there is no package.
    pub fn code(&self) -> Deferred<String> {
        Deferred::from_option(self.code_sha256.clone(), Unknown::Package)
    }
}

/// Deterministic names of what Watchpost creates.
pub mod names {
    pub fn topic(stack: &str, route: &str) -> String {
        format!("{stack}-{route}")
    }
    pub fn operations_topic(stack: &str) -> String {
        format!("{stack}-operations")
    }
    pub fn key_alias(stack: &str) -> String {
        format!("alias/{stack}-sns")
    }
    /// The enricher's role in `region`. IAM is global while everything the role's policy
    /// names is regional, so each region's function has a role of its own.
    pub fn role(stack: &str, region: &str) -> String {
        format!("{stack}-enricher-{region}")
    }
    pub fn dlq(stack: &str) -> String {
        format!("{stack}-enricher-dlq")
    }
    pub fn findings_rule(stack: &str) -> String {
        format!("{stack}-findings")
    }
    pub fn securityhub_rule(stack: &str) -> String {
        format!("{stack}-securityhub")
    }

    pub fn securityhub_v2_rule(stack: &str) -> String {
        format!("{stack}-securityhub-v2")
    }
    pub fn sweep_rule(stack: &str) -> String {
        format!("{stack}-sweep")
    }
    /// The CloudTrail management events the detections read.
    pub fn cloudtrail_rule(stack: &str) -> String {
        format!("{stack}-cloudtrail")
    }
    /// The CloudTrail calls of the pipeline detections, straight to the operations topic.
    pub fn operations_rule(stack: &str) -> String {
        format!("{stack}-pipeline")
    }
    /// The usage alarms' state changes. Not `<stack>-usage-…`: that prefix is the usage
    /// alarms' own, and the rule's failed-invocations alarm must not look like one.
    pub fn usage_alarms_rule(stack: &str) -> String {
        format!("{stack}-alarm-states")
    }
    /// The enricher role's inline policy.
    pub fn role_policy(stack: &str) -> String {
        format!("{stack}-enricher")
    }
    /// The target id of the enricher on every rule.
    pub const ENRICHER_TARGET: &str = "enricher";
    /// The target id of the operations topic on the operations rule.
    pub const OPERATIONS_TARGET: &str = "operations";
    pub fn alarm(stack: &str, what: &str) -> String {
        format!("{stack}-{what}")
    }
    pub fn dashboard(stack: &str) -> String {
        stack.to_owned()
    }
    /// The detector's resource name (a region has at most one detector).
    pub const DETECTOR: &str = "detector";
    pub fn subscription(topic_name: &str, protocol: &str, endpoint: &str) -> String {
        format!("{topic_name}/{protocol}:{endpoint}")
    }
    /// The name part of an ARN (after the last `:`).
    pub fn arn_name(arn: &str) -> &str {
        arn.rsplit(':').next().unwrap_or(arn)
    }
}

/// The stack tag plus `extra`.
pub fn stack_tags(config: &Config, extra: &Tags) -> Tags {
    let mut tags = extra.clone();
    tags.insert(STACK_TAG.to_owned(), config.watchpost.stack.clone());
    tags
}

/// Whether `tags` mark a resource as this stack's.
pub fn is_owned(config: &Config, tags: &Tags) -> bool {
    tags.get(STACK_TAG) == Some(&config.watchpost.stack)
}

pub(super) fn resource(ctx: &Context, name: &str, spec: impl Into<Spec>) -> Resource {
    Resource::new(&ctx.region, name, spec)
}

/// A route's topic: its name and ARN, and whether Watchpost creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTopic {
    pub route: String,
    pub name: String,
    pub arn: String,
    pub managed: bool,
}

/// Every route's topic.
pub fn route_topics(config: &Config, ctx: &Context) -> Vec<RouteTopic> {
    config
        .routes
        .iter()
        .map(|route| match &route.topic_arn {
            Some(arn) => RouteTopic {
                route: route.name.clone(),
                name: names::arn_name(arn).to_owned(),
                arn: arn.clone(),
                managed: false,
            },
            None => {
                let name = names::topic(&config.watchpost.stack, &route.name);
                RouteTopic {
                    route: route.name.clone(),
                    arn: ctx.topic_arn(&name),
                    name,
                    managed: true,
                }
            }
        })
        .collect()
}
