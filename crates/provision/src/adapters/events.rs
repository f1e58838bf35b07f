//! Amazon EventBridge: the rules on the default bus that feed the enricher, and their targets.

use aws_config::SdkConfig;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::{
    DeadLetterConfig, InputTransformer, RetryPolicy, RuleState, Tag, Target,
};

use super::{build_err, json_document, sdk_err};
use crate::ports::*;
use crate::spec::*;

#[derive(Debug, Clone)]
pub struct EventsAdapter {
    client: Client,
}

impl EventsAdapter {
    pub fn new(config: &SdkConfig) -> EventsAdapter {
        EventsAdapter {
            client: Client::new(config),
        }
    }

    /// The adapter over a client built elsewhere (tests give it a mocked one).
    pub fn from_client(client: Client) -> EventsAdapter {
        EventsAdapter { client }
    }
}

fn target(spec: &TargetSpec) -> PortResult<Target> {
    let input = match &spec.input {
        Some(input) => Some(
            InputTransformer::builder()
                .set_input_paths_map(Some(input.paths.clone().into_iter().collect()))
                .input_template(&input.template)
                .build()
                .map_err(build_err("PutTargets"))?,
        ),
        None => None,
    };
    Target::builder()
        .set_input_transformer(input)
        .id(&spec.id)
        .arn(&spec.arn)
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(spec.maximum_retry_attempts as i32)
                .maximum_event_age_in_seconds(spec.maximum_event_age_s as i32)
                .build(),
        )
        .set_dead_letter_config(
            spec.dead_letter_arn
                .as_ref()
                .map(|arn| DeadLetterConfig::builder().arn(arn).build()),
        )
        .build()
        .map_err(build_err("PutTargets"))
}

/// A target the call could not process (PutTargets and RemoveTargets answer 200 with
/// per-target failures).
fn failed_entry(
    call: &'static str,
    target: Option<&str>,
    code: Option<&str>,
    message: Option<&str>,
) -> PortError {
    PortError::classify(
        call,
        code.unwrap_or("FailedEntry"),
        &format!(
            "target {}: {}",
            target.unwrap_or_default(),
            message.unwrap_or_default()
        ),
    )
}

impl EventsPort for EventsAdapter {
    async fn rule(&self, name: &str) -> PortResult<Option<Found<RuleSpec>>> {
        let described = match self.client.describe_rule().name(name).send().await {
            Ok(out) => out,
            Err(err) => {
                let err = sdk_err!("DescribeRule", err);
                return if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        let arn = described.arn().unwrap_or_default().to_owned();
        let tags = self
            .client
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(sdk_err!("ListTagsForResource"))?;
        let spec = RuleSpec {
            description: described.description().unwrap_or_default().to_owned(),
            event_pattern: described.event_pattern().map(json_document),
            schedule_expression: described.schedule_expression().map(str::to_owned),
            state: crate::spec::RuleState::from(described.state().map_or("", |s| s.as_str())),
            tags: tags
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        };
        Ok(Some(Found::new(arn, spec)))
    }

    async fn put_rule(&self, name: &str, spec: &RuleSpec) -> PortResult<String> {
        // Tags given to PutRule take effect only when it creates the rule: a run stopped right
        // after still leaves a rule the next one knows as the stack's.
        let out = self
            .client
            .put_rule()
            .name(name)
            .set_tags(Some(rule_tags(&spec.tags, "PutRule")?))
            .description(&spec.description)
            .set_event_pattern(spec.event_pattern.as_ref().map(|p| p.to_string()))
            .set_schedule_expression(spec.schedule_expression.clone())
            .state(RuleState::from(spec.state.as_str()))
            .send()
            .await
            .map_err(sdk_err!("PutRule"))?;
        Ok(out.rule_arn().unwrap_or_default().to_owned())
    }

    async fn tag_rule(&self, arn: &str, tags: &Tags) -> PortResult<()> {
        let tags = rule_tags(tags, "TagResource")?;
        self.client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(sdk_err!("TagResource"))?;
        Ok(())
    }

    async fn delete_rule(&self, name: &str) -> PortResult<()> {
        self.client
            .delete_rule()
            .name(name)
            .send()
            .await
            .map_err(sdk_err!("DeleteRule"))?;
        Ok(())
    }

    async fn targets(&self, rule: &str) -> PortResult<Vec<TargetSpec>> {
        let out = self
            .client
            .list_targets_by_rule()
            .rule(rule)
            .send()
            .await
            .map_err(sdk_err!("ListTargetsByRule"))?;
        Ok(out
            .targets()
            .iter()
            .map(|t| TargetSpec {
                id: t.id().to_owned(),
                arn: t.arn().to_owned(),
                maximum_retry_attempts: t
                    .retry_policy()
                    .and_then(|r| r.maximum_retry_attempts())
                    .unwrap_or_default()
                    .max(0) as u32,
                maximum_event_age_s: t
                    .retry_policy()
                    .and_then(|r| r.maximum_event_age_in_seconds())
                    .unwrap_or_default()
                    .max(0) as u32,
                dead_letter_arn: t
                    .dead_letter_config()
                    .and_then(|d| d.arn())
                    .map(str::to_owned),
                input: t.input_transformer().map(|i| TargetInput {
                    paths: i
                        .input_paths_map()
                        .map(|m| m.clone().into_iter().collect())
                        .unwrap_or_default(),
                    template: i.input_template().to_owned(),
                }),
            })
            .collect())
    }

    async fn put_targets(&self, rule: &str, targets: &[TargetSpec]) -> PortResult<()> {
        let targets: Vec<Target> = targets.iter().map(target).collect::<PortResult<_>>()?;
        let out = self
            .client
            .put_targets()
            .rule(rule)
            .set_targets(Some(targets))
            .send()
            .await
            .map_err(sdk_err!("PutTargets"))?;
        match out.failed_entries().first() {
            Some(failed) => Err(failed_entry(
                "PutTargets",
                failed.target_id(),
                failed.error_code(),
                failed.error_message(),
            )),
            None => Ok(()),
        }
    }

    async fn remove_targets(&self, rule: &str, ids: &[String]) -> PortResult<()> {
        let out = self
            .client
            .remove_targets()
            .rule(rule)
            .set_ids(Some(ids.to_vec()))
            .send()
            .await
            .map_err(sdk_err!("RemoveTargets"))?;
        match out.failed_entries().first() {
            Some(failed) => Err(failed_entry(
                "RemoveTargets",
                failed.target_id(),
                failed.error_code(),
                failed.error_message(),
            )),
            None => Ok(()),
        }
    }
}

/// `tags` as EventBridge's, for the call named `call`.
fn rule_tags(tags: &Tags, call: &'static str) -> PortResult<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_err(call))
        })
        .collect()
}
