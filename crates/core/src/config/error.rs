//! Config errors that say where (file, line, column, key) and what to do, and show the line
//! with a caret under the offending value, the way rustc does.

use std::fmt;
use std::ops::Range;

use super::locate::{self, Target};

/// A config that cannot be used, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The key path, e.g. `routes[1].format`.
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    /// The line the error is about, with where the value is in it.
    pub snippet: Option<Snippet>,
}

/// A line of the config and the part of it an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// 1-based.
    pub line: usize,
    pub text: String,
    /// 1-based column (in characters) where the caret starts.
    pub column: usize,
    /// How many characters the caret covers (at least one).
    pub width: usize,
}

/// Longest stretch of a line a snippet shows: a 1,500-character invitation message stays
/// readable.
const SNIPPET_MAX_CHARS: usize = 100;

impl Snippet {
    /// The line holding `span`, the caret under `span` (clipped to that line).
    pub fn new(text: &str, span: Range<usize>) -> Option<Snippet> {
        let start = span.start.min(text.len());
        if !text.is_char_boundary(start) {
            return None;
        }
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = span.end.clamp(start, line_end);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let width = text.get(start..end).map_or(1, |s| s.chars().count().max(1));
        let line_text = text[line_start..line_end].trim_end_matches('\r');
        Some(Snippet {
            line,
            text: line_text.to_owned(),
            column,
            width,
        })
    }

    /// The line and caret as shown: a long line is cut around the caret.
    fn shown(&self) -> (String, String) {
        let chars: Vec<char> = self.text.chars().collect();
        let caret_start = self.column.saturating_sub(1).min(chars.len());
        let from = caret_start.saturating_sub(SNIPPET_MAX_CHARS / 4);
        let to = (caret_start + SNIPPET_MAX_CHARS * 3 / 4).min(chars.len());
        let mut line: String = chars[from..to].iter().collect();
        let mut pad: String = chars[from..caret_start]
            .iter()
            .map(|&c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        if from > 0 {
            line.insert(0, '…');
            pad.insert(0, ' ');
        }
        if to < chars.len() {
            line.push('…');
        }
        let width = self.width.min(to.saturating_sub(caret_start)).max(1);
        (line, format!("{pad}{}", "^".repeat(width)))
    }
}
impl std::error::Error for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        write!(f, "{}", self.message)?;
        let gutter = self
            .snippet
            .as_ref()
            .map_or(1, |s| s.line.to_string().len());
        let blank = " ".repeat(gutter);
        if let Some(snippet) = &self.snippet {
            let (line, caret) = snippet.shown();
            write!(
                f,
                "\n{blank} |\n{} | {line}\n{blank} | {caret}",
                snippet.line
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n{blank} = hint: {hint}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// From a TOML syntax or type error, with the key path serde reached.
    pub(super) fn from_toml(
        file: &str,
        text: &str,
        path: Option<String>,
        err: &toml::de::Error,
    ) -> Self {
        let (line, column) = err.span().map(|span| line_column(text, span.start)).unzip();
        let snippet = err.span().and_then(|span| Snippet::new(text, span));
        let message = err.message().trim().to_owned();
        let mut key = path.filter(|p| p != "." && !p.is_empty());
        let mut hint = None;
        if let Some((unknown, expected)) = parse_unknown(&message) {
            let known: Vec<&str> = expected.iter().map(String::as_str).collect();
            hint = Some(match did_you_mean(&unknown, &known) {
                Some(close) => format!("did you mean `{close}`?"),
                None if known.is_empty() => "remove it".to_owned(),
                None => format!("expected one of: {}", known.join(", ")),
            });
            // serde reports an unknown field at its table; name the field itself.
            // (serde_path_to_error usually includes it already.)
            if message.starts_with("unknown field") {
                key = Some(match key {
                    Some(path) if path == unknown || path.ends_with(&format!(".{unknown}")) => path,
                    Some(table) => format!("{table}.{unknown}"),
                    None => unknown,
                });
            }
        } else if message.contains("invalid type") || message.contains("expected") {
            hint = Some("see infra/watchpost.example.toml for the expected form".to_owned());
        }
        ConfigError {
            file: file.to_owned(),
            line,
            column,
            key,
            message: first_line(&message),
            hint,
            snippet,
        }
    }

    /// For a semantic error: locates `key` in `text`, or else the first line containing
    /// `needle`.
    pub(super) fn at_text(
        file: &str,
        text: &str,
        key: String,
        needle: &str,
        message: String,
        hint: &str,
    ) -> Self {
        let span = locate::span(text, &key, Target::Value).or_else(|| {
            text.find(needle)
                .map(|offset| offset..offset + needle.len())
        });
        Self::at_span(file, text, key, span, message, hint)
    }

    /// For a semantic error: locates the first of `keys` the file writes (what it points at).
    pub(super) fn at_key(
        file: &str,
        text: &str,
        keys: &[(&str, Target)],
        message: String,
        hint: &str,
    ) -> Self {
        let span = keys
            .iter()
            .find_map(|(key, target)| locate::span(text, key, *target));
        let key = keys
            .first()
            .map_or_else(String::new, |(key, _)| (*key).to_owned());
        Self::at_span(file, text, key, span, message, hint)
    }

    fn at_span(
        file: &str,
        text: &str,
        key: String,
        span: Option<Range<usize>>,
        message: String,
        hint: &str,
    ) -> Self {
        let (line, column) = span.clone().map(|s| line_column(text, s.start)).unzip();
        ConfigError {
            file: file.to_owned(),
            line,
            column,
            key: Some(key),
            message,
            hint: Some(hint.to_owned()),
            snippet: span.and_then(|s| Snippet::new(text, s)),
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_owned()
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" (and `unknown variant`).
fn parse_unknown(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message
        .strip_prefix("unknown field ")
        .or_else(|| message.strip_prefix("unknown variant "))?;
    let mut quoted = rest.split('`').skip(1).step_by(2).map(str::to_owned);
    let unknown = quoted.next()?;
    Some((unknown, quoted.collect()))
}

/// The known name closest to `given`, when it is close enough to be a typo.
pub fn did_you_mean<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(given, k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
