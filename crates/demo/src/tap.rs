//! The tap: moto's EventBridge PutEvents answers HTTP 500 when a matching rule has a Lambda
//! target (moto cannot invoke functions without Docker), so the demo takes the enricher off the
//! stack's rules. Rules with an event pattern (findings, Security Hub) get an SQS queue
//! instead, which the demo reads and hands to the enricher itself; the rules and their
//! patterns stay exactly as provisioned, so EventBridge still decides what reaches the
//! function. A schedule rule (the sweep) only loses its target: moto treats a rule without a
//! pattern as matching every event, and the demo sends the scheduled event itself.

use aws_sdk_eventbridge::types::{Rule, Target};

use crate::error::{DemoError, aws};

/// The tap's target id on each rule.
pub const TAP_TARGET_ID: &str = "watchpost-demo-tap";

/// What the demo did to a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The Lambda target was replaced by the tap queue.
    Tapped,
    /// The Lambda target was removed (a schedule rule).
    Detached,
}

/// One rule changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Retargeted {
    pub rule: String,
    pub change: Change,
    /// The Lambda target ARNs removed.
    pub removed: Vec<String>,
}

/// The rules named `<prefix>…` on the default bus.
async fn rules(events: &aws_sdk_eventbridge::Client, prefix: &str) -> Result<Vec<Rule>, DemoError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = events
            .list_rules()
            .name_prefix(prefix)
            .set_next_token(token)
            .send()
            .await
            .map_err(aws("EventBridge ListRules"))?;
        out.extend(page.rules().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Takes the Lambda function `function_arn` off every rule named `<stack>-…` that targets it:
/// pattern rules get `tap_arn` instead, schedule rules nothing.
pub async fn retarget(
    events: &aws_sdk_eventbridge::Client,
    stack: &str,
    function_arn: &str,
    tap_arn: &str,
) -> Result<Vec<Retargeted>, DemoError> {
    let mut out = Vec::new();
    for rule in rules(events, &format!("{stack}-")).await? {
        let Some(name) = rule.name() else { continue };
        let targets = events
            .list_targets_by_rule()
            .rule(name)
            .send()
            .await
            .map_err(aws("EventBridge ListTargetsByRule"))?;
        let lambda: Vec<&Target> = targets
            .targets()
            .iter()
            .filter(|t| t.arn() == function_arn)
            .collect();
        if lambda.is_empty() {
            continue;
        }
        let ids: Vec<String> = lambda.iter().map(|t| t.id().to_owned()).collect();
        let removed: Vec<String> = lambda.iter().map(|t| t.arn().to_owned()).collect();
        // RemoveTargets and PutTargets report per-entry failures inside a successful answer.
        let answer = events
            .remove_targets()
            .rule(name)
            .set_ids(Some(ids))
            .send()
            .await
            .map_err(aws("EventBridge RemoveTargets"))?;
        if answer.failed_entry_count() > 0 {
            return Err(DemoError::Pipeline(format!(
                "RemoveTargets on {name}: {}",
                failed_entries(answer.failed_entries().iter().map(|e| (
                    e.target_id(),
                    e.error_code(),
                    e.error_message()
                )))
            )));
        }
        let change = if rule.event_pattern().is_some() {
            put_tap(events, name, tap_arn).await?;
            Change::Tapped
        } else {
            Change::Detached
        };
        out.push(Retargeted {
            rule: name.to_owned(),
            change,
            removed,
        });
    }
    Ok(out)
}

async fn put_tap(
    events: &aws_sdk_eventbridge::Client,
    rule: &str,
    tap_arn: &str,
) -> Result<(), DemoError> {
    let target = Target::builder()
        .id(TAP_TARGET_ID)
        .arn(tap_arn)
        .build()
        .map_err(|e| DemoError::Pipeline(format!("a tap target for {rule}: {e}")))?;
    let answer = events
        .put_targets()
        .rule(rule)
        .targets(target)
        .send()
        .await
        .map_err(aws("EventBridge PutTargets"))?;
    if answer.failed_entry_count() > 0 {
        return Err(DemoError::Pipeline(format!(
            "PutTargets on {rule}: {}",
            failed_entries(answer.failed_entries().iter().map(|e| (
                e.target_id(),
                e.error_code(),
                e.error_message()
            )))
        )));
    }
    Ok(())
}

fn failed_entries<'a>(
    entries: impl Iterator<Item = (Option<&'a str>, Option<&'a str>, Option<&'a str>)>,
) -> String {
    entries
        .map(|(id, code, message)| {
            format!(
                "target {}: {} {}",
                id.unwrap_or("?"),
                code.unwrap_or("?"),
                message.unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
