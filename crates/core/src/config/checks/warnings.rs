//! What a config may say but probably does not mean: reported by `validate`, `plan` and
//! `apply`, which go on. Each warning is located like an error (key, line, caret) and says what
//! to write instead.

use super::Source;
use crate::config::locate::Target;
use crate::config::{Config, ConfigError};

/// A setting Watchpost accepts but warns about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning(pub ConfigError);

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "warning: {}", self.0)
    }
}

/// Every warning about `config`, in the order of the file's sections.
pub(in crate::config) fn warnings(config: &Config, src: &Source<'_>) -> Vec<ConfigWarning> {
    let mut out = Vec::new();
    allow_principals(config, src, &mut out);
    out
}

/// A principal pattern with a leading wildcard matches any IAM user or role whose ARN or name
/// ends with what follows: a session's name is never matched (a pattern naming a session is an
/// error), but whoever may create a role can still name one to match. Such a pattern was often
/// written for role sessions; the role's ARN says what is meant.
fn allow_principals(config: &Config, src: &Source<'_>, out: &mut Vec<ConfigWarning>) {
    let detections = &config.detections;
    let keyed = detections
        .allow_principals
        .iter()
        .enumerate()
        .map(|(j, p)| (format!("detections.allow_principals[{j}]"), p))
        .chain(detections.rules.iter().enumerate().flat_map(|(i, r)| {
            r.allow_principals
                .iter()
                .enumerate()
                .map(move |(j, p)| (format!("detections.rules[{i}].allow_principals[{j}]"), p))
        }));
    for (key, pattern) in keyed {
        let text = pattern.as_str();
        if text.starts_with('*') {
            out.push(ConfigWarning(src.error(
                &[(&key, Target::Value)],
                format!(
                    "`{text}` matches any IAM user or role whose ARN or name ends with what follows the `*` (never a session's name: allowlists match the user, or the role a session was issued for)"
                ),
                "name the role or user itself, e.g. arn:aws:iam::123456789012:role/ml-platform-admin, so that a role created to match cannot pass",
            )));
        }
    }
}
