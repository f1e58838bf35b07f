//! Desired state: the resources a config calls for in one region. Pure: no I/O, no clock. What
//! only exists after apply (a new graph's or key's ARN) is a [`Deferred::Unknown`] value; apply
//! derives those values ([`role_policy`], [`enricher_environment`]) once it has created what
//! they come from. The parts: [`context`] (what every part is derived with), [`function`] (the
//! enricher, its role and rules), [`monitoring`] (alarms, dashboard), [`activity`] (usage
//! baselines, the CloudTrail rule), [`operations`] (the pipeline's calls straight to the
//! operations topic).

use serde_json::{Value, json};
use watchpost_core::Config;

use crate::model::Resource;
use crate::spec::*;

mod activity;
mod context;
mod function;
mod monitoring;
mod operations;

pub use activity::{
    BEDROCK, BEDROCK_MANTLE, EVENT_PATTERN_MAX_CHARS, SAGEMAKER, UsageNamespace, UsageTargets,
    choose, cloudtrail_pattern, discovers, targets_of, usage_alarm_name, usage_alarms_pattern,
};
use context::resource;
pub use context::{Context, RouteTopic, STACK_TAG, is_owned, names, route_topics, stack_tags};
pub use function::{
    enricher_environment, enricher_rules, findings_pattern, role_policy, security_hub_notes,
    securityhub_pattern, securityhub_v2_pattern, sweeps,
};
pub use monitoring::{dashboard_body, dashboard_body_with, dashboard_url};
pub use operations::{
    OPERATIONS_INPUT_PATHS, has_operations_rule, operations_input, operations_pattern,
};

/// The resources a config calls for in one region, computed once when planning, with what
/// they were computed from: the context (who and where, the graph and key as observed, the
/// package) and the models and endpoints the usage alarms watch. A plan carries it; apply
/// starts from its context.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub ctx: Context,
    pub usage: UsageTargets,
    pub resources: Vec<Resource>,
}

impl Desired {
    pub fn new(config: &Config, ctx: Context, usage: UsageTargets) -> Desired {
        let resources = desired_with(config, &ctx, &usage);
        Desired {
            ctx,
            usage,
            resources,
        }
    }
}

/// The resources `config` calls for in the context's region, in no particular order, with
/// usage alarms on the models and endpoints the config lists.
pub fn desired(config: &Config, ctx: &Context) -> Vec<Resource> {
    desired_with(config, ctx, &UsageTargets::listed(config))
}

/// [`desired`], with usage alarms on `usage` (what the plan listed and discovered).
pub fn desired_with(config: &Config, ctx: &Context, usage: &UsageTargets) -> Vec<Resource> {
    let mut out = Vec::new();
    detective(config, ctx, &mut out);
    sns(config, ctx, &mut out);
    enricher(config, ctx, &mut out);
    function::function(config, ctx, &mut out);
    function::rules(config, ctx, &mut out);
    operations::rule(config, ctx, &mut out);
    monitoring::alarms(config, ctx, &mut out);
    activity::usage_alarms(config, ctx, usage, &mut out);
    monitoring::dashboard(config, ctx, usage, &mut out);
    guardduty(config, ctx, &mut out);
    out
}

/// The detector, when the config manages it.
fn guardduty(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    let guardduty = &config.guardduty;
    if !guardduty.manage_detector {
        return;
    }
    let mut features = guardduty.features.clone();
    features.sort();
    features.dedup();
    out.push(resource(
        ctx,
        names::DETECTOR,
        DetectorSpec {
            finding_publishing_frequency: guardduty.finding_publishing_frequency.clone(),
            features,
        },
    ));
}

/// The table's properties: the key schema and TTL attribute the enricher reads and writes.
pub fn state_table(config: &Config) -> TableSpec {
    use watchpost_contract::table::{PARTITION_KEY, TTL_ATTRIBUTE};
    TableSpec {
        partition_key: PARTITION_KEY.to_owned(),
        billing_mode: BillingMode::PayPerRequest,
        sse_enabled: true,
        ttl_attribute: Some(TTL_ATTRIBUTE.to_owned()),
        tags: stack_tags(config, &Tags::new()),
    }
}

/// The dead-letter queue's properties: encrypted, failed events kept as long as SQS allows,
/// and a policy that lets only this stack's rules send to it (the function's on-failure
/// destination sends with the enricher role's own permission).
pub fn dead_letter_queue(config: &Config, ctx: &Context) -> QueueSpec {
    let stack = &config.watchpost.stack;
    let queue_arn = ctx.queue_arn(&names::dlq(stack));
    let mut rules: Vec<String> = enricher_rules(config)
        .iter()
        .map(|r| ctx.rule_arn(r))
        .collect();
    if has_operations_rule(config) {
        rules.push(ctx.rule_arn(&names::operations_rule(stack)));
    }
    QueueSpec {
        sqs_managed_sse: true,
        message_retention_seconds: crate::limits::SQS_MAX_RETENTION_SECONDS,
        policy: Some(PolicyDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "StackRulesSendFailedEvents",
                "Effect": "Allow",
                "Principal": { "Service": "events.amazonaws.com" },
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": { "ArnEquals": { "aws:SourceArn": rules } }
            }]
        }))),
        tags: stack_tags(config, &Tags::new()),
    }
}

/// What the enricher keeps its state in and sends what it could not process to.
fn enricher(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    out.push(resource(
        ctx,
        &config.enricher.state_table,
        state_table(config),
    ));
    out.push(resource(
        ctx,
        &names::dlq(&config.watchpost.stack),
        dead_letter_queue(config, ctx),
    ));
}

fn detective(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    let detective = &config.detective;
    if !detective.enabled {
        return;
    }
    // The graph named by `graph_arn` and the one found follow one rule: the config's tags on
    // it, and the stack's only on a graph the stack created.
    out.push(resource(
        ctx,
        "graph",
        GraphSpec {
            tags: if ctx.graph_adopted {
                detective.tags.clone()
            } else {
                stack_tags(config, &detective.tags)
            },
        },
    ));
    for member in &detective.members {
        out.push(resource(
            ctx,
            &member.account_id,
            MemberSpec {
                email: member.email.clone(),
            },
        ));
    }
    if !detective.datasource_packages.is_empty() {
        let mut enabled = detective.datasource_packages.clone();
        enabled.sort();
        enabled.dedup();
        out.push(resource(ctx, "graph", DatasourcesSpec { enabled }));
    }
    if let Some(org) = &detective.organization {
        out.push(resource(
            ctx,
            "organization",
            OrganizationSpec {
                admin_account_id: org.admin_account_id.clone(),
                auto_enable: org.auto_enable,
            },
        ));
    }
}

/// The topics' key policy: the account root administers the key; CloudWatch (the alarms that
/// publish to the operations topic), the enricher's role and the operations rule may use it,
/// and nothing else. EventBridge may use it only for the stack's operations rule
/// (`aws:SourceArn`): a grant to EventBridge at large would let anyone who can create a rule
/// encrypt messages for the topics, and so publish forged alerts wherever a topic policy let a
/// rule in.
pub fn key_policy(config: &Config, ctx: &Context) -> PolicyDocument {
    let stack = &config.watchpost.stack;
    let mut statements = vec![
        json!({
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": { "AWS": ctx.root_arn() },
            "Action": [
                "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": "AlarmsPublishToEncryptedTopics",
            "Effect": "Allow",
            "Principal": { "Service": "cloudwatch.amazonaws.com" },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:SourceAccount": ctx.account_id } }
        }),
        json!({
            "Sid": "EnricherPublishesToEncryptedTopics",
            "Effect": "Allow",
            "Principal": { "AWS": ctx.role_arn(&names::role(stack, &ctx.region)) },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": { "StringEquals": { "kms:ViaService": format!("sns.{}.amazonaws.com", ctx.region) } }
        }),
    ];
    if has_operations_rule(config) {
        // What SNS asks of a key for an AWS service that publishes to an encrypted topic (SNS
        // developer guide, "Encryption at rest": event sources and encrypted topics). Without
        // conditions: SNS documents that `aws:SourceAccount` and `aws:SourceArn` in a key
        // policy are not supported for EventBridge publishing to an encrypted topic (with them,
        // every delivery fails). The operations topic's policy is what admits the one rule; the
        // key only lets EventBridge encrypt what a topic policy already let it publish.
        statements.push(json!({
            "Sid": "OperationsRulePublishesToEncryptedTopic",
            "Effect": "Allow",
            "Principal": { "Service": "events.amazonaws.com" },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*"
        }));
    }
    PolicyDocument::new(json!({ "Version": "2012-10-17", "Statement": statements }))
}

fn owner_statement(ctx: &Context, topic_arn: &str) -> Value {
    json!({
        "Sid": "AccountManagesTopic",
        "Effect": "Allow",
        "Principal": { "AWS": ctx.root_arn() },
        "Action": [
            "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission",
            "sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe",
            "sns:ListSubscriptionsByTopic"
        ],
        "Resource": topic_arn
    })
}

/// A route topic's policy: only the enricher's role publishes (no rule targets a route topic,
/// so no service may publish: that would let anyone able to create a rule forge alerts).
pub fn route_topic_policy(config: &Config, ctx: &Context, topic_arn: &str) -> PolicyDocument {
    let stack = &config.watchpost.stack;
    PolicyDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [
            owner_statement(ctx, topic_arn),
            {
                "Sid": "EnricherPublishes",
                "Effect": "Allow",
                "Principal": { "AWS": ctx.role_arn(&names::role(stack, &ctx.region)) },
                "Action": "sns:Publish",
                "Resource": topic_arn
            }
        ]
    }))
}

/// The operations topic's policy: only this stack's CloudWatch alarms publish, and its
/// operations rule (that one rule, by `aws:SourceArn`: any rule in the account could otherwise
/// put forged news on the topic).
pub fn operations_topic_policy(config: &Config, ctx: &Context, topic_arn: &str) -> PolicyDocument {
    let stack = &config.watchpost.stack;
    let mut statements = vec![
        owner_statement(ctx, topic_arn),
        json!({
            "Sid": "StackAlarmsPublish",
            "Effect": "Allow",
            "Principal": { "Service": "cloudwatch.amazonaws.com" },
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": { "aws:SourceAccount": ctx.account_id },
                "ArnLike": { "aws:SourceArn": ctx.alarm_arn(&format!("{stack}-*")) }
            }
        }),
    ];
    if has_operations_rule(config) {
        statements.push(json!({
            "Sid": "OperationsRulePublishes",
            "Effect": "Allow",
            "Principal": { "Service": "events.amazonaws.com" },
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": { "aws:SourceAccount": ctx.account_id },
                "ArnEquals": { "aws:SourceArn": ctx.rule_arn(&names::operations_rule(stack)) }
            }
        }));
    }
    PolicyDocument::new(json!({ "Version": "2012-10-17", "Statement": statements }))
}

fn sns(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    let stack = &config.watchpost.stack;
    let tags = stack_tags(config, &Tags::new());
    let alias = names::key_alias(stack);
    out.push(resource(
        ctx,
        &alias,
        KeySpec {
            description: format!("Encrypts the SNS topics of Watchpost stack {stack}"),
            policy: key_policy(config, ctx),
            tags: tags.clone(),
            enabled: true,
            aliased: true,
        },
    ));
    let mut subscribe = |topic: &RouteTopic, protocol: Protocol, endpoint: &str, filter, raw| {
        out.push(resource(
            ctx,
            &names::subscription(&topic.name, protocol.as_str(), endpoint),
            SubscriptionSpec {
                topic_arn: topic.arn.clone(),
                protocol,
                endpoint: endpoint.to_owned(),
                filter_policy: filter,
                raw_message_delivery: raw,
                filter_policy_scope: None,
                redrive_policy: None,
            },
        ));
    };
    let mut topics = Vec::new();
    for (route, topic) in config.routes.iter().zip(route_topics(config, ctx)) {
        for sub in &route.subscriptions {
            let filter = sub
                .filter_policy
                .as_ref()
                .map(|t| serde_json::to_value(t).expect("TOML tables are JSON"));
            subscribe(
                &topic,
                sub.protocol.into(),
                &sub.endpoint,
                filter,
                sub.raw_message_delivery,
            );
        }
        if topic.managed {
            let policy = route_topic_policy(config, ctx, &topic.arn);
            topics.push((topic, policy));
        }
    }
    let ops_name = names::operations_topic(stack);
    let ops = RouteTopic {
        route: String::new(),
        arn: ctx.topic_arn(&ops_name),
        name: ops_name,
        managed: true,
    };
    if let Some(email) = &config.alarms.operations_email {
        subscribe(&ops, Protocol::Email, email, None, false);
    }
    for sub in &config.alarms.operations_subscriptions {
        let filter = sub
            .filter_policy
            .as_ref()
            .map(|t| serde_json::to_value(t).expect("TOML tables are JSON"));
        subscribe(
            &ops,
            sub.protocol.into(),
            &sub.endpoint,
            filter,
            sub.raw_message_delivery,
        );
    }
    let ops_policy = operations_topic_policy(config, ctx, &ops.arn);
    topics.push((ops, ops_policy));
    for (topic, policy) in topics {
        out.push(resource(
            ctx,
            &topic.name,
            TopicSpec {
                kms_master_key_id: Some(alias.clone()),
                policy: Some(policy),
                tags: tags.clone(),
            },
        ));
    }
}
