#!/usr/bin/env bash
# Starts the demo function backends (modern on :9001, classic on :9002) and the gateway on
# ./gateway.json (:8080) in the foreground. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release

"$bin/demo-functions" --modern-port 9001 --classic-port 9002 &
demo=$!
trap 'kill "$demo" 2>/dev/null; wait "$demo" 2>/dev/null || true' EXIT

"$bin/cors-gateway" serve --config gateway.json
