//! ARNs a config names (topics, queues, functions, the graph): their parts, and that a
//! resource used from every region of the stack is in that region.

use super::Target;
use super::general::is_region;
use super::{Checked, Source, is_account_id};
use crate::config::{Config, ConfigError};

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
pub(super) struct Arn<'a> {
    pub(super) service: &'a str,
    pub(super) region: &'a str,
    pub(super) account: &'a str,
    pub(super) resource: &'a str,
}

fn parse_arn(text: &str) -> Option<Arn<'_>> {
    let mut parts = text.splitn(6, ':');
    let (arn, partition) = (parts.next()?, parts.next()?);
    let arn_partition = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    if arn != "arn" || !arn_partition {
        return None;
    }
    Some(Arn {
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// A regional ARN of `service`, or an error that shows `example`.
pub(super) fn regional_arn<'a>(
    src: &Source<'_>,
    key: &str,
    text: &'a str,
    service: &str,
    what: &str,
    example: &str,
) -> Result<Arn<'a>, ConfigError> {
    let hint = format!("write {what}'s ARN, e.g. `{example}`");
    let at = [(key, Target::Value)];
    let Some(arn) = parse_arn(text) else {
        return Err(src.error(&at, format!("`{text}` is not a complete ARN"), hint));
    };
    let problem = if arn.service != service {
        Some(format!(
            "`{text}` is not {what}'s ARN (its service is `{}`)",
            arn.service
        ))
    } else if !is_region(arn.region) {
        Some(format!("`{text}` names no region (`{}`)", arn.region))
    } else if !is_account_id(arn.account) {
        Some(format!(
            "`{text}` names no 12-digit account (`{}`)",
            arn.account
        ))
    } else {
        None
    };
    match problem {
        Some(message) => Err(src.error(&at, message, hint)),
        None => Ok(arn),
    }
}

/// A resource used from every region of the stack must be in that region: the stack's
/// regions must be exactly `region`. Without configured regions the environment decides.
pub(super) fn in_every_region(
    config: &Config,
    src: &Source<'_>,
    key: &str,
    what: &str,
    region: &str,
    hint: &str,
) -> Checked {
    let regions = &config.watchpost.regions;
    if regions.is_empty() {
        return Ok(());
    }
    if !regions.iter().any(|r| r == region) {
        return src.fail(
            key,
            format!(
                "{what} is in {region}, where this stack does not run (regions: {})",
                regions.join(", ")
            ),
            hint,
        );
    }
    if let Some(other) = regions.iter().find(|r| *r != region) {
        return src.fail(
            key,
            format!("{what} is in {region}, but this stack also runs in {other}"),
            hint,
        );
    }
    Ok(())
}
