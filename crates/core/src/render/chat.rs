//! The alert in AWS Chatbot's custom-notification schema (Amazon Q Developer in chat
//! applications, "Custom notifications"): `version 1.0`, `source custom`, client-markdown
//! content. Markdown from a finding is escaped so it cannot forge links or mention a channel.

use serde_json::json;

use super::{AlertInput, next_steps};
use crate::component::NOT_AI;
use crate::state::alert_key;
use crate::text::{clip, defuse_mentions, escape_markdown};

/// Chatbot custom notification limits (user guide, "Custom notification schema").
const TITLE_MAX_CHARS: usize = 250;
const DESCRIPTION_MAX_CHARS: usize = 8_000;
const NEXT_STEPS_MAX: usize = 5;
const KEYWORDS_MAX: usize = 10;
const KEYWORD_MAX_CHARS: usize = 75;

pub(super) fn render(input: &AlertInput<'_>, subject: &str, budget: usize) -> (String, bool) {
    let f = input.finding;
    let md = |text: &str, n: usize| escape_markdown(&clip(text, n));
    let mut description = String::new();
    if f.is_sample() {
        description.push_str("*GuardDuty sample finding: not real activity.*\n");
    }
    if let Some(title) = &f.title {
        description.push_str(&format!("{}\n", md(title, 300)));
    }
    description.push_str(&format!(
        "*Account* `{}` · *Region* `{}` · *Resource* {} `{}`\n",
        md(&f.account_id, 40),
        md(&f.region, 40),
        md(f.resource_type(), 60),
        md(&f.resource_label(), 120)
    ));
    if !input.classification.evidence.is_empty() {
        description.push_str("*Why AI-related*\n");
        for evidence in input.classification.evidence.iter().take(8) {
            description.push_str(&format!("• {}\n", md(evidence, 200)));
        }
    }
    let actor = f.actor();
    if let Some(ip) = &actor.ip_address {
        let place = [actor.asn_org.as_deref(), actor.country.as_deref()]
            .into_iter()
            .flatten()
            .map(|p| md(p, 80))
            .collect::<Vec<_>>()
            .join(", ");
        description.push_str(&format!("*From* `{}` {place}\n", md(ip, 64)));
    }
    if let Some(api) = &actor.api {
        description.push_str(&format!("*API* `{}`\n", md(api, 120)));
    }
    description.push_str(&format!("*Count* {}\n", f.count()));
    for note in &input.enrichment.notes {
        description.push_str(&format!("_{}_\n", md(note, 200)));
    }
    // Links are ours (percent-encoded ids), so they may be markdown links.
    description.push_str(&format!(
        "<{}|GuardDuty> · <{}|Detective>",
        input.links.guardduty, input.links.detective_finding
    ));
    let description = clip_keep_lines(&description, DESCRIPTION_MAX_CHARS);

    let component = input
        .classification
        .component
        .map_or(NOT_AI, |c| c.as_str());
    let mut keywords = vec![
        input.severity.label.as_str().to_owned(),
        component.to_owned(),
        keyword(f.finding_type()),
    ];
    if f.is_sample() {
        keywords.push("sample".to_owned());
    }
    keywords.truncate(KEYWORDS_MAX);
    let steps: Vec<String> = next_steps(input)
        .into_iter()
        .take(NEXT_STEPS_MAX)
        .map(escape_markdown)
        .collect();
    let document = json!({
        "version": "1.0",
        "source": "custom",
        "id": defuse_mentions(&clip(&f.id, 200)),
        "content": {
            "textType": "client-markdown",
            "title": escape_markdown(&clip(subject, TITLE_MAX_CHARS)),
            "description": description,
            "nextSteps": steps,
            "keywords": keywords,
        },
        "metadata": {
            // One thread per finding: follow-ups and updates land under the first alert.
            "threadId": defuse_mentions(&clip(&alert_key(f), 200)),
            "summary": defuse_mentions(&clip(subject, TITLE_MAX_CHARS)),
            "eventType": "watchpost.alert",
            "relatedResources": [defuse_mentions(&clip(&f.arn, 500))],
            "additionalContext": {
                "severity": input.severity.label.as_str(),
                "component": component,
                "account": clip(&f.account_id, 40),
                "region": clip(&f.region, 40),
            },
        },
    });
    let text = document.to_string();
    // With every field bounded above, the document is far below the budget; stay safe anyway.
    if text.len() <= budget {
        (text, false)
    } else {
        let mut minimal = document;
        minimal["content"]["description"] =
            json!("(details omitted: the alert exceeded SNS's size limit)");
        (minimal.to_string(), true)
    }
}

/// Bounds markdown text without collapsing its line breaks (which `clip` would).
fn clip_keep_lines(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A keyword from a finding: keywords are shown as labels, unescaped, so only the characters
/// of GuardDuty's finding types are kept (`Impact:IAMUser/AnomalousModelInvocation`,
/// `Backdoor:EC2/C&CActivity.B!DNS`); a mention or link cannot survive this.
fn keyword(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| {
            c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '_' | '!' | '&')
        })
        .collect();
    clip(&kept, KEYWORD_MAX_CHARS)
}
