//! The enricher's deployment: its execution role and least-privilege policy, the function with
//! its asynchronous-invocation settings, the EventBridge rules that feed it (findings, Security
//! Hub's copies, the investigation sweep), their targets, and the permissions that let those
//! rules invoke it.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use watchpost_contract::env::{GRAPH_ENV, KEYS_ENV, TABLE_ENV, topic_env_var};
use watchpost_contract::iam::{PolicyScope, enricher_policy};
use watchpost_core::Config;

use super::context::{Context, names, resource, route_topics, stack_tags};
use crate::limits;
use crate::model::Resource;
use crate::spec::Deferred;
use crate::spec::*;

/// The runtime for a Rust binary named `bootstrap` (Lambda developer guide, "OS-only runtimes").
pub const RUNTIME: &str = "provided.al2023";
pub const HANDLER: &str = "bootstrap";

/// The role's trust policy: Lambda assumes it, for functions of this account only.
fn trust_policy(ctx: &Context) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "lambda.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": ctx.account_id } }
        }]
    })
}

/// The enricher's whole policy, from `watchpost_contract::iam` (what its code calls, and what
/// its deployment needs: the on-failure destination sends failed events to the dead-letter
/// queue with the function's own role), scoped to what exists. Unknown until the graph (when
/// Detective is on) and the topics' key exist.
pub fn role_policy(config: &Config, ctx: &Context) -> Deferred<PolicyDocument> {
    let topic_arns: Vec<String> = route_topics(config, ctx)
        .into_iter()
        .map(|t| t.arn)
        .collect();
    let graph = match (config.detective.enabled, ctx.graph()) {
        (false, _) => None,
        (true, Deferred::Known(graph)) => Some(graph),
        (true, Deferred::Unknown(unknown)) => return Deferred::Unknown(unknown),
    };
    let key = match ctx.key() {
        Deferred::Known(key) => key,
        Deferred::Unknown(unknown) => return Deferred::Unknown(unknown),
    };
    let queue = ctx.queue_arn(&names::dlq(&config.watchpost.stack));
    let policy = enricher_policy(&PolicyScope {
        partition: &ctx.partition,
        account_id: &ctx.account_id,
        region: &ctx.region,
        function_name: &config.enricher.function_name,
        table: &config.enricher.state_table,
        topic_arns: &topic_arns,
        graph_arn: graph.as_deref(),
        metrics_namespace: &config.metrics.namespace,
        topic_kms_key_arn: Some(&key),
        dead_letter_queue_arn: Some(&queue),
    });
    Deferred::Known(PolicyDocument::new(policy))
}

/// What the function reads from its environment: every route's topic, the graph, the table,
/// the topics' key (for the detections of the stack's key disabled or its policy replaced).
/// The config itself travels in the package (`watchpost.toml`).
pub fn enricher_environment(config: &Config, ctx: &Context) -> BTreeMap<String, Deferred<String>> {
    let mut env = BTreeMap::new();
    for topic in route_topics(config, ctx) {
        env.insert(topic_env_var(&topic.route), Deferred::Known(topic.arn));
    }
    if config.detective.enabled {
        env.insert(GRAPH_ENV.to_owned(), ctx.graph());
    }
    env.insert(
        TABLE_ENV.to_owned(),
        Deferred::Known(config.enricher.state_table.clone()),
    );
    env.insert(KEYS_ENV.to_owned(), ctx.key());
    env
}

/// The role, its policy, the function and its invoke config.
pub(super) fn function(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    let stack = &config.watchpost.stack;
    let enricher = &config.enricher;
    let tags = stack_tags(config, &Tags::new());
    let role = names::role(stack, &ctx.region);
    out.push(resource(
        ctx,
        &role,
        RoleSpec {
            description: format!("Runs the enricher of Watchpost stack {stack}"),
            trust_policy: PolicyDocument::new(trust_policy(ctx)),
            tags: tags.clone(),
            managed_policies: Vec::new(),
        },
    ));
    out.push(resource(
        ctx,
        &names::role_policy(stack),
        RolePolicySpec {
            role: role.clone(),
            policy: role_policy(config, ctx),
        },
    ));
    out.push(resource(
        ctx,
        &enricher.function_name,
        FunctionSpec {
            role_arn: ctx.role_arn(&role),
            runtime: RUNTIME.to_owned(),
            handler: HANDLER.to_owned(),
            architecture: enricher.architecture,
            memory_mb: enricher.memory_mb,
            timeout_s: enricher.timeout_s,
            environment: enricher_environment(config, ctx),
            code_sha256: ctx.code(),
            tags: tags.clone(),
        },
    ));
    out.push(resource(
        ctx,
        &enricher.function_name,
        InvokeConfigSpec {
            maximum_retry_attempts: enricher.maximum_retry_attempts,
            maximum_event_age_s: enricher.maximum_event_age_s,
            on_failure_arn: ctx.queue_arn(&names::dlq(stack)),
        },
    ));
}

/// GuardDuty's findings, at or above the lowest severity anything could alert at: below it
/// the enricher would only count them, so they are not worth an invocation. Sample findings
/// alert whatever their severity while `alert_samples` is on, so they pass too (`$or`).
pub fn findings_pattern(config: &Config) -> Value {
    let lowest = config
        .thresholds
        .ai_min_severity
        .min(config.thresholds.other_min_severity);
    let mut pattern = json!({
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
    });
    if lowest.min_score() > 0.0 {
        let severe =
            json!({ "detail": { "severity": [{ "numeric": [">=", lowest.min_score()] }] } });
        if config.thresholds.alert_samples {
            pattern["$or"] = json!([
                severe,
                { "detail": { "service": { "additionalInfo": { "sample": [true, "true"] } } } },
            ]);
        } else {
            pattern["detail"] = severe["detail"].clone();
        }
    }
    pattern
}

/// Security Hub CSPM's copies of GuardDuty findings (the enricher reads those and deduplicates
/// them against GuardDuty's own events).
pub fn securityhub_pattern() -> Value {
    json!({
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        "detail": { "findings": { "ProductName": ["GuardDuty"] } },
    })
}

/// The new Security Hub's detection findings (OCSF class 2004), of GuardDuty and of other
/// products: compliance findings, which never alert, are left out by the rule, so they cost no
/// invocation.
pub fn securityhub_v2_pattern() -> Value {
    json!({
        "source": ["aws.securityhub"],
        "detail-type": ["Findings Imported V2"],
        "detail": { "findings": { "class_uid": [2004] } },
    })
}

/// What the Security Hub rules `[watchpost] security_hub` asks for catch and cost, one line
/// each, for the plan (the rules themselves are free: events of AWS services on the default
/// bus cost nothing to match).
pub fn security_hub_notes(config: &Config) -> Vec<String> {
    let stack = &config.watchpost.stack;
    let choice = config.watchpost.security_hub;
    let mut notes = Vec::new();
    if choice.cspm() {
        notes.push(format!(
            "security_hub = \"{}\": {} reads Security Hub CSPM's copies of GuardDuty findings (ASFF, `Security Hub Findings - Imported`): nothing GuardDuty's own events miss, but a second path when those are lost; costs one more Lambda invocation per GuardDuty finding update and a failed-invocations alarm (about $0.10 a month)",
            choice.as_str(),
            names::securityhub_rule(stack),
        ));
    }
    if choice.v2() {
        notes.push(format!(
            "security_hub = \"{}\": {} reads the new Security Hub's detection findings (OCSF, `Findings Imported V2`, class 2004): GuardDuty's, and those of other products Security Hub receives (Inspector, Macie, partners); costs one Lambda invocation per detection finding update and a failed-invocations alarm (about $0.10 a month)",
            choice.as_str(),
            names::securityhub_v2_rule(stack),
        ));
    }
    if choice == watchpost_core::config::SecurityHub::Both {
        notes.push(
            "security_hub = \"both\": a GuardDuty finding reaches the enricher up to three times (its own event, the ASFF and the OCSF copy) and alerts once per route".to_owned(),
        );
    }
    notes
}

/// The rules, each with the enricher as its one target, and the permissions to invoke it.
pub(super) fn rules(config: &Config, ctx: &Context, out: &mut Vec<Resource>) {
    let stack = &config.watchpost.stack;
    let tags = stack_tags(config, &Tags::new());
    let mut specs = vec![(
        names::findings_rule(stack),
        RuleSpec::on_events(
            format!("GuardDuty findings to the Watchpost enricher ({stack})"),
            findings_pattern(config),
            tags.clone(),
        ),
    )];
    if config.watchpost.security_hub.cspm() {
        specs.push((
            names::securityhub_rule(stack),
            RuleSpec::on_events(
                format!("Security Hub's GuardDuty findings to the Watchpost enricher ({stack})"),
                securityhub_pattern(),
                tags.clone(),
            ),
        ));
    }
    if config.watchpost.security_hub.v2() {
        specs.push((
            names::securityhub_v2_rule(stack),
            RuleSpec::on_events(
                format!(
                    "The new Security Hub's detection findings to the Watchpost enricher ({stack})"
                ),
                securityhub_v2_pattern(),
                tags.clone(),
            ),
        ));
    }
    if sweeps(config) {
        specs.push((
            names::sweep_rule(stack),
            RuleSpec::on_schedule(
                format!("Watchpost's sweep of Detective investigations for follow-ups ({stack})"),
                config.enricher.sweep_schedule.clone(),
                tags.clone(),
            ),
        ));
    }
    specs.extend(super::activity::rule_specs(config));
    debug_assert_eq!(
        specs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        enricher_rules(config)
    );
    let function_arn = ctx.function_arn(&config.enricher.function_name);
    let dlq_arn = ctx.queue_arn(&names::dlq(stack));
    for (name, spec) in specs {
        out.push(resource(ctx, &name, spec));
        out.push(resource(
            ctx,
            &name,
            TargetsSpec {
                targets: vec![TargetSpec {
                    id: names::ENRICHER_TARGET.to_owned(),
                    arn: function_arn.clone(),
                    maximum_retry_attempts: limits::EVENTS_TARGET_RETRY_ATTEMPTS,
                    maximum_event_age_s: config.enricher.maximum_event_age_s,
                    dead_letter_arn: Some(dlq_arn.clone()),
                    input: None,
                }],
            },
        ));
        out.push(resource(
            ctx,
            &name,
            PermissionSpec {
                principal: "events.amazonaws.com".to_owned(),
                source_arn: ctx.rule_arn(&name),
                source_account: ctx.account_id.clone(),
                other: None,
            },
        ));
    }
}

/// The rules whose events go to the enricher (the sweep's too), by name.
pub fn enricher_rules(config: &Config) -> Vec<String> {
    let stack = &config.watchpost.stack;
    let mut rules = vec![names::findings_rule(stack)];
    if config.watchpost.security_hub.cspm() {
        rules.push(names::securityhub_rule(stack));
    }
    if config.watchpost.security_hub.v2() {
        rules.push(names::securityhub_v2_rule(stack));
    }
    if sweeps(config) {
        rules.push(names::sweep_rule(stack));
    }
    rules.extend(super::activity::activity_rule_names(config));
    rules
}

/// Whether the enricher runs the investigation sweep (only when it starts investigations).
pub fn sweeps(config: &Config) -> bool {
    config.detective.enabled && config.detective.investigate
}
