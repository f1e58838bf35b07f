//! The local AWS comes up through this crate and answers.

use watchpost_localaws::{DetectiveEmulator, LocalAws, http};

#[tokio::test]
async fn moto_and_the_emulator_answer_and_stop_on_drop() {
    let aws = LocalAws::start().await;
    // STS GetCallerIdentity over the query protocol. moto does not check signatures but routes
    // by the credential scope, so the Authorization header only needs to name `sts`.
    let auth = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0";
    let headers = [
        ("Authorization", auth),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, body) = http(
        aws.moto.addr(),
        "POST",
        "/",
        &headers,
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await
    .expect("moto answers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Account>"), "{body}");

    let (status, body) = http(aws.detective.addr(), "GET", "/_emulator/health", &[], "")
        .await
        .unwrap();
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));

    let (moto_addr, detective_addr) = (aws.moto.addr(), aws.detective.addr());
    drop(aws);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(moto_addr).await.is_err(),
        "moto still listening"
    );
    assert!(
        tokio::net::TcpStream::connect(detective_addr)
            .await
            .is_err(),
        "emulator still listening"
    );
}

#[tokio::test]
async fn emulator_faults_can_be_changed_at_run_time() {
    let emulator = DetectiveEmulator::start().await;
    emulator
        .set_faults(r#"{"fail": {"CreateGraph": 403}}"#)
        .await;
    let (status, body) = http(emulator.addr(), "GET", "/_emulator/faults", &[], "")
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(body.contains(r#""CreateGraph":403"#), "{body}");
    emulator.reset().await;
    let (_, body) = http(emulator.addr(), "GET", "/_emulator/faults", &[], "")
        .await
        .unwrap();
    assert!(body.contains(r#""fail":{}"#), "{body}");
}
