//! Config reading: defaults, the example file, and errors that locate the problem.

use super::*;

const EXAMPLE: &str = include_str!("../../../../infra/watchpost.example.toml");

fn error(text: &str) -> ConfigError {
    Config::from_toml(text, "watchpost.toml").unwrap_err()
}

#[test]
fn an_empty_config_gets_every_default_and_one_route() {
    let config = Config::from_toml("", "empty.toml").unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.routes.len(), 1);
    assert_eq!(config.routes[0].name, "default");
    assert_eq!(config.thresholds.other_min_severity, SeverityLabel::High);
    assert_eq!(config.thresholds.renotify_after.as_secs(), 86_400);
    assert_eq!(config.metrics.namespace, "Watchpost");
}

#[test]
fn the_example_is_valid_and_shows_every_section() {
    let config = Config::from_toml(EXAMPLE, "infra/watchpost.example.toml").unwrap();
    assert_eq!(config.routes.len(), 4);
    assert_eq!(config.suppress.len(), 2);
    assert_eq!(config.detective.members.len(), 2);
    let defaults = toml::Table::try_from(Config::default()).unwrap();
    let example: toml::Table = toml::from_str(EXAMPLE).unwrap();
    for section in defaults.keys() {
        assert!(
            example.contains_key(section),
            "the example lacks [{section}]"
        );
    }
}

#[test]
fn unknown_keys_are_errors_with_line_and_did_you_mean() {
    let err = error("[thresholds]\nai_min_severity = \"LOW\"\nrenotify_afer = \"1h\"\n");
    assert_eq!(err.line, Some(3), "{err}");
    assert_eq!(err.key.as_deref(), Some("thresholds.renotify_afer"));
    assert!(err.message.contains("unknown field"), "{err}");
    assert_eq!(err.hint.as_deref(), Some("did you mean `renotify_after`?"));
    assert!(
        err.to_string()
            .starts_with("watchpost.toml:3:1: `thresholds.renotify_afer`"),
        "{err}"
    );
}

#[test]
fn unknown_sections_and_variants_suggest_the_closest() {
    let err = error("[detectve]\nenabled = true\n");
    assert_eq!(
        err.hint.as_deref(),
        Some("did you mean `detective`?"),
        "{err}"
    );
    let err = error("[[routes]]\nname = \"a\"\nformat = \"jsn\"\n");
    assert_eq!(err.line, Some(3), "{err}");
    assert_eq!(err.key.as_deref(), Some("routes[0].format"), "{err}");
    assert_eq!(err.hint.as_deref(), Some("did you mean `json`?"), "{err}");
}

#[test]
fn bad_values_name_their_key_and_line() {
    let err = error("[thresholds]\n\nrenotify_after = \"24\"\n");
    assert_eq!(
        (err.line, err.key.as_deref()),
        (Some(3), Some("thresholds.renotify_after"))
    );
    assert!(err.message.contains("unit"), "{err}");
    let err = error("[[suppress]]\nname = \"x\"\nip_cidrs = [\"10.0.0.0/99\"]\n");
    assert_eq!(err.line, Some(3), "{err}");
    assert!(err.message.contains("CIDR"), "{err}");
    let err = error("[thresholds]\nai_min_severity = \"SEVERE\"\n");
    assert_eq!(
        err.key.as_deref(),
        Some("thresholds.ai_min_severity"),
        "{err}"
    );
}

#[test]
fn syntax_errors_point_at_the_line() {
    let err = error("[watchpost]\nstack = \n");
    assert_eq!(err.line, Some(2), "{err}");
}

#[test]
fn semantic_errors_are_located() {
    let err = error("[[routes]]\nname = \"pager\"\n[[routes]]\nname = \"pager\"\n");
    assert_eq!(err.key.as_deref(), Some("routes[1].name"));
    assert!(err.message.contains("twice"), "{err}");
    let err = error("[[routes]]\nname = \"p\"\ncomponents = [\"ml-dta\"]\n");
    assert_eq!(err.line, Some(3), "{err}");
    assert_eq!(err.hint.as_deref(), Some("did you mean `ml-data`?"));
    let err = error("[[suppress]]\nname = \"everything\"\n");
    assert!(err.message.contains("no criteria"), "{err}");
    let err = error("[detective]\nmembers = [{ account_id = \"1234\", email = \"a@b.c\" }]\n");
    assert_eq!(err.key.as_deref(), Some("detective.members[0].account_id"));
    assert_eq!(err.line, Some(2));
    let err = error("[enricher]\nmaximum_retry_attempts = 5\n");
    assert!(err.hint.unwrap().contains("0, 1 or 2"));
}

#[test]
fn a_missing_file_says_so() {
    let err = Config::load(std::path::Path::new("/nonexistent/watchpost.toml")).unwrap_err();
    assert!(err.message.contains("cannot read"), "{err}");
}

#[test]
fn chat_routes_choose_their_client_and_default_to_slack() {
    let config = Config::from_toml(
        "[[routes]]\nname = \"slack\"\nformat = \"chat\"\n\n[[routes]]\nname = \"teams\"\nformat = \"chat\"\nchat_client = \"teams\"\n",
        "watchpost.toml",
    )
    .unwrap();
    assert_eq!(config.routes[0].chat_client(), ChatClient::Slack);
    assert_eq!(config.routes[1].chat_client(), ChatClient::Teams);
    let err = error("[[routes]]\nname = \"c\"\nformat = \"chat\"\nchat_client = \"discord\"\n");
    assert_eq!(err.key.as_deref(), Some("routes[0].chat_client"), "{err}");
    assert_eq!(err.line, Some(4), "{err}");
    let err = error("[[routes]]\nname = \"mail\"\nformat = \"text\"\n\nchat_client = \"teams\"\n");
    assert_eq!(err.key.as_deref(), Some("routes[0].chat_client"), "{err}");
    assert_eq!(err.line, Some(5), "{err}");
    assert!(err.hint.unwrap().contains("format = \"chat\""));
}

#[test]
fn a_detective_budget_must_leave_the_lease_time_to_deliver() {
    // A 30 s timeout holds an alert for 30 s; publishing stops 5 s before, and delivering
    // needs 5 s more: 20 s of budget at most. A budget the timeout alone would allow (25 s) is
    // refused, with both keys named.
    let err = error("[enricher]\ntimeout_s = 30\n\n[detective]\nbudget_ms = 25000\n");
    assert_eq!(err.key.as_deref(), Some("enricher.timeout_s"), "{err}");
    assert!(err.message.contains("25000 ms"), "{err}");
    let hint = err.hint.as_deref().unwrap_or_default();
    assert!(
        hint.contains("at least 35 s") && hint.contains("20000"),
        "{err}"
    );
    Config::from_toml(
        "[enricher]\ntimeout_s = 30\n\n[detective]\nbudget_ms = 20000\n",
        "watchpost.toml",
    )
    .unwrap();
    // A long timeout does not lengthen the lease past 45 s: 35 s of budget at most.
    let err = error("[enricher]\ntimeout_s = 900\n\n[detective]\nbudget_ms = 40000\n");
    assert_eq!(err.key.as_deref(), Some("detective.budget_ms"), "{err}");
    // Without Detective, any budget goes.
    Config::from_toml(
        "[enricher]\ntimeout_s = 30\n\n[detective]\nenabled = false\nbudget_ms = 25000\n",
        "watchpost.toml",
    )
    .unwrap();
}

#[test]
fn a_subscription_may_choose_follow_ups() {
    Config::from_toml(
        "[[routes]]\nname = \"siem\"\n[[routes.subscriptions]]\nprotocol = \"sqs\"\nendpoint = \"arn:aws:sqs:us-east-1:123456789012:siem\"\nfilter_policy = { alert_kind = [\"new\", \"followup\"] }\n",
        "watchpost.toml",
    )
    .unwrap();
}

/// The line an error points at, as written in the file.
fn pointed_line(text: &str, err: &ConfigError) -> String {
    let line = err.line.unwrap_or_else(|| panic!("no line: {err}"));
    text.lines().nth(line - 1).unwrap_or("").to_owned()
}

#[test]
fn errors_in_usage_metrics_point_at_the_key_and_its_value() {
    for (text, key, line) in [
        (
            "[usage.metrics.InputTokenCount]\nperiod_s = 300\nband = 0.0\n",
            "usage.metrics.InputTokenCount.band",
            "band = 0.0",
        ),
        (
            "[usage.metrics.InputTokenCount]\nband = 2.0\nperiod_s = 45\n",
            "usage.metrics.InputTokenCount.period_s",
            "period_s = 45",
        ),
        (
            "[usage.metrics.Invocations]\nevaluation_periods = 2\ndatapoints_to_alarm = 3\n",
            "usage.metrics.Invocations.datapoints_to_alarm",
            "datapoints_to_alarm = 3",
        ),
        (
            "[usage]\nmetrics = { Invocations = { band = -1.0 } }\n",
            "usage.metrics.Invocations.band",
            "metrics = { Invocations = { band = -1.0 } }",
        ),
    ] {
        let err = error(text);
        assert_eq!(err.key.as_deref(), Some(key), "{err}");
        assert_eq!(pointed_line(text, &err), line, "{err}");
        let snippet = err.snippet.as_ref().expect("a snippet");
        let under: String = snippet
            .text
            .chars()
            .skip(snippet.column - 1)
            .take(snippet.width)
            .collect();
        assert!(
            !under.starts_with('[') && !under.starts_with('{'),
            "the caret is under {under:?}: {err}"
        );
    }
}

#[test]
fn errors_in_usage_prices_point_at_the_price_at_fault() {
    let text = "[[usage.prices]]\nmodel = \"a*\"\ninput_per_1k_tokens = 0.01\n\n[[usage.prices]]\nmodel = \"b*\"\ninput_per_1k_tokens = 0.01\noutput_per_1k_tokens = -0.05\n";
    let err = error(text);
    assert_eq!(
        err.key.as_deref(),
        Some("usage.prices[1].output_per_1k_tokens"),
        "{err}"
    );
    assert_eq!(
        pointed_line(text, &err),
        "output_per_1k_tokens = -0.05",
        "{err}"
    );
    let snippet = err.snippet.unwrap();
    assert_eq!(
        snippet
            .text
            .chars()
            .skip(snippet.column - 1)
            .take(snippet.width)
            .collect::<String>(),
        "-0.05"
    );
}

#[test]
fn unknown_usage_metrics_are_errors_with_did_you_mean() {
    // A typo made an alarm setting nobody reads: the metric kept its defaults, silently.
    let text = "[usage.metrics.OutputTokenCnt]\nband = 4.0\n";
    let err = error(text);
    assert_eq!(
        err.key.as_deref(),
        Some("usage.metrics.OutputTokenCnt"),
        "{err}"
    );
    assert_eq!(err.line, Some(1), "{err}");
    assert_eq!(
        err.hint.as_deref(),
        Some("did you mean `OutputTokenCount`?"),
        "{err}"
    );
    let snippet = err.snippet.unwrap();
    assert_eq!(
        snippet
            .text
            .chars()
            .skip(snippet.column - 1)
            .take(snippet.width)
            .collect::<String>(),
        "OutputTokenCnt"
    );
    // Every metric of every namespace the usage alarms watch is known.
    for metric in [
        "TotalOutputTokens",
        "Invocation4XXErrors",
        "InvocationThrottles",
    ] {
        Config::from_toml(&format!("[usage.metrics.{metric}]\nband = 4.0\n"), "w.toml")
            .unwrap_or_else(|err| panic!("{metric}: {err}"));
    }
}

#[test]
fn a_principal_pattern_with_a_leading_wildcard_is_warned_about() {
    let text = "[detections]\nallow_principals = [\"arn:aws:iam::111122223333:role/ops\", \"*ml-platform-admin*\"]\n";
    let config = Config::from_toml(text, "w.toml").unwrap();
    let warnings = config.warnings("w.toml", text);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let shown = warnings[0].to_string();
    assert!(shown.starts_with("warning: w.toml:2:"), "{shown}");
    assert!(
        shown.contains("`detections.allow_principals[1]`"),
        "{shown}"
    );
    assert!(shown.contains("never a session's name"), "{shown}");
    assert!(Config::default().warnings("w.toml", "").is_empty());
}

#[test]
fn security_hub_is_a_choice_and_the_old_switch_still_means_what_it_meant() {
    use super::SecurityHub;
    for (text, expected) in [
        ("true", SecurityHub::Cspm),
        ("false", SecurityHub::Off),
        ("\"off\"", SecurityHub::Off),
        ("\"cspm\"", SecurityHub::Cspm),
        ("\"v2\"", SecurityHub::V2),
        ("\"both\"", SecurityHub::Both),
    ] {
        let config = Config::from_toml(&format!("[watchpost]\nsecurity_hub = {text}\n"), "t.toml")
            .unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(config.watchpost.security_hub, expected, "{text}");
    }
    let err = error("[watchpost]\nsecurity_hub = \"bothh\"\n");
    assert_eq!(
        (err.line, err.key.as_deref()),
        (Some(2), Some("watchpost.security_hub")),
        "{err}"
    );
    assert_eq!(err.hint.as_deref(), Some("did you mean `both`?"), "{err}");
}

#[test]
fn incident_windows_and_digests_are_taken_at_their_bounds_and_refused_past_them() {
    // The line an error points at, or `None` when the config is taken.
    let window = |w: &str| {
        Config::from_toml(&format!("[incidents]\nwindow = \"{w}\"\n"), "w.toml")
            .err()
            .map(|err| err.line)
    };
    for ok in ["5m", "1h", "7d"] {
        assert_eq!(window(ok), None, "{ok}");
    }
    for bad in ["4m", "8d"] {
        assert_eq!(window(bad), Some(Some(2)), "{bad}");
    }
    let digest = |d: &str| {
        Config::from_toml(
            &format!("[[routes]]\nname = \"low\"\ndigest = \"{d}\"\n"),
            "d.toml",
        )
        .err()
        .map(|err| err.line)
    };
    for ok in ["15m", "24h", "7d"] {
        assert_eq!(digest(ok), None, "{ok}");
    }
    for bad in ["14m", "8d"] {
        assert_eq!(digest(bad), Some(Some(3)), "{bad}");
    }
}

#[test]
fn pagers_take_incidents_and_every_other_format_every_alert_unless_told() {
    let config = Config::from_toml(
        "[[routes]]\nname = \"pd\"\nformat = \"pagerduty\"\n\
         [[routes]]\nname = \"og\"\nformat = \"opsgenie\"\n\
         [[routes]]\nname = \"og-all\"\nformat = \"opsgenie\"\ntakes = \"alerts\"\n\
         [[routes]]\nname = \"chat\"\nformat = \"chat\"\n\
         [[routes]]\nname = \"chat-pages\"\nformat = \"chat\"\ntakes = \"incidents\"\n",
        "takes.toml",
    )
    .unwrap();
    let takes: Vec<Takes> = config.routes.iter().map(Route::takes).collect();
    assert_eq!(
        takes,
        [
            Takes::Incidents,
            Takes::Incidents,
            Takes::Alerts,
            Takes::Alerts,
            Takes::Incidents
        ]
    );
}
