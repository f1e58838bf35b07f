//! The rendered IAM policy stays in sync with the code that generates it.

use std::path::PathBuf;

use watchpost_contract::iam::placeholder_policy;

#[test]
fn rendered_enricher_policy_is_in_sync() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/iam/enricher-policy.json");
    let rendered = serde_json::to_string_pretty(&placeholder_policy()).unwrap() + "\n";
    if std::env::var_os("WATCHPOST_BLESS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == rendered,
        "{} is out of date with watchpost_contract::iam; rerun the tests with WATCHPOST_BLESS=1 to rewrite it",
        path.display()
    );
}
