//! Amazon Detective: the behavior graph (the configured one, or the region's, used when it
//! exists), its members (invited and removed in batches, each recorded as the stack's before it
//! is invited), data source packages and organization mode. A graph the stack did not create
//! keeps its tags; members the organization enabled, members someone else invited, and an
//! organization administrator that was there before Watchpost are used, never changed.

use std::collections::{BTreeMap, BTreeSet};

use super::applier::{Applier, ApplyError, ApplyReport, Cause, Step, e};
use super::observer::{ObserveError, Observer};
use crate::desired::STACK_TAG;
use crate::limits;
use crate::model::{Action, Change, Mode};
use crate::ports::*;
use crate::records;
use crate::spec::*;

pub(super) async fn observe<P: Ports>(o: &mut Observer<'_, P>) -> Result<(), ObserveError> {
    let config = o.config;
    let stack = o.stack();
    let detective = o.ports.detective();
    // One rule for the graph `graph_arn` names and the one ListGraphs finds: it is the stack's
    // when it carries the stack's tag (Watchpost created it); any other is used, and Watchpost
    // changes in it only what the config names (its `[detective] tags`, the members it invites).
    let graph_arn = match &config.detective.graph_arn {
        Some(arn) => Some(arn.clone()),
        None => detective
            .list_graphs()
            .await
            .map_err(o.err("Detective graphs (ListGraphs)"))?
            .into_iter()
            .next(),
    };
    // The accounts Watchpost recorded inviting (record → graph).
    let recorded = o
        .ports
        .ssm()
        .parameters(&records::members_path(stack))
        .await
        .map_err(o.err("the stack's member records (SSM GetParametersByPath)"))?;
    let Some(graph_arn) = graph_arn else {
        stale_member_records(o, &recorded, None, &[]);
        // The administrator is the organization's, graph or no graph: one that is there
        // already must be seen before the first apply, or apply would take it as its own.
        return observe_organization(o, None).await;
    };
    o.ctx.graph_arn = Some(graph_arn.clone());
    o.outputs.graph_arn = Some(graph_arn.clone());
    let tags = detective
        .graph_tags(&graph_arn)
        .await
        .map_err(o.err(format!("the tags of {graph_arn}")))?;
    let graph_owned = o.owns(&tags);
    o.ctx.graph_adopted = !graph_owned;
    // Only the tags Watchpost sets are compared (the config's and the stack's): the graph's
    // others (its owner's, CloudFormation's `aws:` ones) are never changed or removed.
    let managed: Tags = tags
        .into_iter()
        .filter(|(key, _)| key == STACK_TAG || config.detective.tags.contains_key(key))
        .collect();
    o.found(
        "graph",
        graph_arn.clone(),
        GraphSpec { tags: managed },
        graph_owned,
    );
    // A member is the stack's when Watchpost recorded inviting it into this graph: never one
    // the organization enabled, nor one someone else invited, whatever the config lists.
    let members = detective
        .list_members(&graph_arn)
        .await
        .map_err(o.err(format!("the members of {graph_arn}")))?;
    let accounts: Vec<String> = members.iter().map(|m| m.account_id.clone()).collect();
    stale_member_records(o, &recorded, Some(&graph_arn), &accounts);
    for member in members {
        let invited_by_stack = member.invitation_type == InvitationType::Invitation
            && recorded
                .get(&records::member(stack, &member.account_id))
                .is_some_and(|graph| *graph == graph_arn);
        o.found(
            &member.account_id,
            member.account_id.clone(),
            MemberSpec {
                email: member.email,
            },
            invited_by_stack,
        );
    }
    if !config.detective.datasource_packages.is_empty() {
        let states = detective
            .datasource_packages(&graph_arn)
            .await
            .map_err(o.err(format!("the data sources of {graph_arn}")))?;
        let mut enabled: Vec<String> = config
            .detective
            .datasource_packages
            .iter()
            .filter(|p| states.get(*p).is_some_and(|s| s == "STARTED"))
            .cloned()
            .collect();
        enabled.sort();
        enabled.dedup();
        // Detective cannot turn a package off: never owned, never deleted.
        o.found(
            "graph",
            graph_arn.clone(),
            DatasourcesSpec { enabled },
            false,
        );
    }
    observe_organization(o, Some(&graph_arn)).await
}

/// The member records whose member is gone, found as the stack's to remove: a record of
/// another graph than `graph_arn` (the stack's graph destroyed, `graph_arn` changed), or of an
/// account that is not among `members` and that the config no longer lists. A record of a
/// listed account that is not a member yet stays for an apply (one stopped between writing it
/// and the invitation, which the next apply sends) and goes with destroy.
fn stale_member_records<P: Ports>(
    o: &mut Observer<'_, P>,
    recorded: &BTreeMap<String, String>,
    graph_arn: Option<&str>,
    members: &[String],
) {
    let stack = o.stack();
    for (record, graph) in recorded {
        let listed_member = o.config.detective.members.iter().any(|m| {
            records::member(stack, &m.account_id) == *record
                || members.iter().any(|a| records::member(stack, a) == *record)
        });
        let member = members.iter().any(|a| records::member(stack, a) == *record);
        let destroying = o.mode == Mode::Destroy;
        if Some(graph.as_str()) != graph_arn || !listed_member || (destroying && !member) {
            o.found(
                record,
                record.clone(),
                RecordSpec {
                    value: graph.clone(),
                },
                true,
            );
        }
    }
}

/// Organization mode's administrator, when the config asks for one or the stack recorded
/// enabling one, and it is enabled (its auto-enable read from the graph, when there is one).
/// A record whose administrator is not enabled (a run stopped between disabling it and
/// removing the record, or between writing it and enabling the administrator, or someone
/// disabled it) is the stack's to remove, unless an apply is about to enable that one.
async fn observe_organization<P: Ports>(
    o: &mut Observer<'_, P>,
    graph_arn: Option<&str>,
) -> Result<(), ObserveError> {
    let config = o.config;
    let detective = o.ports.detective();
    let record = records::organization_admin(o.stack());
    let recorded = o
        .ports
        .ssm()
        .parameter(&record)
        .await
        .map_err(o.err("the stack's organization record (SSM GetParameter)"))?;
    let wanted = config
        .detective
        .organization
        .as_ref()
        .map(|org| org.admin_account_id.clone());
    let Some(admin) = wanted.clone().or_else(|| recorded.clone()) else {
        return Ok(());
    };
    let admins = detective
        .organization_admins()
        .await
        .map_err(o.err("Detective's organization administrators"))?;
    // Written before the administrator is enabled: kept while an apply still wants it.
    let wanted_by_apply = o.mode == Mode::Apply && recorded == wanted;
    if let Some(value) = &recorded
        && !admins.contains(value)
        && !wanted_by_apply
    {
        o.found(
            &record,
            record.clone(),
            RecordSpec {
                value: value.clone(),
            },
            true,
        );
    }
    if !admins.contains(&admin) {
        return Ok(());
    }
    // The administrator is the stack's only when Watchpost enabled it (and recorded so): one
    // that was there before is used, and destroy leaves it.
    let enabled_by_stack = recorded.as_ref() == Some(&admin);
    if wanted.is_none() && !enabled_by_stack {
        return Ok(());
    }
    let auto_enable = match graph_arn {
        Some(graph_arn) => detective
            .auto_enable(graph_arn)
            .await
            .map_err(o.err("Detective's organization configuration"))?,
        None => false,
    };
    o.found(
        "organization",
        admin.clone(),
        OrganizationSpec {
            admin_account_id: admin,
            auto_enable,
        },
        enabled_by_stack,
    );
    Ok(())
}

pub(super) async fn graph<P: Ports>(
    apply: &mut Applier<'_, P>,
    step: Step<'_, GraphSpec>,
) -> Result<(), Cause> {
    let detective = apply.ports.detective();
    match step {
        Step::Create { want, .. } => {
            let arn = detective.create_graph(&want.tags).await.map_err(e)?;
            apply.ctx.graph_arn = Some(arn);
        }
        // Only the keys the config names (and the stack's) are set; none is ever removed.
        Step::Update { want, id: arn, .. } => {
            detective.tag_graph(arn, &want.tags).await.map_err(e)?;
        }
        Step::Delete { id: arn, .. } => {
            detective.delete_graph(arn).await.map_err(e)?;
            apply.ctx.graph_arn = None;
        }
    }
    Ok(())
}

pub(super) async fn datasources<P: Ports>(
    apply: &mut Applier<'_, P>,
    step: Step<'_, DatasourcesSpec>,
) -> Result<(), Cause> {
    match step {
        Step::Create { want, .. } | Step::Update { want, .. } => {
            let graph = apply.ctx.graph_arn.clone().ok_or("no Detective graph")?;
            apply
                .ports
                .detective()
                .enable_datasource_packages(&graph, &want.enabled)
                .await
                .map_err(e)?;
        }
        // Detective cannot turn a package off, and the packages are never owned: never planned.
        Step::Delete { .. } => {}
    }
    Ok(())
}

pub(super) async fn organization<P: Ports>(
    apply: &mut Applier<'_, P>,
    step: Step<'_, OrganizationSpec>,
) -> Result<(), Cause> {
    let detective = apply.ports.detective();
    let record = records::organization_admin(&apply.config.watchpost.stack);
    let (had, want) = match step {
        Step::Create { want, .. } => (None, want),
        Step::Update { had, want, .. } => (Some(had), want),
        Step::Delete { .. } => {
            detective.disable_organization_admin().await.map_err(e)?;
            apply
                .ports
                .ssm()
                .delete_parameter(&record)
                .await
                .map_err(e)?;
            return Ok(());
        }
    };
    if had.map(|h| &h.admin_account_id) != Some(&want.admin_account_id) {
        // Recorded before it is enabled, so that destroy disables only an administrator it
        // enabled, and a run stopped between the two still knows the one it enabled. A
        // record of another account (one no longer enabled) gives way.
        let ssm = apply.ports.ssm();
        if ssm.parameter(&record).await.map_err(e)?.as_ref() != Some(&want.admin_account_id) {
            ssm.delete_parameter(&record).await.map_err(e)?;
            ssm.create_parameter(&record, &want.admin_account_id)
                .await
                .map_err(e)?;
        }
        if let Err(err) = detective
            .enable_organization_admin(&want.admin_account_id)
            .await
        {
            // Refused, nothing was enabled: the record goes, or an administrator the
            // organization designates later would count as the stack's, and destroy would
            // disable it. An error that may hide an enable keeps it.
            if err.refused() {
                apply
                    .ports
                    .ssm()
                    .delete_parameter(&record)
                    .await
                    .map_err(e)?;
            }
            return Err(e(err));
        }
    }
    let graph = apply.ctx.graph_arn.clone().ok_or("no Detective graph")?;
    detective
        .set_auto_enable(&graph, want.auto_enable)
        .await
        .map_err(e)?;
    Ok(())
}

/// One member change on its own: a batch of one.
pub(super) async fn member<P: Ports>(apply: &Applier<'_, P>, change: &Change) -> Result<(), Cause> {
    let mut report = ApplyReport::default();
    members(apply, std::slice::from_ref(change), &|_| {}, &mut report).await;
    match report.errors.into_iter().next() {
        Some(error) => Err(error.cause),
        None => Ok(()),
    }
}

/// Member changes in batches: removals (and the removal half of a changed email) first, then
/// invitations, [`limits::CREATE_MEMBERS_MAX`] per call. Accounts Detective reports as
/// unprocessed become errors of their own.
pub(super) async fn members<P: Ports>(
    apply: &Applier<'_, P>,
    changes: &[Change],
    progress: &dyn Fn(&str),
    report: &mut ApplyReport,
) {
    let (ports, config, ctx) = (apply.ports, apply.config, &apply.ctx);
    let Some(graph) = ctx.graph_arn.clone() else {
        for change in changes {
            report.errors.push(ApplyError {
                id: change.id.clone(),
                action: change.action(),
                cause: "no Detective graph to invite members into: see the graph's error".into(),
            });
        }
        return;
    };
    let by_account: BTreeMap<&str, &Change> =
        changes.iter().map(|c| (c.id.name.as_str(), c)).collect();
    let fail = |account: &str, cause: Cause, report: &mut ApplyReport| {
        if let Some(change) = by_account.get(account) {
            report.errors.push(ApplyError {
                id: change.id.clone(),
                action: change.action(),
                cause,
            });
        }
    };
    let removals: Vec<String> = changes
        .iter()
        .filter(|c| {
            matches!(
                c.action(),
                Action::Delete | Action::Update | Action::Replace
            )
        })
        .map(|c| c.id.name.clone())
        .collect();
    let mut failed: BTreeSet<String> = BTreeSet::new();
    for chunk in removals.chunks(limits::DELETE_MEMBERS_MAX) {
        progress(&format!(
            "- {} detective-member ×{}",
            ctx.region,
            chunk.len()
        ));
        match ports.detective().delete_members(&graph, chunk).await {
            Ok(unprocessed) => {
                for u in unprocessed {
                    failed.insert(u.account_id.clone());
                    fail(
                        &u.account_id,
                        Cause::Unprocessed {
                            call: "DeleteMembers",
                            reason: u.reason,
                        },
                        report,
                    );
                }
            }
            Err(err) => {
                for account in chunk {
                    failed.insert(account.clone());
                    fail(account, e(err.clone()), report);
                }
            }
        }
    }
    let invites: Vec<Invite> = changes
        .iter()
        .filter(|c| !failed.contains(&c.id.name))
        .filter_map(|c| match &c.spec {
            SpecChange::DetectiveMember(diff) => diff.want().map(|want| Invite {
                account_id: c.id.name.clone(),
                email: want.email.clone(),
            }),
            _ => None,
        })
        .collect();
    let message = config.detective.invitation_message.as_deref();
    let stack = &config.watchpost.stack;
    // Recorded before the invitation: an apply stopped between the two leaves a record of an
    // account that is not a member (invited again by the next apply), never a member of the
    // stack's that it would take for someone else's.
    let mut invites_recorded = Vec::new();
    for invite in invites {
        match ports
            .ssm()
            .create_parameter(&records::member(stack, &invite.account_id), &graph)
            .await
        {
            Ok(_) => invites_recorded.push(invite),
            Err(err) => {
                failed.insert(invite.account_id.clone());
                fail(&invite.account_id, e(err), report);
            }
        }
    }
    let invites = invites_recorded;
    for chunk in invites.chunks(limits::CREATE_MEMBERS_MAX) {
        progress(&format!(
            "+ {} detective-member ×{}",
            ctx.region,
            chunk.len()
        ));
        match ports
            .detective()
            .create_members(
                &graph,
                chunk,
                message,
                config.detective.disable_email_notification,
            )
            .await
        {
            Ok(unprocessed) => {
                for u in unprocessed {
                    failed.insert(u.account_id.clone());
                    fail(
                        &u.account_id,
                        Cause::Unprocessed {
                            call: "CreateMembers",
                            reason: u.reason,
                        },
                        report,
                    );
                }
            }
            Err(err) => {
                for invite in chunk {
                    failed.insert(invite.account_id.clone());
                    fail(&invite.account_id, e(err.clone()), report);
                }
            }
        }
    }
    // The records of the members removed for good (not an email's change).
    for change in changes {
        if change.action() == Action::Delete && !failed.contains(&change.id.name) {
            let record = records::member(stack, &change.id.name);
            if let Err(err) = ports.ssm().delete_parameter(&record).await {
                failed.insert(change.id.name.clone());
                fail(&change.id.name, e(err), report);
            }
        }
    }
    for change in changes {
        if !failed.contains(&change.id.name) {
            report.applied.push(change.id.clone());
        }
    }
}
