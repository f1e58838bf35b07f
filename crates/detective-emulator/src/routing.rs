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

/// Every operation of detective-service-2.json: (method, path, name, handler), from the model's
/// `http` blocks. The tag calls' path is a prefix followed by the `{ResourceArn}` label.
const ROUTES: &[(Method, &str, &str, Handler)] = &[
    (Method::POST, "/graph", "CreateGraph", graphs::create_graph),
    (
        Method::POST,
        "/graphs/list",
        "ListGraphs",
        graphs::list_graphs,
    ),
    (
        Method::POST,
        "/graph/removal",
        "DeleteGraph",
        graphs::delete_graph,
    ),
    (
        Method::GET,
        "/tags/",
        "ListTagsForResource",
        graphs::list_tags,
    ),
    (Method::POST, "/tags/", "TagResource", graphs::tag_resource),
    (
        Method::DELETE,
        "/tags/",
        "UntagResource",
        graphs::untag_resource,
    ),
    (
        Method::POST,
        "/graph/members",
        "CreateMembers",
        members::create_members,
    ),
    (
        Method::POST,
        "/graph/members/get",
        "GetMembers",
        members::get_members,
    ),
    (
        Method::POST,
        "/graph/members/list",
        "ListMembers",
        members::list_members,
    ),
    (
        Method::POST,
        "/graph/members/removal",
        "DeleteMembers",
        members::delete_members,
    ),
    (
        Method::POST,
        "/invitations/list",
        "ListInvitations",
        members::list_invitations,
    ),
    (
        Method::PUT,
        "/invitation",
        "AcceptInvitation",
        members::accept_invitation,
    ),
    (
        Method::POST,
        "/invitation/removal",
        "RejectInvitation",
        members::reject_invitation,
    ),
    (
        Method::POST,
        "/membership/removal",
        "DisassociateMembership",
        members::disassociate_membership,
    ),
    (
        Method::POST,
        "/orgs/enableAdminAccount",
        "EnableOrganizationAdminAccount",
        organization::enable_admin,
    ),
    (
        Method::POST,
        "/orgs/disableAdminAccount",
        "DisableOrganizationAdminAccount",
        organization::disable_admin,
    ),
    (
        Method::POST,
        "/orgs/adminAccountslist",
        "ListOrganizationAdminAccounts",
        organization::list_admins,
    ),
    (
        Method::POST,
        "/orgs/describeOrganizationConfiguration",
        "DescribeOrganizationConfiguration",
        organization::describe_config,
    ),
    (
        Method::POST,
        "/orgs/updateOrganizationConfiguration",
        "UpdateOrganizationConfiguration",
        organization::update_config,
    ),
    (
        Method::POST,
        "/graph/datasources/list",
        "ListDatasourcePackages",
        datasources::list,
    ),
    (
        Method::POST,
        "/graph/datasources/update",
        "UpdateDatasourcePackages",
        datasources::update,
    ),
    (
        Method::POST,
        "/investigations/startInvestigation",
        "StartInvestigation",
        investigations::start,
    ),
    (
        Method::POST,
        "/investigations/getInvestigation",
        "GetInvestigation",
        investigations::get,
    ),
    (
        Method::POST,
        "/investigations/listInvestigations",
        "ListInvestigations",
        investigations::list,
    ),
    (
        Method::POST,
        "/investigations/listIndicators",
        "ListIndicators",
        investigations::list_indicators,
    ),
    (
        Method::POST,
        "/investigations/updateInvestigationState",
        "UpdateInvestigationState",
        investigations::update_state,
    ),
    (
        Method::POST,
        "/graph/datasources/get",
        "BatchGetGraphMemberDatasources",
        not_implemented,
    ),
    (
        Method::POST,
        "/membership/datasources/get",
        "BatchGetMembershipDatasources",
        not_implemented,
    ),
    (
        Method::POST,
        "/graph/member/monitoringstate",
        "StartMonitoringMember",
        not_implemented,
    ),
];

/// Whether `name` is an operation of the API (fault specs name operations).
pub fn is_operation(name: &str) -> bool {
    ROUTES.iter().any(|(_, _, op, _)| *op == name)
}

/// The route for a request, and the percent-decoded `{ResourceArn}` label for the tag calls.
pub fn route(method: &Method, path: &str) -> Option<(Route, Option<String>)> {
    let label = path.strip_prefix("/tags/");
    let wanted = if label.is_some() { "/tags/" } else { path };
    ROUTES
        .iter()
        .find(|(m, p, _, _)| m == method && *p == wanted)
        .map(|(_, _, operation, handler)| {
            (
                Route {
                    operation,
                    handler: *handler,
                },
                label.map(percent_decode),
            )
        })
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
    fn operation_names_are_known() {
        assert!(is_operation("StartInvestigation"));
        assert!(!is_operation("StartInvestigaton"));
        assert_eq!(ROUTES.len(), 29, "every operation of the model");
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
