#!/usr/bin/env bash
# Runs IngestHub's whole test suite on a fresh Debian 12 machine: installs the programs the tests drive (once),
# starts a Docker engine for the Testcontainers fixtures when one is installed but not running, builds with
# warnings as errors and runs every test project. Prints "N passed, N failed, N skipped" as its last line and
# exits non-zero when anything failed. Safe to run again: what is already there is left alone.
#
#   tests/run.sh                       # everything
#   tests/run.sh --filter 'FullyQualifiedName~Kcat'   # extra arguments go to `dotnet test`
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export TESTCONTAINERS_RYUK_DISABLED=true # no registry to pull the reaper from; fixtures remove their containers

summary() { echo "$1 passed, $2 failed, $3 skipped"; }
fail() { echo "tests/run.sh: $*" >&2; summary 0 1 0; exit 1; }

# --- system packages the tests drive -------------------------------------------------------------------------
# redis-server (Redis sink, dashboard), kcat (compatibility), chromium (dashboard, headless through Playwright),
# nodejs + npm (kafkajs), docker.io (Testcontainers), strace (syscall order of metadata writes), procps (kill -9 in
# crash tests), hyperfine + fio (the benchmark peers in tests/IngestHub.Benchmarks), python3-confluent-kafka (SASL
# tests with Debian's /usr/bin/python3). rsyslog + bsdutils (`logger`) and
# curl (the syslog, HTTP ingest and OTLP inputs), burrow + zookeeper (Burrow against the appliance), etcd-server
# (the cluster tests).
packages=(redis-server kcat chromium nodejs npm docker.io strace procps hyperfine fio rsyslog bsdutils curl python3-confluent-kafka burrow zookeeper etcd-server)
missing=()
for p in "${packages[@]}"; do
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    docker.io) command -v dockerd >/dev/null 2>&1 && continue ;;
  esac
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n)
  else
    fail "the tests need these Debian packages: ${missing[*]}
  install them as root:  apt-get update && apt-get install -y ${missing[*]}
  (or run tests/run.sh as root, or with password-less sudo, and it installs them itself)"
  fi
  echo "installing: ${missing[*]}"
  apt_log=$(mktemp)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq >"$apt_log" 2>&1 || echo "apt-get update failed; trying the install anyway"
  if ! "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    fail "apt-get install ${missing[*]} failed (log above)"
  fi
  rm -f "$apt_log"
fi
command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK is not installed (global.json names the version; see https://dot.net)"

# --- node packages (kafkajs) ----------------------------------------------------------------------------------
node_dir=tests/IngestHub.Compat.Tests/node
if [ ! -f "$node_dir/node_modules/.package-lock.json" ] || [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
  echo "installing node packages in $node_dir"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm ci in $node_dir failed"
fi

# --- Docker engine for Testcontainers -------------------------------------------------------------------------
# Fixtures use containers when an engine answers and fall back to child processes otherwise, so a missing engine
# is reported, not fatal — unless INGESTHUB_TEST_REDIS=container asks for containers (CI does).
if command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "starting dockerd (log: /tmp/ingesthub-dockerd.log)"
    setsid nohup dockerd >/tmp/ingesthub-dockerd.log 2>&1 </dev/null &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || echo "warning: dockerd did not answer within 60 s (see /tmp/ingesthub-dockerd.log); container fixtures fall back to child processes"
  else
    echo "warning: the Docker engine is not running and starting it needs root (sudo dockerd &); container fixtures fall back to child processes"
  fi
fi
if [ "${INGESTHUB_TEST_REDIS:-}" = container ] && ! docker info >/dev/null 2>&1; then
  fail "INGESTHUB_TEST_REDIS=container but no Docker engine answers (docker info failed; see /tmp/ingesthub-dockerd.log)"
fi

# --- build and test -------------------------------------------------------------------------------------------
echo "building IngestHub.sln (Release, warnings as errors)"
dotnet build IngestHub.sln --configuration Release -warnaserror -nologo -verbosity:quiet || fail "build failed"

log=$(mktemp)
slnf=$(mktemp --suffix=.slnf)
trap 'rm -f "$log" "$slnf"' EXIT
# A test host that hangs for 15 minutes is killed (with a dump) and fails the run instead of eating the CI budget.
# The compatibility tests drive real clients, kill -9 servers and time group sessions; on two cores they run after the
# other assemblies (which run side by side) rather than competing with them for the cores.
others=$(find tests -mindepth 2 -maxdepth 2 -name '*.Tests.csproj' ! -name 'IngestHub.Compat.Tests.csproj' | sort \
  | sed 's/.*/"&"/' | paste -sd, -)
printf '{ "solution": { "path": "%s", "projects": [%s] } }\n' "$PWD/IngestHub.sln" "$others" >"$slnf"
dotnet test "$slnf" --configuration Release --no-build --blame-hang-timeout 15m "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
dotnet test tests/IngestHub.Compat.Tests --configuration Release --no-build --blame-hang-timeout 15m "$@" 2>&1 | tee -a "$log"
rc2=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && rc=$rc2

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12 ...").
read -r passed failed skipped < <(grep -E '(Passed|Failed)! +- +Failed: ' "$log" \
  | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
assemblies=$(grep -cE '(Passed|Failed)! +- +Failed: ' "$log")
expected=$(find tests -mindepth 1 -maxdepth 1 -type d -name '*.Tests' | wc -l)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$#" -eq 0 ] && [ "$assemblies" -lt "$expected" ]; then
  echo "only $assemblies of $expected test assemblies reported a summary"
  [ "$failed" -eq 0 ] && failed=1
  rc=1
fi
# Name the failed tests once more right above the summary, so a log that keeps only its tail still says what failed.
if grep -qE '^ +Failed [A-Za-z_]' "$log"; then
  echo "failed tests:"
  grep -E '^ +Failed [A-Za-z_]' "$log" | sed -E 's/^ +Failed +/  /' | sort -u
fi
summary "$passed" "$failed" "$skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
