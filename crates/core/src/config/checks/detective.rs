//! `[detective]`: the members invited (Watchpost's own rule), then what Detective would refuse:
//! the graph's ARN and region, the invitation message, data source packages, the delegated
//! administrator, and the graph's tags.

use std::collections::BTreeSet;

use watchpost_contract::stack::STACK_TAG;

use super::arn::{in_every_region, regional_arn};
use super::{Checked, Source, Target, is_account_id, suggest};
use crate::config::Config;
use crate::config::locate::key_segment;

/// Optional Detective data source packages (Detective API reference,
/// UpdateDatasourcePackages: "DETECTIVE_CORE | EKS_AUDIT | ASFF_SECURITYHUB_FINDING"; the core
/// package is on for every graph).
const DETECTIVE_OPTIONAL_PACKAGES: &[&str] = &["EKS_AUDIT", "ASFF_SECURITYHUB_FINDING"];
/// Always on in a behavior graph, so never something to enable.
const DETECTIVE_CORE_PACKAGE: &str = "DETECTIVE_CORE";
/// Detective's invitation message (Detective API reference, CreateMembers: `Message`,
/// "Minimum length of 1. Maximum length of 1000").
const DETECTIVE_MESSAGE_CHARS: (usize, usize) = (1, 1000);
/// Tags per behavior graph (Detective API reference, CreateGraph: "You can add up to 50
/// tags"), one of which is Watchpost's own `watchpost:stack`.
const DETECTIVE_MAX_TAGS: usize = 50;
/// Tag keys and values (Detective API reference, TagResource: "Each tag key can contain up to
/// 128 characters. Each tag value can contain up to 256 characters"; keys match
/// `^(?!aws:)[a-zA-Z+-=._:/]+$`).
const TAG_KEY_MAX: usize = 128;
const TAG_VALUE_MAX: usize = 256;
/// Reserved for AWS in tag keys (Tagging AWS resources: "Do not use aws:, AWS:, or any upper
/// or lowercase combination of such as a prefix").
const RESERVED_TAG_PREFIX: &str = "aws:";

/// Members are invited by account id and the account's email address.
pub(super) fn members(config: &Config, src: &Source<'_>) -> Checked {
    for (i, member) in config.detective.members.iter().enumerate() {
        if !is_account_id(&member.account_id) {
            return src.fail_text(
                format!("detective.members[{i}].account_id"),
                &format!("\"{}\"", member.account_id),
                format!("`{}` is not an AWS account id", member.account_id),
                "write the 12-digit account id as a string",
            );
        }
        if !member.email.contains('@') {
            return src.fail_text(
                format!("detective.members[{i}].email"),
                &format!("\"{}\"", member.email),
                format!("`{}` is not an email address", member.email),
                "Detective sends the invitation to the account's root email address",
            );
        }
    }
    Ok(())
}

/// The graph, the invitation, data source packages, the administrator and the tags.
pub(super) fn graph(config: &Config, src: &Source<'_>) -> Checked {
    let detective = &config.detective;
    if let Some(arn) = &detective.graph_arn {
        let key = "detective.graph_arn";
        let example =
            "arn:aws:detective:us-east-1:123456789012:graph:0123456789abcdef0123456789abcdef";
        let graph = regional_arn(src, key, arn, "detective", "a Detective graph", example)?;
        let id = graph.resource.strip_prefix("graph:").unwrap_or("");
        let hex = id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex {
            return src.fail(
                key,
                format!("`{arn}` names no behavior graph"),
                format!("a graph's ARN ends `graph:` and 32 hexadecimal digits, e.g. `{example}`"),
            );
        }
        in_every_region(
            config,
            src,
            key,
            "the graph",
            graph.region,
            "Detective graphs are regional: leave graph_arn out so that each region finds or \
             creates its own, or run this stack in the graph's region only",
        )?;
    }
    if let Some(message) = &detective.invitation_message {
        let chars = message.chars().count();
        let (min, max) = DETECTIVE_MESSAGE_CHARS;
        if !(min..=max).contains(&chars) {
            return src.fail(
                "detective.invitation_message",
                format!("the invitation message has {chars} characters"),
                format!("Detective takes {min} to {max} characters (leave it out for none)"),
            );
        }
    }
    let mut packages = BTreeSet::new();
    for (i, package) in detective.datasource_packages.iter().enumerate() {
        let key = format!("detective.datasource_packages[{i}]");
        if package == DETECTIVE_CORE_PACKAGE {
            return src.fail(
                &key,
                format!("`{package}` is always on"),
                format!(
                    "every behavior graph has the core package; the optional ones are {}",
                    DETECTIVE_OPTIONAL_PACKAGES.join(", ")
                ),
            );
        }
        if !DETECTIVE_OPTIONAL_PACKAGES.contains(&package.as_str()) {
            return src.fail(
                &key,
                format!("`{package}` is not a Detective data source package"),
                suggest(package, DETECTIVE_OPTIONAL_PACKAGES),
            );
        }
        if !packages.insert(package) {
            return src.fail(&key, format!("`{package}` is listed twice"), "list it once");
        }
    }
    if let Some(organization) = &detective.organization
        && !is_account_id(&organization.admin_account_id)
    {
        return src.fail(
            "detective.organization.admin_account_id",
            format!(
                "`{}` is not an AWS account id",
                organization.admin_account_id
            ),
            "write the delegated administrator's 12-digit account id as a string",
        );
    }
    tags(src, "detective.tags", &detective.tags)
}

/// Tags Watchpost puts on a behavior graph, besides its own `watchpost:stack`.
fn tags(src: &Source<'_>, key: &str, tags: &std::collections::BTreeMap<String, String>) -> Checked {
    if tags.len() >= DETECTIVE_MAX_TAGS {
        return src.fail(
            key,
            format!("{} tags are too many", tags.len()),
            format!(
                "Detective allows {DETECTIVE_MAX_TAGS} tags on a graph and Watchpost adds \
                 `watchpost:stack`: keep {} or fewer",
                DETECTIVE_MAX_TAGS - 1
            ),
        );
    }
    for (name, value) in tags {
        let entry = format!("{key}.{}", key_segment(name));
        let key_target = [(entry.as_str(), Target::Key)];
        if name.to_ascii_lowercase().starts_with(RESERVED_TAG_PREFIX) {
            return src.fail_at(
                &key_target,
                format!("tag key `{name}` begins with `aws:`"),
                "AWS keeps the `aws:` prefix for its own tags: choose another key",
            );
        }
        if name == STACK_TAG {
            return src.fail_at(
                &key_target,
                format!("Watchpost sets `{name}` itself"),
                "the stack tag marks what Watchpost owns (and destroys): remove it from tags",
            );
        }
        // Detective's pattern `[a-zA-Z+-=._:/]`: letters, and `+` to `=` (digits and `+,-./:;<=`).
        let allowed = |b: u8| b.is_ascii_alphabetic() || (b'+'..=b'=').contains(&b) || b == b'_';
        if name.is_empty() || name.len() > TAG_KEY_MAX || !name.bytes().all(allowed) {
            return src.fail_at(
                &key_target,
                format!("`{name}` is not a tag key Detective accepts"),
                "tag keys are 1–128 letters, digits and `+ , - . / : ; < = _` (no spaces)",
            );
        }
        if value.chars().count() > TAG_VALUE_MAX {
            return src.fail(
                &entry,
                format!(
                    "the value of tag `{name}` has {} characters",
                    value.chars().count()
                ),
                format!("tag values are at most {TAG_VALUE_MAX} characters"),
            );
        }
    }
    Ok(())
}
