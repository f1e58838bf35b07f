//! `[[suppress]]`: every rule says what it suppresses, and names accounts as AWS writes them.

use super::{Checked, Source, is_account_id};
use crate::config::Config;

/// A rule with no criteria would suppress everything.
pub(super) fn rules(config: &Config, src: &Source<'_>) -> Checked {
    for (i, rule) in config.suppress.iter().enumerate() {
        let empty = rule.finding_types.is_empty()
            && rule.accounts.is_empty()
            && rule.resource_tags.is_empty()
            && rule.ip_cidrs.is_empty();
        if empty {
            return src.fail_text(
                format!("suppress[{i}].name"),
                &format!("\"{}\"", rule.name),
                format!(
                    "suppression rule `{}` has no criteria and would suppress everything",
                    rule.name
                ),
                "add finding_types, accounts, resource_tags or ip_cidrs",
            );
        }
        for (j, account) in rule.accounts.iter().enumerate() {
            if !is_account_id(account) {
                return src.fail_text(
                    format!("suppress[{i}].accounts[{j}]"),
                    &format!("\"{account}\""),
                    format!("`{account}` is not an AWS account id"),
                    "write the 12-digit account id as a string",
                );
            }
        }
    }
    Ok(())
}
