//! Which region's enricher alerts a finding. With Security Hub's cross-region aggregation, the
//! aggregation (home) region's event feed carries `Security Hub Findings - Imported` events
//! for the findings of its linked regions too, each finding keeping the `Region` it was
//! generated in (which Security Hub fills in and no one can update). A copy of a finding of
//! another region of the stack is that region's: its own enricher alerts it, against its own
//! alert state, so alerting it here too would reach every route twice. A finding of a region
//! outside the stack reaches Watchpost only through the aggregation region, which alerts it.

use watchpost_core::finding::SourcedFinding;

/// The other region of the stack whose enricher alerts this finding, when it is not this
/// one's: a Security Hub copy of a finding generated in another of `stack_regions` than
/// `own` (the region the function runs in; unknown, every finding is this region's).
pub(super) fn alerted_elsewhere<'a>(
    sourced: &'a SourcedFinding,
    own: Option<&str>,
    stack_regions: &[String],
) -> Option<&'a str> {
    let region = sourced.finding.region.as_str();
    let own = own?;
    (sourced.origin.is_security_hub() && region != own && stack_regions.iter().any(|r| r == region))
        .then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use watchpost_core::event::parse_event_value;
    use watchpost_core::finding::ParsedEvent;

    /// Security Hub's copy of a GuardDuty finding generated in `region`.
    fn copy(region: &str) -> SourcedFinding {
        let event = json!({
            "version": "0",
            "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub",
            "region": "us-east-1",
            "detail": { "findings": [{
                "SchemaVersion": "2018-10-08",
                "Id": format!("arn:aws:guardduty:{region}:111122223333:detector/d0/finding/f1"),
                "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/guardduty"),
                "AwsAccountId": "111122223333",
                "Region": region,
                "Types": ["TTPs/Impact/Impact:IAMUser-AnomalousBehavior"],
                "CreatedAt": "2026-03-02T08:00:00Z",
                "UpdatedAt": "2026-03-02T08:20:00Z",
                "Severity": { "Product": 8.0 },
                "Resources": [{ "Type": "AwsIamAccessKey", "Id": "AWS::IAM::AccessKey:ASIA4EXAMPLE" }]
            }]}
        });
        match parse_event_value(event) {
            ParsedEvent::Findings { mut findings, .. } => findings.remove(0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_copy_is_left_to_its_own_region_only_when_the_stack_runs_there() {
        let stack = ["us-east-1".to_owned(), "us-west-2".to_owned()];
        let own = Some("us-east-1");
        assert_eq!(
            alerted_elsewhere(&copy("us-west-2"), own, &stack),
            Some("us-west-2")
        );
        assert_eq!(alerted_elsewhere(&copy("us-east-1"), own, &stack), None);
        // No enricher of the stack in eu-west-1, or none but this one: alerted here.
        assert_eq!(alerted_elsewhere(&copy("eu-west-1"), own, &stack), None);
        assert_eq!(alerted_elsewhere(&copy("us-west-2"), own, &[]), None);
        // Where the function runs is unknown: nothing is left to another.
        assert_eq!(alerted_elsewhere(&copy("us-west-2"), None, &stack), None);
    }
}
