# Watchpost's tasks. `just --list` shows them all.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Where the local AWS keeps its virtualenv, pids and logs (git-ignored).
local_dir := justfile_directory() / ".local"

default:
    @just --list

# Run every test: formatting, lints, the Rust tests, the Python (boto3) tests.
test: lint
    cargo test --workspace --all-targets
    cargo test --workspace --doc

# Formatting and clippy, as CI enforces them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Benchmarks (criterion).
bench:
    cargo bench --workspace
