//! The least-privilege IAM policy of the enricher's execution role, generated from what the
//! code calls: no wildcard actions, resources scoped wherever the service allows it.
//! PutMetricData has no resource-level permissions, so it is conditioned on the namespace.
//! It is the whole policy the function's role gets, deployment included (the on-failure
//! destination sends through the role, and SNS encrypts with the topics' key on its behalf):
//! `infra/iam/enricher-policy.json` is this policy with placeholders (kept in sync by a test).
//! The enricher's adapters call exactly these actions; the deployer attaches exactly this.

use serde_json::{Value, json};

use crate::names::{
    DEFAULT_METRICS_NAMESPACE, DEFAULT_ROUTE, DEFAULT_STACK, FUNCTION_NAME_SUFFIX,
    STATE_TABLE_SUFFIX,
};

/// What the policy is scoped to.
#[derive(Debug, Clone)]
pub struct PolicyScope<'a> {
    pub partition: &'a str,
    pub account_id: &'a str,
    pub region: &'a str,
    /// The function's name: its log group is `/aws/lambda/<name>`.
    pub function_name: &'a str,
    pub table: &'a str,
    pub topic_arns: &'a [String],
    pub graph_arn: Option<&'a str>,
    pub metrics_namespace: &'a str,
    /// The customer managed key encrypting the topics, if any.
    pub topic_kms_key_arn: Option<&'a str>,
    /// The dead-letter queue Lambda's on-failure destination sends failed events to, with the
    /// function's role.
    pub dead_letter_queue_arn: Option<&'a str>,
}

/// The actions each service's adapter calls.
/// Lambda writes the function's log through its role, creating the log group on the first
/// invocation (its metrics travel in that log as EMF).
pub const LOGS_ACTIONS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];
pub const SNS_ACTIONS: &[&str] = &["sns:Publish"];
pub const DYNAMODB_ACTIONS: &[&str] = &[
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
];
pub const DETECTIVE_ACTIONS: &[&str] = &[
    "detective:GetInvestigation",
    "detective:ListIndicators",
    "detective:ListInvestigations",
    "detective:StartInvestigation",
];
pub const CLOUDWATCH_ACTIONS: &[&str] = &["cloudwatch:PutMetricData"];
/// SNS needs these on the key to publish to an encrypted topic (SNS developer guide,
/// "Encryption at rest").
pub const KMS_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];
/// Lambda's on-failure destination sends with the function's role (Lambda developer guide,
/// "Adding a destination").
pub const SQS_ACTIONS: &[&str] = &["sqs:SendMessage"];

/// The enricher's policy document.
pub fn enricher_policy(scope: &PolicyScope<'_>) -> Value {
    let PolicyScope {
        partition,
        account_id,
        region,
        ..
    } = *scope;
    let log_group = format!(
        "arn:{partition}:logs:{region}:{account_id}:log-group:/aws/lambda/{}",
        scope.function_name
    );
    let mut statements = vec![
        json!({
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": LOGS_ACTIONS,
            "Resource": [log_group.clone(), format!("{log_group}:*")],
        }),
        json!({
            "Sid": "PublishAlerts",
            "Effect": "Allow",
            "Action": SNS_ACTIONS,
            "Resource": scope.topic_arns,
        }),
        json!({
            "Sid": "AlertState",
            "Effect": "Allow",
            "Action": DYNAMODB_ACTIONS,
            "Resource": [format!("arn:{partition}:dynamodb:{region}:{account_id}:table/{}", scope.table)],
        }),
        json!({
            "Sid": "PutMetricDataOwnNamespace",
            "Effect": "Allow",
            "Action": CLOUDWATCH_ACTIONS,
            // PutMetricData supports no resource-level permissions; the namespace condition
            // is how it is scoped (CloudWatch user guide, "Using condition keys").
            "Resource": "*",
            "Condition": { "StringEquals": { "cloudwatch:namespace": scope.metrics_namespace } },
        }),
    ];
    if let Some(graph_arn) = scope.graph_arn {
        statements.push(json!({
            "Sid": "DetectiveInvestigations",
            "Effect": "Allow",
            "Action": DETECTIVE_ACTIONS,
            "Resource": [graph_arn],
        }));
    }
    if let Some(key) = scope.topic_kms_key_arn {
        statements.push(json!({
            "Sid": "EncryptedTopics",
            "Effect": "Allow",
            "Action": KMS_ACTIONS,
            "Resource": [key],
            "Condition": { "StringEquals": { "kms:ViaService": format!("sns.{region}.amazonaws.com") } },
        }));
    }
    if let Some(queue) = scope.dead_letter_queue_arn {
        statements.push(json!({
            "Sid": "FailedEventsToDeadLetterQueue",
            "Effect": "Allow",
            "Action": SQS_ACTIONS,
            "Resource": [queue],
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The policy with CloudFormation-style placeholders for what is only known per deployment,
/// for the default stack ([`crate::names`]) and its default route; as in `infra/iam/`.
pub fn placeholder_policy() -> Value {
    let topics = [format!(
        "arn:${{Partition}}:sns:${{Region}}:${{AccountId}}:{DEFAULT_STACK}-{DEFAULT_ROUTE}"
    )];
    enricher_policy(&PolicyScope {
        partition: "${Partition}",
        account_id: "${AccountId}",
        region: "${Region}",
        function_name: &format!("{DEFAULT_STACK}{FUNCTION_NAME_SUFFIX}"),
        table: &format!("{DEFAULT_STACK}{STATE_TABLE_SUFFIX}"),
        topic_arns: &topics,
        graph_arn: Some("arn:${Partition}:detective:${Region}:${AccountId}:graph:${GraphId}"),
        metrics_namespace: DEFAULT_METRICS_NAMESPACE,
        topic_kms_key_arn: Some("arn:${Partition}:kms:${Region}:${AccountId}:key/${TopicKeyId}"),
        dead_letter_queue_arn: Some(&format!(
            "arn:${{Partition}}:sqs:${{Region}}:${{AccountId}}:{DEFAULT_STACK}-enricher-dlq"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rendered_policy_is_the_whole_policy_with_the_queue_and_the_key() {
        let policy = placeholder_policy();
        let sids: Vec<&str> = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        assert!(sids.contains(&"FailedEventsToDeadLetterQueue"), "{sids:?}");
        assert!(sids.contains(&"EncryptedTopics"), "{sids:?}");
        let text = policy.to_string();
        assert!(text.contains("sqs:SendMessage"), "{text}");
        assert!(text.contains(":watchpost-enricher-dlq"), "{text}");
        assert!(text.contains("kms:GenerateDataKey"), "{text}");
    }

    #[test]
    fn no_wildcard_actions_and_only_put_metric_data_on_any_resource() {
        let policy = placeholder_policy();
        for statement in policy["Statement"].as_array().unwrap() {
            for action in statement["Action"].as_array().unwrap() {
                assert!(!action.as_str().unwrap().contains('*'), "{action}");
            }
            if statement["Resource"] == "*" {
                assert_eq!(statement["Action"], json!(["cloudwatch:PutMetricData"]));
                assert_eq!(
                    statement["Condition"]["StringEquals"]["cloudwatch:namespace"],
                    "Watchpost"
                );
            }
        }
    }
}
