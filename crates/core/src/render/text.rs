//! The alert as plain text, for email, SMS gateways and pagers: what happened (and, for AI
//! Protection findings, the models, figures and guardrail), where, why it is AI-related, who acted, when, links, next steps. Mail clients and pagers turn URLs and domain
//! names into links, so every string from a finding is defanged (`hxxps://evil[.]example`);
//! the only live links are the console links Watchpost builds.

use std::fmt::Write;

use super::model_use;
use super::sequence::{self, Shown as Lines};
use super::{AlertInput, cut_to_bytes, incident, next_steps};
use crate::finding::AttackSequence;
use crate::text::{Shown, clip};

/// A finding's string, bounded, stripped of controls and defanged.
fn shown(text: &str, max_chars: usize) -> Shown<'_> {
    Shown(text, Some(max_chars))
}

/// Longest description quoted in the text body.
const DESCRIPTION_MAX_CHARS: usize = 2_000;
/// The marker that ends a cut message.
pub const TRUNCATION_MARKER: &str = "\n[message truncated to fit SNS's 256 KiB limit]\n";

pub(super) fn render(input: &AlertInput<'_>, subject: &str, budget: usize) -> (String, bool) {
    let f = input.finding;
    let mut out = String::with_capacity(2048);
    let w = &mut out;
    if f.is_sample() {
        let _ = writeln!(
            w,
            "*** GuardDuty SAMPLE finding: generated for testing, not real activity ***\n"
        );
    }
    let _ = writeln!(w, "{subject}\n");
    if let Some(view) = &input.enrichment.incident {
        // What the incident is about names a principal or a resource: defanged like the rest.
        let _ = writeln!(
            w,
            "Incident {}: this alert {} ({}), about {}\n",
            incident::key(view),
            incident::role(view),
            incident::alerts_so_far(view),
            shown(&view.about, incident::ABOUT_MAX_CHARS)
        );
    }

    let _ = writeln!(w, "What happened");
    if let Some(title) = &f.title {
        let _ = writeln!(w, "  {}", shown(title, 300));
    }
    let _ = writeln!(w, "  Type: {}", shown(f.finding_type(), 200));
    if let Some(description) = &f.description {
        let _ = writeln!(w, "  {}", shown(description, DESCRIPTION_MAX_CHARS));
    }
    let _ = writeln!(
        w,
        "  Severity: {} ({})",
        input.severity.label, input.severity.score
    );
    if let Some(sequence) = input.finding.attack_sequence_ref()
        && sequence.arn != f.arn
    {
        let _ = writeln!(
            w,
            "  Part of attack sequence {} (link below).",
            shown(sequence.finding_id, 80)
        );
    }
    if let Some(sequence) = f.attack_sequence() {
        write_story(w, &sequence, f.description.as_deref().unwrap_or_default());
    }
    if let Some(model_use) = super::model_use(input) {
        let _ = writeln!(w, "\nModel use");
        for (label, value) in model_use::lines(&model_use) {
            let _ = writeln!(w, "  {label}: {}", shown(&value, 600));
        }
    }
    if let Some(observation) = input.observation {
        let _ = writeln!(w, "\nWhat Watchpost saw");
        // The facts quote the call or the alarm (user agent, request parameters, error
        // message, session names, alarm names): defanged like every other string.
        for (label, value) in observation.facts() {
            // What the description said already (a detection's rationale, CloudWatch's reason)
            // is not said twice.
            if f.description
                .as_deref()
                .is_some_and(|d| says_again(d, &value))
            {
                continue;
            }
            let _ = writeln!(w, "  {label}: {}", shown(&value, 600));
        }
    }

    let _ = writeln!(w, "\nWhere");
    let _ = writeln!(w, "  Account:  {}", shown(&f.account_id, 40));
    let _ = writeln!(w, "  Region:   {}", shown(&f.region, 40));
    // A resource with no identifier of its own is named by its type alone, once.
    let label = f.resource_label();
    if label == f.resource_type() {
        let _ = writeln!(w, "  Resource: {}", shown(f.resource_type(), 60));
    } else {
        let _ = writeln!(
            w,
            "  Resource: {} {}",
            shown(f.resource_type(), 60),
            shown(&label, 200)
        );
    }
    for instance_type in f.instance_types() {
        let _ = writeln!(w, "  Instance type: {}", shown(instance_type.value, 40));
    }

    let _ = writeln!(w, "\nWhy this is AI-related");
    if input.classification.evidence.is_empty() {
        let _ = writeln!(w, "  Not AI-related: no AI component matched.");
    }
    for evidence in &input.classification.evidence {
        let _ = writeln!(w, "  - {}", Shown(evidence, None));
    }

    let actor = f.actor();
    let acted = [
        ("IP address", actor.ip_address.as_deref()),
        ("ASN", actor.asn.as_deref()),
        ("Organization", actor.asn_org.as_deref()),
        ("Country", actor.country.as_deref()),
        ("City", actor.city.as_deref()),
        ("API", actor.api.as_deref()),
        ("User agent", actor.user_agent.as_deref()),
        ("Domain", actor.domain.as_deref()),
    ];
    if acted.iter().any(|(_, v)| v.is_some()) {
        let _ = writeln!(w, "\nWho or what acted");
        for (label, value) in acted {
            if let Some(value) = value {
                let _ = writeln!(w, "  {label}: {}", shown(value, 200));
            }
        }
    }

    let (first, last) = f.first_last_seen();
    let _ = writeln!(w, "\nWhen");
    let _ = writeln!(
        w,
        "  First seen: {}",
        shown(first.unwrap_or(&f.created_at), 40)
    );
    let _ = writeln!(
        w,
        "  Last seen:  {}",
        shown(last.unwrap_or(&f.updated_at), 40)
    );
    // Watchpost's own findings count state changes by their time: not a number for people.
    if input.observation.is_none() {
        let _ = writeln!(w, "  Count:      {}", f.count());
    }

    let enrichment = input.enrichment;
    if !enrichment.notes.is_empty() || enrichment.investigation_id.is_some() {
        let _ = writeln!(w, "\nEnrichment");
        for note in &enrichment.notes {
            let _ = writeln!(w, "  {}", shown(note, 300));
        }
        if let Some(id) = &enrichment.investigation_id {
            let _ = writeln!(
                w,
                "  Detective investigation {} started; a follow-up alert brings its verdict.",
                shown(id, 80)
            );
        }
    }

    let links = input.links;
    let _ = writeln!(w, "\nLinks");
    if let Some(url) = &links.guardduty {
        let _ = writeln!(w, "  GuardDuty finding:  {url}");
    }
    if let Some(url) = &links.attack_sequence {
        let _ = writeln!(w, "  GuardDuty attack sequence: {url}");
    }
    if let Some(url) = &links.detective_finding {
        let _ = writeln!(w, "  Detective finding:  {url}");
    }
    for link in &links.console {
        let _ = writeln!(w, "  {}: {}", link.entity, link.url);
    }
    for entity in &links.detective_entities {
        let _ = writeln!(
            w,
            "  Detective {}: {}",
            shown(&entity.entity, 80),
            entity.url
        );
    }

    let _ = writeln!(w, "\nNext steps");
    for step in next_steps(input) {
        let _ = writeln!(w, "  - {step}");
    }

    let _ = writeln!(w, "\nDecision: {}", shown(&input.decision.reason, 600));
    let _ = writeln!(w, "Finding: {}", shown(&f.arn, 300));

    if out.len() <= budget {
        return (out, false);
    }
    let keep = cut_to_bytes(&out, budget - TRUNCATION_MARKER.len());
    (format!("{keep}{TRUNCATION_MARKER}"), true)
}

/// Whether `description` says `value` (clipped, perhaps cut with `…`) already.
fn says_again(description: &str, value: &str) -> bool {
    let value = value.strip_suffix('…').unwrap_or(value);
    !value.is_empty() && clip(description, description.len()).contains(value)
}

/// The attack sequence's story: who, from where, what happened in order, on what.
fn write_story(w: &mut String, story: &AttackSequence<'_>, description: &str) {
    let _ = writeln!(w, "\nThe attack sequence");
    let mut part = |label: &str, lines: Lines| {
        if lines.lines.is_empty() {
            return;
        }
        let _ = writeln!(w, "  {label}:");
        for line in &lines.lines {
            let _ = writeln!(w, "    - {}", shown(line, 600));
        }
        if let Some(more) = lines.more() {
            let _ = writeln!(w, "    {more}");
        }
    };
    part("Who", sequence::who(story));
    part("From", sequence::from(story));
    part("What happened, in order", sequence::signals(story));
    part("On", sequence::resources(story));
    for (label, values) in [
        ("High-risk APIs", story.apis()),
        ("Tactics", story.tactics()),
        ("Techniques", story.techniques()),
    ] {
        // GuardDuty's description lists the APIs and tactics too, when it does not cut them.
        if let Some(line) = sequence::values_line(&values)
            && !says_again(description, &line)
        {
            let _ = writeln!(w, "  {label}: {}", shown(&line, 2_000));
        }
    }
}
