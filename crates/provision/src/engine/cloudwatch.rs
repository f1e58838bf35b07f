//! Amazon CloudWatch: the stack's alarms (named `<stack>-…` and tagged as the stack's) and its
//! dashboard (untaggable: the stack's when its title widget says so).

use super::observe::{ObserveError, Observer};
use super::{Apply, Ports, Step, e};
use crate::desired::{self, names};
use crate::model::Change;
use crate::ports::*;
use crate::spec::Diff;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let stack = o.stack();
    let cloudwatch = o.ports.cloudwatch();
    let prefix = format!("{stack}-");
    for (name, (arn, spec)) in cloudwatch
        .alarms(&prefix)
        .await
        .map_err(o.err(format!("the CloudWatch alarms {prefix}*")))?
    {
        if o.owns(&spec.tags) {
            o.found(&name, Some(arn), spec, true);
        }
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
        o.found(&dashboard, Some(dashboard.clone()), spec, owned);
    }
    Ok(())
}

pub(super) async fn alarm<P: Ports>(
    apply: &mut Apply<'_, P>,
    change: &Change,
    step: Step,
    diff: &Diff<AlarmSpec>,
) -> Result<(), String> {
    let cloudwatch = apply.ports.cloudwatch();
    let name = change.id.name.as_str();
    match step {
        Step::Create | Step::Update => {
            cloudwatch.put_alarm(name, diff.want()?).await.map_err(e)?;
        }
        Step::Delete => cloudwatch
            .delete_alarms(&[name.to_owned()])
            .await
            .map_err(e)?,
    }
    Ok(())
}

pub(super) async fn dashboard<P: Ports>(
    apply: &mut Apply<'_, P>,
    change: &Change,
    step: Step,
    diff: &Diff<DashboardSpec>,
) -> Result<(), String> {
    let cloudwatch = apply.ports.cloudwatch();
    let name = change.id.name.as_str();
    match step {
        Step::Create | Step::Update => {
            cloudwatch
                .put_dashboard(name, diff.want()?)
                .await
                .map_err(e)?;
        }
        Step::Delete => cloudwatch.delete_dashboard(name).await.map_err(e)?,
    }
    Ok(())
}
