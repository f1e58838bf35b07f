//! The Detective operations, one module per API area. Handlers are plain functions over the
//! [`Store`](crate::state::Store): no I/O, no clock of their own (the request carries `now`).

pub mod datasources;
pub mod graphs;
pub mod investigations;
pub mod members;
pub mod organization;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::errors::{ApiError, ApiResult};
use crate::identity::Caller;
use crate::validate::Input;

/// A decoded API call.
#[derive(Debug)]
pub struct Request {
    pub caller: Caller,
    pub input: Input,
    pub now: OffsetDateTime,
    /// The `{ResourceArn}` URI label of the tag operations, percent-decoded.
    pub resource_arn: Option<String>,
    /// Query string pairs, percent-decoded (UntagResource's `tagKeys`).
    pub query: Vec<(String, String)>,
}

/// A successful answer.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// 200 with a JSON body (the operation's output structure).
    Json(Value),
    /// A status with an empty body: operations without output, and the tag calls' 204.
    Empty(u16),
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Empty(200)
    }
}

/// The model's `Timestamp` (`timestampFormat: iso8601`), to the millisecond as AWS sends it.
pub fn ts(t: OffsetDateTime) -> Value {
    let t = t
        .replace_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(t);
    json!(t.format(&Rfc3339).unwrap_or_default())
}

/// One page of `items`. Tokens are opaque to callers; here they carry the offset of the next
/// page, and anything else is rejected as the service rejects expired or forged tokens.
pub fn paginate<T>(
    items: Vec<T>,
    token: Option<&str>,
    page: usize,
    max_token_len: usize,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let start = match token {
        None => 0,
        Some(t) => {
            crate::validate::length("nextToken", t, 1, max_token_len)?;
            t.strip_prefix("wp-page-")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= items.len())
                .ok_or_else(|| {
                    ApiError::validation("The pagination token is not valid or has expired")
                })?
        }
    };
    let end = (start + page).min(items.len());
    let next = (end < items.len()).then(|| format!("wp-page-{end}"));
    Ok((
        items.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}

/// Puts `NextToken` into an output when there is one.
pub fn with_token(mut out: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_whole_list() {
        let items: Vec<u32> = (0..5).collect();
        let (p1, t1) = paginate(items.clone(), None, 2, 1024).unwrap();
        assert_eq!((p1, t1.as_deref()), (vec![0, 1], Some("wp-page-2")));
        let (p3, t3) = paginate(items.clone(), Some("wp-page-4"), 2, 1024).unwrap();
        assert_eq!((p3, t3), (vec![4], None));
        assert!(paginate(items, Some("bogus"), 2, 1024).is_err());
    }

    #[test]
    fn timestamps_are_iso8601_millis() {
        let t = time::macros::datetime!(2021-08-18 16:35:56.284_123 UTC);
        assert_eq!(ts(t), json!("2021-08-18T16:35:56.284Z"));
    }
}
