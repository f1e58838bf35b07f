//! What an AI Protection finding says of the models it is about, for people and machines: which
//! models, the figures that left the identity's baseline (tokens, invocations), what the
//! identity had never done before, and the guardrail's intervention (which guardrail, on the
//! prompt or the response, which filters, blocked or only detected). Lines here are plain text
//! built from the finding, clipped but not yet escaped: each format makes them safe its own way
//! ([`super::text`] defangs, [`super::chat`] writes them in the client's markdown);
//! [`document`] is the JSON format's, with raw values.

use serde::Serialize;

use crate::finding::{Guardrail, ModelUse, Unusual, Volume};
use crate::guardduty::wire::ContentPolicyFilter;
use crate::text::clip;

/// Longest value a line quotes.
const VALUE_MAX_CHARS: usize = 200;
/// Models and values listed on one line for people; JSON carries every one the view holds.
const VALUES_SHOWN: usize = 5;
/// Values of one unusual feature in the JSON document.
const JSON_VALUES_MAX: usize = 10;

/// The step that comes first when a guardrail saw a prompt attack and let it through.
pub(super) const BLOCK_STEP: &str = "The guardrail only detected the prompt attack and let it through: set its prompt attack filter's action to Block.";

/// Label and value, in reading order.
pub(super) fn lines(model_use: &ModelUse<'_>) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    // Unusual values that are the models themselves (a model the identity never invoked) are
    // said once, on the models' line.
    let about_models = |unusual: &&Unusual<'_>| {
        unusual
            .values
            .iter()
            .all(|v| model_use.models.contains(&v.as_str()))
    };
    if !model_use.models.is_empty() {
        let mut line = list(&model_use.models);
        if let Some(subtype) = model_use
            .unusual
            .iter()
            .find(about_models)
            .and_then(|u| u.subtype)
        {
            line.push_str(&format!(
                " ({} for this identity)",
                clip(&subtype.to_lowercase(), 20)
            ));
        }
        lines.push(("Models", line));
    }
    for volume in &model_use.volumes {
        lines.push(("Unusual volume", volume_line(volume)));
    }
    for unusual in model_use
        .unusual
        .iter()
        .filter(|u| model_use.models.is_empty() || !about_models(u))
    {
        let values: Vec<&str> = unusual.values.iter().map(String::as_str).collect();
        let mut line = format!("{} {}", clip(unusual.feature, 60), list(&values));
        if let Some(subtype) = unusual.subtype {
            line.push_str(&format!(" ({})", clip(&subtype.to_lowercase(), 20)));
        }
        lines.push(("Unusual", line));
    }
    if let Some(guardrail) = &model_use.guardrail {
        lines.push(("Guardrail", guardrail_line(guardrail)));
        for filter in guardrail.filters {
            lines.push(("Content filter", filter_line(filter)));
        }
    }
    lines
}

/// `a, b, c and 4 more`.
fn list(values: &[&str]) -> String {
    let mut line = values
        .iter()
        .take(VALUES_SHOWN)
        .map(|v| clip(v, VALUE_MAX_CHARS))
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > VALUES_SHOWN {
        line.push_str(&format!(" and {} more", values.len() - VALUES_SHOWN));
    }
    line
}

/// `InputTokenCount 48,000 (average; usual 900)`.
fn volume_line(volume: &Volume<'_>) -> String {
    let figures = |numbers: &[i64]| {
        numbers
            .iter()
            .take(VALUES_SHOWN)
            .map(|n| grouped(*n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut notes = Vec::new();
    if let Some(subtype) = volume.subtype {
        notes.push(clip(&subtype.to_lowercase(), 20));
    }
    if !volume.usual.is_empty() {
        notes.push(format!("usual {}", figures(volume.usual)));
    }
    let mut line = format!("{} {}", clip(volume.feature, 60), figures(volume.observed));
    if !notes.is_empty() {
        line.push_str(&format!(" ({})", notes.join("; ")));
    }
    line
}

/// `48000` → `48,000`.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `gr7k2m9x4q1p version 3 intervened on the prompt (input)`.
fn guardrail_line(guardrail: &Guardrail<'_>) -> String {
    let named = guardrail
        .guardrails
        .iter()
        .map(|(arn, version)| {
            let id = arn.rsplit_once("guardrail/").map_or(*arn, |(_, id)| id);
            match version {
                Some(version) => format!("{} version {}", clip(id, 80), clip(version, 10)),
                None => clip(id, 80),
            }
        })
        .collect::<Vec<_>>();
    let named = if named.is_empty() {
        "unnamed".to_owned()
    } else {
        named.join(" and ")
    };
    let action = match guardrail.action {
        Some(a) if a.eq_ignore_ascii_case("GUARDRAIL_INTERVENED") => "intervened".to_owned(),
        Some(a) if a.eq_ignore_ascii_case("NONE") => "did not intervene".to_owned(),
        Some(other) => format!("action {}", clip(other, 40)),
        None => "evaluated".to_owned(),
    };
    let source = match guardrail.source {
        Some(s) if s.eq_ignore_ascii_case("INPUT") => " on the prompt (input)".to_owned(),
        Some(s) if s.eq_ignore_ascii_case("OUTPUT") => {
            " on the model's response (output)".to_owned()
        }
        Some(other) => format!(" on {}", clip(other, 40)),
        None => String::new(),
    };
    format!("{named} {action}{source}")
}

/// `prompt attack, HIGH confidence: blocked`.
fn filter_line(filter: &ContentPolicyFilter) -> String {
    let kind = filter
        .r#type
        .as_deref()
        .map_or("unnamed filter".to_owned(), |t| {
            clip(&t.to_lowercase().replace('_', " "), 40)
        });
    let mut line = kind;
    if let Some(confidence) = filter.confidence.as_deref() {
        line.push_str(&format!(", {} confidence", clip(confidence, 20)));
    }
    let outcome = match filter.action.as_deref() {
        Some(a) if a.eq_ignore_ascii_case("BLOCKED") => "blocked".to_owned(),
        Some(a) if a.eq_ignore_ascii_case("NONE") => "detected, not blocked".to_owned(),
        Some(other) => clip(other, 40),
        None => "no action given".to_owned(),
    };
    format!("{line}: {outcome}")
}

/// The model use for machines: raw values, clipped.
#[derive(Serialize)]
pub(super) struct Document {
    models: Vec<String>,
    volumes: Vec<VolumeDocument>,
    unusual: Vec<UnusualDocument>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guardrail: Option<GuardrailDocument>,
}

#[derive(Serialize)]
struct VolumeDocument {
    feature: String,
    subtype: Option<String>,
    observed: Vec<i64>,
    usual: Vec<i64>,
}

#[derive(Serialize)]
struct UnusualDocument {
    feature: String,
    subtype: Option<String>,
    values: Vec<String>,
}

#[derive(Serialize)]
struct GuardrailDocument {
    guardrails: Vec<GuardrailRef>,
    action: Option<String>,
    source: Option<String>,
    content_filters: Vec<FilterDocument>,
}

#[derive(Serialize)]
struct GuardrailRef {
    arn: String,
    version: Option<String>,
}

#[derive(Serialize)]
struct FilterDocument {
    #[serde(rename = "type")]
    kind: Option<String>,
    confidence: Option<String>,
    action: Option<String>,
}

pub(super) fn document(model_use: &ModelUse<'_>) -> Document {
    let opt = |v: Option<&str>, n: usize| v.map(|v| clip(v, n));
    let numbers = |n: &[i64]| n.iter().take(JSON_VALUES_MAX).copied().collect();
    Document {
        models: model_use.models.iter().map(|m| clip(m, 300)).collect(),
        volumes: model_use
            .volumes
            .iter()
            .map(|v| VolumeDocument {
                feature: clip(v.feature, 100),
                subtype: opt(v.subtype, 20),
                observed: numbers(v.observed),
                usual: numbers(v.usual),
            })
            .collect(),
        unusual: model_use
            .unusual
            .iter()
            .map(|u| UnusualDocument {
                feature: clip(u.feature, 100),
                subtype: opt(u.subtype, 20),
                values: u
                    .values
                    .iter()
                    .take(JSON_VALUES_MAX)
                    .map(|v| clip(v, VALUE_MAX_CHARS))
                    .collect(),
            })
            .collect(),
        guardrail: model_use.guardrail.as_ref().map(|g| GuardrailDocument {
            guardrails: g
                .guardrails
                .iter()
                .map(|(arn, version)| GuardrailRef {
                    arn: clip(arn, 300),
                    version: opt(*version, 10),
                })
                .collect(),
            action: opt(g.action, 40),
            source: opt(g.source, 40),
            content_filters: g
                .filters
                .iter()
                .map(|f| FilterDocument {
                    kind: opt(f.r#type.as_deref(), 40),
                    confidence: opt(f.confidence.as_deref(), 20),
                    action: opt(f.action.as_deref(), 40),
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(48_000), "48,000");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(grouped(i64::MIN), "-9,223,372,036,854,775,808");
    }
}
