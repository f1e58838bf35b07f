//! `[[routes]]`: route names (Watchpost's own rules: topic names, names Watchpost keeps for its
//! own resources, components), existing topics, subscriptions and their endpoints per protocol,
//! raw delivery and filter policies; and that every route has a topic of its own. Two routes
//! whose names map to the same `WATCHPOST_TOPIC_*` variable, or that name the same
//! `topic_arn`, would deliver one route's alerts twice to one topic (or to the other route's
//! subscribers) and record them as two routes reached.

use std::collections::{BTreeMap, BTreeSet};

use watchpost_contract::env::topic_env_var;

use super::arn::{in_every_region, regional_arn};
use super::enricher::LAMBDA_FUNCTION_NAME_MAX;
use super::{Checked, Source, Target, did_you_mean, is_name, is_resource_name, suggest};
use crate::component::{Component, NOT_AI};
use crate::config::defaults::USAGE_ALARM_INFIX;
use crate::config::locate::key_segment;
use crate::config::{Config, ConfigError, Format, MESSAGE_ATTRIBUTES, Protocol, Subscription};

/// Keys in one SNS filter policy (SNS developer guide, "Filter policy constraints": "A filter
/// policy can have a maximum of five keys").
const FILTER_POLICY_MAX_KEYS: usize = 5;
/// Combinations of values in one SNS filter policy (same page: "The total combination of
/// values in a filter policy must not exceed 150", the product of the arrays' lengths).
const FILTER_POLICY_MAX_COMBINATIONS: usize = 150;
/// An SNS filter policy's JSON (same page: "The maximum size of a filter policy is 256 KB").
const FILTER_POLICY_MAX_BYTES: usize = 256 * 1024;
/// Operators an SNS filter policy may use in place of a value (SNS developer guide,
/// "Filter policy value matching": prefix, suffix, anything-but, numeric, exists,
/// equals-ignore-case, cidr).
const FILTER_POLICY_OPERATORS: &[&str] = &[
    "prefix",
    "suffix",
    "anything-but",
    "numeric",
    "exists",
    "equals-ignore-case",
    "cidr",
];
/// An SMS endpoint is an E.164 number: `+`, then at most 15 digits (SNS developer guide,
/// "Publishing SMS messages": "can have a maximum of 15 digits … prefixed with the plus sign").
const E164_MAX_DIGITS: usize = 15;
/// SQS queue names (SQS API reference, CreateQueue: "QueueName … up to 80 characters …
/// alphanumeric characters, hyphens (-), and underscores (_)", `.fifo` suffix for FIFO).
const SQS_QUEUE_NAME_MAX: usize = 80;
/// SNS topic names (SNS API reference, CreateTopic: "Topic names must be made up of only
/// uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be
/// between 1 and 256 characters long").
const SNS_TOPIC_NAME_MAX: usize = 256;

/// Watchpost's own rules for route names and what reaches each route.
pub(super) fn names(config: &Config, src: &Source<'_>) -> Checked {
    let mut names = BTreeSet::new();
    for (i, route) in config.routes.iter().enumerate() {
        let key = format!("routes[{i}].name");
        let needle = format!("\"{}\"", route.name);
        if !is_resource_name(&route.name, 64) {
            return src.fail_text(
                key,
                &needle,
                format!("route name `{}` cannot name an SNS topic", route.name),
                "use 1–64 letters, digits, `-` or `_`",
            );
        }
        if let Some(problem) = reserved_route_name(&route.name) {
            return src.fail_text(
                key,
                &needle,
                format!("route name `{}` {problem}", route.name),
                "rename the route",
            );
        }
        if !names.insert(route.name.as_str()) {
            return src.fail_text(
                key,
                &needle,
                format!("route `{}` is defined twice", route.name),
                "give each [[routes]] a distinct name",
            );
        }
        if route.chat_client.is_some() && route.format != Format::Chat {
            return src.fail_text(
                format!("routes[{i}].chat_client"),
                "chat_client",
                format!(
                    "route `{}` sets chat_client but its format is `{}`",
                    route.name,
                    route.format.as_str()
                ),
                "chat_client applies to format = \"chat\" routes; remove it or set the format",
            );
        }
        for (j, component) in route.components.iter().enumerate() {
            if component != NOT_AI && Component::parse(component).is_none() {
                let known: Vec<&str> = Component::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .chain([NOT_AI])
                    .collect();
                let hint = match did_you_mean(component, &known) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("use one of: {}", known.join(", ")),
                };
                return src.fail_text(
                    format!("routes[{i}].components[{j}]"),
                    &format!("\"{component}\""),
                    format!("`{component}` is not a component"),
                    &hint,
                );
            }
        }
    }
    Ok(())
}

/// Why a route's name would collide with a name Watchpost gives its own resources, if it
/// would: a route's topic is `<stack>-<route>` and its delivery alarm
/// `<stack>-<route>-notifications-failed`.
fn reserved_route_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if lower == "operations" {
        return Some(
            "would name its topic `<stack>-operations`, the topic of Watchpost's own alarms",
        );
    }
    // The usage-alarms rule and the core read every alarm named `<stack>-usage-…` as a usage
    // baseline: this route's delivery alarm would be taken for one.
    if lower.starts_with(USAGE_ALARM_INFIX.trim_start_matches('-')) {
        return Some(
            "would name its delivery alarm `<stack>-usage-…`, which Watchpost reads as a usage alarm",
        );
    }
    None
}

/// Existing topics SNS would publish to from every region, and subscribers SNS would take.
pub(super) fn topics_and_subscriptions(config: &Config, src: &Source<'_>) -> Checked {
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
pub(super) fn is_email(text: &str) -> bool {
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
        // What an alert is to its incident (without incidents, `new` or `update`), a Detective
        // follow-up, or a digest.
        "alert_kind" => Some(vec![
            "new",
            "update",
            "escalation",
            "resolved",
            "followup",
            "digest",
        ]),
        "format" => Some(Format::ALL.iter().map(|f| f.as_str()).collect()),
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

/// Every route needs a topic of its own: a variable of its own, and a `topic_arn` of its own.
pub(super) fn distinct_targets(config: &Config, src: &Source<'_>) -> Checked {
    let (file, text) = (src.file, src.text);
    let mut variables: BTreeMap<String, &str> = BTreeMap::new();
    let mut topics: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, route) in config.routes.iter().enumerate() {
        let variable = topic_env_var(&route.name);
        if let Some(first) = variables.insert(variable.clone(), &route.name) {
            return Err(ConfigError::at_text(
                file,
                text,
                format!("routes[{i}].name"),
                &format!("\"{}\"", route.name),
                format!(
                    "routes `{first}` and `{}` share the topic variable {variable}",
                    route.name
                ),
                "route names must differ by more than case and `-` versus `_`; rename one",
            ));
        }
        let Some(arn) = route.topic_arn.as_deref() else {
            continue;
        };
        if let Some(first) = topics.insert(arn, &route.name) {
            let needle = format!("\"{arn}\"");
            return Err(ConfigError::at_text(
                file,
                text,
                format!("routes[{i}].topic_arn"),
                &needle,
                format!(
                    "routes `{first}` and `{}` name the same topic {arn}",
                    route.name
                ),
                "each route needs a topic of its own; merge the two routes or give one another topic",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn error(text: &str) -> ConfigError {
        Config::from_toml(text, "watchpost.toml").unwrap_err()
    }

    #[test]
    fn route_names_that_share_a_topic_variable_are_an_error() {
        let err = error("[[routes]]\nname = \"sec-email\"\n\n[[routes]]\nname = \"sec_email\"\n");
        assert_eq!(err.key.as_deref(), Some("routes[1].name"), "{err}");
        assert_eq!(err.line, Some(5), "{err}");
        assert!(err.message.contains("WATCHPOST_TOPIC_SEC_EMAIL"), "{err}");
        let err = error("[[routes]]\nname = \"Pager\"\n[[routes]]\nname = \"pager\"\n");
        assert_eq!(err.key.as_deref(), Some("routes[1].name"), "{err}");
    }

    #[test]
    fn two_routes_on_one_topic_arn_are_an_error() {
        let arn = "arn:aws:sns:us-east-1:123456789012:alerts";
        let err = error(&format!(
            "[[routes]]\nname = \"a\"\ntopic_arn = \"{arn}\"\n[[routes]]\nname = \"b\"\nformat = \"json\"\ntopic_arn = \"{arn}\"\n"
        ));
        assert_eq!(err.key.as_deref(), Some("routes[1].topic_arn"), "{err}");
        assert_eq!(err.line, Some(7), "{err}");
        assert!(err.message.contains("same topic"), "{err}");
        assert!(err.to_string().starts_with("watchpost.toml:"), "{err}");
    }

    #[test]
    fn distinct_routes_pass() {
        Config::from_toml(
            "[[routes]]\nname = \"pager\"\ntopic_arn = \"arn:aws:sns:us-east-1:123456789012:a\"\n[[routes]]\nname = \"chat\"\ntopic_arn = \"arn:aws:sns:us-east-1:123456789012:b\"\n",
            "watchpost.toml",
        )
        .unwrap();
    }
}
