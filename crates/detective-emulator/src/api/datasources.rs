//! Data source packages of a graph: ListDatasourcePackages, UpdateDatasourcePackages.

use serde_json::{Map, Value, json};

use super::{Reply, Request, paginate, ts, with_token};
use crate::errors::{ApiError, ApiResult};
use crate::state::{Datasource, Store};
use crate::validate::{
    self, MAX_DATASOURCE_PACKAGES, MAX_MEMBER_RESULTS, MAX_PAGINATION_TOKEN_LEN,
};

/// The model's `DatasourcePackage` enum.
pub const PACKAGES: [&str; 3] = ["DETECTIVE_CORE", "EKS_AUDIT", "ASFF_SECURITYHUB_FINDING"];

/// ListDatasourcePackages: each package's ingest state and when each state began.
pub fn list(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let page = validate::max_results(req.input.opt_i64("MaxResults")?, MAX_MEMBER_RESULTS, 100)?;
    let graph = store.admin_graph(&req.caller, arn)?;
    let entries: Vec<(String, Value)> = graph
        .datasources
        .iter()
        .map(|(p, ds)| {
            let changes: Map<String, Value> = ds
                .changes
                .iter()
                .map(|(state, at)| (state.to_string(), json!({"Timestamp": ts(*at)})))
                .collect();
            (
                p.to_string(),
                json!({"DatasourcePackageIngestState": ds.state, "LastIngestStateChange": changes}),
            )
        })
        .collect();
    let (entries, next) = paginate(
        entries,
        req.input.opt_str("NextToken")?,
        page,
        MAX_PAGINATION_TOKEN_LEN,
    )?;
    let packages: Map<String, Value> = entries.into_iter().collect();
    Ok(Reply::Json(with_token(
        json!({"DatasourcePackages": packages}),
        next,
    )))
}

/// UpdateDatasourcePackages: starts ingesting the named packages.
pub fn update(store: &mut Store, req: &Request) -> ApiResult<Reply> {
    let arn = req.input.str("GraphArn")?;
    validate::graph_arn(arn)?;
    let list = req.input.array("DatasourcePackages")?;
    validate::count("datasourcePackages", list.len(), 1, MAX_DATASOURCE_PACKAGES)?;
    let mut packages = Vec::new();
    for v in list {
        let name = v
            .as_str()
            .ok_or_else(|| ApiError::validation("DatasourcePackages must be strings"))?;
        let known = validate::one_of("datasourcePackages", name, &PACKAGES)?;
        packages.push(
            PACKAGES
                .into_iter()
                .find(|p| *p == known)
                .expect("validated"),
        );
    }
    let graph = store.admin_graph_mut(&req.caller, arn)?;
    for p in packages {
        let ds = graph.datasources.entry(p).or_insert_with(|| Datasource {
            state: "STOPPED",
            changes: Default::default(),
        });
        if ds.state != "STARTED" {
            ds.state = "STARTED";
            ds.changes.insert("STARTED", req.now);
        }
    }
    Ok(Reply::ok())
}
