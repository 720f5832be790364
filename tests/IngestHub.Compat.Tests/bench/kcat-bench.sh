#!/usr/bin/env bash
# Whole-broker throughput with kcat: start the Release server on a temp dir, produce RECORDS records of SIZE bytes
# from a file (kcat -P -l), then consume them all (kcat -C -e -o beginning > /dev/null). Prints records/s and MB/s.
# Usage: bench/kcat-bench.sh            RECORDS=1000000 SIZE=100 by default
#        KCAT_PRODUCE_OPTS="-X linger.ms=20" KCAT_CONSUME_OPTS="..." bench/kcat-bench.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
records=${RECORDS:-1000000}
size=${SIZE:-100}
topic=${TOPIC:-bench}
dll=$root/src/IngestHub.Server/bin/Release/net10.0/IngestHub.Server.dll

if [ ! -f "$dll" ] || [ -n "${BUILD:-}" ]; then
  dotnet build "$root/src/IngestHub.Server" -c Release -v quiet -nologo >/dev/null
fi

work=$(mktemp -d /tmp/ingesthub-bench.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && exec dotnet "$dll" --data-dir "$work/data" --kafka-host 127.0.0.1 --advertised-host 127.0.0.1 \
  --kafka-port 0 --http-host 127.0.0.1 --http-port 0 >"$work/server.log" 2>&1) &
server_pid=$!

port=""
for _ in $(seq 300); do
  port=$(sed -n 's/.*Kafka listener ready on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "server did not become ready:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
broker=127.0.0.1:$port

# SIZE-byte values (a 10-digit counter, then letters), one per line.
awk -v n="$records" -v size="$size" 'BEGIN {
  srand(42); pad = "";
  for (i = 0; i < size - 10; i++) pad = pad sprintf("%c", 97 + int(rand() * 26));
  for (i = 0; i < n; i++) printf "%010d%s\n", i, pad
}' >"$work/records.txt"

now() { date +%s.%N; }
report() { # label seconds
  awk -v label="$1" -v s="$2" -v n="$records" -v size="$size" 'BEGIN {
    printf "%-8s %9d records in %7.3f s  %12.0f records/s  %8.1f MB/s\n", label, n, s, n / s, n * size / s / 1e6 }'
}

t0=$(now)
# shellcheck disable=SC2086
kcat -P -l -b "$broker" -t "$topic" -q ${KCAT_PRODUCE_OPTS:-} "$work/records.txt"
t1=$(now)
# shellcheck disable=SC2086
kcat -C -e -o beginning -b "$broker" -t "$topic" -q ${KCAT_CONSUME_OPTS:-} >/dev/null
t2=$(now)

# Every record must be in the log: sum the partitions' end offsets.
stored=0
partitions=$(kcat -L -b "$broker" -t "$topic" | sed -n 's/.*with \([0-9][0-9]*\) partitions.*/\1/p' | head -n 1)
for ((p = 0; p < partitions; p++)); do
  end=$(kcat -Q -b "$broker" -t "$topic:$p:-1" | sed -n 's/.*offset \(-\{0,1\}[0-9][0-9]*\).*/\1/p')
  stored=$((stored + end))
done

echo "kcat $(kcat -V 2>&1 | sed -n 's/.*\(librdkafka [0-9.]*\).*/\1/p'), $records records of $size bytes, $partitions partitions, $(nproc) cores"
report produce "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
report consume "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')"
if [ "$stored" -ne "$records" ]; then
  echo "MISMATCH: $stored records stored, $records produced" >&2
  exit 1
fi
