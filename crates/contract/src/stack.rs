//! What makes a resource a stack's: the tag the deployer puts on everything it creates (and
//! destroys only what carries it), and the kinds of resource a stack finds by name and may
//! adopt (`[watchpost] adopt`, checked by the core's config, taken over by the deployer).

/// The tag that marks what a stack owns: `watchpost:stack=<stack>`.
pub const STACK_TAG: &str = "watchpost:stack";

/// Kinds of resources a stack finds by name and may adopt (as the plan names them).
pub const ADOPTABLE_KINDS: &[&str] = &[
    "iam-role",
    "kms-key",
    "sns-topic",
    "sqs-queue",
    "dynamodb-table",
    "lambda-function",
    "events-rule",
    "cloudwatch-alarm",
    "cloudwatch-dashboard",
];
