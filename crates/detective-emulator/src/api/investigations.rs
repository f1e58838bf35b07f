//! Detective investigations: StartInvestigation, GetInvestigation, ListInvestigations (with its
//! FilterCriteria and SortCriteria), ListIndicators, UpdateInvestigationState.
//!
//! An investigation is RUNNING for the configured delay after it starts and SUCCESSFUL after
//! that; its indicators and severity come from [`crate::indicators`]. Status is computed from
//! the clock when read, so no timer task is needed.

use std::cmp::Ordering;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Reply, Request, paginate, ts, with_token};
use crate::errors::{ApiError, ApiResult};
use crate::indicators::{self, INDICATOR_TYPES};
use crate::state::{Graph, Investigation, Store};
use crate::validate::{
    self, Input, MAX_AI_PAGINATION_TOKEN_LEN, MAX_AI_RESULTS, MAX_FILTER_VALUE_LEN,
};

/// Default page size of ListInvestigations / ListIndicators.
const DEFAULT_PAGE: usize = 50;
/// The model's `Severity` enum, least severe first.
const SEVERITIES: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// The kind of IAM principal an ARN names; Detective investigates IAM users and roles only.
fn entity_type(arn: &str) -> ApiResult<&'static str> {
    if !arn.starts_with("arn:") {
        return Err(ApiError::validation(format!(
            "Value {arn:?} at 'entityArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:.*"
        )));
    }
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    match (arn.split(':').nth(2), resource.split('/').next()) {
        (Some("iam"), Some("user")) => Ok("IAM_USER"),
        (Some("iam"), Some("role")) | (Some("sts"), Some("assumed-role")) => Ok("IAM_ROLE"),
        _ => Err(ApiError::validation(format!(
            "{arn} is not the ARN of an IAM user or IAM role"
        ))),
    }
}

/// Severity, once the investigation has finished.
fn severity(graph: &Graph, inv: &Investigation, now: OffsetDateTime) -> Option<&'static str> {
    (inv.status(now) == "SUCCESSFUL")
        .then(|| indicators::generate(&inv.entity_arn, &graph.account, &graph.region).severity)
}

fn graph_and_id<'s>(store: &'s Store, req: &Request) -> ApiResult<(&'s Graph, String)> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let id = req.input.str("InvestigationId")?;
    validate::investigation_id(id)?;
    let graph = store.admin_graph(&req.caller, arn)?;
    if !graph.investigations.contains_key(id) {
        return Err(ApiError::not_found(format!(
            "Investigation {id} does not exist in behavior graph {arn}"
        )));
    }
    Ok((graph, id.to_string()))
}

/// StartInvestigation: a new RUNNING investigation of an IAM user or role.
pub fn start(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let entity = req.input.str("EntityArn")?;
    let entity_type = entity_type(entity)?;
    let scope_start = req.input.timestamp("ScopeStartTime")?;
    let scope_end = req.input.timestamp("ScopeEndTime")?;
    if scope_start >= scope_end {
        return Err(ApiError::validation(
            "ScopeStartTime must be before ScopeEndTime",
        ));
    }
    store.admin_graph(&req.caller, arn)?;
    let id = store.new_investigation_id(arn);
    let delay = store.investigation_delay;
    let inv = Investigation {
        id: id.clone(),
        entity_arn: entity.to_string(),
        entity_type,
        created: req.now,
        scope_start,
        scope_end,
        completes_at: req.now + delay,
        state: "ACTIVE",
    };
    store
        .graphs
        .get_mut(arn)
        .expect("checked above")
        .investigations
        .insert(id.clone(), inv);
    Ok(Reply::Json(json!({"InvestigationId": id})))
}

/// GetInvestigation.
pub fn get(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let (graph, id) = graph_and_id(store, req)?;
    let inv = &graph.investigations[&id];
    let mut out = json!({
        "GraphArn": graph.arn,
        "InvestigationId": inv.id,
        "EntityArn": inv.entity_arn,
        "EntityType": inv.entity_type,
        "CreatedTime": ts(inv.created),
        "ScopeStartTime": ts(inv.scope_start),
        "ScopeEndTime": ts(inv.scope_end),
        "Status": inv.status(req.now),
        "State": inv.state,
    });
    if let Some(s) = severity(graph, inv, req.now) {
        out["Severity"] = json!(s);
    }
    Ok(Reply::Json(out))
}

/// A `StringFilter`'s value (required `Value`, 1..500 chars).
fn string_filter(criteria: &Input, name: &str) -> ApiResult<Option<String>> {
    let Some(f) = criteria.opt_object(name)? else {
        return Ok(None);
    };
    let value = f.str("Value")?;
    validate::length("value", value, 1, MAX_FILTER_VALUE_LEN)?;
    Ok(Some(value.to_string()))
}

/// ListInvestigations, filtered and sorted (newest first unless SortCriteria says otherwise).
pub fn list(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let page = validate::max_results(
        req.input.opt_i64("MaxResults")?,
        MAX_AI_RESULTS,
        DEFAULT_PAGE,
    )?;
    let criteria = req.input.opt_object("FilterCriteria")?.unwrap_or_default();
    let severity_is = string_filter(&criteria, "Severity")?;
    let status_is = string_filter(&criteria, "Status")?;
    let state_is = string_filter(&criteria, "State")?;
    let entity_is = string_filter(&criteria, "EntityArn")?;
    let created = match criteria.opt_object("CreatedTime")? {
        Some(d) => Some((d.timestamp("StartInclusive")?, d.timestamp("EndInclusive")?)),
        None => None,
    };
    let sort = req.input.opt_object("SortCriteria")?.unwrap_or_default();
    let field = match sort.opt_str("Field")? {
        Some(f) => validate::one_of("field", f, &["SEVERITY", "STATUS", "CREATED_TIME"])?,
        None => "CREATED_TIME",
    };
    let descending = match sort.opt_str("SortOrder")? {
        Some(o) => validate::one_of("sortOrder", o, &["ASC", "DESC"])? == "DESC",
        None => true,
    };

    let graph = store.admin_graph(&req.caller, arn)?;
    let now = req.now;
    let mut rows: Vec<(&Investigation, Option<&'static str>)> = graph
        .investigations
        .values()
        .map(|inv| (inv, severity(graph, inv, now)))
        .filter(|(inv, sev)| {
            severity_is.as_deref().is_none_or(|v| *sev == Some(v))
                && status_is.as_deref().is_none_or(|v| inv.status(now) == v)
                && state_is.as_deref().is_none_or(|v| inv.state == v)
                && entity_is.as_deref().is_none_or(|v| inv.entity_arn == v)
                && created.is_none_or(|(from, to)| from <= inv.created && inv.created <= to)
        })
        .collect();
    let rank = |s: Option<&str>| s.and_then(|s| SEVERITIES.iter().position(|x| *x == s));
    rows.sort_by(|(a, sa), (b, sb)| {
        let primary = match field {
            "SEVERITY" => rank(*sa).cmp(&rank(*sb)),
            "STATUS" => a.status(now).cmp(b.status(now)),
            _ => Ordering::Equal,
        };
        let ord = primary
            .then(a.created.cmp(&b.created))
            .then(a.id.cmp(&b.id));
        if descending { ord.reverse() } else { ord }
    });
    let details: Vec<Value> = rows
        .into_iter()
        .map(|(inv, sev)| {
            let mut d = json!({
                "InvestigationId": inv.id,
                "Status": inv.status(now),
                "State": inv.state,
                "CreatedTime": ts(inv.created),
                "EntityArn": inv.entity_arn,
                "EntityType": inv.entity_type,
            });
            if let Some(s) = sev {
                d["Severity"] = json!(s);
            }
            d
        })
        .collect();
    let (details, next) = paginate(
        details,
        req.input.opt_str("NextToken")?,
        page,
        MAX_AI_PAGINATION_TOKEN_LEN,
    )?;
    Ok(Reply::Json(with_token(
        json!({"InvestigationDetails": details}),
        next,
    )))
}

/// ListIndicators: the investigation's indicators (none while it is RUNNING).
pub fn list_indicators(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let kind = match req.input.opt_str("IndicatorType")? {
        Some(k) => Some(validate::one_of("indicatorType", k, &INDICATOR_TYPES)?),
        None => None,
    };
    let page = validate::max_results(
        req.input.opt_i64("MaxResults")?,
        MAX_AI_RESULTS,
        DEFAULT_PAGE,
    )?;
    let (graph, id) = graph_and_id(store, req)?;
    let inv = &graph.investigations[&id];
    let found = if inv.status(req.now) == "SUCCESSFUL" {
        indicators::generate(&inv.entity_arn, &graph.account, &graph.region).indicators
    } else {
        Vec::new()
    };
    let found: Vec<Value> = found
        .into_iter()
        .filter(|i| kind.is_none_or(|k| i["IndicatorType"] == k))
        .collect();
    let (found, next) = paginate(
        found,
        req.input.opt_str("NextToken")?,
        page,
        MAX_AI_PAGINATION_TOKEN_LEN,
    )?;
    Ok(Reply::Json(with_token(
        json!({"GraphArn": graph.arn, "InvestigationId": id, "Indicators": found}),
        next,
    )))
}

/// UpdateInvestigationState: ACTIVE or ARCHIVED.
pub fn update_state(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let state = req.input.str("State")?;
    let state = if validate::one_of("state", state, &["ACTIVE", "ARCHIVED"])? == "ACTIVE" {
        "ACTIVE"
    } else {
        "ARCHIVED"
    };
    let (graph, id) = graph_and_id(store, req)?;
    let arn = graph.arn.clone();
    store
        .graphs
        .get_mut(&arn)
        .expect("found above")
        .investigations
        .get_mut(&id)
        .expect("found above")
        .state = state;
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_types_come_from_the_arn() {
        assert_eq!(
            entity_type("arn:aws:iam::123456789012:user/alice").unwrap(),
            "IAM_USER"
        );
        assert_eq!(
            entity_type("arn:aws:iam::123456789012:role/path/ci").unwrap(),
            "IAM_ROLE"
        );
        assert_eq!(
            entity_type("arn:aws:sts::123456789012:assumed-role/ci/session").unwrap(),
            "IAM_ROLE"
        );
        assert!(entity_type("arn:aws:s3:::bucket").is_err());
        assert!(entity_type("alice").is_err());
    }
}
