# Watchpost's tasks. `just --list` shows them all.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Where the local AWS keeps its virtualenv, pids and logs (git-ignored).
local_dir := justfile_directory() / ".local"

# Builds binaries with the features `cargo test --workspace` resolves: `--examples` (there are
# none) makes cargo count every member's dev-dependencies (the SDK crates' `test-util`, tokio's
# `test-util`) as `cargo test` does, so the AWS SDK, tokio and hyper are compiled once and shared
# by the tests, the demo and the CLI recipes, whichever runs first. Add `--bin NAME`.
build := "cargo build --quiet --workspace --examples"
bin_dir := '"${CARGO_TARGET_DIR:-' + justfile_directory() + '/target}/debug"'

default:
    @just --list

# The whole pipeline against a local AWS, end to end: provision infra/watchpost.demo.toml, send
# infra/demo/findings.jsonl through EventBridge, run the real enricher binary, show what each
# subscriber received, sweep the investigations, sum the metrics (`--help` for options).
demo *args: local-venv
    {{build}} --bin watchpost-enricher --bin watchpost-demo
    {{bin_dir}}/watchpost-demo {{args}}

# Run every test: formatting, lints, the Rust tests, the Python (boto3) tests.
test: lint check-wire local-venv test-python
    cargo test --workspace --all-targets
    cargo test --workspace --doc

# The delivery simulation of the enricher and its sweep (crates/enricher/tests/sim): new seeds
# for SECONDS, each failing seed printed; with WATCHPOST_SIM_SEED set, that one seed replayed and
# its schedule printed. `./dev test` runs its fixed seed set.
sim seconds="60":
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ -n "${WATCHPOST_SIM_SEED:-}" ]]; then
        cargo test --quiet --workspace --test sim -- --ignored --exact replay --nocapture
    else
        WATCHPOST_SIM_SECONDS={{seconds}} cargo test --quiet --workspace --test sim -- --ignored --exact explore --nocapture
    fi

# Formatting and clippy, as CI enforces them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Benchmarks, as one table: each figure beside its floor, the ratio and the goal (everything they
# print, criterion's detail included, goes to target/bench.log). The Lambda's init and zip
# figures are taken on binaries built as the deployment zip's are (the `deploy` profile, `-p`
# only: without the tests' dev-dependency features), the bare function's the same way.
bench:
    #!/usr/bin/env bash
    set -euo pipefail
    target="${CARGO_TARGET_DIR:-{{justfile_directory()}}/target}"
    cargo build --profile deploy -p watchpost-enricher -p watchpost-lambda-floor
    mkdir -p "$target/bench-lambda"
    cp "$target/deploy/watchpost-enricher" "$target/deploy/lambda-floor" "$target/bench-lambda/"
    echo "bench: running the benchmarks (detail in $target/bench.log)" >&2
    WATCHPOST_BENCH_LAMBDA_DIR="$target/bench-lambda" cargo bench --workspace --bench '*' \
        >"$target/bench.log" 2>&1 || { tail -n 30 "$target/bench.log"; exit 1; }
    {
        printf 'figure\tmeasured\tfloor\tratio\tgoal\tverdict\n'
        grep '^table' "$target/bench.log" | cut -f2-
    } | awk -F'\t' '{ printf "%-44s %-14s %-40s %-7s %-20s %s\n", $1, $2, $3, $4, $5, $6 }'

# --- Local AWS: moto and the Detective emulator on loopback ---

moto_port := env_var_or_default("MOTO_PORT", "5000")
detective_port := env_var_or_default("DETECTIVE_PORT", "5005")

# Create .local/venv (moto[server], boto3, pytest) from tools/local-aws/requirements.txt, once.
local-venv:
    tools/local-aws/venv.sh

# Start moto and the Detective emulator in the background (pids and logs in .local/run);
# prints the environment to export.
local-up: local-venv
    {{build}} --bin watchpost-localaws --bin watchpost-detective-emulator
    {{bin_dir}}/watchpost-localaws up --moto-port {{moto_port}} --detective-port {{detective_port}}

# Stop what local-up started (by recorded pid); a no-op when nothing runs.
local-down:
    {{build}} --bin watchpost-localaws
    {{bin_dir}}/watchpost-localaws down

# The Detective emulator through boto3 (pytest, from the venv).
test-python: local-venv
    {{build}} --bin watchpost-detective-emulator
    WATCHPOST_DETECTIVE_EMULATOR_BIN={{bin_dir}}/watchpost-detective-emulator \
        {{local_dir}}/venv/bin/pytest -q tools/local-aws

# The ownership property (crates/provision/tests/ownership) with new seeds for a while
# (seconds): generated accounts, configs and apply/destroy runs with faults; a failing case is
# shrunk and printed. `./dev test` runs 2,000 cases from a fixed seed.
prop-provision seconds="600":
    WATCHPOST_PROP_SECONDS={{seconds}} cargo test --workspace --test ownership \
        what_is_not_the_stacks_is_never_touched -- --nocapture

# --- Core ---

# Regenerate the GuardDuty finding model from crates/core/codegen/guardduty-service-2.json.
gen-wire:
    python3 crates/core/codegen/gen_wire.py

# Fail when the generated finding model is not what the generator makes.
check-wire:
    python3 crates/core/codegen/gen_wire.py --check

# Fuzz the event parser and the whole pipeline for a bounded time (seconds; nightly + cargo-fuzz).
fuzz seconds="60":
    command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
    mkdir -p fuzz/corpus/parse_event
    cd fuzz && cargo +nightly fuzz run parse_event corpus/parse_event ../crates/core/testdata/events \
        -- -max_total_time={{seconds}} -max_len=65536

# Run the pipeline over saved events offline: `just replay crates/core/testdata/samples`.
replay *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost replay {{args}}

# The main job on a local default: the bundled findings through the pipeline with the example
# config, showing what each would become (add `--alerts` to see the messages themselves).
try *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost replay --config infra/watchpost.example.toml {{args}} \
        crates/core/testdata/samples/*.json crates/core/testdata/events/*.json

# --- Provisioning (watchpost plan | apply | destroy | outputs) ---

# The config `plan`, `apply`, `destroy`, `outputs`, `provision`, `redrive` and `resolve` read:
# `WATCHPOST_CONFIG`, the name the enricher reads its config by too. The variable's former name
# is refused rather than ignored, so that a stale setting never deploys another config.
config := if env_var_or_default("WATCHPOST_CONFIG_FILE", "") != "" { error("WATCHPOST_CONFIG_FILE is now WATCHPOST_CONFIG: set that instead") } else { env_var_or_default("WATCHPOST_CONFIG", "watchpost.toml") }

# Build the enricher's deployment zip (target/lambda/watchpost-enricher/bootstrap.zip; cargo-lambda
# comes with ./dev) with the size-oriented `deploy` profile (Cargo.toml says why each setting).
lambda:
    cargo lambda build --profile deploy --arm64 --output-format zip -p watchpost-enricher

# Build the deployment zip and fail when it is over 5 MiB, the size the benchmarks hold it to
# (CI runs this after the tests).
lambda-size: lambda
    #!/usr/bin/env bash
    set -euo pipefail
    zip="${CARGO_TARGET_DIR:-{{justfile_directory()}}/target}/lambda/watchpost-enricher/bootstrap.zip"
    bytes=$(stat -c %s "$zip")
    limit=$((5 * 1024 * 1024))
    awk -v z="$zip" -v b="$bytes" -v l="$limit" \
        'BEGIN { printf "lambda-size: %s is %d bytes (%.2f MiB), limit %d bytes (5 MiB)\n", z, b, b / 1048576, l }'
    if ((bytes > limit)); then
        echo "lambda-size: the zip is over 5 MiB" >&2
        exit 1
    fi

# Show what apply would change, and why (extra args, e.g. `--output json --detailed-exitcode`).
plan *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost plan --config {{config}} {{args}}

# Plan, confirm, apply.
apply *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost apply --config {{config}} {{args}}

# Plan, confirm, remove everything the stack owns.
destroy *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost destroy --config {{config}} {{args}}

# What is provisioned: graph, topics, function, pending subscriptions, dashboard.
outputs *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost outputs --config {{config}} {{args}}

# Once per account and after every config change: build the zip, show the plan, ask, apply
# (extra args go to apply, e.g. `--yes` in automation).
provision *args: lambda
    {{build}} --bin watchpost && {{bin_dir}}/watchpost apply --config {{config}} {{args}}

# Send the events in the enricher's dead-letter queue back to it (`--dry-run` only lists them).
redrive *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost redrive --config {{config}} {{args}}

# Resolve an incident by hand (its key, e.g. WP-0123456789): every route that heard it is told.
resolve key *args:
    {{build}} --bin watchpost && {{bin_dir}}/watchpost resolve --config {{config}} {{args}} {{key}}
