#!/usr/bin/env bash
# Where each JVM's CPU goes, thread by thread, over a window: user and system CPU, and voluntary
# and involuntary context switches per second, from /proc (utime, stime; the status file's
# *_ctxt_switches), with the threads' Java names from `jcmd PID Thread.print`. Run it beside a
# benchmark, during a measured cell. See bench/README.md, "Where a thread's time goes".
#
#   bench/thread-cpu.sh SECONDS [PID...]     default: every java process on the machine
#
# Prints, per JVM (its main class, or the config file it was started with), the threads that
# used at least 0.5 % of a CPU, busiest first. Reads only; starts and stops nothing.
set -euo pipefail
window="${1:?usage: bench/thread-cpu.sh SECONDS [PID...]}"
shift
pids=("$@")
if [ ${#pids[@]} -eq 0 ]; then
  mapfile -t pids < <(pgrep -x java || true)
fi
[ ${#pids[@]} -gt 0 ] || { echo "thread-cpu: no java process" >&2; exit 1; }
ticks="$(getconf CLK_TCK)"

# pid tid utime stime voluntary involuntary, one line per thread
snapshot() {
  local pid task stat rest
  for pid in "${pids[@]}"; do
    for task in /proc/"$pid"/task/*; do
      stat="$(cat "$task/stat" 2>/dev/null)" || continue
      rest="${stat##*) }"
      # shellcheck disable=SC2086
      set -- $rest
      echo "$pid ${task##*/} ${12} ${13} $(awk '/^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2} END {print v + 0, n + 0}' "$task/status" 2>/dev/null)"
    done
  done
}

names="$(mktemp)"
before="$(mktemp)"
after="$(mktemp)"
trap 'rm -f "$names" "$before" "$after"' EXIT
for pid in "${pids[@]}"; do
  jcmd "$pid" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".* nid=0x\([0-9a-f]*\).*/\2 \1/p' \
    | while read -r nid name; do echo "$pid $((16#$nid)) $name"; done
done >"$names"
snapshot >"$before"
sleep "$window"
snapshot >"$after"

for pid in "${pids[@]}"; do
  what="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -m1 -o '[^/=]*\.conf$\|org\.globalsessions\.[A-Za-z.]*\|benchmarks\.jar' || true)"
  echo "== pid $pid ${what:-java}"
  join -j1 <(awk '{print $1 "-" $2, $3, $4, $5, $6}' "$before" | sort -k1,1) \
    <(awk '{print $1 "-" $2, $3, $4, $5, $6}' "$after" | sort -k1,1) \
    | awk -v pid="$pid" -v w="$window" -v hz="$ticks" -v names="$names" '
        BEGIN { while ((getline line < names) > 0) { split(line, f, " "); key = f[1] "-" f[2]; sub(/^[^ ]+ [^ ]+ /, "", line); name[key] = line } }
        index($1, pid "-") == 1 {
          user = ($6 - $2) * 100 / hz / w; sys = ($7 - $3) * 100 / hz / w
          if (user + sys >= 0.5) {
            n = ($1 in name) ? name[$1] : "tid " substr($1, length(pid) + 2)
            printf "%6.1f %% CPU (%5.1f %% system) %7.0f switches/s (%6.0f involuntary)  %s\n", user + sys, sys, ($8 - $4 + $9 - $5) / w, ($9 - $5) / w, n
          }
        }' | sort -rn
done
