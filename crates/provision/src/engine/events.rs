//! Amazon EventBridge: the rules that feed the enricher (findings, Security Hub's copies, the
//! sweep's schedule, CloudTrail events, usage alarms' state changes), the operations rule that
//! sends the pipeline's CloudTrail calls straight to the operations topic, and their targets,
//! managed as one resource per rule.

use super::applier::{Applier, Cause, Step, e};
use super::observer::{ObserveError, Observer};
use crate::desired::names;
use crate::limits;
use crate::ports::*;
use crate::spec::Diff;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let stack = o.stack();
    let events = o.ports.events();
    let rules = [
        names::findings_rule(stack),
        names::securityhub_rule(stack),
        names::securityhub_v2_rule(stack),
        names::sweep_rule(stack),
        names::cloudtrail_rule(stack),
        names::operations_rule(stack),
        names::usage_alarms_rule(stack),
    ];
    for rule in rules {
        let Some(Found { id: arn, spec, .. }) = events
            .rule(&rule)
            .await
            .map_err(o.err(format!("the EventBridge rule {rule}")))?
        else {
            continue;
        };
        let owned = o.owns(&spec.tags);
        o.found(&rule, arn, spec, owned);
        let mut targets = events
            .targets(&rule)
            .await
            .map_err(o.err(format!("the targets of {rule}")))?;
        if !targets.is_empty() {
            targets.sort_by(|a, b| a.id.cmp(&b.id));
            o.found(&rule, rule.clone(), TargetsSpec { targets }, owned);
        }
    }
    Ok(())
}

pub(super) async fn rule<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, RuleSpec>,
) -> Result<(), Cause> {
    let events = apply.ports.events();
    match step {
        Step::Create { want, .. } | Step::Update { want, .. } => {
            let arn = events.put_rule(name, want).await.map_err(e)?;
            events.tag_rule(&arn, &want.tags).await.map_err(e)?;
        }
        Step::Delete { .. } => events.delete_rule(name).await.map_err(e)?,
    }
    Ok(())
}

/// Whatever the change, the targets become the desired ones: those no longer wanted are
/// removed, the rest put, [`limits::PUT_TARGETS_MAX`] per call.
pub(super) async fn targets<P: Ports>(
    apply: &mut Applier<'_, P>,
    rule: &str,
    diff: &Diff<TargetsSpec>,
) -> Result<(), Cause> {
    let events = apply.ports.events();
    let none = Vec::new();
    let had = diff.had().map_or(&none, |t| &t.targets);
    let want = diff.want().map_or(&none, |t| &t.targets);
    let gone: Vec<String> = had
        .iter()
        .filter(|t| !want.iter().any(|w| w.id == t.id))
        .map(|t| t.id.clone())
        .collect();
    if !gone.is_empty() {
        events.remove_targets(rule, &gone).await.map_err(e)?;
    }
    for chunk in want.chunks(limits::PUT_TARGETS_MAX) {
        events.put_targets(rule, chunk).await.map_err(e)?;
    }
    Ok(())
}
