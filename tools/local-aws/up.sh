#!/usr/bin/env bash
# Starts moto and the Detective emulator in the background on loopback, records their pids and
# logs under .local/run/, waits until both answer, and prints the environment to use.
# Ports: MOTO_PORT (default 5000) and DETECTIVE_PORT (default 5005).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="$root/.local/run"
moto_port="${MOTO_PORT:-5000}"
detective_port="${DETECTIVE_PORT:-5005}"
emulator="$root/target/debug/watchpost-detective-emulator"
wait_seconds="${LOCAL_AWS_WAIT_SECONDS:-60}"
mkdir -p "$run"

print_env() {
    cat <<ENV
# Local AWS is up. To use it from this shell:
export AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_DETECTIVE=http://127.0.0.1:$detective_port
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=123456789012
export AWS_SECRET_ACCESS_KEY=local-aws-test-secret
# (a 12-digit access key id is the calling account; stop with: just local-down)
ENV
}

alive() { [[ -f "$run/$1.pid" ]] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

if alive moto && alive detective; then
    echo "local-aws: already running (pids $(cat "$run/moto.pid"), $(cat "$run/detective.pid"))" >&2
    print_env
    exit 0
fi
# Half up (one died): start clean.
"$root/tools/local-aws/down.sh" >/dev/null

answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1$2"; }

for port in "$moto_port" "$detective_port"; do
    if answers "$port" /; then
        echo "local-aws: something already answers on 127.0.0.1:$port; pick other ports (MOTO_PORT, DETECTIVE_PORT)" >&2
        exit 1
    fi
done

(cd "$root" && cargo build --quiet -p watchpost-detective-emulator --bin watchpost-detective-emulator)

# setsid: the servers outlive this script and just's shell, in their own session.
setsid "$root/.local/venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" \
    >"$run/moto.log" 2>&1 </dev/null &
echo $! >"$run/moto.pid"
setsid "$emulator" --host 127.0.0.1 --port "$detective_port" \
    >"$run/detective.log" 2>&1 </dev/null &
echo $! >"$run/detective.pid"

wait_for() { # name port path
    local deadline=$((SECONDS + wait_seconds))
    until answers "$2" "$3"; do
        if ! alive "$1" || ((SECONDS > deadline)); then
            echo "local-aws: $1 did not come up on 127.0.0.1:$2; the end of $run/$1.log:" >&2
            tail -n 20 "$run/$1.log" >&2 || true
            "$root/tools/local-aws/down.sh" >&2
            exit 1
        fi
        sleep 0.2
    done
}
wait_for moto "$moto_port" /moto-api/
wait_for detective "$detective_port" /_emulator/health

print_env
