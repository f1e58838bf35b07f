//! From an HTTP method and path to a Detective operation, as the `http` blocks of
//! detective-service-2.json lay them out (mostly POST with a JSON body; the tag calls put the
//! resource ARN in the path and UntagResource its keys in the query string).

use hyper::Method;

use crate::api::{Reply, Request, datasources, graphs, investigations, members, organization};
use crate::errors::{ApiError, ApiResult};
use crate::state::Store;

/// A handler: a pure function of the store and the decoded request.
pub type Handler = fn(&mut Store, &Request) -> ApiResult<Reply>;

/// A routed call: the operation's name (as faults and logs know it) and its handler.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub operation: &'static str,
    pub handler: Handler,
}

/// Operations of the model that the emulator does not implement; they answer
/// InternalServerException rather than a misleading success.
fn not_implemented(_: &mut Store, _: &Request) -> ApiResult<Reply> {
    Err(ApiError::new(
        crate::errors::ErrorKind::InternalServer,
        "This operation is not implemented by the Watchpost Detective emulator",
    ))
}

/// The route for a request, and the percent-decoded `{ResourceArn}` label for the tag calls.
pub fn route(method: &Method, path: &str) -> Option<(Route, Option<String>)> {
    let r = |operation, handler: Handler| Some((Route { operation, handler }, None));
    if let Some(arn) = path.strip_prefix("/tags/") {
        let arn = Some(percent_decode(arn));
        let route = match *method {
            Method::GET => Route {
                operation: "ListTagsForResource",
                handler: graphs::list_tags,
            },
            Method::POST => Route {
                operation: "TagResource",
                handler: graphs::tag_resource,
            },
            Method::DELETE => Route {
                operation: "UntagResource",
                handler: graphs::untag_resource,
            },
            _ => return None,
        };
        return Some((route, arn));
    }
    if *method == Method::PUT {
        return if path == "/invitation" {
            r("AcceptInvitation", members::accept_invitation)
        } else {
            None
        };
    }
    if *method != Method::POST {
        return None;
    }
    match path {
        "/graph" => r("CreateGraph", graphs::create_graph),
        "/graphs/list" => r("ListGraphs", graphs::list_graphs),
        "/graph/removal" => r("DeleteGraph", graphs::delete_graph),
        "/graph/members" => r("CreateMembers", members::create_members),
        "/graph/members/get" => r("GetMembers", members::get_members),
        "/graph/members/list" => r("ListMembers", members::list_members),
        "/graph/members/removal" => r("DeleteMembers", members::delete_members),
        "/invitations/list" => r("ListInvitations", members::list_invitations),
        "/invitation/removal" => r("RejectInvitation", members::reject_invitation),
        "/membership/removal" => r("DisassociateMembership", members::disassociate_membership),
        "/orgs/enableAdminAccount" => {
            r("EnableOrganizationAdminAccount", organization::enable_admin)
        }
        "/orgs/disableAdminAccount" => r(
            "DisableOrganizationAdminAccount",
            organization::disable_admin,
        ),
        "/orgs/adminAccountslist" => r("ListOrganizationAdminAccounts", organization::list_admins),
        "/orgs/describeOrganizationConfiguration" => r(
            "DescribeOrganizationConfiguration",
            organization::describe_config,
        ),
        "/orgs/updateOrganizationConfiguration" => r(
            "UpdateOrganizationConfiguration",
            organization::update_config,
        ),
        "/graph/datasources/list" => r("ListDatasourcePackages", datasources::list),
        "/graph/datasources/update" => r("UpdateDatasourcePackages", datasources::update),
        "/investigations/startInvestigation" => r("StartInvestigation", investigations::start),
        "/investigations/getInvestigation" => r("GetInvestigation", investigations::get),
        "/investigations/listInvestigations" => r("ListInvestigations", investigations::list),
        "/investigations/listIndicators" => r("ListIndicators", investigations::list_indicators),
        "/investigations/updateInvestigationState" => {
            r("UpdateInvestigationState", investigations::update_state)
        }
        "/graph/datasources/get" => r("BatchGetGraphMemberDatasources", not_implemented),
        "/membership/datasources/get" => r("BatchGetMembershipDatasources", not_implemented),
        "/graph/member/monitoringstate" => r("StartMonitoringMember", not_implemented),
        _ => None,
    }
}

/// Decodes `%XX` escapes (URI labels and query values are percent-encoded by the SDKs).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query string's pairs, decoded.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_paths_carry_the_decoded_arn() {
        let (route, arn) = route(
            &Method::DELETE,
            "/tags/arn%3Aaws%3Adetective%3Aus-east-1%3A123456789012%3Agraph%3Aabc",
        )
        .unwrap();
        assert_eq!(route.operation, "UntagResource");
        assert_eq!(
            arn.unwrap(),
            "arn:aws:detective:us-east-1:123456789012:graph:abc"
        );
    }

    #[test]
    fn methods_matter() {
        assert_eq!(
            route(&Method::PUT, "/invitation").unwrap().0.operation,
            "AcceptInvitation"
        );
        assert!(route(&Method::GET, "/graph").is_none());
        assert!(route(&Method::POST, "/nope").is_none());
        assert_eq!(
            route(&Method::POST, "/graph").unwrap().0.operation,
            "CreateGraph"
        );
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_pairs(Some("tagKeys=team&tagKeys=cost%2Fcenter")),
            vec![
                ("tagKeys".into(), "team".into()),
                ("tagKeys".into(), "cost/center".into())
            ]
        );
    }
}
