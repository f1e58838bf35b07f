//! What Watchpost created that AWS cannot mark as the stack's: subscriptions. SNS has no tags
//! on subscriptions, and a route may publish to a topic that is not Watchpost's (`topic_arn`),
//! so "every confirmed subscription on a stack topic" is not a way to tell: it would take AWS
//! Chatbot's or a team's queue. Each subscription Watchpost creates gets a Parameter Store
//! parameter `/watchpost/<stack>/subscriptions/<id>` holding its ARN, written right after
//! Subscribe and removed with Unsubscribe (an intent, written before Subscribe, covers a run
//! stopped in between); only those are the stack's to change or remove. Anything else on its topics is left alone by apply and destroy, and listed by `outputs`.
//!
//! The same goes for Detective's organization administrator: `/watchpost/<stack>/organization-
//! admin` says Watchpost enabled it (written before enabling it, so that a run stopped between
//! the two still knows it); one that was there before is used and never disabled. And
//! for the members of the graph: `/watchpost/<stack>/members/<account>` (its value the graph's
//! ARN) says Watchpost invited the account, written before the invitation; a member the
//! organization enabled or someone else invited is never the stack's, whatever the config
//! lists.
//!
//! Why Parameter Store: a tag on the topic cannot cover a topic someone else owns and a topic
//! takes 50 tags; an item in the stack's alert-state table would not exist before the first
//! apply creates the table, and destroy deletes the table before the subscriptions. Parameters
//! exist independently of everything the stack provisions, cost nothing (standard tier), and
//! the same store holds the stack's lock ([`crate::lock`]).

/// Where the subscription records of `stack` live (in each region: SSM is regional, like SNS).
pub fn subscriptions_path(stack: &str) -> String {
    format!("/watchpost/{stack}/subscriptions")
}

/// Where the member records of `stack` live: one per account Watchpost invited into the
/// region's graph, its value the graph's ARN.
pub fn members_path(stack: &str) -> String {
    format!("/watchpost/{stack}/members")
}

/// The record that Watchpost invited `account` into the graph.
pub fn member(stack: &str, account: &str) -> String {
    format!("{}/{account}", members_path(stack))
}

/// The record that the stack enabled Detective's organization administrator (its value is the
/// account): only then does destroy disable it.
pub fn organization_admin(stack: &str) -> String {
    format!("/watchpost/{stack}/organization-admin")
}

/// The intent to create `subscription`, written before Subscribe and removed once its record
/// is written (its value the topic's ARN): a run stopped in between leaves the subscription
/// known as the stack's by it. Named after a hash of the topic, protocol and endpoint, which
/// SNS keeps one subscription of.
pub fn subscription_intent(stack: &str, subscription: &crate::spec::SubscriptionSpec) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!(
        "{}\n{}\n{}",
        subscription.topic_arn,
        subscription.protocol.as_str(),
        subscription.endpoint
    ));
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}/{INTENT}{hex}", subscriptions_path(stack))
}

/// Whether the record `name` is a subscription's intent ([`subscription_intent`]).
pub fn is_subscription_intent(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .is_some_and(|last| last.starts_with(INTENT))
}

const INTENT: &str = "intent-";

/// The record of the subscription `arn`: named after its id (the ARN's last part, a UUID in
/// AWS), in the characters parameter names allow.
pub fn subscription_record(stack: &str, arn: &str) -> String {
    let id: String = arn
        .rsplit(':')
        .next()
        .unwrap_or(arn)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{}/{id}", subscriptions_path(stack))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_named_after_the_subscription_id() {
        assert_eq!(
            subscription_record(
                "wp",
                "arn:aws:sns:us-east-1:123456789012:wp-pager:0d3c6b2e-1f5a-4c1e-9b9e-2f1d7c4a8e10"
            ),
            "/watchpost/wp/subscriptions/0d3c6b2e-1f5a-4c1e-9b9e-2f1d7c4a8e10"
        );
    }
}
