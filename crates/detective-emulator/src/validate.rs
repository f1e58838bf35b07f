//! Request validation against detective-service-2.json: required members, types, lengths,
//! patterns and list/map counts. Everything here answers `ValidationException` (HTTP 400), as
//! the service's front door does before an operation runs.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::errors::{ApiError, ApiResult};

/// Accounts per CreateMembers call (model: `AccountList` max 50).
pub const MAX_ACCOUNTS_PER_CALL: usize = 50;
/// Account ids per GetMembers / DeleteMembers call (model: `AccountIdList` max 50).
pub const MAX_ACCOUNT_IDS_PER_CALL: usize = 50;
/// Member accounts in one behavior graph (model: `ServiceQuotaExceededException` docs, 1,200).
pub const MAX_MEMBERS_PER_GRAPH: usize = 1200;
/// Page size of ListGraphs/ListMembers/ListInvitations/… (model: `MemberResultsLimit` 1..200).
pub const MAX_MEMBER_RESULTS: i64 = 200;
/// Page size of ListInvestigations/ListIndicators (model: `MaxResults` 1..100).
pub const MAX_AI_RESULTS: i64 = 100;
/// Tags on one resource, and per TagResource / UntagResource call (model: `TagMap`, `TagKeyList` max 50).
pub const MAX_TAGS: usize = 50;
/// Tag key length (model: `TagKey` 1..128).
pub const MAX_TAG_KEY_LEN: usize = 128;
/// Tag value length (model: `TagValue` max 256).
pub const MAX_TAG_VALUE_LEN: usize = 256;
/// Email address length (model: `EmailAddress` 1..64).
pub const MAX_EMAIL_LEN: usize = 64;
/// Invitation message length (model: `EmailMessage` 1..1000).
pub const MAX_EMAIL_MESSAGE_LEN: usize = 1000;
/// Data source packages per UpdateDatasourcePackages (model: `DatasourcePackageList` 1..25).
pub const MAX_DATASOURCE_PACKAGES: usize = 25;
/// Investigation ids are exactly 21 digits (model: `InvestigationId` 21..21, `^[0-9]+$`).
pub const INVESTIGATION_ID_LEN: usize = 21;
/// Pagination token length (model: `PaginationToken` 1..1024).
pub const MAX_PAGINATION_TOKEN_LEN: usize = 1024;
/// Investigation pagination token length (model: `AiPaginationToken` 1..2048).
pub const MAX_AI_PAGINATION_TOKEN_LEN: usize = 2048;
/// String filter value length (model: `Value` 1..500).
pub const MAX_FILTER_VALUE_LEN: usize = 500;

fn missing(name: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"
    ))
}

fn wrong_type(name: &str, expected: &str) -> ApiError {
    ApiError::validation(format!("Value at '{name}' must be {expected}"))
}

/// A JSON request body with typed, validating accessors for its members.
#[derive(Debug, Default)]
pub struct Input {
    body: Map<String, Value>,
}

impl Input {
    /// Parses a body; an empty body is an empty structure (operations without body members).
    pub fn parse(bytes: &[u8]) -> ApiResult<Input> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Input::default());
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(body)) => Ok(Input { body }),
            Ok(_) => Err(ApiError::validation(
                "The request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::validation(format!(
                "The request body is not valid JSON: {e}"
            ))),
        }
    }

    pub fn from_map(body: Map<String, Value>) -> Input {
        Input { body }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.body.get(name).filter(|v| !v.is_null())
    }

    pub fn opt_str(&self, name: &str) -> ApiResult<Option<&str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(name, "a string")),
        }
    }

    pub fn str(&self, name: &str) -> ApiResult<&str> {
        self.opt_str(name)?.ok_or_else(|| missing(name))
    }

    pub fn opt_bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(name, "a boolean")),
        }
    }

    pub fn opt_i64(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(name, "an integer")),
        }
    }

    pub fn opt_array(&self, name: &str) -> ApiResult<Option<&Vec<Value>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(wrong_type(name, "a list")),
        }
    }

    pub fn array(&self, name: &str) -> ApiResult<&Vec<Value>> {
        self.opt_array(name)?.ok_or_else(|| missing(name))
    }

    pub fn opt_object(&self, name: &str) -> ApiResult<Option<Input>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Input::from_map(m.clone()))),
            Some(_) => Err(wrong_type(name, "a structure")),
        }
    }

    pub fn object(&self, name: &str) -> ApiResult<Input> {
        self.opt_object(name)?.ok_or_else(|| missing(name))
    }

    /// A map of strings (the model's `TagMap`).
    pub fn opt_string_map(&self, name: &str) -> ApiResult<Option<Vec<(String, String)>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(wrong_type(name, "a map of strings")),
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(wrong_type(name, "a map")),
        }
    }

    /// A timestamp member (`timestampFormat: iso8601` in the model).
    pub fn timestamp(&self, name: &str) -> ApiResult<OffsetDateTime> {
        let raw = self.str(name)?;
        OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
            ApiError::validation(format!(
                "Value {raw:?} at '{name}' is not an ISO 8601 timestamp"
            ))
        })
    }
}

/// `GraphArn`: `^arn:aws[-\w]{0,10}?:detective:[-\w]{2,20}?:\d{12}?:graph:[abcdef\d]{32}?$`.
pub fn graph_arn(arn: &str) -> ApiResult<()> {
    let word = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() == 7
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[1].len() <= 13
        && word(parts[1])
        && parts[2] == "detective"
        && (2..=20).contains(&parts[3].len())
        && word(parts[3])
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5] == "graph"
        && parts[6].len() == 32
        && parts[6]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_graph_arn(arn))
    }
}

/// `AccountId`: exactly 12 digits.
pub fn account_id(id: &str) -> ApiResult<()> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "Value {id:?} at 'accountId' failed to satisfy constraint: Member must be 12 digits"
        )))
    }
}

/// `EmailAddress`: 1..64 chars, `^.+@(?:(?:(?!-)[A-Za-z0-9-]{1,62})?[A-Za-z0-9]{1}\.)+[A-Za-z]{2,63}$`.
pub fn email(address: &str) -> ApiResult<()> {
    let bad = || {
        ApiError::validation(format!(
            "Value {address:?} at 'emailAddress' is not a valid email address"
        ))
    };
    if address.is_empty() || address.chars().count() > MAX_EMAIL_LEN {
        return Err(bad());
    }
    // The regex's `.+@` is greedy, so the domain is what follows the last '@'.
    let (local, domain) = address.rsplit_once('@').ok_or_else(bad)?;
    let labels: Vec<&str> = domain.split('.').collect();
    let (tld, rest) = labels.split_last().ok_or_else(bad)?;
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        (1..=63).contains(&b.len())
            && b[0] != b'-'
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    let ok = !local.is_empty()
        && !rest.is_empty()
        && rest.iter().all(|l| label_ok(l))
        && (2..=63).contains(&tld.len())
        && tld.bytes().all(|b| b.is_ascii_alphabetic());
    if ok { Ok(()) } else { Err(bad()) }
}

/// `TagKey`: 1..128 chars of `^(?!aws:)[a-zA-Z+-=._:/]+$`. In that class `+-=` is the range
/// '+'..='=', which takes in digits, ',', '-', '.', '/', ':', ';' and '<'; kept as the model says.
pub fn tag_key(key: &str) -> ApiResult<()> {
    let ok = (1..=MAX_TAG_KEY_LEN).contains(&key.len())
        && !key.starts_with("aws:")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || (b'+'..=b'=').contains(&b) || b"._:/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "Tag key {key:?} is not valid"
        )))
    }
}

/// `TagValue`: at most 256 chars.
pub fn tag_value(value: &str) -> ApiResult<()> {
    if value.chars().count() <= MAX_TAG_VALUE_LEN {
        Ok(())
    } else {
        Err(ApiError::validation(
            "Tag values are at most 256 characters",
        ))
    }
}

/// `InvestigationId`: exactly 21 digits.
pub fn investigation_id(id: &str) -> ApiResult<()> {
    if id.len() == INVESTIGATION_ID_LEN && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "Value {id:?} at 'investigationId' failed to satisfy constraint: Member must be 21 digits"
        )))
    }
}

/// A list's member count within the model's `min`/`max`.
pub fn count(name: &str, len: usize, min: usize, max: usize) -> ApiResult<()> {
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must have length between {min} and {max}, inclusive (got {len})"
        )))
    }
}

/// A string's length within the model's `min`/`max`.
pub fn length(name: &str, value: &str, min: usize, max: usize) -> ApiResult<()> {
    count(name, value.chars().count(), min, max)
}

/// An optional `MaxResults` within 1..=max, or the default.
pub fn max_results(value: Option<i64>, max: i64, default: usize) -> ApiResult<usize> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(ApiError::validation(format!(
            "Value {n} at 'maxResults' failed to satisfy constraint: Member must be between 1 and {max}"
        ))),
    }
}

/// One of an enum's values.
pub fn one_of<'a>(name: &str, value: &'a str, allowed: &[&str]) -> ApiResult<&'a str> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::validation(format!(
            "Value {value:?} at '{name}' failed to satisfy constraint: Member must satisfy enum value set: {allowed:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:detective:us-east-1:123456789012:graph:0123456789abcdef0123456789abcdef";

    #[test]
    fn graph_arns_follow_the_model_pattern() {
        assert!(graph_arn(ARN).is_ok());
        assert!(graph_arn("arn:aws-us-gov:detective:us-gov-west-1:123456789012:graph:0123456789abcdef0123456789abcdef").is_ok());
        for bad in [
            "arn:aws:detective:us-east-1:123456789012:graph:0123456789ABCDEF0123456789abcdef",
            "arn:aws:detective:us-east-1:12345678901:graph:0123456789abcdef0123456789abcdef",
            "arn:aws:guardduty:us-east-1:123456789012:graph:0123456789abcdef0123456789abcdef",
            "arn:aws:detective:us-east-1:123456789012:graph:0123",
            "not-an-arn",
            "",
        ] {
            let err = graph_arn(bad).unwrap_err();
            assert_eq!(err.body()["ErrorCode"], "INVALID_GRAPH_ARN", "{bad}");
        }
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(account_id("111122223333").is_ok());
        assert!(account_id("11112222333").is_err());
        assert!(account_id("11112222333x").is_err());
    }

    #[test]
    fn emails_follow_the_model_pattern() {
        assert!(email("security@example.com").is_ok());
        assert!(email("a.b+c@mail.example.co.uk").is_ok());
        assert!(email("no-at-sign.example.com").is_err());
        assert!(email("x@-bad.com").is_err());
        assert!(email("x@example.c").is_err());
        assert!(email("x@example").is_err());
        assert!(email(&format!("{}@example.com", "a".repeat(60))).is_err());
    }

    #[test]
    fn tag_keys_follow_the_model_pattern() {
        assert!(tag_key("team").is_ok());
        assert!(tag_key("watchpost:owner/id-2").is_ok());
        assert!(tag_key("aws:reserved").is_err());
        assert!(tag_key("has space").is_err());
        assert!(tag_key(&"k".repeat(129)).is_err());
        assert!(tag_value(&"v".repeat(256)).is_ok());
        assert!(tag_value(&"v".repeat(257)).is_err());
    }

    #[test]
    fn investigation_ids_are_twenty_one_digits() {
        assert!(investigation_id("000000000000000000001").is_ok());
        assert!(investigation_id("00000000000000000001").is_err());
        assert!(investigation_id("00000000000000000000a").is_err());
    }

    #[test]
    fn counts_and_page_sizes_respect_limits() {
        assert!(count("accounts", 50, 1, MAX_ACCOUNTS_PER_CALL).is_ok());
        assert!(count("accounts", 51, 1, MAX_ACCOUNTS_PER_CALL).is_err());
        assert!(count("accounts", 0, 1, MAX_ACCOUNTS_PER_CALL).is_err());
        assert_eq!(max_results(None, MAX_MEMBER_RESULTS, 100).unwrap(), 100);
        assert!(max_results(Some(201), MAX_MEMBER_RESULTS, 100).is_err());
        assert!(max_results(Some(0), MAX_AI_RESULTS, 50).is_err());
    }

    #[test]
    fn required_members_must_be_present() {
        let input = Input::parse(br#"{"GraphArn": null, "N": 3}"#).unwrap();
        assert!(input.str("GraphArn").is_err());
        assert!(input.str("N").is_err());
        assert_eq!(input.opt_i64("N").unwrap(), Some(3));
        assert!(Input::parse(b"").unwrap().opt_str("x").unwrap().is_none());
        assert!(Input::parse(b"[1]").is_err());
    }
}
