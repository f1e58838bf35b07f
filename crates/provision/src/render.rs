//! Showing a plan to people (a table with what changes and why) and machines (JSON). Apart from
//! computing it: nothing here decides anything.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::model::{Action, Plan};

/// The plan as a table: one line per change (action, region, kind, name, reason), the
/// properties that change under updates, then the notes and a summary.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.changes.is_empty() {
        out.push_str("No changes. The account matches the config.\n");
    } else {
        let width = |f: &dyn Fn(&crate::model::Change) -> usize| {
            plan.changes.iter().map(f).max().unwrap_or(0)
        };
        let w_region = width(&|c| c.id.region.len()).max("REGION".len());
        let w_kind = width(&|c| c.id.kind.as_str().len()).max("KIND".len());
        let w_name = width(&|c| c.id.name.len()).max("NAME".len());
        let _ = writeln!(
            out,
            "  {:w_region$}  {:w_kind$}  {:w_name$}  WHY",
            "REGION", "KIND", "NAME"
        );
        for change in &plan.changes {
            let _ = writeln!(
                out,
                "{} {:w_region$}  {:w_kind$}  {:w_name$}  {}",
                change.action().symbol(),
                change.id.region,
                change.id.kind.as_str(),
                change.id.name,
                change.reason
            );
            if matches!(change.action(), Action::Update | Action::Replace)
                && let (Some(Value::Object(before)), Some(Value::Object(after))) =
                    (change.spec.had_json(), change.spec.want_json())
            {
                {
                    for (key, new) in &after {
                        let old = before.get(key).unwrap_or(&Value::Null);
                        if old != new {
                            let _ = writeln!(out, "      {key}: {} -> {}", short(old), short(new));
                        }
                    }
                }
            }
        }
        let (create, update, delete) = plan.counts();
        let _ = writeln!(
            out,
            "\nPlan: {create} to create, {update} to update, {delete} to delete."
        );
    }
    for note in &plan.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// A value on one line, cut short.
fn short(value: &Value) -> String {
    const MAX: usize = 100;
    let text = value.to_string();
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The plan as JSON: `{"changes": [{region, kind, name, action, physical_id, before, after,
/// reason}], "notes": [...], "summary": {create, update, delete}}`.
pub fn json(plan: &Plan) -> Value {
    let (create, update, delete) = plan.counts();
    json!({
        "changes": plan.changes.iter().map(|c| json!({
            "region": c.id.region,
            "kind": c.id.kind,
            "name": c.id.name,
            "action": c.action(),
            "physical_id": c.physical_id(),
            "before": c.spec.had_json(),
            "after": c.spec.want_json(),
            "reason": c.reason.to_string(),
        })).collect::<Vec<_>>(),
        "notes": plan.notes,
        "summary": { "create": create, "update": update, "delete": delete },
    })
}

/// `watchpost outputs` for people.
pub fn outputs_text(outputs: &[crate::engine::RegionOutputs]) -> String {
    let mut out = String::new();
    let none = "(none)".to_owned();
    for o in outputs {
        let _ = writeln!(out, "{}:", o.region);
        let _ = writeln!(
            out,
            "  detective graph:   {}",
            o.graph_arn.as_ref().unwrap_or(&none)
        );
        for (route, arn) in &o.topics {
            let _ = writeln!(out, "  topic {route}: {arn}");
        }
        let _ = writeln!(
            out,
            "  operations topic:  {}",
            o.operations_topic.as_ref().unwrap_or(&none)
        );
        let _ = writeln!(
            out,
            "  state table:       {}",
            o.state_table.as_ref().unwrap_or(&none)
        );
        let _ = writeln!(
            out,
            "  dead-letter queue: {}",
            o.dead_letter_queue.as_ref().unwrap_or(&none)
        );
        let _ = writeln!(
            out,
            "  enricher function: {}",
            o.function_arn.as_ref().unwrap_or(&none)
        );
        let _ = writeln!(
            out,
            "  dashboard:         {}",
            o.dashboard_url.as_ref().unwrap_or(&none)
        );
        for pending in &o.pending_subscriptions {
            let _ = writeln!(out, "  pending confirmation: {pending}");
        }
        for other in &o.other_subscriptions {
            let _ = writeln!(out, "  not Watchpost's (left alone): {other}");
        }
    }
    out
}
