//! AWS KMS: the topics' key.

use crate::common::*;

/// Regression: CreateKey failed outright when the key policy named the enricher's role IAM had
/// not propagated yet; it is retried like CreateFunction.
#[tokio::test(start_paused = true)]
async fn create_key_waits_for_iam_to_propagate_the_new_role() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    account.state().key_policy_propagation_failures = 2;
    let config = config("");
    converge(&account, &config).await;
    assert_eq!(account.count("CreateKey"), 3);
    assert_eq!(account.state().keys.len(), 1);
}

/// Regression: an apply that stopped between CreateKey and CreateAlias left a tagged key that
/// no later apply saw (they looked by alias only), so each created another key and the first
/// was never removed. The key is found by the stack's tag and given its alias.
#[tokio::test]
async fn a_key_left_without_its_alias_is_found_by_its_tag_and_not_created_again() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    let key_id = account.state().aliases.remove("alias/wp-sns").unwrap();
    let repair = plan(&account, &config, Mode::Apply).await;
    let summary: Vec<(Action, Kind)> = repair
        .changes
        .iter()
        .map(|c| (c.action(), c.id.kind))
        .collect();
    assert_eq!(
        summary,
        vec![(Action::Update, Kind::KmsKey)],
        "{}",
        render::text(&repair)
    );
    assert_eq!(repair.changes[0].physical_id(), Some(key_id.as_str()));
    assert_eq!(repair.changes[0].reason.to_string(), "aliased changed");
    apply(&account, &config, &repair).await;
    assert_eq!(account.count("CreateKey"), 1);
    assert_eq!(account.state().aliases["alias/wp-sns"], key_id);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
    // Destroy finds it the same way.
    account.state().aliases.clear();
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(
        destroy
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::KmsKey && c.physical_id() == Some(key_id.as_str())),
        "{}",
        render::text(&destroy)
    );
}

/// Regression: a disabled key (every encrypted publish then fails) was not seen as drift.
#[tokio::test]
async fn a_disabled_key_is_enabled_again() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    converge(&account, &config).await;
    for (_, spec, _) in account.state().keys.values_mut() {
        spec.enabled = false;
    }
    let repair = plan(&account, &config, Mode::Apply).await;
    assert_eq!(repair.changes.len(), 1, "{}", render::text(&repair));
    assert_eq!(repair.changes[0].reason.to_string(), "enabled changed");
    apply(&account, &config, &repair).await;
    assert_eq!(account.count("EnableKey"), 1);
    assert!(plan(&account, &config, Mode::Apply).await.is_empty());
}

/// A cause that explains a call's error (KMS not seeing the new role yet) keeps the call's
/// error as its own source: the chain reads hint, then AWS's message, each once.
#[tokio::test(start_paused = true)]
async fn an_explained_call_error_keeps_the_call_error_as_its_source() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    account.state().key_policy_propagation_failures = u32::MAX;
    let config = config("");
    let first = plan(&account, &config, Mode::Apply).await;
    let report = apply_region(&account, &config, &package("1"), &first, REGION, &|_| {}).await;
    let error = report
        .errors
        .iter()
        .find(|e| e.id.kind == Kind::KmsKey)
        .expect("the key failed");
    let hint = std::error::Error::source(error).expect("a cause");
    assert!(hint.to_string().contains("not visible to KMS"), "{hint}");
    let call = hint
        .source()
        .and_then(|s| s.downcast_ref::<PortError>())
        .expect("the call's error under the hint");
    assert_eq!(call.code(), "MalformedPolicyDocumentException");
    let rendered = chain(error);
    assert_eq!(rendered.matches(call.message()).count(), 1, "{rendered}");
    assert_eq!(
        rendered.matches("not visible to KMS").count(),
        1,
        "{rendered}"
    );
}
