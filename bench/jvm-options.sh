#!/usr/bin/env bash
# Candidate JVM options for Magpie, each measured for idle RSS beside its throughput, so that
# no option buys memory with speed unnoticed. For each candidate line a fresh Magpie starts
# beside one redis-server; SET and GET run at -P 1 and -P 16 on both (interleaved, the order
# alternating), then Magpie is flushed and left idle IDLE_WAIT seconds: its RSS, and its
# throughput as ratios of Redis's. A benchmark, not a test: it prints numbers and asserts nothing.
#
#   bench/jvm-options.sh    N [200000]  CLIENTS [50]  IDLE_WAIT [10]
#   CANDIDATES: lines "name: [VAR=value ...] JVM options", default below; "launcher" is
#   ./magpie-server's options (bench/lib.sh). Environment assignments before the options
#   (MALLOC_ARENA_MAX=2) are set for that JVM only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N="${N:-200000}"
CLIENTS="${CLIENTS:-50}"
IDLE_WAIT="${IDLE_WAIT:-10}"
base="$MAGPIE_JAVA_OPTS"
CANDIDATES="${CANDIDATES:-launcher: $base
xmx256m: $base -Xmx256m
serial: -XX:+UseSerialGC -Xms8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30
codecache: $base -XX:ReservedCodeCacheSize=32m
c1only: $base -XX:TieredStopAtLevel=1
arenas: $base -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1
malloc2: MALLOC_ARENA_MAX=2 $base
trim: $base -XX:TrimNativeHeapInterval=5000
former: -XX:+UseG1GC -Xms32m -XX:G1PeriodicGCInterval=5000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=5000
r1m: ${base/-XX:G1HeapRegionSize=2m/-XX:G1HeapRegionSize=1m}}"

rport="$(free_port)"
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" --daemonize no >/dev/null &
rpid=$!; pids+=("$rpid")
wait_ready "$rport" "$rpid"
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); redis idle RSS $(rss_kb "$rpid") kB"

rps() { # port test pipeline
  redis-benchmark -h 127.0.0.1 -p "$1" -t "$2" -n "$N" -c "$CLIENTS" -P "$3" --csv 2>/dev/null \
    | awk -F, 'NR > 1 { gsub(/"/, "", $2); r = $2 } END { print (r == "" ? 0 : r) }'
}

printf '%-10s %10s %8s %8s %8s %8s %s\n' name idle_rss set_p1 get_p1 set_p16 get_p16 options
while IFS= read -r line; do
  [ -z "${line// /}" ] && continue
  mport="$(free_port)"
  start_candidate "$line" "$mport"
  name="$cand_name" rest="$cand_rest" mpid="$cand_pid"
  wait_ready "$mport" "$mpid"
  redis-benchmark -p "$mport" -t set,get -n "$N" -c "$CLIENTS" -P 16 -q >/dev/null 2>&1 || true # warm-up
  redis-benchmark -p "$mport" -t set,get -n "$N" -c "$CLIENTS" -q >/dev/null 2>&1 || true
  ratios=() i=0
  for p in 1 16; do
    for t in set get; do
      if [ $((i % 2)) -eq 0 ]; then r="$(rps "$rport" $t $p)"; m="$(rps "$mport" $t $p)"; else m="$(rps "$mport" $t $p)"; r="$(rps "$rport" $t $p)"; fi
      i=$((i + 1))
      ratios+=("$(awk -v r="$r" -v m="$m" 'BEGIN { printf "%.2f", (r > 0 ? m / r : 0) }')")
    done
  done
  redis-cli -p "$mport" flushall >/dev/null
  sleep "$IDLE_WAIT"
  printf '%-10s %7d kB %8s %8s %8s %8s %s\n' "$name" "$(rss_kb "$mpid")" "${ratios[@]}" "$rest"
  # Bounded: one run's JVM once went on waiting after SIGTERM; a candidate must not stall the rest.
  kill "$mpid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$mpid" 2>/dev/null || true; wait "$mpid" 2>/dev/null || true
done <<<"$CANDIDATES"
