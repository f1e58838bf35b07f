//! The names of the default stack: what a config that names nothing deploys (the core's config
//! defaults are these), and what the placeholder policy in `infra/iam/` is rendered for
//! ([`crate::iam::placeholder_policy`]).

/// The stack's name: it tags and names every provisioned resource.
pub const DEFAULT_STACK: &str = "watchpost";
/// The route a config without routes gets (its topic is `<stack>-default`).
pub const DEFAULT_ROUTE: &str = "default";
/// The enricher function is `<stack>` and this, so that stacks in one account do not collide.
pub const FUNCTION_NAME_SUFFIX: &str = "-enricher";
/// The alert-state table is `<stack>` and this.
pub const STATE_TABLE_SUFFIX: &str = "-alert-state";
/// The CloudWatch namespace of Watchpost's metrics.
pub const DEFAULT_METRICS_NAMESPACE: &str = "Watchpost";
