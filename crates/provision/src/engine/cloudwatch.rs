//! Amazon CloudWatch: the stack's alarms (named `<stack>-…` and tagged as the stack's) and its
//! dashboard (untaggable: the stack's when its title widget says so); and, when planning, the
//! models and endpoints that have usage metrics ([`discover`]).

use super::applier::{Applier, Cause, Step, e};
use super::observer::{ObserveError, Observer};
use crate::desired::{self, names};
use crate::ports::*;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let stack = o.stack();
    let cloudwatch = o.ports.cloudwatch();
    let prefix = format!("{stack}-");
    for (name, Found { id: arn, spec, .. }) in cloudwatch
        .alarms(&prefix)
        .await
        .map_err(o.err(format!("the CloudWatch alarms {prefix}*")))?
    {
        // Every alarm under the stack's prefix, owned or not: an untagged one with a name the
        // stack wants stops the plan (PutMetricAlarm would overwrite it, and does not tag an
        // alarm that exists), whether the name is a listed alarm's or one discovery wants.
        let owned = o.owns(&spec.tags);
        o.found(&name, arn, spec, owned);
    }
    let dashboard = names::dashboard(stack);
    if let Some(spec) = cloudwatch
        .dashboard(&dashboard)
        .await
        .map_err(o.err(format!("the dashboard {dashboard}")))?
    {
        // Dashboards carry no tags: one is the stack's when it says so in its title widget.
        let owned = spec
            .body
            .to_string()
            .contains(&format!("# Watchpost {stack}\\n"));
        o.outputs.dashboard_url = Some(desired::dashboard_url(&o.ctx, &dashboard));
        o.found(&dashboard, dashboard.clone(), spec, owned);
    }
    Ok(())
}

/// The models and endpoints usage alarms watch: the config's lists, and (with `discover`) what
/// ListMetrics finds where a list is empty, at most `discover_max` of each, with a plan line
/// per kind saying what was found. Bedrock's OpenAI-compatible endpoint (`AWS/BedrockMantle`)
/// is watched only where used: its models found there, narrowed to the listed ones if any.
pub(super) async fn discover<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let config = o.config;
    let mut targets = desired::UsageTargets::listed(config);
    if desired::discovers(config) {
        let max = config.usage.discover_max;
        let region = o.ctx.region.clone();
        let cloudwatch = o.ports.cloudwatch();
        let found = |ns: &'static desired::UsageNamespace| {
            let what = format!("ListMetrics {} {}", ns.namespace, ns.discovery_metric);
            let err = o.err(what);
            async move {
                cloudwatch
                    .list_metrics(ns.namespace, ns.discovery_metric)
                    .await
                    .map(|dims| desired::targets_of(ns, &dims))
                    .map_err(err)
            }
        };
        let mut lines = Vec::new();
        if targets.bedrock.is_empty() {
            let (kept, line) = desired::choose(
                &region,
                "Bedrock models",
                &desired::BEDROCK,
                found(&desired::BEDROCK).await?,
                max,
            );
            targets.bedrock = kept;
            lines.push(line);
        }
        let mut mantle = found(&desired::BEDROCK_MANTLE).await?;
        if !config.usage.models.is_empty() {
            mantle.retain(|m| config.usage.models.contains(&m[0]));
        }
        if !mantle.is_empty() {
            let (kept, line) = desired::choose(
                &region,
                "models on Bedrock's OpenAI-compatible endpoint",
                &desired::BEDROCK_MANTLE,
                mantle,
                max,
            );
            targets.mantle = kept;
            lines.push(line);
        }
        if targets.endpoints.is_empty() {
            let (kept, line) = desired::choose(
                &region,
                "SageMaker endpoint variants",
                &desired::SAGEMAKER,
                found(&desired::SAGEMAKER).await?,
                max,
            );
            targets.endpoints = kept;
            lines.push(line);
        }
        o.notes.extend(lines);
    }
    o.usage = targets;
    Ok(())
}

pub(super) async fn alarm<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, AlarmSpec>,
) -> Result<(), Cause> {
    let cloudwatch = apply.ports.cloudwatch();
    match step {
        Step::Create { want, .. } => {
            cloudwatch.put_alarm(name, want).await.map_err(e)?;
        }
        Step::Update { had, want, id: arn } => {
            cloudwatch.put_alarm(name, want).await.map_err(e)?;
            // PutMetricAlarm ignores tags on an alarm that exists: without this an alarm
            // adopted (or whose tags were removed) would stay untagged.
            if want.tags != had.tags {
                cloudwatch.tag_alarm(arn, &want.tags).await.map_err(e)?;
            }
        }
        Step::Delete { .. } => cloudwatch
            .delete_alarms(&[name.to_owned()])
            .await
            .map_err(e)?,
    }
    Ok(())
}

pub(super) async fn dashboard<P: Ports>(
    apply: &mut Applier<'_, P>,
    name: &str,
    step: Step<'_, DashboardSpec>,
) -> Result<(), Cause> {
    let cloudwatch = apply.ports.cloudwatch();
    match step {
        Step::Create { want, .. } | Step::Update { want, .. } => {
            cloudwatch.put_dashboard(name, want).await.map_err(e)?;
        }
        Step::Delete { .. } => cloudwatch.delete_dashboard(name).await.map_err(e)?,
    }
    Ok(())
}
