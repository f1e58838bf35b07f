//! What AWS would refuse, refused while the config is read, before anything is applied:
//! Lambda's memory, timeout and environment size, EventBridge schedule expressions, region
//! names, the names of the function and table, SNS endpoints per protocol, raw delivery and
//! filter policies, topic and graph ARNs and their regions, Detective's data source packages,
//! tags, invitation message and administrator account, GuardDuty's features and publishing
//! frequency, the metrics namespace, the anomaly band and the state TTL. Each failure names
//! the key, points at the value and says what AWS accepts; the limits are in [`super::limits`].

// A config error is built once, on the way to the user (see `Config::from_toml`).
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;

use super::error::did_you_mean;
use super::limits::*;
use super::locate::{Target, key_segment};
use super::{Config, ConfigError, MESSAGE_ATTRIBUTES, Protocol, Subscription, is_account_id};
use crate::component::{Component, NOT_AI};

type Checked = Result<(), ConfigError>;

/// The file being checked, for locating what fails.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// Fails at `key`'s value.
    fn fail(&self, key: &str, message: impl Into<String>, hint: impl AsRef<str>) -> Checked {
        self.fail_at(&[(key, Target::Value)], message, hint)
    }

    /// Fails at the first of `keys` the file writes (the first names the error).
    fn fail_at(
        &self,
        keys: &[(&str, Target)],
        message: impl Into<String>,
        hint: impl AsRef<str>,
    ) -> Checked {
        Err(self.error(keys, message, hint))
    }

    fn error(
        &self,
        keys: &[(&str, Target)],
        message: impl Into<String>,
        hint: impl AsRef<str>,
    ) -> ConfigError {
        ConfigError::at_key(self.file, self.text, keys, message.into(), hint.as_ref())
    }
}

/// Every check, in the order of the example config's sections.
pub(super) fn check(config: &Config, file: &str, text: &str) -> Checked {
    let src = Source { file, text };
    regions(config, &src)?;
    adopt(config, &src)?;
    routes(config, &src)?;
    metrics(config, &src)?;
    detective(config, &src)?;
    guardduty(config, &src)?;
    enricher(config, &src)?;
    alarms(config, &src)?;
    environment(config, &src)
}

fn suggest(given: &str, known: &[&str]) -> String {
    if let Some(same) = known.iter().find(|k| k.eq_ignore_ascii_case(given)) {
        return format!("did you mean `{same}`? (AWS compares these exactly)");
    }
    match did_you_mean(given, known) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("use one of: {}", known.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------
// [watchpost]

fn regions(config: &Config, src: &Source<'_>) -> Checked {
    let mut seen = BTreeSet::new();
    for (i, region) in config.watchpost.regions.iter().enumerate() {
        let key = format!("watchpost.regions[{i}]");
        if !is_region(region) {
            let hint = match did_you_mean(region, KNOWN_REGIONS) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "write a region code such as `us-east-1` or `eu-central-1`".to_owned(),
            };
            return src.fail(&key, format!("`{region}` is not an AWS region"), hint);
        }
        if !seen.insert(region.as_str()) {
            return src.fail(
                &key,
                format!("`{region}` is listed twice"),
                "list each region once: Watchpost provisions every region in the list",
            );
        }
    }
    Ok(())
}

/// Kinds of resources a stack finds by name and may adopt (as the plan names them).
pub const ADOPTABLE_KINDS: &[&str] = &[
    "iam-role",
    "kms-key",
    "sns-topic",
    "sqs-queue",
    "dynamodb-table",
    "lambda-function",
    "events-rule",
    "cloudwatch-alarm",
    "cloudwatch-dashboard",
];

fn adopt(config: &Config, src: &Source<'_>) -> Checked {
    for (i, entry) in config.watchpost.adopt.iter().enumerate() {
        let key = format!("watchpost.adopt[{i}]");
        let Some((kind, name)) = entry.split_once(':') else {
            return src.fail(
                &key,
                format!("`{entry}` names no resource"),
                "write `kind:name` as the plan shows it, e.g. `dynamodb-table:watchpost-alert-state`",
            );
        };
        if !ADOPTABLE_KINDS.contains(&kind) {
            return src.fail(
                &key,
                format!("`{kind}` is not a kind Watchpost adopts"),
                suggest(kind, ADOPTABLE_KINDS),
            );
        }
        if name.is_empty() {
            return src.fail(
                &key,
                format!("`{entry}` names no resource"),
                "write `kind:name` as the plan shows it, e.g. `dynamodb-table:watchpost-alert-state`",
            );
        }
    }
    Ok(())
}

/// Whether `name` has the shape of an AWS region code (`us-east-1`, `us-gov-west-1`).
pub fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let (area, qualifier, direction, number) = match parts.as_slice() {
        [area, direction, number] => (*area, None, *direction, *number),
        [area, qualifier, direction, number] => (*area, Some(*qualifier), *direction, *number),
        _ => return false,
    };
    REGION_AREAS.contains(&area)
        && qualifier.is_none_or(|q| REGION_QUALIFIERS.contains(&q))
        && REGION_DIRECTIONS.contains(&direction)
        && (1..=2).contains(&number.len())
        && !number.starts_with('0')
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The partition a region belongs to (ARNs in it start `arn:<partition>:`).
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

// ---------------------------------------------------------------------------------------
// ARNs

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
struct Arn<'a> {
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
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
fn regional_arn<'a>(
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
fn in_every_region(
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

fn is_name(text: &str, (min, max): (usize, usize), extra: &[u8]) -> bool {
    (min..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

// ---------------------------------------------------------------------------------------
// [[routes]]

fn routes(config: &Config, src: &Source<'_>) -> Checked {
    for (i, route) in config.routes.iter().enumerate() {
        if let Some(arn) = &route.topic_arn {
            let key = format!("routes[{i}].topic_arn");
            let topic = regional_arn(
                src,
                &key,
                arn,
                "sns",
                "an SNS topic",
                "arn:aws:sns:us-east-1:123456789012:security-alerts",
            )?;
            if topic.resource.ends_with(".fifo") {
                return src.fail(
                    &key,
                    format!("`{}` is a FIFO topic", topic.resource),
                    "FIFO topics need a message group id on every publish, which alerts do not \
                     carry: use a standard topic",
                );
            }
            if !is_name(topic.resource, (1, SNS_TOPIC_NAME_MAX), b"-_") {
                return src.fail(
                    &key,
                    format!("`{}` is not an SNS topic name", topic.resource),
                    "topic names are 1–256 letters, digits, `-` or `_`",
                );
            }
            in_every_region(
                config,
                src,
                &key,
                "the topic",
                topic.region,
                "SNS takes a publish only in the topic's own region: run this stack in that \
                 region only, or leave topic_arn out so that each region gets its own topic",
            )?;
        }
        for (j, subscription) in route.subscriptions.iter().enumerate() {
            self::subscription(
                src,
                &format!("routes[{i}].subscriptions[{j}]"),
                subscription,
            )?;
        }
    }
    Ok(())
}

fn subscription(src: &Source<'_>, key: &str, subscription: &Subscription) -> Checked {
    let endpoint = subscription.endpoint.as_str();
    let endpoint_key = format!("{key}.endpoint");
    let protocol = subscription.protocol;
    match protocol {
        Protocol::Https | Protocol::Http => url(src, &endpoint_key, endpoint, protocol)?,
        Protocol::Email | Protocol::EmailJson => {
            if !is_email(endpoint) {
                return src.fail(
                    &endpoint_key,
                    format!("`{endpoint}` is not an email address"),
                    "write one address, e.g. `security-oncall@example.com`",
                );
            }
        }
        Protocol::Sms => {
            if !is_e164(endpoint) {
                return src.fail(
                    &endpoint_key,
                    format!("`{endpoint}` is not a phone number in E.164 form"),
                    "write `+`, the country code and the number, digits only (at most 15), \
                     e.g. `+14155550100`",
                );
            }
        }
        Protocol::Sqs => {
            if endpoint.starts_with("https://") {
                return src.fail(
                    &endpoint_key,
                    format!("`{endpoint}` is a queue URL"),
                    "SNS subscribes a queue by its ARN: `arn:aws:sqs:<region>:<account>:<queue>`",
                );
            }
            let queue = regional_arn(
                src,
                &endpoint_key,
                endpoint,
                "sqs",
                "an SQS queue",
                "arn:aws:sqs:us-east-1:123456789012:siem-intake",
            )?;
            let name = queue
                .resource
                .strip_suffix(".fifo")
                .unwrap_or(queue.resource);
            if !is_name(name, (1, SQS_QUEUE_NAME_MAX), b"-_") {
                return src.fail(
                    &endpoint_key,
                    format!("`{}` is not an SQS queue name", queue.resource),
                    "queue names are 1–80 letters, digits, `-` or `_` (and `.fifo`)",
                );
            }
        }
        Protocol::Lambda => {
            let function = regional_arn(
                src,
                &endpoint_key,
                endpoint,
                "lambda",
                "a Lambda function",
                "arn:aws:lambda:us-east-1:123456789012:function:on-alert",
            )?;
            let mut parts = function.resource.splitn(3, ':');
            let ok = parts.next() == Some("function")
                && parts
                    .next()
                    .is_some_and(|name| is_name(name, (1, LAMBDA_FUNCTION_NAME_MAX), b"-_"))
                && parts.next().is_none_or(|q| is_name(q, (1, 128), b"-_$"));
            if !ok {
                return src.fail(
                    &endpoint_key,
                    format!("`{endpoint}` names no Lambda function"),
                    "write the function's ARN, e.g. \
                     `arn:aws:lambda:us-east-1:123456789012:function:on-alert`",
                );
            }
        }
    }
    let raw_allowed = matches!(protocol, Protocol::Sqs | Protocol::Http | Protocol::Https);
    if subscription.raw_message_delivery && !raw_allowed {
        return src.fail(
            &format!("{key}.raw_message_delivery"),
            format!(
                "SNS has no raw delivery for {} subscribers",
                protocol.as_str()
            ),
            "raw message delivery exists for SQS, HTTP/S and Firehose subscribers only: \
             remove raw_message_delivery here",
        );
    }
    if let Some(policy) = &subscription.filter_policy {
        filter_policy(src, &format!("{key}.filter_policy"), policy)?;
    }
    Ok(())
}

fn url(src: &Source<'_>, key: &str, endpoint: &str, protocol: Protocol) -> Checked {
    let scheme = match protocol {
        Protocol::Https => "https://",
        _ => "http://",
    };
    let Some(rest) = endpoint.strip_prefix(scheme) else {
        let hint = if protocol == Protocol::Https && endpoint.starts_with("http://") {
            "the https protocol needs an https:// URL (use protocol = \"http\" for plain HTTP)"
                .to_owned()
        } else {
            format!(
                "the {} protocol delivers to a URL starting {scheme}",
                protocol.as_str()
            )
        };
        return src.fail(key, format!("`{endpoint}` is not an {scheme} URL"), hint);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    let clean = !endpoint
        .chars()
        .any(|c| c.is_whitespace() || c.is_control());
    if host.is_empty() || !clean {
        return src.fail(
            key,
            format!("`{endpoint}` is not a URL SNS can deliver to"),
            format!("write the whole URL with its host, e.g. `{scheme}alerts.example.com/hook`"),
        );
    }
    Ok(())
}

/// One address: `local@domain.tld`, nothing around it.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "@,;<>()[]\"".contains(c);
    !local.is_empty()
        && local.len() <= 64
        && text.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !local.chars().any(forbidden)
        && !domain.chars().any(forbidden)
}

fn is_e164(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (2..=E164_MAX_DIGITS).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The values Watchpost puts in each attribute it sets, where they are a closed set.
fn attribute_values(attribute: &str) -> Option<Vec<&'static str>> {
    match attribute {
        "severity" => Some(vec!["LOW", "MEDIUM", "HIGH", "CRITICAL"]),
        "component" => Some(
            Component::ALL
                .iter()
                .map(|c| c.as_str())
                .chain([NOT_AI])
                .collect(),
        ),
        "sample" => Some(vec!["true", "false"]),
        "alert_kind" => Some(vec!["new", "update"]),
        "format" => Some(vec!["text", "json", "chat"]),
        _ => None,
    }
}

fn filter_policy(src: &Source<'_>, key: &str, policy: &toml::Table) -> Checked {
    if policy.is_empty() {
        return src.fail(
            key,
            "the filter policy is empty",
            "remove filter_policy to receive every alert, or name the attributes to match",
        );
    }
    if policy.len() > FILTER_POLICY_MAX_KEYS {
        return src.fail(
            key,
            format!("the filter policy has {} keys", policy.len()),
            format!("SNS allows at most {FILTER_POLICY_MAX_KEYS} keys in a filter policy"),
        );
    }
    let mut combinations: usize = 1;
    for (name, value) in policy {
        let entry = format!("{key}.{}", key_segment(name));
        if !MESSAGE_ATTRIBUTES.contains(&name.as_str()) {
            return src.fail_at(
                &[(&entry, Target::Key)],
                format!(
                    "alerts carry no attribute `{name}`, so this subscription would receive nothing"
                ),
                suggest(name, MESSAGE_ATTRIBUTES),
            );
        }
        let toml::Value::Array(values) = value else {
            let hint = match value {
                toml::Value::Table(_) => format!(
                    "SNS does not nest policies that match message attributes: write `{name} = [\"…\"]`"
                ),
                toml::Value::String(text) => format!("write a list: `{name} = [\"{text}\"]`"),
                _ => format!("write a list: `{name} = [\"…\"]`"),
            };
            return src.fail(&entry, format!("`{name}` must be a list of values"), hint);
        };
        if values.is_empty() {
            return src.fail(
                &entry,
                format!("`{name}` lists no values, so it matches nothing"),
                "list at least one value, or remove the key",
            );
        }
        for (k, value) in values.iter().enumerate() {
            let at = format!("{entry}[{k}]");
            match value {
                toml::Value::String(text) => {
                    if let Some(known) = attribute_values(name)
                        && !known.contains(&text.as_str())
                    {
                        return src.fail(
                            &at,
                            format!("Watchpost never sends {name} `{text}`"),
                            suggest(text, &known),
                        );
                    }
                }
                toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => {}
                toml::Value::Table(operator) => {
                    let known = operator.len() == 1
                        && operator
                            .keys()
                            .all(|op| FILTER_POLICY_OPERATORS.contains(&op.as_str()));
                    if !known {
                        let given: Vec<&str> = operator.keys().map(String::as_str).collect();
                        let hint = match given.as_slice() {
                            [one] => suggest(one, FILTER_POLICY_OPERATORS),
                            _ => "write one operator per value, e.g. `{ prefix = \"Recon:\" }`"
                                .to_owned(),
                        };
                        return src.fail(
                            &at,
                            format!("`{}` is not a filter-policy operator", given.join(", ")),
                            hint,
                        );
                    }
                }
                toml::Value::Array(_) | toml::Value::Datetime(_) => {
                    return src.fail(
                        &at,
                        "a filter policy matches strings, numbers, booleans or operators",
                        "write plain values, e.g. `severity = [\"HIGH\", \"CRITICAL\"]`",
                    );
                }
            }
        }
        combinations = combinations.saturating_mul(values.len());
    }
    if combinations > FILTER_POLICY_MAX_COMBINATIONS {
        return src.fail(
            key,
            format!("the filter policy has {combinations} combinations of values"),
            format!(
                "SNS allows at most {FILTER_POLICY_MAX_COMBINATIONS} (the product of the lists' \
                 lengths): split it across subscriptions, or match with prefixes"
            ),
        );
    }
    let bytes = serde_json::to_string(policy).map_or(0, |json| json.len());
    if bytes > FILTER_POLICY_MAX_BYTES {
        return src.fail(
            key,
            format!("the filter policy is {bytes} bytes"),
            "SNS allows filter policies of at most 256 KB",
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// [metrics]

fn metrics(config: &Config, src: &Source<'_>) -> Checked {
    let namespace = &config.metrics.namespace;
    let key = "metrics.namespace";
    if namespace.starts_with(RESERVED_NAMESPACE_PREFIX) {
        return src.fail(
            key,
            format!("`{namespace}` is in AWS's own namespaces"),
            "CloudWatch refuses namespaces that begin with `AWS/`: use your own, e.g. `Watchpost`",
        );
    }
    let printable = namespace.bytes().all(|b| (0x20..0x7f).contains(&b));
    if namespace.is_empty()
        || namespace.len() > NAMESPACE_MAX
        || namespace.starts_with(':')
        || !printable
    {
        return src.fail(
            key,
            format!("`{namespace}` is not a CloudWatch namespace"),
            "namespaces are 1–255 printable ASCII characters, not starting with `:`",
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// [detective]

fn detective(config: &Config, src: &Source<'_>) -> Checked {
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

/// The tag that marks what a stack owns (the provisioning engine sets it on what it creates,
/// and destroys only what carries it).
const STACK_TAG: &str = "watchpost:stack";

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

// ---------------------------------------------------------------------------------------
// [guardduty]

fn guardduty(config: &Config, src: &Source<'_>) -> Checked {
    let guardduty = &config.guardduty;
    let mut seen = BTreeSet::new();
    for (i, feature) in guardduty.features.iter().enumerate() {
        let key = format!("guardduty.features[{i}]");
        if !GUARDDUTY_FEATURES.contains(&feature.as_str()) {
            return src.fail(
                &key,
                format!("`{feature}` is not a GuardDuty feature"),
                suggest(feature, GUARDDUTY_FEATURES),
            );
        }
        if !seen.insert(feature.as_str()) {
            return src.fail(&key, format!("`{feature}` is listed twice"), "list it once");
        }
        let (eks, runtime) = GUARDDUTY_EXCLUSIVE_FEATURES;
        if seen.contains(eks) && seen.contains(runtime) {
            return src.fail(
                &key,
                format!("`{eks}` and `{runtime}` cannot both be enabled"),
                format!(
                    "GuardDuty refuses the pair: `{runtime}` already covers EKS; keep it alone"
                ),
            );
        }
    }
    let frequency = &guardduty.finding_publishing_frequency;
    if !GUARDDUTY_FREQUENCIES.contains(&frequency.as_str()) {
        return src.fail(
            "guardduty.finding_publishing_frequency",
            format!("`{frequency}` is not a publishing frequency"),
            suggest(frequency, GUARDDUTY_FREQUENCIES),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// [enricher]

fn enricher(config: &Config, src: &Source<'_>) -> Checked {
    let enricher = &config.enricher;
    // Derived names are `<stack>-…`: when the file does not write the name, point at the stack.
    let function_name = enricher.function_name.as_str();
    if !is_name(function_name, (1, LAMBDA_FUNCTION_NAME_MAX), b"-_") {
        return src.fail_at(
            &[
                ("enricher.function_name", Target::Value),
                ("watchpost.stack", Target::Value),
            ],
            format!("`{function_name}` cannot name a Lambda function"),
            "function names are 1–64 letters, digits, `-` or `_`",
        );
    }
    let table = enricher.state_table.as_str();
    if !is_name(table, DYNAMODB_TABLE_NAME, b"-_.") {
        return src.fail_at(
            &[
                ("enricher.state_table", Target::Value),
                ("watchpost.stack", Target::Value),
            ],
            format!("`{table}` cannot name a DynamoDB table"),
            "table names are 3–255 letters, digits, `-`, `_` or `.`",
        );
    }
    let (min, max) = LAMBDA_MEMORY_MB;
    if !(min..=max).contains(&enricher.memory_mb) {
        return src.fail(
            "enricher.memory_mb",
            format!("{} MiB is out of range", enricher.memory_mb),
            format!("Lambda gives a function {min} to {max} MiB"),
        );
    }
    let (min, max) = LAMBDA_TIMEOUT_S;
    if !(min..=max).contains(&enricher.timeout_s) {
        return src.fail(
            "enricher.timeout_s",
            format!("{} s is out of range", enricher.timeout_s),
            format!("Lambda runs a function for {min} to {max} seconds"),
        );
    }
    let budget = config.detective.budget_ms;
    let needed_ms = budget.saturating_add(ENRICHER_WORK_BESIDES_DETECTIVE_MS);
    if config.detective.enabled && u64::from(enricher.timeout_s) * 1000 < needed_ms {
        return src.fail_at(
            &[
                ("enricher.timeout_s", Target::Value),
                ("detective.budget_ms", Target::Value),
            ],
            format!(
                "a {} s timeout leaves no room after Detective's {budget} ms budget",
                enricher.timeout_s
            ),
            format!(
                "give the function at least {} s (the budget plus {} s to record and deliver the \
                 alert), or lower detective.budget_ms",
                needed_ms.div_ceil(1000),
                ENRICHER_WORK_BESIDES_DETECTIVE_MS / 1000
            ),
        );
    }
    if enricher.state_ttl.as_secs() == 0 {
        return src.fail(
            "enricher.state_ttl",
            "a zero TTL forgets every alert at once",
            "alert state deduplicates and re-notifies: keep it for days, e.g. `30d`",
        );
    }
    if let Err((message, hint)) = schedule(&enricher.sweep_schedule) {
        return src.fail("enricher.sweep_schedule", message, hint);
    }
    Ok(())
}

/// Checks an EventBridge schedule expression: `rate(<n> <unit>)` or `cron(<6 fields>)`.
fn schedule(expression: &str) -> Result<(), (String, String)> {
    let example = "write e.g. `rate(5 minutes)` or `cron(0/5 * * * ? *)`";
    if let Some(inner) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let [value, unit] = parts.as_slice() else {
            return Err((
                format!("`{expression}` is not a rate expression"),
                "a rate is a number and a unit: `rate(5 minutes)`".into(),
            ));
        };
        let value: u64 = match value.parse() {
            Ok(v) if v > 0 && value.bytes().all(|b| b.is_ascii_digit()) => v,
            _ => {
                return Err((
                    format!("`{value}` is not a positive whole number"),
                    "EventBridge rates count whole minutes, hours or days from 1 up".into(),
                ));
            }
        };
        let Some((singular, plural)) = RATE_UNITS.iter().find(|(s, p)| s == unit || p == unit)
        else {
            let units: Vec<&str> = RATE_UNITS.iter().flat_map(|(s, p)| [*s, *p]).collect();
            return Err((
                format!("`{unit}` is not a rate unit"),
                suggest(unit, &units),
            ));
        };
        let right = if value == 1 { singular } else { plural };
        if unit != right {
            return Err((
                format!("EventBridge refuses `{expression}`"),
                format!("the unit is singular for 1 and plural otherwise: `rate({value} {right})`"),
            ));
        }
        return Ok(());
    }
    if let Some(inner) = expression
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let fields: Vec<&str> = inner.split_whitespace().collect();
        if fields.len() != CRON_FIELDS.len() {
            return Err((
                format!("`{expression}` has {} fields", fields.len()),
                "EventBridge cron has six: minutes hours day-of-month month day-of-week year, \
                 e.g. `cron(0 8 * * ? *)`"
                    .into(),
            ));
        }
        for (index, field) in fields.iter().enumerate() {
            if !cron_field(index, field) {
                let (name, lo, hi) = CRON_FIELDS[index];
                return Err((
                    format!("`{field}` is not a valid {name} field in `{expression}`"),
                    format!(
                        "{name} takes {lo}–{hi}, with `,` `-` `*` `/` (see EventBridge's cron reference)"
                    ),
                ));
            }
        }
        if (fields[2] == "?") == (fields[4] == "?") {
            return Err((
                format!("`{expression}` must leave day-of-month or day-of-week open"),
                "EventBridge needs `?` in exactly one of the two, e.g. `cron(0 8 * * ? *)`".into(),
            ));
        }
        return Ok(());
    }
    Err((
        format!("`{expression}` is not a schedule expression"),
        example.into(),
    ))
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One cron field: a list of `*`, values, ranges and increments (`?`, `L`, `W` and `#` where
/// EventBridge allows them).
fn cron_field(index: usize, field: &str) -> bool {
    const DAY_OF_MONTH: usize = 2;
    const DAY_OF_WEEK: usize = 4;
    let (_, lo, hi) = CRON_FIELDS[index];
    let names: &[&str] = match index {
        3 => &MONTHS,
        DAY_OF_WEEK => &WEEKDAYS,
        _ => &[],
    };
    let value = |text: &str| -> bool {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return (lo..=hi).contains(&(i as u32 + 1));
        }
        text.bytes().all(|b| b.is_ascii_digit())
            && text.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
    };
    if field == "?" {
        return index == DAY_OF_MONTH || index == DAY_OF_WEEK;
    }
    field.split(',').all(|token| {
        let (base, step) = match token.split_once('/') {
            Some((base, step)) => (base, Some(step)),
            None => (token, None),
        };
        let step_ok = step.is_none_or(|s| s.parse::<u32>().is_ok_and(|v| v > 0));
        let base_ok = match base {
            "*" => true,
            "L" => index == DAY_OF_MONTH || index == DAY_OF_WEEK,
            "LW" => index == DAY_OF_MONTH,
            _ if index == DAY_OF_MONTH && base.len() > 1 && base.ends_with('W') => {
                value(&base[..base.len() - 1])
            }
            _ if index == DAY_OF_WEEK && base.contains('#') => base
                .split_once('#')
                .is_some_and(|(day, nth)| value(day) && matches!(nth, "1" | "2" | "3" | "4" | "5")),
            _ if index == DAY_OF_WEEK && base.len() > 1 && base.ends_with('L') => {
                value(&base[..base.len() - 1])
            }
            _ => match base.split_once('-') {
                Some((from, to)) => value(from) && value(to),
                None => value(base),
            },
        };
        !token.is_empty() && step_ok && base_ok
    })
}

// ---------------------------------------------------------------------------------------
// [alarms]

fn alarms(config: &Config, src: &Source<'_>) -> Checked {
    let alarms = &config.alarms;
    if !(alarms.anomaly_band.is_finite() && alarms.anomaly_band > 0.0) {
        return src.fail(
            "alarms.anomaly_band",
            format!("a band of {} standard deviations", alarms.anomaly_band),
            "CloudWatch's anomaly band is a positive number of standard deviations, e.g. 2.0",
        );
    }
    if let Some(email) = &alarms.operations_email
        && !is_email(email)
    {
        return src.fail(
            "alarms.operations_email",
            format!("`{email}` is not an email address"),
            "write one address, e.g. `platform-oncall@example.com`",
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The enricher's environment

// Lambda's environment variables the enricher gets, as the deployment sets them: one
// `WATCHPOST_TOPIC_<ROUTE>` per route, `WATCHPOST_GRAPH_ARN`, `WATCHPOST_STATE_TABLE`.
use super::delivery::{GRAPH_ENV, TABLE_ENV, TOPIC_ENV_PREFIX};
/// `ap-southeast-5`: the longest region code in use, for stacks that name no region.
const LONGEST_REGION: usize = 14;
/// A behavior graph's id: 32 hexadecimal digits.
const GRAPH_ID_LEN: usize = 32;

/// The most bytes the enricher's environment can take in any of the stack's regions (keys and
/// values, the way Lambda counts them), with route topics and the graph in the longest
/// partition and region the config allows. The deployment checks its own environment against
/// this bound in its tests.
pub fn enricher_environment_bound(config: &Config) -> usize {
    route_bytes(config).iter().sum::<usize>() + base_bytes(config)
}

/// `arn:<partition>:<service>:<region>:<account>:` at its longest for the config's regions.
fn arn_prefix_len(config: &Config, service: &str) -> usize {
    let regional = if config.watchpost.regions.is_empty() {
        "aws-us-gov".len() + LONGEST_REGION
    } else {
        config
            .watchpost
            .regions
            .iter()
            .map(|r| partition(r).len() + r.len())
            .max()
            .unwrap_or(0)
    };
    "arn:".len() + regional + service.len() + ":::".len() + 12 + ":".len()
}

fn route_bytes(config: &Config) -> Vec<usize> {
    config
        .routes
        .iter()
        .map(|route| {
            let arn = match &route.topic_arn {
                Some(arn) => arn.len(),
                None => {
                    arn_prefix_len(config, "sns")
                        + config.watchpost.stack.len()
                        + 1
                        + route.name.len()
                }
            };
            TOPIC_ENV_PREFIX.len() + route.name.len() + arn
        })
        .collect()
}

fn base_bytes(config: &Config) -> usize {
    let graph = if config.detective.enabled {
        let arn = match &config.detective.graph_arn {
            Some(arn) => arn.len(),
            None => arn_prefix_len(config, "detective") + "graph:".len() + GRAPH_ID_LEN,
        };
        GRAPH_ENV.len() + arn
    } else {
        0
    };
    graph + TABLE_ENV.len() + config.enricher.state_table.len()
}

fn environment(config: &Config, src: &Source<'_>) -> Checked {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_are_checked_by_shape() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-5",
            "mx-central-1",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "us-east",
            "useast-1",
            "us-est-1",
            "US-EAST-1",
            "us-east-01",
            "xx-east-1",
            "",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn schedules_follow_eventbridge() {
        for good in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 day)",
            "cron(0 8 * * ? *)",
            "cron(0/15 * ? * MON-FRI *)",
            "cron(0 18 L * ? *)",
            "cron(0 9 ? * 2#1 *)",
            "cron(30 2 15W JAN,JUL ? 2027-2030)",
        ] {
            assert_eq!(schedule(good), Ok(()), "{good}");
        }
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "rate(5 weeks)",
            "rate(five minutes)",
            "cron(0 8 * * * *)",
            "cron(0 8 ? * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 8 * * ?)",
            "cron(0 8 * 13 ? *)",
            "every 5 minutes",
        ] {
            assert!(schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints_have_their_protocols_shape() {
        assert!(is_email("a.b+c@example.co.uk"));
        for bad in ["a", "a@b", "a@@b.c", "a b@c.d", "a@b.c, d@e.f", "@b.c"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_e164("+14155550100"));
        for bad in [
            "14155550100",
            "+1 415 555 0100",
            "+0123",
            "+1234567890123456",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }
}
