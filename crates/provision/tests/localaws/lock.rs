//! The stack's lock in Parameter Store, through the SDK.

use crate::common::*;

/// Against the local AWS, through the SDK: a second run is refused while the lock is held, with
/// who holds it and since when (PutParameter without overwrite is the conditional write); the
/// holder's release or `--force-unlock` with its id frees it.
#[tokio::test]
async fn a_second_run_is_refused_while_one_holds_the_lock() {
    use watchpost_provision::lock::{self, LockError, LockInfo};

    let local = LocalAws::start().await;
    let ports = counted_ports(&local);
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
    lock::acquire_all(&ports, "wp", &alice).await.unwrap();
    let refused = lock::acquire_all(&ports, "wp", &bob).await.unwrap_err();
    assert!(matches!(&refused, LockError::Held { held, .. } if **held == alice));
    let message = refused.to_string();
    assert!(
        message.contains("user/alice")
            && message.contains("2026-11-29T20:01:00Z")
            && message.contains("--force-unlock a1"),
        "{message}"
    );
    // A wrong id frees nothing; Alice's release does.
    assert!(
        lock::force_unlock(&ports[0].1, REGION, "wp", "b2")
            .await
            .is_err()
    );
    assert!(lock::release_all(&ports, "wp", "a1").await.is_empty());
    lock::acquire_all(&ports, "wp", &bob).await.unwrap();
    // Bob's run died: his lock stays until forced out with its id.
    assert!(lock::acquire_all(&ports, "wp", &alice).await.is_err());
    let forced = lock::force_unlock(&ports[0].1, REGION, "wp", "b2")
        .await
        .unwrap();
    assert_eq!(forced, Some(bob));
    lock::acquire_all(&ports, "wp", &alice).await.unwrap();
}
