//! Member accounts, from both sides: the administrator's CreateMembers, GetMembers, ListMembers,
//! DeleteMembers, and the member's ListInvitations, AcceptInvitation, RejectInvitation,
//! DisassociateMembership.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{Reply, Request, paginate, ts, with_token};
use crate::errors::{ApiError, ApiResult, ErrorKind};
use crate::state::{Graph, Member, MemberStatus, Store};
use crate::validate::{
    self, MAX_ACCOUNT_IDS_PER_CALL, MAX_ACCOUNTS_PER_CALL, MAX_EMAIL_MESSAGE_LEN,
    MAX_MEMBER_RESULTS, MAX_MEMBERS_PER_GRAPH, MAX_PAGINATION_TOKEN_LEN,
};

/// Data volume reported for an enabled member (bytes per day); a plausible small account.
const MEMBER_VOLUME_BYTES: u64 = 1_843_200_000;
/// Maximum data volume of a member account (model: `MemberDetail.PercentOfGraphUtilization` docs, 160 GB/day).
const MAX_MEMBER_VOLUME_BYTES_PER_DAY: f64 = 160e9;

/// The model's `MemberDetail` for one member of `graph`.
pub fn member_detail(graph: &Graph, m: &Member) -> Value {
    let mut d = json!({
        "AccountId": m.account,
        "EmailAddress": m.email,
        "GraphArn": graph.arn,
        "MasterId": graph.account,
        "AdministratorId": graph.account,
        "Status": m.status.as_str(),
        "InvitedTime": ts(m.invited),
        "UpdatedTime": ts(m.updated),
        "InvitationType": if m.organization { "ORGANIZATION" } else { "INVITATION" },
    });
    let states: serde_json::Map<String, Value> = graph
        .datasources
        .iter()
        .map(|(p, ds)| (p.to_string(), json!(ds.state)))
        .collect();
    d["DatasourcePackageIngestStates"] = Value::Object(states);
    if m.status == MemberStatus::Enabled {
        d["VolumeUsageInBytes"] = json!(MEMBER_VOLUME_BYTES);
        d["VolumeUsageUpdatedTime"] = ts(m.updated);
        d["PercentOfGraphUtilization"] =
            json!(MEMBER_VOLUME_BYTES as f64 / MAX_MEMBER_VOLUME_BYTES_PER_DAY * 100.0);
        d["PercentOfGraphUtilizationUpdatedTime"] = ts(m.updated);
        let usage: serde_json::Map<String, Value> = graph
            .datasources
            .keys()
            .map(|p| {
                let share = if *p == "DETECTIVE_CORE" {
                    MEMBER_VOLUME_BYTES
                } else {
                    MEMBER_VOLUME_BYTES / 10
                };
                (
                    p.to_string(),
                    json!({"VolumeUsageInBytes": share, "VolumeUsageUpdateTime": ts(m.updated)}),
                )
            })
            .collect();
        d["VolumeUsageByDatasourcePackage"] = Value::Object(usage);
    }
    d
}

fn unprocessed(account: &str, reason: &str) -> Value {
    json!({"AccountId": account, "Reason": reason})
}

/// The `AccountIds` member of GetMembers / DeleteMembers: 1..50 twelve-digit ids.
fn account_ids(req: &Request) -> ApiResult<Vec<String>> {
    let ids = req.input.array("AccountIds")?;
    validate::count("accountIds", ids.len(), 1, MAX_ACCOUNT_IDS_PER_CALL)?;
    ids.iter()
        .map(|v| {
            let id = v
                .as_str()
                .ok_or_else(|| ApiError::validation("AccountIds must be strings"))?;
            validate::account_id(id)?;
            Ok(id.to_string())
        })
        .collect()
}

/// CreateMembers: invites up to 50 accounts. Accounts that cannot be invited (already in the
/// graph, the administrator itself) come back in `UnprocessedAccounts`, not as an error.
pub fn create_members(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    if let Some(message) = req.input.opt_str("Message")? {
        validate::length("message", message, 1, MAX_EMAIL_MESSAGE_LEN)?;
    }
    req.input.opt_bool("DisableEmailNotification")?;
    let accounts = req.input.array("Accounts")?;
    validate::count("accounts", accounts.len(), 1, MAX_ACCOUNTS_PER_CALL)?;
    let mut wanted = Vec::new();
    for a in accounts {
        let a = validate::Input::from_map(
            a.as_object()
                .cloned()
                .ok_or_else(|| ApiError::validation("Accounts must be structures"))?,
        );
        let id = a.str("AccountId")?;
        let email = a.str("EmailAddress")?;
        validate::account_id(id)?;
        validate::email(email)?;
        wanted.push((id.to_string(), email.to_string()));
    }

    // An organization's graph enables the organization's accounts rather than inviting them.
    let organization: BTreeSet<String> = if store.is_organization_graph(arn) {
        store.organization_accounts.clone()
    } else {
        BTreeSet::new()
    };
    let graph = store.admin_graph_mut(&req.caller, arn)?;
    let mut members = Vec::new();
    let mut skipped = Vec::new();
    for (id, email) in wanted {
        if id == graph.account {
            skipped.push(unprocessed(
                &id,
                "The administrator account cannot be invited to its own behavior graph",
            ));
        } else if graph.members.contains_key(&id) {
            skipped.push(unprocessed(
                &id,
                "The account is already a member of the behavior graph",
            ));
        } else if graph.members.len() >= MAX_MEMBERS_PER_GRAPH {
            let mut e = ApiError::new(
                ErrorKind::ServiceQuotaExceeded,
                format!(
                    "A behavior graph cannot have more than {MAX_MEMBERS_PER_GRAPH} member accounts"
                ),
            );
            e.resources = vec!["MEMBER_ACCOUNTS".into()];
            return Err(e);
        } else {
            let enabled = organization.contains(&id);
            let m = Member {
                account: id.clone(),
                email,
                status: if enabled {
                    MemberStatus::Enabled
                } else {
                    MemberStatus::Invited
                },
                organization: enabled,
                invited: req.now,
                updated: req.now,
            };
            graph.members.insert(id, m.clone());
            members.push(m);
        }
    }
    let graph = store.graph(arn)?;
    let members: Vec<Value> = members.iter().map(|m| member_detail(graph, m)).collect();
    Ok(Reply::Json(
        json!({"Members": members, "UnprocessedAccounts": skipped}),
    ))
}

/// GetMembers: details of the named accounts; unknown ones are unprocessed.
pub fn get_members(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let ids = account_ids(req)?;
    let graph = store.admin_graph(&req.caller, arn)?;
    let (mut details, mut skipped) = (Vec::new(), Vec::new());
    for id in ids {
        match graph.members.get(&id) {
            Some(m) => details.push(member_detail(graph, m)),
            None => skipped.push(unprocessed(
                &id,
                "The account is not a member of the behavior graph",
            )),
        }
    }
    Ok(Reply::Json(
        json!({"MemberDetails": details, "UnprocessedAccounts": skipped}),
    ))
}

/// ListMembers: every member, invited or enabled, by account id, paginated.
pub fn list_members(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let page = validate::max_results(req.input.opt_i64("MaxResults")?, MAX_MEMBER_RESULTS, 100)?;
    let graph = store.admin_graph(&req.caller, arn)?;
    let all: Vec<Value> = graph
        .members
        .values()
        .map(|m| member_detail(graph, m))
        .collect();
    let (details, next) = paginate(
        all,
        req.input.opt_str("NextToken")?,
        page,
        MAX_PAGINATION_TOKEN_LEN,
    )?;
    Ok(Reply::Json(with_token(
        json!({"MemberDetails": details}),
        next,
    )))
}

/// DeleteMembers: removes members; the administrator cannot remove itself.
pub fn delete_members(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let ids = account_ids(req)?;
    let graph = store.admin_graph_mut(&req.caller, arn)?;
    let (mut deleted, mut skipped) = (Vec::new(), Vec::new());
    for id in ids {
        if id == graph.account {
            skipped.push(unprocessed(
                &id,
                "The administrator account cannot be removed; use DeleteGraph",
            ));
        } else if graph.members.remove(&id).is_some() {
            deleted.push(id);
        } else {
            skipped.push(unprocessed(
                &id,
                "The account is not a member of the behavior graph",
            ));
        }
    }
    Ok(Reply::Json(
        json!({"AccountIds": deleted, "UnprocessedAccounts": skipped}),
    ))
}

/// ListInvitations: the caller's open and accepted invitations in this region.
pub fn list_invitations(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let page = validate::max_results(req.input.opt_i64("MaxResults")?, MAX_MEMBER_RESULTS, 100)?;
    let all: Vec<Value> = store
        .graphs
        .values()
        .filter(|g| g.region == req.caller.region)
        .filter_map(|g| {
            g.members
                .get(&req.caller.account)
                .map(|m| member_detail(g, m))
        })
        .collect();
    let (invitations, next) = paginate(
        all,
        req.input.opt_str("NextToken")?,
        page,
        MAX_PAGINATION_TOKEN_LEN,
    )?;
    Ok(Reply::Json(with_token(
        json!({"Invitations": invitations}),
        next,
    )))
}

/// The caller's membership in the graph named by the request's `GraphArn`.
fn membership<'s>(store: &'s mut Store, req: &Request) -> ApiResult<&'s mut Member> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let graph = store
        .graphs
        .get_mut(arn)
        .filter(|g| g.region == req.caller.region)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "The request refers to a nonexistent resource: {arn}"
            ))
        })?;
    graph.members.get_mut(&req.caller.account).ok_or_else(|| {
        ApiError::not_found(format!(
            "Account {} has no invitation to behavior graph {arn}",
            req.caller.account
        ))
    })
}

/// AcceptInvitation: INVITED → ENABLED.
pub fn accept_invitation(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let member = membership(store, req)?;
    if member.status != MemberStatus::Invited {
        return Err(ApiError::conflict(
            "The member account status must be INVITED to accept an invitation",
        ));
    }
    member.status = MemberStatus::Enabled;
    member.updated = req.now;
    Ok(Reply::ok())
}

/// RejectInvitation: an INVITED account declines; the invitation is gone from both sides.
pub fn reject_invitation(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let member = membership(store, req)?;
    if member.status != MemberStatus::Invited {
        return Err(ApiError::conflict(
            "Only an account with the INVITED status can reject the invitation",
        ));
    }
    leave_graph(store, req)
}

/// Removes the calling account from the graph it was checked to belong to.
fn leave_graph(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?.to_string();
    store
        .graphs
        .get_mut(&arn)
        .expect("membership found it")
        .members
        .remove(&req.caller.account);
    Ok(Reply::ok())
}

/// DisassociateMembership: an ENABLED member leaves the graph.
pub fn disassociate_membership(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let member = membership(store, req)?;
    if member.status != MemberStatus::Enabled {
        return Err(ApiError::conflict(
            "Only an account with the ENABLED status can leave the behavior graph",
        ));
    }
    leave_graph(store, req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Caller;
    use time::OffsetDateTime;

    fn request(account: &str, region: &str, body: Value) -> Request {
        Request {
            caller: Caller {
                account: account.into(),
                region: region.into(),
            },
            input: validate::Input::parse(body.to_string().as_bytes()).unwrap(),
            now: OffsetDateTime::now_utc(),
            resource_arn: None,
            query: Vec::new(),
        }
    }

    fn invite(store: &mut Store, graph: &str, ids: impl Iterator<Item = u64>) -> ApiResult<Reply> {
        let accounts: Vec<Value> = ids
            .map(|i| json!({"AccountId": format!("{i:012}"), "EmailAddress": "a@example.com"}))
            .collect();
        create_members(
            store,
            &request(
                "111111111111",
                "us-east-1",
                json!({"GraphArn": graph, "Accounts": accounts}),
            ),
        )
    }

    #[test]
    fn a_graph_holds_at_most_1200_members() {
        let mut store = Store::default();
        let (graph, _) = store.ensure_graph("111111111111", "us-east-1", OffsetDateTime::now_utc());
        for batch in 0..24u64 {
            invite(
                &mut store,
                &graph,
                (0..50).map(|i| 200_000_000_000 + batch * 50 + i),
            )
            .unwrap();
        }
        assert_eq!(
            store.graph(&graph).unwrap().members.len(),
            MAX_MEMBERS_PER_GRAPH
        );
        let err = invite(&mut store, &graph, std::iter::once(300_000_000_000)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::ServiceQuotaExceeded);
        assert_eq!(err.body()["Resources"], json!(["MEMBER_ACCOUNTS"]));
    }

    #[test]
    fn invitations_are_seen_only_in_the_graphs_region() {
        let mut store = Store::default();
        let (graph, _) = store.ensure_graph("111111111111", "us-east-1", OffsetDateTime::now_utc());
        invite(&mut store, &graph, std::iter::once(222_222_222_222)).unwrap();
        let list = |store: &mut Store, region| match list_invitations(
            store,
            &request("222222222222", region, json!({})),
        ) {
            Ok(Reply::Json(v)) => v["Invitations"].as_array().unwrap().len(),
            other => panic!("{other:?}"),
        };
        assert_eq!(list(&mut store, "us-east-1"), 1);
        assert_eq!(list(&mut store, "eu-west-1"), 0);
    }
}
