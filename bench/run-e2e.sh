#!/usr/bin/env bash
# End-to-end load generator (issue 6): global-sessions against Redis (plaintext and mutual
# TLS), Chronicle Map and Caffeine, on this machine, in one run. See bench/README.md,
# "End-to-end load generator".
#
#   bench/run-e2e.sh            full matrix (about 30-40 minutes on 2 quiet cores)
#   bench/run-e2e.sh --quick    a few tiny cells (smoke test, a few minutes)
#   bench/run-e2e.sh [--quick] [E2eBench options...]   e.g. --paths l2,redis-tls --jfr bench/results/jfr
#
# Needs Java 17 and Maven; installs Debian's redis-server with apt-get if it is missing.
# Everything it starts binds 127.0.0.1 and is stopped on exit (also on Ctrl-C): the Redis
# servers, the load generator and the cluster nodes and table owner it started. Its files live
# in a private directory under /dev/shm, removed on exit. Results: bench/results/e2e-*.md|png,
# <timestamp>.json and latest.json; at the end bench/README.md's table of targets is rewritten
# from latest.json (ResultsTable).
# Environment: MVN_ARGS (extra Maven arguments for the build, e.g. -Dmaven.repo.local=...),
# BENCH_HEAP (heap of the load generator, default 3g; 1g with --quick), E2E_JAVA_OPTS (more
# options for the load generator's JVM, e.g. -XX:StartFlightRecording=filename=client.jfr),
# E2E_NODE_JAVA_OPTS (more options for every cluster node's JVM, e.g. -Dpekko.…=… to try a setting).
# --cpu-budget (capacity per node) needs root and cgroup v1; the cgroups it makes are removed on exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
launcher="$root/launcher/target/global-sessions.jar"
flags_file="$root/launcher/target/jvm.flags"
bench_jar="$here/target/benchmarks.jar"

quick=false
if [ "${1:-}" = "--quick" ]; then
  quick=true
  shift
fi

log() { echo "run-e2e: $*" >&2; }

# ---- build --------------------------------------------------------------------------------
if [ ! -f "$launcher" ] || [ ! -f "$bench_jar" ] || [ ! -f "$flags_file" ] \
   || [ -n "$(find "$root"/*/src/main "$root"/pom.xml "$root"/*/pom.xml -newer "$bench_jar" -print -quit 2>/dev/null)" ]; then
  log "building the launcher and benchmarks.jar (mvn package -DskipTests)..."
  # shellcheck disable=SC2086
  (cd "$root" && mvn -B -q ${MVN_ARGS:-} -DskipTests package) \
    || { log "the build failed; run 'mvn -B -DskipTests package' to see why"; exit 1; }
fi
flags="$(cat "$flags_file")"

# ---- redis-server -------------------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server (apt-get)..."
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server >/dev/null \
    || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server >/dev/null; }
fi

work="$(mktemp -d /dev/shm/gs-e2e-XXXXXX)"
chmod 700 "$work"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    # the load generator's own children (cluster nodes, the table owner) first
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do kill "$child" 2>/dev/null || true; done
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # --cpu-budget: the load generator removes its cgroups itself (also from a shutdown hook); this
  # catches what a SIGKILLed one left: move the tasks back to the root group, then rmdir.
  if [ -n "${e2e_pid:-}" ]; then
    for group in /sys/fs/cgroup/cpu/gs-bench-"$e2e_pid"-* /sys/fs/cgroup/cpuset/gs-bench-"$e2e_pid"-*; do
      [ -d "$group" ] || continue
      while read -r task; do echo "$task" >"$(dirname "$group")/cgroup.procs" 2>/dev/null || true; done <"$group/cgroup.procs"
      rmdir "$group" 2>/dev/null && log "removed the cgroup $group the load generator left" || log "cannot remove the cgroup $group"
    done
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# ---- certificates (the cluster's, also used by Redis TLS and its clients) -----------------
# shellcheck disable=SC2086
java $flags -jar "$launcher" certs --out "$work/certs" --hosts 127.0.0.1 >/dev/null
certs="$work/certs"

# ---- Redis: one plaintext, one mutual TLS ------------------------------------------------
redis_port="$(free_port)"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" \
  --logfile "$work/redis.log" --daemonize no &
pids+=($!)
redis_tls_port="$(free_port)"
while [ "$redis_tls_port" = "$redis_port" ]; do redis_tls_port="$(free_port)"; done
redis-server --bind 127.0.0.1 --port 0 --tls-port "$redis_tls_port" --save '' --appendonly no --dir "$work" \
  --tls-cert-file "$certs/node.crt" --tls-key-file "$certs/node.key" --tls-ca-cert-file "$certs/ca.crt" \
  --tls-auth-clients yes --logfile "$work/redis-tls.log" --daemonize no &
pids+=($!)
for _ in $(seq 100); do
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 \
     && redis-cli -h 127.0.0.1 -p "$redis_tls_port" --tls --cert "$certs/node.crt" --key "$certs/node.key" \
          --cacert "$certs/ca.crt" ping >/dev/null 2>&1; then
    break
  fi
  sleep 0.1
done
log "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$redis_port (plaintext) and :$redis_tls_port (TLS)"

# ---- the run --------------------------------------------------------------------------------
# The commit measured; -dirty when the tree differs from it (results of earlier runs aside).
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain -- . ':(exclude)bench/results' 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
results="$here/results"
previous=""
for arg in "$@"; do
  if [ "$previous" = --results ]; then results="$arg"; fi
  previous="$arg"
done
if $quick; then
  matrix=(--keys 10000 --mixes 95 --popularity uniform --clients 1,8 --throughput-clients 8 --cost-keys 0
          --relief-nodes 1,2 --warmup 1 --path-warmup 2 --path-warmup-max 2 --measure 2)
  heap="${BENCH_HEAP:-1g}"
  command_text="bench/run-e2e.sh --quick $*"
else
  matrix=()
  heap="${BENCH_HEAP:-3g}"
  command_text="bench/run-e2e.sh $*"
fi
# The L1 targets: JMH's ClientL1Bench, getInto against Chronicle Map getUsing in one fork, with
# allocation per operation (SKIP_JMH=1 leaves them unmeasured).
jmh=()
if [ "${SKIP_JMH:-0}" != 1 ]; then
  if $quick; then iterations=(-wi 2 -w 1 -i 3 -r 1); else iterations=(-wi 3 -w 2 -i 5 -r 2); fi
  log "JMH: ClientL1Bench getInto and chronicleMapGetUsing (${iterations[*]}, -prof gc)"
  java -jar "$bench_jar" 'ClientL1Bench\.(getInto|chronicleMapGetUsing)$' -t 1 -f 1 "${iterations[@]}" -prof gc \
    -rf json -rff "$work/jmh-l1.json" >"$work/jmh-l1.txt" 2>&1 \
    || { log "JMH failed (its output: $work/jmh-l1.txt)"; exit 1; }
  jmh=(--jmh-l1 "$work/jmh-l1.json")
fi
# shellcheck disable=SC2086
java $flags -Xms"$heap" -Xmx"$heap" -XX:+UseParallelGC -Djava.awt.headless=true ${E2E_JAVA_OPTS:-} \
  -cp "$bench_jar" org.globalsessions.bench.e2e.E2eBench \
  --certs "$certs" --launcher "$launcher" --work "$work" --results "$here/results" \
  --redis-port "$redis_port" --redis-tls-port "$redis_tls_port" --command "$command_text" --commit "$commit" \
  "${jmh[@]}" "${matrix[@]}" "$@" &
e2e_pid=$!
pids+=("$e2e_pid")
wait "$e2e_pid"

# ---- bench/README.md's table of targets, from the run's latest.json ---------------------------
java -cp "$bench_jar" org.globalsessions.bench.e2e.ResultsTable "$results/latest.json" "$here/README.md" \
  || { log "the results are written, but bench/README.md's table is not (see above)"; exit 1; }
