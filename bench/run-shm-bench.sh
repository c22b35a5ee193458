#!/usr/bin/env bash
# Runs the shm-lru benchmark suite: JMH (shm-lru vs Chronicle Map vs Caffeine, 1 and 2 threads,
# 20 000 and 1 000 000 entries), the cross-process get latency benchmark and the file-size
# figures, and writes everything to bench/results/ (JMH JSON + text, cross-process text,
# summary.md). Builds benchmarks.jar first if it is missing or older than the sources.
#
# Bounded: every JMH run is 1 fork x (3 warmup + 5 measured) x 1 s; about 20-25 minutes in all
# with ROUNDS=2 on a 2-core machine. Environment overrides:
#   ROUNDS=2           how many times the whole JMH suite runs (rounds interleave in time, so a
#                      noisy period on a shared machine does not hit only one store)
#   JMH_OPTS="..."     replaces the iteration settings (default: -f 1 -wi 3 -w 1s -i 5 -r 1s)
#   SKIP_JMH=1         only the cross-process benchmark and file sizes
#   SKIP_XPROC=1       only JMH
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
JAR="$BENCH_DIR/target/benchmarks.jar"
RESULTS="$BENCH_DIR/results"
ROUNDS="${ROUNDS:-2}"
JMH_OPTS="${JMH_OPTS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"

# The root pom's ${chronicle.jvm.flags}; the JMH forks get the same list from @Fork(jvmArgsAppend)
# (ChronicleFlagsTest checks that they agree). Here they are for the cross-process JVMs.
CHRONICLE_FLAGS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED -Dchronicle.analytics.disable=true"
# A fixed, pre-touched heap: on this kind of VM the first touch of a page costs microseconds, and
# a growing heap otherwise charges those page faults to whichever benchmark allocates.
HEAP_SMALL="-Xms1g -Xmx1g -XX:+AlwaysPreTouch"
HEAP_LARGE="-Xms2g -Xmx2g -XX:+AlwaysPreTouch"

ALL_BENCHMARKS='org\.globalsessions\.bench\.(ShmLruBench|ChronicleMapBench|CaffeineBench)\.'
# With 2 threads only the benchmarks that the targets compare (not the String/allocating variants).
CORE_BENCHMARKS='org\.globalsessions\.bench\.(ShmLruBench|ChronicleMapBench|CaffeineBench)\.(get|putUpdate|putInsertEvict|putInsertRemove)$'

log() { echo "[$(date +%H:%M:%S)] $*"; }

cleanup_shm() {
    # Only the files these benchmarks create (a crashed fork cannot run its tear-down).
    find /dev/shm -maxdepth 1 -name 'gs-bench-*' -user "$(id -u)" -print -delete 2>/dev/null || true
}

build_if_needed() {
    local newest
    newest="$(find "$BENCH_DIR/src" "$BENCH_DIR/pom.xml" "$ROOT/shm-lru/src/main" "$ROOT/shm-lru/pom.xml" "$ROOT/pom.xml" \
        -type f -newer "$JAR" -print -quit 2>/dev/null || true)"
    if [[ ! -f "$JAR" || -n "$newest" ]]; then
        log "building $JAR"
        (cd "$ROOT" && mvn -B -q -DskipTests package -pl bench -am)
    fi
}

jmh() { # name threads entries heap regex [extra JMH args...]
    local name="$1" threads="$2" entries="$3" heap="$4" regex="$5"
    shift 5
    log "JMH $name: threads=$threads entries=$entries"
    # -jvmArgs only sets the heap: the Chronicle flags come from @Fork(jvmArgsAppend).
    # shellcheck disable=SC2086
    java -jar "$JAR" "$regex" $JMH_OPTS -t "$threads" -p entries="$entries" \
        -jvmArgs "$heap" -prof gc -rf json -rff "$RESULTS/jmh-$name.json" "$@" \
        > "$RESULTS/jmh-$name.txt" 2>&1 || { log "JMH $name failed; see $RESULTS/jmh-$name.txt"; tail -30 "$RESULTS/jmh-$name.txt"; exit 1; }
    grep -E '^(ShmLruBench|ChronicleMapBench|CaffeineBench)\.[A-Za-z]+ ' "$RESULTS/jmh-$name.txt" || true
}

main() {
    mkdir -p "$RESULTS"
    build_if_needed
    cleanup_shm
    trap cleanup_shm EXIT
    {
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
        echo "kernel: $(uname -r)"
        java -version 2>&1 | sed 's/^/java: /'
        echo "JMH options: $JMH_OPTS -prof gc; rounds: $ROUNDS"
        echo "heap: entries=20000: $HEAP_SMALL; entries=1000000: $HEAP_LARGE"
    } > "$RESULTS/environment.txt"
    cat "$RESULTS/environment.txt"

    local started=$SECONDS
    if [[ -z "${SKIP_JMH:-}" ]]; then
        for round in $(seq 1 "$ROUNDS"); do
            for threads in 1 2; do
                local regex="$ALL_BENCHMARKS"
                [[ $threads -gt 1 ]] && regex="$CORE_BENCHMARKS"
                jmh "r$round-t$threads-n20000" "$threads" 20000 "$HEAP_SMALL" "$regex"
                jmh "r$round-t$threads-n1000000" "$threads" 1000000 "$HEAP_LARGE" "$regex"
            done
            if [[ $round -eq 1 ]]; then
                # Chronicle Map without entry checksums (its default for a persisted map is on).
                jmh "cm-nochecksum-t1-n20000" 1 20000 "$HEAP_SMALL" 'ChronicleMapBench\.(get|putUpdate)$' -p checksumEntries=false
                jmh "cm-nochecksum-t1-n1000000" 1 1000000 "$HEAP_LARGE" 'ChronicleMapBench\.(get|putUpdate)$' -p checksumEntries=false
            fi
        done
    fi
    if [[ -z "${SKIP_XPROC:-}" ]]; then
        for round in $(seq 1 "$ROUNDS"); do
            log "cross-process get, round $round"
            local sizes=""
            [[ $round -gt 1 ]] && sizes="--no-sizes"
            # shellcheck disable=SC2086
            timeout 600 java $CHRONICLE_FLAGS $HEAP_SMALL -cp "$JAR" org.globalsessions.bench.CrossProcessGet \
                --entries 20000 --warmup 1000000 --gets 2000000 $sizes 2>&1 | tee "$RESULTS/cross-process-r$round.txt"
        done
    fi
    log "done in $((SECONDS - started)) s"
    if command -v python3 > /dev/null; then
        python3 "$BENCH_DIR/summarize.py" "$RESULTS" > "$RESULTS/summary.md"
        log "wrote $RESULTS/summary.md"
    fi
}

main "$@"
