//! The enricher's environment fits Lambda's: its size at most, as [`crate::config::environment`]
//! bounds it, for the config's routes and regions.

use super::{Checked, Source};
use crate::config::Config;
use crate::config::environment::{base_bytes, enricher_environment_bound, route_bytes};

/// Lambda environment variables, all keys and values together (Lambda developer guide, quotas:
/// "Environment variables: 4 KB, for all environment variables associated with the function").
const LAMBDA_ENV_MAX_BYTES: usize = 4 * 1024;

/// The enricher's environment within Lambda's limit; else the route that takes it over.
pub(super) fn size(config: &Config, src: &Source<'_>) -> Checked {
    let bound = enricher_environment_bound(config);
    if bound <= LAMBDA_ENV_MAX_BYTES {
        return Ok(());
    }
    // Point at the route that takes the environment over the limit.
    let mut total = base_bytes(config);
    let routes = route_bytes(config);
    let over = routes
        .iter()
        .position(|bytes| {
            total += bytes;
            total > LAMBDA_ENV_MAX_BYTES
        })
        .unwrap_or(routes.len().saturating_sub(1));
    let per_route = routes.iter().sum::<usize>() / routes.len().max(1);
    src.fail(
        &format!("routes[{over}].name"),
        format!("the enricher's environment would take up to {bound} bytes"),
        format!(
            "Lambda allows {LAMBDA_ENV_MAX_BYTES} bytes of environment variables, and each route \
             adds WATCHPOST_TOPIC_<ROUTE>=<topic ARN> (about {per_route} bytes here): use fewer \
             routes, or shorter route and stack names"
        ),
    )
}
