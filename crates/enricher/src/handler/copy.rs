//! What a Security Hub copy of a GuardDuty finding decides on its own. ASFF loses fields, so a
//! copy can read as not about AI where GuardDuty's original is about AI (never the other way
//! round): on a route that chooses by component, such as one for findings not about AI, the
//! copy would go where the original does not. Those routes are left to GuardDuty's own event,
//! which reaches this region's enricher too and adds what its fuller decision goes to. A copy
//! of a finding of a region outside the stack, which no original follows here, decides them
//! itself.

use watchpost_core::Config;
use watchpost_core::component::NOT_AI;
use watchpost_core::decide::Outcome;
use watchpost_core::pipeline::Evaluation;

/// Takes from a copy's decision the routes that choose by component, when the copy reads as
/// not about AI and GuardDuty's original comes to this region (`own_region`: where the
/// function runs; unknown, it is taken to). A copy left no route is suppressed.
pub(super) fn leave_to_the_original(
    evaluation: &mut Evaluation,
    config: &Config,
    own_region: Option<&str>,
) {
    // Only a copy of GuardDuty's has an original on the way: another product's finding in the
    // new Security Hub arrives once, as itself.
    let of_guardduty = evaluation.finding.arn.split(':').nth(2) == Some("guardduty");
    if !evaluation.origin.is_security_hub()
        || !of_guardduty
        || !evaluation.is_alert()
        || evaluation.component_name() != NOT_AI
        || own_region.is_some_and(|own| own != evaluation.finding.region)
    {
        return;
    }
    let by_component = |route: &String| {
        config
            .routes
            .iter()
            .any(|r| &r.name == route && !r.components.is_empty())
    };
    let left: Vec<String> = evaluation
        .decision
        .routes
        .iter()
        .filter(|r| by_component(r))
        .cloned()
        .collect();
    if left.is_empty() {
        return;
    }
    evaluation.decision.routes.retain(|r| !by_component(r));
    if evaluation.decision.routes.is_empty() {
        evaluation.decision.outcome = Outcome::Suppressed;
        evaluation.decision.reason = format!(
            "a Security Hub copy that reads as not about AI: {} left to GuardDuty's own event",
            left.join(", ")
        );
    }
}
