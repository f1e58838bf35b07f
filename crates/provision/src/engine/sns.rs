//! Amazon SNS: the stack's topics (named `<stack>-…` and tagged as the stack's) and the
//! subscriptions of those and of the routes' own topics. A subscription awaiting confirmation
//! has no ARN and no attributes: it counts as what the config asks for and is never deleted.
//! A subscription is the stack's only when Watchpost recorded creating it (see
//! [`crate::records`]); any other on the same topics (AWS Chatbot's, a team's queue) is left
//! alone and listed in the outputs.

use super::applier::{Applier, Cause, Step, e};
use super::observer::{ObserveError, Observer};
use crate::desired::{self, names};
use crate::model::ResourceId;
use crate::ports::*;
use crate::records;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let config = o.config;
    let stack = o.stack();
    let region = o.ctx.region.clone();
    let sns = o.ports.sns();
    let prefix = format!("{stack}-");
    let mut topic_arns: Vec<(String, bool)> = Vec::new();
    for arn in sns
        .list_topics()
        .await
        .map_err(o.err("SNS topics (ListTopics)"))?
    {
        let name = names::arn_name(&arn).to_owned();
        if !name.starts_with(&prefix) {
            continue;
        }
        let Some(spec) = sns
            .topic(&arn)
            .await
            .map_err(o.err(format!("the topic {arn}")))?
        else {
            continue;
        };
        let owned = o.owns(&spec.tags);
        if !owned {
            // Someone else's topic under the stack's prefix: shown (not owned), so that a plan
            // that wants its name stops instead of CreateTopic quietly returning it to be
            // tagged as the stack's. Its subscriptions are not the stack's business.
            o.found(&name, arn.clone(), spec, false);
            continue;
        }
        if name == names::operations_topic(stack) {
            o.outputs.operations_topic = Some(arn.clone());
        }
        o.found(&name, arn.clone(), spec, owned);
        topic_arns.push((arn, true));
    }
    for topic in desired::route_topics(config, &o.ctx) {
        let exists = topic_arns.iter().any(|(a, _)| *a == topic.arn);
        if exists {
            o.outputs
                .topics
                .insert(topic.route.clone(), topic.arn.clone());
        } else if !topic.managed {
            o.outputs
                .topics
                .insert(topic.route.clone(), topic.arn.clone());
            topic_arns.push((topic.arn.clone(), false));
        }
    }
    // The subscriptions Watchpost created (record → ARN), whatever topic they are on: the
    // topics of recorded ones are read too (a route's `topic_arn` the config dropped), so that
    // they are found, and removed as no longer in the config.
    let recorded: std::collections::BTreeMap<String, String> = o
        .ports
        .ssm()
        .parameters(&records::subscriptions_path(stack))
        .await
        .map_err(o.err("the stack's subscription records (SSM GetParametersByPath)"))?;
    for (record, value) in &recorded {
        // A subscription's record holds its ARN, an intent its topic's.
        let topic_arn = if records::is_subscription_intent(record) {
            Some(value.as_str())
        } else {
            value.rsplit_once(':').map(|(topic_arn, _)| topic_arn)
        };
        if let Some(topic_arn) = topic_arn
            && !topic_arns.iter().any(|(a, _)| a == topic_arn)
        {
            topic_arns.push((topic_arn.to_owned(), false));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut intents_seen = std::collections::BTreeSet::new();
    for (topic_arn, owned) in &topic_arns {
        let subs = match sns.subscriptions(topic_arn).await {
            Ok(subs) => subs,
            // A route's own topic may be gone or unreadable: its subscriptions then plan as
            // creates and apply reports the real problem.
            Err(err) if !owned && err.is_not_found() => Vec::new(),
            Err(err) => return Err(o.err(format!("the subscriptions of {topic_arn}"))(err)),
        };
        let topic_name = names::arn_name(topic_arn);
        for sub in subs {
            let name =
                names::subscription(topic_name, sub.spec.protocol.as_str(), &sub.spec.endpoint);
            match sub.arn {
                // The stack's only when Watchpost recorded creating it.
                Some(arn) => {
                    // Or when it wrote the intent to create it, and stopped before the record.
                    let intent = records::subscription_intent(stack, &sub.spec);
                    let intended = recorded.contains_key(&intent);
                    if intended {
                        intents_seen.insert(intent);
                    }
                    let ours = intended || recorded.values().any(|recorded| *recorded == arn);
                    seen.insert(arn.clone());
                    o.found(&name, arn, sub.spec, ours);
                }
                None => {
                    // Awaiting confirmation: SNS shows no attributes and cannot remove it, so
                    // it counts as what the config asks for and is never changed.
                    let pending = format!(
                        "{}:{} on {topic_name}",
                        sub.spec.protocol, sub.spec.endpoint
                    );
                    o.notes.push(format!(
                        "{region}: subscription {pending} is pending confirmation (PendingConfirmation)"
                    ));
                    o.outputs.pending_subscriptions.push(pending);
                    o.pending.insert(ResourceId {
                        region: region.clone(),
                        kind: crate::spec::Kind::SnsSubscription,
                        name,
                    });
                }
            }
        }
    }
    // A record whose subscription is gone (removed by hand or with its topic, or a run
    // stopped between removing it and its record), or an intent no subscription answers, is
    // the stack's to remove.
    for (record, arn) in recorded {
        let stale = if records::is_subscription_intent(&record) {
            !intents_seen.contains(&record)
        } else {
            !seen.contains(&arn)
        };
        if stale {
            o.found(&record, record.clone(), RecordSpec { value: arn }, true);
        }
    }
    Ok(())
}

pub(super) async fn topic<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, TopicSpec>,
) -> Result<(), Cause> {
    let sns = apply.ports.sns();
    match step {
        Step::Create { want, .. } => {
            sns.create_topic(name, want).await.map_err(e)?;
        }
        Step::Update { had, want, id: arn } => {
            if want.policy != had.policy {
                let policy = want
                    .policy
                    .as_ref()
                    .map(PolicyDocument::to_string)
                    .unwrap_or_default();
                sns.set_topic_attribute(arn, "Policy", &policy)
                    .await
                    .map_err(e)?;
            }
            if want.kms_master_key_id != had.kms_master_key_id {
                let key = want.kms_master_key_id.clone().unwrap_or_default();
                sns.set_topic_attribute(arn, "KmsMasterKeyId", &key)
                    .await
                    .map_err(e)?;
            }
            if want.tags != had.tags {
                sns.tag_topic(arn, &want.tags).await.map_err(e)?;
            }
        }
        Step::Delete { id: arn, .. } => sns.delete_topic(arn).await.map_err(e)?,
    }
    Ok(())
}

pub(super) async fn subscription<P: Ports>(
    apply: &mut Applier<'_, P>,
    step: Step<'_, SubscriptionSpec>,
) -> Result<(), Cause> {
    let sns = apply.ports.sns();
    let stack = &apply.config.watchpost.stack;
    match step {
        Step::Create { want, .. } => {
            // The intent first: a run stopped between Subscribe and the record still leaves
            // the subscription known as the stack's. Then the record, at once, and the intent
            // goes.
            let ssm = apply.ports.ssm();
            let intent = records::subscription_intent(stack, want);
            ssm.create_parameter(&intent, &want.topic_arn)
                .await
                .map_err(e)?;
            let subscribed = match sns.subscribe(want).await {
                Ok(subscribed) => subscribed,
                Err(refused) if refused.refused() => {
                    // SNS made no subscription: the intent goes, or a subscription someone
                    // makes later to the same endpoint would count as the stack's.
                    ssm.delete_parameter(&intent).await.map_err(e)?;
                    return Err(e(refused));
                }
                // It may have been made (the answer was lost): the intent stays, and the next
                // run knows the subscription as the stack's, or removes the intent none answers.
                Err(unknown) => return Err(e(unknown)),
            };
            if let Some(arn) = subscribed {
                ssm.create_parameter(&records::subscription_record(stack, &arn), &arn)
                    .await
                    .map_err(|source| Cause::Context {
                        context: format!(
                            "subscribed ({arn}), but could not record it as the stack's"
                        ),
                        source,
                    })?;
            }
            ssm.delete_parameter(&intent).await.map_err(e)?;
        }
        Step::Update { want, id: arn, .. } => {
            sns.set_subscription_attributes(arn, want)
                .await
                .map_err(e)?;
        }
        Step::Delete { had, id: arn } => {
            sns.unsubscribe(arn).await.map_err(e)?;
            let ssm = apply.ports.ssm();
            ssm.delete_parameter(&records::subscription_record(stack, arn))
                .await
                .map_err(e)?;
            // The intent of a run stopped before the record, if that is how it is the stack's.
            ssm.delete_parameter(&records::subscription_intent(stack, had))
                .await
                .map_err(e)?;
        }
    }
    Ok(())
}
