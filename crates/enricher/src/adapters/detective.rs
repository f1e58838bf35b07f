//! Investigations through Amazon Detective: ListInvestigations (filtered by entity and creation
//! time) to reuse a recent one, StartInvestigation, and GetInvestigation + ListIndicators for
//! the sweep's verdict.

use aws_sdk_detective::Client;
use aws_sdk_detective::primitives::DateTime;
use aws_sdk_detective::types::{DateFilter, FilterCriteria, IndicatorDetail, StringFilter};

use super::port_error;
use crate::error::PortError;
use crate::ports::{Indicator, InvestigationReport, Investigations};

/// ListInvestigations and ListIndicators return at most 100 items per page (Detective API
/// reference, MaxResults).
const PAGE_SIZE: i32 = 100;
/// Pages of indicators read per investigation: an alert shows a handful anyway.
const INDICATOR_PAGES: usize = 3;
/// Pages of investigations read when looking for one to reuse.
const INVESTIGATION_PAGES: usize = 3;

/// [`Investigations`] over Detective.
#[derive(Debug, Clone)]
pub struct DetectiveInvestigations {
    client: Client,
}

impl DetectiveInvestigations {
    pub fn new(client: Client) -> Self {
        DetectiveInvestigations { client }
    }
}

fn invalid(err: impl std::fmt::Display) -> PortError {
    PortError::Invalid {
        service: "detective",
        code: "ValidationException".into(),
        message: err.to_string(),
    }
}

impl Investigations for DetectiveInvestigations {
    async fn recent_investigation(
        &self,
        graph_arn: &str,
        entity_arn: &str,
        since: i64,
    ) -> Result<Option<String>, PortError> {
        let far = DateTime::from_secs(since.saturating_add(10 * 365 * 86_400));
        let criteria = FilterCriteria::builder()
            .entity_arn(
                StringFilter::builder()
                    .value(entity_arn)
                    .build()
                    .map_err(invalid)?,
            )
            .created_time(
                DateFilter::builder()
                    .start_inclusive(DateTime::from_secs(since))
                    .end_inclusive(far)
                    .build()
                    .map_err(invalid)?,
            )
            .build();
        let mut best: Option<(i64, String)> = None;
        let mut token = None;
        for _ in 0..INVESTIGATION_PAGES {
            let page = self
                .client
                .list_investigations()
                .graph_arn(graph_arn)
                .filter_criteria(criteria.clone())
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|err| port_error("detective", err))?;
            for detail in page.investigation_details() {
                // Filtered again here: the filter is the service's, the rule is ours.
                let created = detail.created_time().map_or(i64::MIN, |t| t.secs());
                if detail.entity_arn() != Some(entity_arn) || created < since {
                    continue;
                }
                if let Some(id) = detail.investigation_id()
                    && best.as_ref().is_none_or(|(t, _)| created > *t)
                {
                    best = Some((created, id.to_owned()));
                }
            }
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        Ok(best.map(|(_, id)| id))
    }

    async fn start_investigation(
        &self,
        graph_arn: &str,
        entity_arn: &str,
        scope_start: i64,
        scope_end: i64,
    ) -> Result<String, PortError> {
        let output = self
            .client
            .start_investigation()
            .graph_arn(graph_arn)
            .entity_arn(entity_arn)
            .scope_start_time(DateTime::from_secs(scope_start))
            .scope_end_time(DateTime::from_secs(scope_end))
            .send()
            .await
            .map_err(|err| port_error("detective", err))?;
        output
            .investigation_id
            .ok_or_else(|| PortError::Unavailable {
                service: "detective",
                message: "StartInvestigation answered without an investigation id".into(),
            })
    }

    async fn investigation(
        &self,
        graph_arn: &str,
        investigation_id: &str,
    ) -> Result<InvestigationReport, PortError> {
        let got = self
            .client
            .get_investigation()
            .graph_arn(graph_arn)
            .investigation_id(investigation_id)
            .send()
            .await
            .map_err(|err| port_error("detective", err))?;
        let mut report = InvestigationReport {
            id: investigation_id.to_owned(),
            entity_arn: got.entity_arn.unwrap_or_default(),
            status: got
                .status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|| "RUNNING".into()),
            state: got.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            severity: got.severity.map(|s| s.as_str().to_owned()),
            indicators: Vec::new(),
        };
        if !report.is_finished() {
            return Ok(report);
        }
        let mut token = None;
        for _ in 0..INDICATOR_PAGES {
            let page = self
                .client
                .list_indicators()
                .graph_arn(graph_arn)
                .investigation_id(investigation_id)
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|err| port_error("detective", err))?;
            for indicator in page.indicators() {
                let kind = indicator
                    .indicator_type()
                    .map_or("UNKNOWN", |t| t.as_str())
                    .to_owned();
                let detail = indicator
                    .indicator_detail()
                    .map(describe)
                    .unwrap_or_default();
                report.indicators.push(Indicator { kind, detail });
            }
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        Ok(report)
    }
}

/// A one-line summary of an indicator's detail (raw: the follow-up renderer sanitises it).
fn describe(detail: &IndicatorDetail) -> String {
    let join = |parts: &[(&str, Option<&str>)]| {
        parts
            .iter()
            .filter_map(|(label, value)| value.map(|v| format!("{label} {v}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(d) = &detail.ttps_observed_detail {
        return join(&[
            ("tactic", d.tactic.as_deref()),
            ("technique", d.technique.as_deref()),
            ("procedure", d.procedure.as_deref()),
            ("API", d.api_name.as_deref()),
            ("from", d.ip_address.as_deref()),
        ]);
    }
    if let Some(d) = &detail.impossible_travel_detail {
        let hours = d.hourly_time_delta.map(|h| format!("{h} h"));
        return join(&[
            ("from", d.starting_location.as_deref()),
            ("at", d.starting_ip_address.as_deref()),
            ("to", d.ending_location.as_deref()),
            ("at", d.ending_ip_address.as_deref()),
            ("within", hours.as_deref()),
        ]);
    }
    if let Some(d) = &detail.flagged_ip_address_detail {
        return join(&[
            ("IP", d.ip_address.as_deref()),
            ("reason", d.reason.as_ref().map(|r| r.as_str())),
        ]);
    }
    if let Some(d) = &detail.new_geolocation_detail {
        return join(&[
            ("location", d.location.as_deref()),
            ("IP", d.ip_address.as_deref()),
        ]) + new_for(d.is_new_for_entire_account);
    }
    if let Some(d) = &detail.new_aso_detail {
        return join(&[("ASO", d.aso.as_deref())]) + new_for(d.is_new_for_entire_account);
    }
    if let Some(d) = &detail.new_user_agent_detail {
        return join(&[("user agent", d.user_agent.as_deref())])
            + new_for(d.is_new_for_entire_account);
    }
    if let Some(d) = &detail.related_finding_detail {
        return join(&[
            ("type", d.r#type.as_deref()),
            ("finding", d.arn.as_deref()),
            ("IP", d.ip_address.as_deref()),
        ]);
    }
    if let Some(d) = &detail.related_finding_group_detail {
        return join(&[("finding group", d.id.as_deref())]);
    }
    String::new()
}

fn new_for(account: bool) -> &'static str {
    if account {
        " (new for the account)"
    } else {
        ""
    }
}
