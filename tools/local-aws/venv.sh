#!/usr/bin/env bash
# Creates .local/venv (moto server, boto3, pytest) from requirements.txt. Runs pip only on the
# first run, or when requirements.txt changed since the last install (a copy is kept as a stamp).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.local/venv"
requirements="$root/tools/local-aws/requirements.txt"
stamp="$venv/.watchpost-requirements.txt"

if [[ -x "$venv/bin/moto_server" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
    exit 0
fi

echo "local-aws: creating $venv from tools/local-aws/requirements.txt" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
