#!/usr/bin/env bash
# Pipeline throughput: topic → plain codec → json filter → Redis list, with 1, 2 and 4 workers.
# Starts a Release appliance and a redis-server on free loopback ports, produces RECORDS JSON events to a
# 4-partition topic with kcat, then for each worker count creates a connector (its own group and list) and
# times it from creation until the list holds every event. Prints events/s per worker count, and the CPU time the
# appliance and redis-server used meanwhile (per event: a figure that holds up on a machine busy with other work).
# Usage: tests/IngestHub.Benchmarks/scripts/pipeline-redis-bench.sh   (RECORDS=500000 WORKERS="1 2 4")
# ROOT=/path/to/another/checkout runs that checkout's Release build instead (to compare two versions in one run).
set -euo pipefail
root=${ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
records=${RECORDS:-500000}
workers_list=${WORKERS:-"1 2 4"}
dll=$root/src/IngestHub.Server/bin/Release/net10.0/IngestHub.Server.dll
[ -f "$dll" ] && [ -z "${BUILD:-}" ] || dotnet build "$root/src/IngestHub.Server" -c Release -v quiet -nologo >/dev/null

work=$(mktemp -d /tmp/ingesthub-pipeline-bench.XXXXXX)
server_pid=""; redis_port=""
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$redis_port" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize yes --pidfile "$work/redis.pid" >/dev/null
http_port=$(free_port)
(cd "$work" && exec dotnet "$dll" --data-dir "$work/data" --kafka-port 0 --http-port "$http_port" --num-partitions 4 \
  --broker:GroupInitialRebalanceDelayMs=0 >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 300); do
  port=$(sed -n 's/.*Kafka listener ready on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
  [ -n "$port" ] && break; sleep 0.1
done
[ -n "${port:-}" ] || { cat "$work/server.log" >&2; exit 1; }
broker=127.0.0.1:$port

awk -v n="$records" 'BEGIN { for (i = 0; i < n; i++) printf "{\"n\":%d,\"service\":\"web\",\"level\":\"INFO\",\"message\":\"GET /items/%d 200 in %d ms\"}\n", i, i, i % 97 }' >"$work/events.ndjson"
kcat -b "$broker" -t events -P -l "$work/events.ndjson"
echo "produced $records events ($(du -h "$work/events.ndjson" | cut -f1)) to 4 partitions"

ticks=$(getconf CLK_TCK)
cpu_seconds() { awk -v t="$ticks" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
for _ in $(seq 50); do [ -s "$work/redis.pid" ] && break; sleep 0.1; done
redis_pid=$(cat "$work/redis.pid")

for w in $workers_list; do
  name="bench-w$w"
  body=$(printf '{"name":"%s","config":{"input":{"topics":["events"],"workers":%d,"start":"earliest"},"codec":"plain","filters":[{"json":{"source":"message"}}],"output":{"type":"redis","port":%d,"mode":"list","key":"%s","batch.size":1000,"linger.ms":20}}}' "$name" "$w" "$redis_port" "$name")
  app_cpu=$(cpu_seconds "$server_pid"); redis_cpu=$(cpu_seconds "$redis_pid")
  start=$(date +%s.%N)
  curl -sf -XPOST "http://127.0.0.1:$http_port/connectors" -H 'content-type: application/json' -d "$body" >/dev/null
  while [ "$(redis-cli -p "$redis_port" llen "$name")" -lt "$records" ]; do sleep 0.05; done
  end=$(date +%s.%N)
  app_used=$(awk -v a="$app_cpu" -v b="$(cpu_seconds "$server_pid")" 'BEGIN { print b - a }')
  redis_used=$(awk -v a="$redis_cpu" -v b="$(cpu_seconds "$redis_pid")" 'BEGIN { print b - a }')
  awk -v w="$w" -v n="$records" -v s="$start" -v e="$end" -v a="$app_used" -v r="$redis_used" \
    'BEGIN { printf "workers=%d  %d events in %.2f s  %.0f events/s  appliance CPU %.2f s (%.2f us/event)  redis CPU %.2f s\n", w, n, e - s, n / (e - s), a, a * 1e6 / n, r }'
  curl -sf -XDELETE "http://127.0.0.1:$http_port/connectors/$name" >/dev/null
  redis-cli -p "$redis_port" del "$name" >/dev/null
done
