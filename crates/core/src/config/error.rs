//! Config errors that say where (file, line, column, key) and what to do.

use std::fmt;

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
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
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
        }
    }

    /// For a semantic error: locates the first line of `text` containing `needle`.
    pub(super) fn at_text(
        file: &str,
        text: &str,
        key: String,
        needle: &str,
        message: String,
        hint: &str,
    ) -> Self {
        let offset = text.find(needle);
        let (line, column) = offset.map(|o| line_column(text, o)).unzip();
        ConfigError {
            file: file.to_owned(),
            line,
            column,
            key: Some(key),
            message,
            hint: Some(hint.to_owned()),
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
