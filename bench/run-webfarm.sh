#!/usr/bin/env bash
# The web-farm benchmark (issue 20): 100 000 users with Zipf popularity log in, validate their
# session 20 times and log out, through 12 app JVMs (3 hosts x 4 processes), against
# global-sessions, Redis over TLS (Jedis) and Redis with Lettuce's near cache, in one run.
# See bench/README.md, "bench/run-webfarm.sh: the web farm".
#
#   bench/run-webfarm.sh                  the full run (each backend warmed until its JIT is quiet, then 1 and 50
#                                         clients, 20 s + 30 s each; 25-40 minutes)
#   bench/run-webfarm.sh --quick          smoke test: 10 000 users, 5 s + 10 s each (about 8 minutes)
#   bench/run-webfarm.sh [--quick] [WebFarmBench options...]   e.g. --backends redis-tls,lettuce-near-cache
#
# Needs Java 17 and Maven; installs Debian's redis-server with apt-get if it is missing. Every
# process binds 127.0.0.1. On exit (Ctrl-C included) the load generator's children (app JVMs,
# cluster nodes, redis-server) and the load generator are stopped by pid, and the private
# directory under /dev/shm (certificates, tables, logs) is removed; WEBFARM_KEEP=1 keeps it.
# Results: bench/results/webfarm-<UTC timestamp>.md and .json (webfarm-partial-… when options change
# the benchmark); a full run's targets also go into bench/results/latest.json and bench/README.md's table.
# Environment: MVN_ARGS (more Maven arguments for the build), WEBFARM_JAVA_OPTS (more options
# for the load generator's JVM).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
launcher="$root/launcher/target/global-sessions.jar"
bench_jar="$here/target/benchmarks.jar"
say() { echo "run-webfarm: $*" >&2; }

stale="$(find "$root"/*/src/main "$root"/pom.xml "$root"/*/pom.xml -newer "$bench_jar" -print -quit 2>/dev/null || true)"
if [ ! -f "$bench_jar" ] || [ ! -f "$launcher" ] || [ -n "$stale" ]; then
  say "building the launcher and benchmarks.jar (mvn package -DskipTests)..."
  # shellcheck disable=SC2086
  (cd "$root" && mvn -B -q ${MVN_ARGS:-} -DskipTests package) || { say "the build failed; run 'mvn -B -DskipTests package' to see why"; exit 1; }
fi
if ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server (apt-get)..."
  apt-get install -y redis-server >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y redis-server >/dev/null; }
fi

work="$(mktemp -d /dev/shm/gs-webfarm-XXXXXX)"
chmod 700 "$work"
bench_pid=""
# The load generator runs in a process group of its own (setsid) that its children (app JVMs,
# cluster nodes, redis-server) inherit, so the group's id reaches them even if it dies first.
stop_all() {
  local status=$?
  if [ -n "$bench_pid" ]; then
    kill -TERM -- "-$bench_pid" 2>/dev/null || true
    for _ in $(seq 30); do
      pgrep -g "$bench_pid" >/dev/null 2>&1 || break
      sleep 1
    done
    kill -KILL -- "-$bench_pid" 2>/dev/null || true
  fi
  if [ "${WEBFARM_KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
  exit $status
}
trap stop_all EXIT
trap 'exit 130' INT TERM

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain -- . ':(exclude)bench/results' 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
# The load generator: 50 client threads that mostly wait on sockets; the serial collector adds no GC threads.
# shellcheck disable=SC2086
setsid java $(cat "$root/launcher/target/jvm.flags") -Xms1g -Xmx1g -XX:+UseSerialGC ${WEBFARM_JAVA_OPTS:-} \
  -cp "$bench_jar" org.globalsessions.bench.webfarm.WebFarmBench \
  --launcher "$launcher" --work "$work" --results "$here/results" \
  --command "bench/run-webfarm.sh${*:+ $*}" --commit "$commit" "$@" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
if [ "$status" != 0 ] && [ "${WEBFARM_KEEP:-0}" != 1 ]; then
  say "failed ($status); WEBFARM_KEEP=1 keeps the node and app logs of the next run"
fi
# A full run (no options) is the benchmark's result: its targets go into latest.json and bench/README.md's table.
newest="$(ls "$here/results"/webfarm-[0-9]*.json 2>/dev/null | sort | tail -n 1 || true)"
if [ "$status" = 0 ] && [ $# = 0 ] && [ -n "$newest" ]; then
  if [ -f "$here/results/latest.json" ]; then
    java -cp "$bench_jar" org.globalsessions.bench.e2e.ResultsMerge "$here/results/latest.json" "$newest" \
      && java -cp "$bench_jar" org.globalsessions.bench.e2e.ResultsTable "$here/results/latest.json" "$here/README.md" \
      || { say "the results are written, but latest.json and bench/README.md's table are not (see above)"; exit 1; }
  else
    say "no bench/results/latest.json yet: bench/run-e2e.sh puts this run's targets into it"
  fi
fi
exit $status
