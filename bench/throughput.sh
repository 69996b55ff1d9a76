#!/usr/bin/env bash
# Measures the throughput of `local-api` (embedded store, in memory) serving
# GET /customers/{id}, beside a minimal hyper server that returns a fixed JSON body. Both are
# loaded with wrk on loopback with the same connection count in one run. Needs wrk and release builds:
#   cargo build --release -p local-api -p bench --bins
# Usage: bench/throughput.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
key=throughput-benchmark-key-0001
bin=${BIN_DIR:-target/release}
api_port=3201
baseline_port=3202

RUST_LOG=warn "$bin/local-api" --in-memory --addr "127.0.0.1:$api_port" --api-key "$key" > /dev/null 2>&1 &
api_pid=$!
"$bin/fixed-json" "127.0.0.1:$baseline_port" &
baseline_pid=$!
trap 'kill "$api_pid" "$baseline_pid" 2>/dev/null || true' EXIT
sleep 1

id=$(curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"email": "jdoe@example.com", "first": "John", "middle": "Stephen", "last": "Doe", "assignedUser": 562}' \
    "http://127.0.0.1:$api_port/customers" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')

rps() {
    wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" | tee /dev/stderr | awk '/^Requests\/sec/ {print $2}'
}
echo "--- fixed-json baseline" >&2
baseline=$(rps "http://127.0.0.1:$baseline_port/")
echo "--- local-api GET /customers/{id}" >&2
api=$(rps -H "Authorization: Bearer $key" "http://127.0.0.1:$api_port/customers/$id")
python3 -c "print(f'baseline_rps={float($baseline):.0f} local_api_rps={float($api):.0f} ratio={float($api) / float($baseline):.2f}')"
