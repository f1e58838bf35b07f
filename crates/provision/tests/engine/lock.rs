//! The stack's lock in Parameter Store.

use crate::common::*;

/// The stack's lock: a second run is refused with who holds it and since when; only the
/// holder's id releases it, by the run or by `--force-unlock`.
#[tokio::test]
async fn a_second_run_is_refused_while_the_lock_is_held() {
    use watchpost_provision::lock::{self, LockError, LockInfo};
    let account = FakeAccount::new(ACCOUNT, REGION);
    let alice = LockInfo {
        id: "a1".into(),
        holder: "arn:aws:iam::123456789012:user/alice (alice@laptop, pid 7)".into(),
        operation: "apply".into(),
        since: "2026-11-29T20:01:00Z".into(),
    };
    let bob = LockInfo {
        id: "b2".into(),
        holder: "arn:aws:iam::123456789012:user/bob (bob@ci, pid 9)".into(),
        ..alice.clone()
    };
    lock::acquire(&account, REGION, "wp", &alice).await.unwrap();
    let refused = lock::acquire(&account, REGION, "wp", &bob)
        .await
        .unwrap_err();
    assert!(matches!(&refused, LockError::Held { held, .. } if **held == alice));
    let message = refused.to_string();
    assert!(
        message.contains("user/alice") && message.contains("2026-11-29T20:01:00Z"),
        "{message}"
    );
    assert!(message.contains("--force-unlock a1"), "{message}");
    // Bob's release does not free Alice's lock; a wrong id does not force it.
    lock::release(&account, REGION, "wp", "b2").await.unwrap();
    assert!(lock::acquire(&account, REGION, "wp", &bob).await.is_err());
    assert!(matches!(
        lock::force_unlock(&account, REGION, "wp", "zz").await,
        Err(LockError::OtherHolder { .. })
    ));
    // Alice's run ends (or is forced out): Bob gets it; other stacks were never locked.
    let forced = lock::force_unlock(&account, REGION, "wp", "a1")
        .await
        .unwrap();
    assert_eq!(forced, Some(alice.clone()));
    lock::acquire(&account, REGION, "wp", &bob).await.unwrap();
    lock::acquire(&account, REGION, "other", &alice)
        .await
        .unwrap();
    lock::release(&account, REGION, "wp", "b2").await.unwrap();
    assert!(
        lock::force_unlock(&account, REGION, "wp", "b2")
            .await
            .unwrap()
            .is_none()
    );
}

/// Regression: when the SDK sent PutParameter again after the first one took effect (its
/// answer lost to a timeout), the second found the parameter and the run read its own lock
/// back as someone else's: it stopped, and left the lock behind.
#[tokio::test]
async fn a_lock_written_by_a_retried_put_parameter_is_the_runs_own() {
    use watchpost_provision::lock::{self, LockInfo};
    let account = FakeAccount::new(ACCOUNT, REGION);
    let ours = LockInfo {
        id: "a1".into(),
        holder: "alice".into(),
        operation: "apply".into(),
        since: "2026-11-29T20:01:00Z".into(),
    };
    // What the first PutParameter left before the SDK sent it again.
    account.state().parameters.insert(
        lock::lock_parameter("wp"),
        serde_json::to_string(&ours).unwrap(),
    );
    lock::acquire(&account, REGION, "wp", &ours).await.unwrap();
    lock::release(&account, REGION, "wp", "a1").await.unwrap();
    assert!(account.state().parameters.is_empty());
}

/// A confirmation that declines (an answer other than `yes`, or Ctrl-C at the prompt) ends the
/// session with the lock released in every region.
#[tokio::test]
async fn a_declined_confirmation_releases_the_lock() {
    use watchpost_provision::lock::LockInfo;
    use watchpost_provision::session::{Session, Stop};
    let account = FakeAccount::new(ACCOUNT, REGION);
    let config = config("");
    let regions = [(REGION.to_owned(), &account)];
    let package = package("1");
    let session = Session {
        regions: &regions,
        config: &config,
        package: &package,
        mode: Mode::Apply,
    };
    let lock = LockInfo {
        id: "a1".into(),
        holder: "alice".into(),
        operation: "apply".into(),
        since: "now".into(),
    };
    let run = session
        .run(&lock, |_| {}, async |_| Err("interrupted"), &|_| {})
        .await;
    assert!(matches!(run.outcome, Err(Stop::Declined("interrupted"))));
    assert!(run.unreleased.is_empty());
    assert!(account.state().parameters.is_empty());
    assert_eq!(account.count("CreateTopic"), 0);
}
