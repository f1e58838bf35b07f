//! `[alarms]`: a band CloudWatch takes and an address to send to; and, for a config that is to
//! be deployed, that the alarms reach someone or are turned off explicitly: an alarm that
//! notifies nobody is the silence the on-call team trusts.

use super::routes::is_email;
use super::{Checked, Source};
use crate::config::{Config, ConfigError};

/// A positive anomaly band, and an operations email that is one address.
pub(super) fn alarms(config: &Config, src: &Source<'_>) -> Checked {
    let alarms = &config.alarms;
    if !(alarms.anomaly_band.is_finite() && alarms.anomaly_band > 0.0) {
        return src.fail(
            "alarms.anomaly_band",
            format!("a band of {} standard deviations", alarms.anomaly_band),
            "CloudWatch's anomaly band is a positive number of standard deviations, e.g. 2.0",
        );
    }
    if let Some(email) = &alarms.operations_email
        && !is_email(email)
    {
        return src.fail(
            "alarms.operations_email",
            format!("`{email}` is not an email address"),
            "write one address, e.g. `platform-oncall@example.com`",
        );
    }
    Ok(())
}

/// The operations topic must have a subscriber, unless the alarms are off.
#[allow(clippy::result_large_err)]
pub fn check_operations_reach_someone(
    config: &Config,
    file: &str,
    text: &str,
) -> Result<(), ConfigError> {
    let alarms = &config.alarms;
    if !alarms.enabled
        || alarms.operations_email.is_some()
        || !alarms.operations_subscriptions.is_empty()
    {
        return Ok(());
    }
    let mut err = ConfigError::at_text(
        file,
        text,
        "alarms".into(),
        "[alarms]",
        "the pipeline's alarms would notify nobody: the operations topic has no subscriber".into(),
        "set [alarms] operations_email, add an [[alarms.operations_subscriptions]], or turn the alarms off with [alarms] enabled = false",
    );
    if !text.contains("[alarms]") {
        err.column = None;
    }
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarms_that_reach_nobody_are_refused_for_deployment() {
        let check = |text: &str| {
            let config = Config::from_toml(text, "watchpost.toml").unwrap();
            check_operations_reach_someone(&config, "watchpost.toml", text).map_err(Box::new)
        };
        let err = check("[alarms]\ndashboard = true\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("alarms"), "{err}");
        assert_eq!(err.line, Some(1), "{err}");
        assert!(
            err.hint.as_deref().unwrap().contains("enabled = false"),
            "{err}"
        );
        check("").unwrap_err();
        check("[alarms]\noperations_email = \"ops@example.com\"\n").unwrap();
        check("[alarms]\nenabled = false\n").unwrap();
        check(
            "[[alarms.operations_subscriptions]]\nprotocol = \"https\"\nendpoint = \"https://pager.example.com/hook\"\n",
        )
        .unwrap();
    }
}
