//! `watchpost-localaws up` / `down`, the binary people start the local AWS with: both servers
//! come up in the background on the ports asked for, outlive the command, a second `up` finds
//! them running, and `down` stops exactly them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BINARY: &str = env!("CARGO_BIN_EXE_watchpost-localaws");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// The emulator's binary beside ours; a narrow `cargo test -p watchpost-localaws` has not built
/// it, so it is built here, with the same cargo and target directory.
fn emulator() -> PathBuf {
    let path = Path::new(BINARY)
        .parent()
        .unwrap()
        .join("watchpost-detective-emulator");
    if !path.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--bin", "watchpost-detective-emulator"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "could not build the emulator");
    }
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(BINARY).args(args).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn answers(port: u16, path: &str) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    matches!(
        watchpost_localaws::http(addr, "GET", path, &[], "").await,
        Ok((200, _))
    )
}

#[tokio::test]
async fn up_starts_both_in_the_background_and_down_stops_them() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().to_str().unwrap();
    let (moto, detective) = (free_port(), free_port());
    let (moto_arg, detective_arg) = (moto.to_string(), detective.to_string());
    let emulator = emulator();
    let up = [
        "up",
        "--run-dir",
        run_dir,
        "--moto-port",
        &moto_arg,
        "--detective-port",
        &detective_arg,
        "--emulator",
        emulator.to_str().unwrap(),
    ];

    let first = run(&up);
    assert!(first.status.success(), "{}", text(&first));
    let env = text(&first);
    assert!(
        env.contains(&format!(
            "export AWS_ENDPOINT_URL=http://127.0.0.1:{moto}\n"
        )),
        "{env}"
    );
    // The command has exited; both servers still answer.
    assert!(answers(moto, "/moto-api/").await, "moto is not up");
    assert!(
        answers(detective, "/_emulator/health").await,
        "the emulator is not up"
    );

    let again = run(&up);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("already running"), "{}", text(&again));

    let down = run(&["down", "--run-dir", run_dir]);
    assert!(down.status.success(), "{}", text(&down));
    let said = text(&down);
    assert!(
        said.contains("stopped moto") && said.contains("stopped detective"),
        "{said}"
    );
    assert!(!answers(moto, "/moto-api/").await, "moto still answers");
    assert!(
        !answers(detective, "/_emulator/health").await,
        "the emulator still answers"
    );

    let nothing = run(&["down", "--run-dir", run_dir]);
    assert!(
        text(&nothing).contains("nothing running"),
        "{}",
        text(&nothing)
    );
}

#[test]
fn up_refuses_a_port_in_use_and_leaves_nothing_running() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().to_str().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let detective = free_port().to_string();
    let emulator = emulator();
    let out = run(&[
        "up",
        "--run-dir",
        run_dir,
        "--moto-port",
        &port,
        "--detective-port",
        &detective,
        "--emulator",
        emulator.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("something already uses 127.0.0.1:{port}")),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("moto.pid").exists());
}
