#!/usr/bin/env bash
# RSS after a memory spike is freed, side by side with redis-server: each server gets
# KEYS keys of SIZE bytes (DEBUG POPULATE), then FLUSHALL, then WAIT seconds idle.
# Prints RSS idle / at the peak / after, and INFO's used_memory and mem_fragmentation_ratio.
# Magpie runs once per JVM option set below: the launcher's default; the former ParallelGC
# default; the default without the explicit collection Magpie runs once the heap is mostly empty.
#   bench/rss-after-spike.sh [KEYS] [SIZE] [WAIT]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
keys="${1:-300000}"
size="${2:-1000}"
wait_s="${3:-20}"

field() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }

run() { # name pid port
  local name="$1" pid="$2" port="$3" idle peak after
  wait_ready "$port" "$pid"
  idle=$(rss_kb "$pid")
  redis-cli -p "$port" debug populate "$keys" key "$size" >/dev/null
  peak=$(rss_kb "$pid")
  redis-cli -p "$port" flushall >/dev/null
  sleep "$wait_s"
  after=$(rss_kb "$pid")
  printf '%-58s idle %7d KB  peak %8d KB  after %8d KB  used_memory %10s  frag_ratio %s\n' \
    "$name" "$idle" "$peak" "$after" "$(field "$port" used_memory)" "$(field "$port" mem_fragmentation_ratio)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --enable-debug-command yes --dir "$workdir" >"$workdir/redis.log" 2>&1 &
pids+=($!)
run "redis-server" "$!" "$port"

variants=(
  "$MAGPIE_JAVA_OPTS"
  "-XX:+UseParallelGC -XX:MaxNewSize=64m"
  "$MAGPIE_JAVA_OPTS -XX:+DisableExplicitGC"
)
for opts in "${variants[@]}"; do
  port=$(free_port)
  # shellcheck disable=SC2086
  java $opts -jar "$jar" --port "$port" --bind 127.0.0.1 --save '' --enable-debug-command yes --dir "$workdir" \
    >"$workdir/magpie.log" 2>&1 &
  pids+=($!)
  run "magpie $opts" "$!" "$port"
done
