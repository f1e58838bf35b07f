//! The incident an alert belongs to, as every format tells it: the tag a subject ends with (so
//! that mail clients thread an incident's alerts), what the alert is to its incident in words,
//! and when the incident opened. The key is Watchpost's own (`WP-` and hexadecimal digits);
//! what the incident is about names a principal or a resource, attacker-influenced: each format
//! makes it safe its own way (defanged for people, raw but clipped for machines).

use crate::guardduty::timestamp::format_time;
use crate::incident::{IncidentKind, IncidentView};

/// Longest `about` an alert carries (the incident record keeps at most 160 characters).
pub const ABOUT_MAX_CHARS: usize = 160;
/// Longest key an alert carries: Watchpost's are 13 characters; a stored one is never trusted
/// to be.
pub const KEY_MAX_CHARS: usize = 32;

/// The incident's key, clipped to printable ASCII.
pub fn key(incident: &IncidentView) -> String {
    crate::text::clip_ascii(&incident.key, KEY_MAX_CHARS)
}

/// ` [WP-0123456789]`: what a subject ends with.
pub fn subject_tag(incident: &IncidentView) -> String {
    format!(" [{}]", key(incident))
}

/// What the alert is to its incident, in words: `opens it`, `adds to it`, `raises it to HIGH`,
/// `resolves it`.
pub fn role(incident: &IncidentView) -> String {
    match incident.kind {
        IncidentKind::New => "opens it".to_owned(),
        IncidentKind::Update => "adds to it".to_owned(),
        IncidentKind::Escalation => format!("raises it to {}", incident.severity),
        IncidentKind::Resolved => "resolves it".to_owned(),
    }
}

/// `1 alert so far`, `3 alerts so far`.
pub fn alerts_so_far(incident: &IncidentView) -> String {
    match incident.alerts {
        1 => "1 alert so far".to_owned(),
        n => format!("{n} alerts so far"),
    }
}

/// When the incident opened, RFC 3339 in UTC.
pub fn opened(incident: &IncidentView) -> String {
    time::OffsetDateTime::from_unix_timestamp(incident.opened_at)
        .map_or_else(|_| incident.opened_at.to_string(), format_time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::severity::SeverityLabel;

    fn view(kind: IncidentKind, alerts: u32) -> IncidentView {
        IncidentView {
            key: "WP-00C0FFEE42".to_owned(),
            kind,
            opened_at: 1_772_438_400,
            alerts,
            about: "user/alice in 111122223333".to_owned(),
            severity: SeverityLabel::High,
            first_for: Vec::new(),
            closed: false,
        }
    }

    #[test]
    fn each_kind_says_what_the_alert_is_to_its_incident() {
        assert_eq!(role(&view(IncidentKind::New, 1)), "opens it");
        assert_eq!(role(&view(IncidentKind::Update, 2)), "adds to it");
        assert_eq!(
            role(&view(IncidentKind::Escalation, 3)),
            "raises it to HIGH"
        );
        assert_eq!(role(&view(IncidentKind::Resolved, 4)), "resolves it");
        assert_eq!(alerts_so_far(&view(IncidentKind::New, 1)), "1 alert so far");
        assert_eq!(
            alerts_so_far(&view(IncidentKind::Update, 7)),
            "7 alerts so far"
        );
    }

    #[test]
    fn the_opening_is_rfc_3339_and_the_tag_is_the_key() {
        let incident = view(IncidentKind::New, 1);
        assert_eq!(opened(&incident), "2026-03-02T08:00:00Z");
        assert_eq!(subject_tag(&incident), " [WP-00C0FFEE42]");
        let mut hostile = incident.clone();
        hostile.key = format!("WP-\n{}", "x".repeat(100));
        assert!(key(&hostile).chars().count() <= KEY_MAX_CHARS);
        assert!(!key(&hostile).contains('\n'));
    }
}
