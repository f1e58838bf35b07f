//! Amazon GuardDuty: the detector.

use crate::common::*;

#[tokio::test]
async fn a_detector_that_was_there_is_managed_but_never_deleted() {
    let account = FakeAccount::new(ACCOUNT, REGION);
    let mut config = config("");
    config.guardduty.manage_detector = true;
    config.guardduty.features = vec!["RUNTIME_MONITORING".into()];
    let id = account
        .create_detector(
            &DetectorSpec {
                finding_publishing_frequency: "SIX_HOURS".into(),
                features: Vec::new(),
            },
            &Tags::new(),
        )
        .await
        .unwrap();
    let first = plan(&account, &config, Mode::Apply).await;
    let detector = first
        .changes
        .iter()
        .find(|c| c.id.kind == Kind::GuarddutyDetector)
        .unwrap();
    assert_eq!(detector.action(), Action::Update);
    assert_eq!(detector.physical_id(), Some(id.as_str()));
    apply(&account, &config, &first).await;
    assert_eq!(
        account.state().detector.as_ref().unwrap().spec,
        DetectorSpec {
            finding_publishing_frequency: "FIFTEEN_MINUTES".into(),
            features: vec!["RUNTIME_MONITORING".into()],
        }
    );
    let destroy = plan(&account, &config, Mode::Destroy).await;
    assert!(
        !destroy
            .changes
            .iter()
            .any(|c| c.id.kind == Kind::GuarddutyDetector)
    );

    // One Watchpost created is its own, and goes with the stack.
    let account = FakeAccount::new(ACCOUNT, REGION);
    converge(&account, &config).await;
    assert_eq!(account.count("CreateDetector"), 1);
    let destroy = plan(&account, &config, Mode::Destroy).await;
    apply(&account, &config, &destroy).await;
    assert!(account.state().detector.is_none());
}
