//! The alert as an AWS Chatbot custom notification (Amazon Q Developer in chat applications,
//! "Custom notifications"): `version` 1.0, `source` custom, `client-markdown` content written
//! for the route's chat client ([`super::markdown`]), one thread per incident (per finding
//! without incidents). Also the check every card passes ([`check_custom_notification`]): the
//! schema Chatbot documents, and the bounds below.

use serde::Serialize;
use serde_json::Value;

use super::markdown::Markdown;
use super::model_use;
use super::sequence;
use super::{AlertInput, incident, next_steps};
use crate::component::NOT_AI;
use crate::config::ChatClient;
use crate::finding::AttackSequence;
use crate::state::alert_key;
use crate::text::{clip, defuse_mentions};

// Chatbot documents which fields exist and which are required, but no lengths. These bounds are
// ours, each chosen so that the card survives the tightest place a client puts the field.

/// A title reads as one line; Slack's header blocks, the largest type it shows, take 150
/// characters (Block Kit reference, "Header block").
pub const TITLE_MAX_CHARS: usize = 150;
/// Slack puts markdown in section blocks of at most 3,000 characters (Block Kit reference,
/// "Section block"); a longer description could be refused rather than cut.
pub const DESCRIPTION_MAX_CHARS: usize = 3_000;
/// Next steps are a short list under the card.
pub const NEXT_STEPS_MAX: usize = 5;
pub const NEXT_STEP_MAX_CHARS: usize = 300;
/// Keywords show as tags; Slack's context blocks hold at most 10 elements (Block Kit reference,
/// "Context block"), and a tag longer than 75 characters no longer reads as one.
pub const KEYWORDS_MAX: usize = 10;
pub const KEYWORD_MAX_CHARS: usize = 75;
/// The summary stands in for the card in notifications: as long as a title.
pub const SUMMARY_MAX_CHARS: usize = TITLE_MAX_CHARS;
/// Identifiers (`id`, `threadId`) are matched, never read: an alert key is an account, a region
/// and a GuardDuty id (32 characters); 256 leaves room for other sources' ids.
pub const ID_MAX_CHARS: usize = 256;
/// ARNs in `relatedResources`: IAM bounds ARNs it stores to 2,048 characters, but the ones a
/// finding names are far shorter; 500 keeps a hostile one from crowding the card.
pub const RELATED_RESOURCES_MAX: usize = 5;
pub const RELATED_RESOURCE_MAX_CHARS: usize = 500;
/// `additionalContext`: a few short key/value pairs for Chatbot's custom actions.
pub const CONTEXT_MAX_KEYS: usize = 10;
pub const CONTEXT_VALUE_MAX_CHARS: usize = 100;

/// A console link carries the finding id percent-encoded: GuardDuty's are 32 characters, but a
/// hostile one (256 characters of up to 4 bytes, each byte `%XX`) would make a link of thousands
/// of characters that crowds out the card. Such a link is left out, and the label says why.
pub const LINK_MAX_CHARS: usize = 1_000;

/// How long a single value of the description may be, before the description's own bound.
const VALUE_MAX_CHARS: usize = 200;
const TITLE_LINE_MAX_CHARS: usize = 300;
const EVIDENCE_SHOWN: usize = 8;

pub(super) fn render(
    input: &AlertInput<'_>,
    subject: &str,
    client: ChatClient,
    budget: usize,
) -> (String, bool) {
    let md = Markdown::new(client);
    let f = input.finding;
    let mut lines = Vec::new();
    if f.is_sample() {
        lines.push(md.bold("GuardDuty sample finding: not real activity."));
    }
    if let Some(view) = &input.enrichment.incident {
        lines.push(format!(
            "{} {} · this alert {} · {} · about {}",
            md.bold("Incident"),
            md.code(&incident::key(view), incident::KEY_MAX_CHARS),
            md.text(&incident::role(view), 40),
            md.text(&incident::alerts_so_far(view), 40),
            md.text(&view.about, incident::ABOUT_MAX_CHARS)
        ));
    }
    if let Some(title) = &f.title {
        lines.push(format!(
            "{} {}",
            md.bold("What happened"),
            md.text(title, TITLE_LINE_MAX_CHARS)
        ));
    }
    // A resource with no identifier of its own is named by its type alone, once.
    let label = f.resource_label();
    let resource = if label == f.resource_type() {
        md.text(f.resource_type(), 60)
    } else {
        format!(
            "{} {}",
            md.text(f.resource_type(), 60),
            md.code(&label, 120)
        )
    };
    lines.push(format!(
        "{} {} · {} {} · {} {}",
        md.bold("Account"),
        md.code(&f.account_id, 40),
        md.bold("Region"),
        md.code(&f.region, 40),
        md.bold("Resource"),
        resource
    ));
    if let Some(sequence) = f.attack_sequence_ref()
        && sequence.arn != f.arn
    {
        lines.push(format!(
            "{} part of {}",
            md.bold("Attack sequence"),
            md.code(sequence.finding_id, 80)
        ));
    }
    if !input.classification.evidence.is_empty() {
        lines.push(md.bold("Why AI-related"));
        for evidence in input.classification.evidence.iter().take(EVIDENCE_SHOWN) {
            lines.push(format!("• {}", md.text(evidence, VALUE_MAX_CHARS)));
        }
    }
    let actor = f.actor();
    if let Some(ip) = &actor.ip_address {
        let place = [actor.asn_org.as_deref(), actor.country.as_deref()]
            .into_iter()
            .flatten()
            .map(|p| md.text(p, 80))
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(format!("{} {} {place}", md.bold("From"), md.code(ip, 64)));
    }
    if let Some(api) = &actor.api {
        lines.push(format!("{} {}", md.bold("API"), md.code(api, 120)));
    }
    if let Some(observation) = input.observation {
        for (label, value) in observation.facts() {
            lines.push(format!(
                "{} {}",
                md.bold(label),
                md.text(&value, VALUE_MAX_CHARS)
            ));
        }
    } else {
        lines.push(format!("{} {}", md.bold("Count"), f.count()));
    }
    if let Some(story) = f.attack_sequence() {
        story_lines(&md, &story, &mut lines);
    }
    if let Some(model_use) = super::model_use(input) {
        for (label, value) in model_use::lines(&model_use) {
            lines.push(format!(
                "{} {}",
                md.bold(label),
                md.text(&value, VALUE_MAX_CHARS * 2)
            ));
        }
    }
    for note in &input.enrichment.notes {
        lines.push(md.italic(&md.text(note, VALUE_MAX_CHARS)));
    }
    // The only links in a card: the consoles, with ids percent-encoded by `links`.
    let link = |url: &str, label: &str| {
        if url.chars().count() <= LINK_MAX_CHARS {
            md.link(url, label)
        } else {
            md.italic(&md.text(
                &format!("{label}: no link, the finding id is too long"),
                100,
            ))
        }
    };
    let mut shown = Vec::new();
    if let Some(url) = &input.links.guardduty {
        shown.push(link(url, "GuardDuty"));
    }
    if let Some(url) = &input.links.attack_sequence {
        shown.push(link(url, "Attack sequence"));
    }
    if let Some(url) = &input.links.detective_finding {
        shown.push(link(url, "Detective"));
    }
    // Labels of chat links are fixed words (the markdown builder takes no finding text in
    // them); a console URL with characters a chat link cannot carry is left to the other
    // formats.
    let linkable = |url: &str| {
        !url.contains(|c: char| {
            c.is_whitespace() || matches!(c, '<' | '>' | '|' | '(' | ')' | '[' | ']')
        })
    };
    for (i, console) in input.links.console.iter().enumerate() {
        if linkable(&console.url) {
            let label = if i == 0 { "Console" } else { "Console 2" };
            shown.push(link(&console.url, label));
        }
    }
    if input.observation.is_some() {
        for entity in &input.links.detective_entities {
            if linkable(&entity.url) {
                shown.push(link(&entity.url, "Detective profile"));
            }
        }
    }
    let links = shown.join(" · ");
    let description = description(client, lines, &links);

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
    keywords.retain(|k| !k.is_empty());
    keywords.truncate(KEYWORDS_MAX);
    let steps: Vec<String> = next_steps(input)
        .into_iter()
        .take(NEXT_STEPS_MAX)
        .map(|step| md.text(step, NEXT_STEP_MAX_CHARS))
        .collect();
    let mut card = Card {
        version: "1.0",
        source: "custom",
        id: defuse_mentions(&f.id, ID_MAX_CHARS),
        content: Content {
            text_type: "client-markdown",
            title: md.text(subject, TITLE_MAX_CHARS),
            description,
            next_steps: steps,
            keywords,
        },
        metadata: Metadata {
            thread_id: defuse_mentions(&thread_id(input), ID_MAX_CHARS),
            summary: md.text(subject, SUMMARY_MAX_CHARS),
            event_type: "watchpost.alert",
            related_resources: [defuse_mentions(&f.arn, RELATED_RESOURCE_MAX_CHARS)],
            additional_context: Context {
                severity: input.severity.label.as_str(),
                component,
                account: defuse_mentions(&f.account_id, 40),
                region: defuse_mentions(&f.region, 40),
            },
        },
    };
    let text = card.to_json();
    // With every field bounded above, the document is far below the budget; stay safe anyway.
    if text.len() <= budget {
        (text, false)
    } else {
        card.content.description = format!(
            "(details omitted: the alert exceeded SNS's size limit){}{links}",
            line_break(client)
        );
        (card.to_json(), true)
    }
}

/// The thread a card joins: its incident's, so that one incident is one thread; without
/// incidents, one thread per finding (follow-ups and updates land under the first alert, and a
/// usage alarm's return to band joins the thread its alarm opened).
pub fn thread_id(input: &AlertInput<'_>) -> String {
    let f = input.finding;
    match &input.enrichment.incident {
        Some(view) => incident::key(view),
        None => input
            .observation
            .map_or_else(|| alert_key(f), |o| o.thread_key(f)),
    }
}

/// Signals a card lists (the description's bound leaves out what does not fit).
const SIGNALS_SHOWN: usize = 10;

/// An attack sequence's story on a card: who, from where, the signals in order, the APIs and
/// tactics, on what.
fn story_lines(md: &Markdown, story: &AttackSequence<'_>, lines: &mut Vec<String>) {
    for who in sequence::who(story).lines {
        lines.push(format!(
            "{} {}",
            md.bold("Who"),
            md.text(&who, VALUE_MAX_CHARS)
        ));
    }
    for from in sequence::from(story).lines.iter().take(3) {
        lines.push(format!(
            "{} {}",
            md.bold("From"),
            md.text(from, VALUE_MAX_CHARS)
        ));
    }
    let signals = sequence::signals(story);
    if !signals.lines.is_empty() {
        lines.push(md.bold("Signals, in order"));
        for signal in signals.lines.iter().take(SIGNALS_SHOWN) {
            lines.push(format!("• {}", md.text(signal, VALUE_MAX_CHARS)));
        }
        let more = signals.lines.len().saturating_sub(SIGNALS_SHOWN) + signals.omitted;
        if more > 0 {
            lines.push(md.italic(&md.text(&format!("… and {more} more"), 40)));
        }
    }
    for (label, values) in [
        ("High-risk APIs", story.apis()),
        ("Tactics", story.tactics()),
    ] {
        if let Some(line) = sequence::values_line(&values) {
            lines.push(format!(
                "{} {}",
                md.bold(label),
                md.text(&line, VALUE_MAX_CHARS * 2)
            ));
        }
    }
    for on in sequence::resources(story).lines.iter().take(3) {
        lines.push(format!(
            "{} {}",
            md.bold("On"),
            md.text(on, VALUE_MAX_CHARS)
        ));
    }
}

/// The card as Chatbot reads it, written straight to its JSON text (fields in this order).
#[derive(Serialize)]
struct Card {
    version: &'static str,
    source: &'static str,
    id: String,
    content: Content,
    metadata: Metadata,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    text_type: &'static str,
    title: String,
    description: String,
    next_steps: Vec<String>,
    keywords: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    thread_id: String,
    summary: String,
    event_type: &'static str,
    related_resources: [String; 1],
    additional_context: Context,
}

#[derive(Serialize)]
struct Context {
    severity: &'static str,
    component: &'static str,
    account: String,
    region: String,
}

impl Card {
    fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a card of strings serialises")
    }
}

/// What separates two lines: Slack breaks on a newline; Teams reads CommonMark, where a single
/// newline joins the lines of a paragraph, so each line is a paragraph of its own.
pub fn line_break(client: ChatClient) -> &'static str {
    match client {
        ChatClient::Slack => "\n",
        ChatClient::Teams => "\n\n",
    }
}

/// Joins the lines within [`DESCRIPTION_MAX_CHARS`], always keeping the last one (the links):
/// lines that do not fit are left out whole, never cut in the middle of their markup.
pub fn description(client: ChatClient, lines: Vec<String>, last: &str) -> String {
    let md = Markdown::new(client);
    let br = line_break(client);
    let chars = |s: &str| s.chars().count();
    let omitted = md.italic(&md.text("… more in the console", 40));
    let reserve = chars(last) + chars(&omitted) + 2 * chars(br);
    let mut kept = Vec::new();
    let mut used = 0;
    let mut cut = false;
    for line in lines {
        let n = chars(&line) + chars(br);
        if used + n + reserve > DESCRIPTION_MAX_CHARS {
            cut = true;
            break;
        }
        used += n;
        kept.push(line);
    }
    if cut {
        kept.push(omitted);
    }
    kept.push(last.to_owned());
    kept.join(br)
}

/// A keyword from a finding type: Chatbot shows keywords as tags, outside the markdown, so only
/// the characters of GuardDuty's finding types are kept (`Impact:IAMUser/AnomalousBehavior`,
/// `Backdoor:EC2/C&CActivity.B!DNS`) and domains are defanged; a mention, a link or emphasis
/// cannot survive this.
pub fn keyword(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '!' | '&'))
        .collect();
    crate::text::clip_then_defang(&kept, KEYWORD_MAX_CHARS, clip)
}

/// Checks a custom notification against the schema Chatbot documents (required `version` "1.0"
/// and `source` "custom", `content` with a `description`, `textType` only `client-markdown`,
/// every documented field of its type, no other field) and against the bounds above. Returns
/// every problem found.
pub fn check_custom_notification(document: &Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let Some(top) = document.as_object() else {
        return Err(vec!["not a JSON object".to_owned()]);
    };
    known_fields(
        &mut problems,
        "",
        top,
        &["version", "source", "id", "content", "metadata"],
    );
    if document["version"] != "1.0" {
        problems.push("`version` must be \"1.0\"".to_owned());
    }
    if document["source"] != "custom" {
        problems.push("`source` must be \"custom\"".to_owned());
    }
    string(&mut problems, "id", &document["id"], false, ID_MAX_CHARS);
    let content = &document["content"];
    match content.as_object() {
        None => problems.push("`content` is required and must be an object".to_owned()),
        Some(fields) => known_fields(
            &mut problems,
            "content.",
            fields,
            &["textType", "title", "description", "nextSteps", "keywords"],
        ),
    }
    if !(content["textType"].is_null() || content["textType"] == "client-markdown") {
        problems.push("`content.textType` must be \"client-markdown\"".to_owned());
    }
    let c = |k: &str| &content[k];
    string(
        &mut problems,
        "content.title",
        c("title"),
        false,
        TITLE_MAX_CHARS,
    );
    string(
        &mut problems,
        "content.description",
        c("description"),
        true,
        DESCRIPTION_MAX_CHARS,
    );
    list(
        &mut problems,
        "content.nextSteps",
        c("nextSteps"),
        NEXT_STEPS_MAX,
        NEXT_STEP_MAX_CHARS,
    );
    list(
        &mut problems,
        "content.keywords",
        c("keywords"),
        KEYWORDS_MAX,
        KEYWORD_MAX_CHARS,
    );
    let metadata = &document["metadata"];
    match metadata {
        Value::Null => return finish(problems),
        Value::Object(fields) => known_fields(
            &mut problems,
            "metadata.",
            fields,
            &[
                "threadId",
                "summary",
                "eventType",
                "relatedResources",
                "additionalContext",
            ],
        ),
        _ => problems.push("`metadata` must be an object".to_owned()),
    }
    let m = |k: &str| &metadata[k];
    string(
        &mut problems,
        "metadata.threadId",
        m("threadId"),
        false,
        ID_MAX_CHARS,
    );
    string(
        &mut problems,
        "metadata.summary",
        m("summary"),
        false,
        SUMMARY_MAX_CHARS,
    );
    string(
        &mut problems,
        "metadata.eventType",
        m("eventType"),
        false,
        ID_MAX_CHARS,
    );
    list(
        &mut problems,
        "metadata.relatedResources",
        m("relatedResources"),
        RELATED_RESOURCES_MAX,
        RELATED_RESOURCE_MAX_CHARS,
    );
    match m("additionalContext") {
        Value::Null => {}
        Value::Object(context) => {
            if context.len() > CONTEXT_MAX_KEYS {
                problems.push("`metadata.additionalContext` has too many keys".to_owned());
            }
            for (key, value) in context {
                let at = format!("metadata.additionalContext.{key}");
                string(&mut problems, &at, value, true, CONTEXT_VALUE_MAX_CHARS);
            }
        }
        _ => problems.push("`metadata.additionalContext` must be an object".to_owned()),
    }
    finish(problems)
}

fn finish(problems: Vec<String>) -> Result<(), Vec<String>> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn known_fields(
    problems: &mut Vec<String>,
    prefix: &str,
    fields: &serde_json::Map<String, Value>,
    known: &[&str],
) {
    for key in fields.keys() {
        if !known.contains(&key.as_str()) {
            problems.push(format!("unknown field `{prefix}{key}`"));
        }
    }
}

fn string(problems: &mut Vec<String>, at: &str, value: &Value, required: bool, max: usize) {
    match value {
        Value::Null if !required => {}
        Value::Null => problems.push(format!("`{at}` is required")),
        Value::String(s) if s.chars().count() <= max => {}
        Value::String(s) => problems.push(format!(
            "`{at}` has {} characters, more than {max}",
            s.chars().count()
        )),
        _ => problems.push(format!("`{at}` must be a string")),
    }
}

fn list(problems: &mut Vec<String>, at: &str, value: &Value, max_items: usize, max_chars: usize) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            if items.len() > max_items {
                problems.push(format!(
                    "`{at}` has {} items, more than {max_items}",
                    items.len()
                ));
            }
            for item in items {
                string(problems, &format!("{at}[]"), item, true, max_chars);
            }
        }
        _ => problems.push(format!("`{at}` must be a list of strings")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid() -> Value {
        json!({
            "version": "1.0",
            "source": "custom",
            "content": { "textType": "client-markdown", "description": "d" },
        })
    }

    #[test]
    fn the_smallest_documented_notification_passes() {
        assert_eq!(check_custom_notification(&valid()), Ok(()));
    }

    #[test]
    fn each_schema_rule_is_enforced() {
        let broken = |edit: &dyn Fn(&mut Value)| {
            let mut doc = valid();
            edit(&mut doc);
            check_custom_notification(&doc).expect_err("should be refused")
        };
        broken(&|d| d["version"] = json!("2.0"));
        broken(&|d| d["source"] = json!("aws.guardduty"));
        broken(&|d| d["content"]["description"] = Value::Null);
        broken(&|d| d["content"]["textType"] = json!("markdown"));
        broken(&|d| d["content"]["title"] = json!("t".repeat(TITLE_MAX_CHARS + 1)));
        broken(&|d| d["content"]["description"] = json!("d".repeat(DESCRIPTION_MAX_CHARS + 1)));
        broken(&|d| d["content"]["nextSteps"] = json!(vec!["a"; NEXT_STEPS_MAX + 1]));
        broken(&|d| d["content"]["keywords"] = json!([1]));
        broken(&|d| d["content"]["keyword"] = json!(["typo"]));
        broken(&|d| d["metadata"] = json!({ "threadId": 7 }));
        broken(&|d| d["metadata"] = json!({ "additionalContext": { "k": 1 } }));
        broken(&|d| d["extra"] = json!(true));
    }

    #[test]
    fn keywords_keep_finding_type_characters_only() {
        assert_eq!(
            keyword("Backdoor:EC2/C&CActivity.B!DNS"),
            "Backdoor:EC2/C&CActivity.B!DNS"
        );
        assert_eq!(
            keyword("x @here <!channel> [a](https://evil.example) *b* _c_"),
            "xhere!channelahttps[:]//evil[.]examplebc"
        );
    }
}
