//! The Organizations integration: EnableOrganizationAdminAccount,
//! DisableOrganizationAdminAccount, ListOrganizationAdminAccounts,
//! DescribeOrganizationConfiguration, UpdateOrganizationConfiguration.
//!
//! The emulator has no AWS Organizations: whoever calls EnableOrganizationAdminAccount acts as
//! its organization's management account, and the organization is keyed by that account. The
//! organization's accounts are the emulator's `organization_accounts` (its start config): the
//! administrator's CreateMembers enables them rather than inviting them.

use serde_json::{Value, json};

use super::{Reply, Request, paginate, ts, with_token};
use crate::errors::{ApiError, ApiResult};
use crate::state::{OrgAdmin, Store};
use crate::validate::{self, MAX_MEMBER_RESULTS, MAX_PAGINATION_TOKEN_LEN};

/// EnableOrganizationAdminAccount: designates the Detective administrator for the caller's
/// organization in this region, enabling Detective (a graph) for it if needed.
pub fn enable_admin(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let account = req.input.str("AccountId")?;
    validate::account_id(account)?;
    let key = (req.caller.account.clone(), req.caller.region.clone());
    if let Some(existing) = store.org_admins.get(&key) {
        if existing.account == account {
            return Ok(Reply::ok());
        }
        return Err(ApiError::validation(format!(
            "The organization already has a Detective administrator account ({}) in {}",
            existing.account, req.caller.region
        )));
    }
    let (graph_arn, _) = store.ensure_graph(account, &req.caller.region, req.now);
    store.org_admins.insert(
        key,
        OrgAdmin {
            account: account.to_string(),
            graph_arn,
            delegated: req.now,
        },
    );
    Ok(Reply::ok())
}

/// DisableOrganizationAdminAccount: removes the designation (the graph stays).
pub fn disable_admin(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    store
        .org_admins
        .remove(&(req.caller.account.clone(), req.caller.region.clone()));
    Ok(Reply::ok())
}

/// ListOrganizationAdminAccounts: the administrator the caller designated, if any.
pub fn list_admins(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let page = validate::max_results(req.input.opt_i64("MaxResults")?, MAX_MEMBER_RESULTS, 100)?;
    let admins: Vec<Value> = store
        .org_admins
        .get(&(req.caller.account.clone(), req.caller.region.clone()))
        .map(|a| json!({"AccountId": a.account, "GraphArn": a.graph_arn, "DelegationTime": ts(a.delegated)}))
        .into_iter()
        .collect();
    let (admins, next) = paginate(
        admins,
        req.input.opt_str("NextToken")?,
        page,
        MAX_PAGINATION_TOKEN_LEN,
    )?;
    Ok(Reply::Json(with_token(
        json!({"Administrators": admins}),
        next,
    )))
}

/// The organization graph named in the request, which the caller must administer for an
/// organization. The model lists no ResourceNotFoundException here, so every miss is a denial.
fn org_graph_arn(store: &Store, req: &Request) -> ApiResult<String> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let designated = store
        .org_admins
        .values()
        .any(|a| a.graph_arn == arn && a.account == req.caller.account);
    if !designated || store.admin_graph(&req.caller, arn).is_err() {
        return Err(ApiError::access_denied(format!(
            "Account {} is not the Detective administrator account for the organization of {arn}",
            req.caller.account
        )));
    }
    Ok(arn.to_string())
}

/// DescribeOrganizationConfiguration: whether new organization accounts are enabled automatically.
pub fn describe_config(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = org_graph_arn(store, req)?;
    Ok(Reply::Json(
        json!({"AutoEnable": store.graph(&arn)?.auto_enable}),
    ))
}

/// UpdateOrganizationConfiguration: sets AutoEnable (absent means false, as in the API).
pub fn update_config(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = org_graph_arn(store, req)?;
    let auto_enable = req.input.opt_bool("AutoEnable")?.unwrap_or(false);
    store
        .graphs
        .get_mut(&arn)
        .expect("checked above")
        .auto_enable = auto_enable;
    Ok(Reply::ok())
}
