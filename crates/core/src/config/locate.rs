//! Finding a key path (`routes[1].subscriptions[0].endpoint`) in the config's text, so that an
//! error shows the line it is about with a caret under the value, the way compilers do. Reads
//! the TOML again with spans; serde's view of the file has none.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Splits `a.b[2]."c.d"` into its steps.
fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    let mut key = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    key.push(c);
                }
            }
            '.' => {
                if !key.is_empty() {
                    out.push(Step::Key(std::mem::take(&mut key)));
                }
            }
            '[' => {
                if !key.is_empty() {
                    out.push(Step::Key(std::mem::take(&mut key)));
                }
                let mut digits = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    digits.push(c);
                }
                if let Ok(i) = digits.parse() {
                    out.push(Step::Index(i));
                }
            }
            c => key.push(c),
        }
    }
    if !key.is_empty() {
        out.push(Step::Key(key));
    }
    out
}

/// Writes a key for a path: bare when TOML allows it, quoted otherwise.
pub fn key_segment(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        key.to_owned()
    } else {
        format!("\"{key}\"")
    }
}

/// What of an entry to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The value (`memory_mb = 20000` → `20000`).
    Value,
    /// The key itself (a tag key the service refuses).
    Key,
}

/// The byte range of `path`'s value (or key) in `text`; `None` when the file does not write it
/// (a default) or does not parse.
pub fn span(text: &str, path: &str, target: Target) -> Option<Range<usize>> {
    let document = DeTable::parse(text).ok()?;
    let steps = steps(path);
    let mut current: Option<&DeValue<'_>> = None;
    for (i, step) in steps.iter().enumerate() {
        let (key_span, value_span, value) = match (step, current) {
            (Step::Key(name), None) => entry(document.get_ref(), name),
            (Step::Key(name), Some(DeValue::Table(table))) => entry(table, name),
            (Step::Index(i), Some(DeValue::Array(items))) => items
                .get(*i)
                .map(|item| (item.span(), item.span(), item.get_ref())),
            _ => None,
        }?;
        if i + 1 == steps.len() {
            // A table written as a section has no value to point at but its header: the caret
            // goes under its name there (`[usage.metrics.OutputTokenCnt]`), not under the `[`.
            let header =
                matches!(value, DeValue::Table(_)) && text[value_span.clone()].starts_with('[');
            return Some(match target {
                Target::Value if !header => value_span,
                _ => key_span,
            });
        }
        current = Some(value);
    }
    None
}

/// A key's span, its value's span and the value.
fn entry<'a, 'i>(
    table: &'a DeTable<'i>,
    name: &str,
) -> Option<(Range<usize>, Range<usize>, &'a DeValue<'i>)> {
    table
        .iter()
        .find(|(key, _)| key.get_ref() == name)
        .map(|(key, value)| (key.span(), value.span(), value.get_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
[enricher]
memory_mb = 20000

[[routes]]
name = \"a\"

[[routes]]
name = \"b\"
  [[routes.subscriptions]]
  protocol = \"sqs\"
  endpoint = \"x\"
  filter_policy = { severity = [\"HIGH\"] }

[detective]
tags = { \"cost.center\" = \"1\" }
";

    fn at(path: &str, target: Target) -> Option<&'static str> {
        span(TEXT, path, target).map(|r| &TEXT[r])
    }

    #[test]
    fn values_are_found_through_tables_and_arrays() {
        assert_eq!(at("enricher.memory_mb", Target::Value), Some("20000"));
        assert_eq!(at("routes[1].name", Target::Value), Some("\"b\""));
        assert_eq!(
            at("routes[1].subscriptions[0].endpoint", Target::Value),
            Some("\"x\"")
        );
        assert_eq!(
            at(
                "routes[1].subscriptions[0].filter_policy.severity",
                Target::Value
            ),
            Some("[\"HIGH\"]")
        );
        assert_eq!(
            at("detective.tags.\"cost.center\"", Target::Key),
            Some("\"cost.center\"")
        );
    }

    #[test]
    fn a_section_is_found_at_its_name_in_its_header() {
        let text =
            "[usage.metrics.OutputTokenCnt]\nband = 2\n\n[detective]\ntags = { a = \"1\" }\n";
        let at = |path| span(text, path, Target::Value).map(|r| &text[r]);
        assert_eq!(at("usage.metrics.OutputTokenCnt"), Some("OutputTokenCnt"));
        assert_eq!(at("usage.metrics.OutputTokenCnt.band"), Some("2"));
        // An inline table is a value like any other.
        assert_eq!(at("detective.tags"), Some("{ a = \"1\" }"));
    }

    #[test]
    fn what_the_file_does_not_write_is_not_found() {
        assert_eq!(at("enricher.timeout_s", Target::Value), None);
        assert_eq!(at("routes[2].name", Target::Value), None);
        assert_eq!(span("not [toml", "a", Target::Value), None);
    }

    #[test]
    fn keys_are_quoted_when_they_must_be() {
        assert_eq!(key_segment("severity"), "severity");
        assert_eq!(key_segment("cost.center"), "\"cost.center\"");
        assert_eq!(
            steps("a.\"b.c\"[2].d"),
            vec![
                Step::Key("a".into()),
                Step::Key("b.c".into()),
                Step::Index(2),
                Step::Key("d".into())
            ]
        );
    }
}
