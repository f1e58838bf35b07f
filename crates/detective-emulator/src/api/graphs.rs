//! Behavior graphs and their tags: CreateGraph, ListGraphs, DeleteGraph, TagResource,
//! UntagResource, ListTagsForResource.

use serde_json::{Value, json};

use super::{Reply, Request, paginate, ts, with_token};
use crate::errors::{ApiError, ApiResult};
use crate::state::Store;
use crate::validate::{self, MAX_MEMBER_RESULTS, MAX_PAGINATION_TOKEN_LEN, MAX_TAGS};

/// Validates a `TagMap` (1..50 entries, key and value patterns).
fn tag_map(tags: &[(String, String)]) -> ApiResult<()> {
    validate::count("tags", tags.len(), 1, MAX_TAGS)?;
    for (k, v) in tags {
        validate::tag_key(k)?;
        validate::tag_value(v)?;
    }
    Ok(())
}

/// CreateGraph: the caller's graph in the region; an existing one is returned as it is
/// (documented: the same administrator always gets the same behavior graph ARN).
pub fn create_graph(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let tags = req.input.opt_string_map("Tags")?;
    if let Some(tags) = &tags {
        tag_map(tags)?;
    }
    let (arn, created) = store.ensure_graph(&req.caller.account, &req.caller.region, req.now);
    if created {
        let graph = store.graphs.get_mut(&arn).expect("just created");
        graph.tags.extend(tags.unwrap_or_default());
    }
    Ok(Reply::Json(json!({"GraphArn": arn})))
}

/// ListGraphs: the graphs the caller administers (at most one per region).
pub fn list_graphs(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let page = validate::max_results(req.input.opt_i64("MaxResults")?, MAX_MEMBER_RESULTS, 100)?;
    let graphs: Vec<Value> = store
        .graph_of(&req.caller.account, &req.caller.region)
        .map(|g| json!({"Arn": g.arn, "CreatedTime": ts(g.created)}))
        .into_iter()
        .collect();
    let (graphs, next) = paginate(
        graphs,
        req.input.opt_str("NextToken")?,
        page,
        MAX_PAGINATION_TOKEN_LEN,
    )?;
    Ok(Reply::Json(with_token(json!({"GraphList": graphs}), next)))
}

/// DeleteGraph: removes the graph, and with it every membership and investigation.
pub fn delete_graph(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    store.admin_graph(&req.caller, arn)?;
    store.graphs.remove(arn);
    store.org_admins.retain(|_, admin| admin.graph_arn != arn);
    Ok(Reply::ok())
}

fn tagged_arn(req: &Request) -> ApiResult<&str> {
    let arn = req.resource_arn.as_deref().unwrap_or_default();
    validate::graph_arn(arn)?;
    Ok(arn)
}

/// TagResource (204): adds or overwrites tags; a graph holds at most 50.
pub fn tag_resource(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = tagged_arn(req)?;
    let tags = req
        .input
        .opt_string_map("Tags")?
        .ok_or_else(|| ApiError::validation("Tags must not be null"))?;
    tag_map(&tags)?;
    let graph = store.admin_graph_mut(&req.caller, arn)?;
    let mut merged = graph.tags.clone();
    merged.extend(tags);
    validate::count("tags", merged.len(), 1, MAX_TAGS)?;
    graph.tags = merged;
    Ok(Reply::Empty(204))
}

/// UntagResource (204): removes the keys given in the `tagKeys` query parameter.
pub fn untag_resource(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = tagged_arn(req)?;
    let keys: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.as_str())
        .collect();
    validate::count("tagKeys", keys.len(), 1, MAX_TAGS)?;
    for k in &keys {
        validate::tag_key(k)?;
    }
    let graph = store.admin_graph_mut(&req.caller, arn)?;
    for k in keys {
        graph.tags.remove(k);
    }
    Ok(Reply::Empty(204))
}

/// ListTagsForResource.
pub fn list_tags(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = tagged_arn(req)?;
    let graph = store.admin_graph(&req.caller, arn)?;
    Ok(Reply::Json(json!({"Tags": graph.tags})))
}
