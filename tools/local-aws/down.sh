#!/usr/bin/env bash
# Stops the processes local-up started, by their recorded pids, after checking that each pid is
# still the program we started (a recycled pid is left alone). A no-op when nothing runs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="$root/.local/run"
stopped=0

stop() { # name, what its command line must contain
    local pidfile="$run/$1.pid" pid
    [[ -f "$pidfile" ]] || return 0
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"; then
        kill -TERM "$pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "local-aws: stopped $1 (pid $pid)"
        stopped=1
    fi
    rm -f "$pidfile"
}

stop moto moto_server
stop detective watchpost-detective-emulator
((stopped)) || echo "local-aws: nothing running"
