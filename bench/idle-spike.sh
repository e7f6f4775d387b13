#!/usr/bin/env bash
# Idle RSS, and RSS through a spike of small SETs that is then deleted, side by side with
# redis-server (issue 19's goals: idle RSS <= 40 MB; after the spike is deleted, RSS back within
# 1.3x of what the node held before it). For each candidate a fresh redis-server and Magpie
# start on free ports; after a short SET/GET load and FLUSHALL both idle IDLE_WAIT seconds (idle
# RSS); then KEYS SETs of VALUE_SIZE bytes through redis-cli --pipe (RSS at the peak), a DEL of
# every key (RSS SETTLE seconds later) and RETURN_WAIT seconds more (RSS after a minute).
# Prints each RSS, Magpie's as a ratio of Redis's, and each server's RSS after the minute as a
# ratio of its own idle RSS. A benchmark, not a test: it prints numbers and asserts nothing.
#
#   bench/idle-spike.sh    KEYS [1000000]  VALUE_SIZE [32]  IDLE_WAIT [15]  SETTLE [5]  RETURN_WAIT [60]
#   CANDIDATES: lines "name: [VAR=value ...] JVM options" as bench/jvm-options.sh; default the
#   launcher's options (bench/lib.sh's MAGPIE_JAVA_OPTS).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
IDLE_WAIT="${IDLE_WAIT:-15}"
SETTLE="${SETTLE:-5}"
RETURN_WAIT="${RETURN_WAIT:-60}"
CANDIDATES="${CANDIDATES:-launcher: $MAGPIE_JAVA_OPTS}"

# The spike and its deletion as RESP, one command per key, the same bytes to both servers.
python3 - "$KEYS" "$VALUE_SIZE" "$workdir/set.resp" "$workdir/del.resp" <<'PY'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
value = b"v" * size
with open(sys.argv[3], "wb") as s, open(sys.argv[4], "wb") as d:
    for i in range(n):
        key = b"key:%012d" % i
        s.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, size, value))
        d.write(b"*2\r\n$3\r\nDEL\r\n$%d\r\n%s\r\n" % (len(key), key))
PY

echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $KEYS SETs of ${VALUE_SIZE} B, then a DEL of each"
printf '%-12s %-7s %9s %9s %9s %9s %10s  %s\n' candidate server idle_MB peak_MB del_MB min_MB min/idle options
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
while IFS= read -r line; do
  [ -z "${line// /}" ] && continue
  redis_port="$(free_port)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" \
    --logfile "$workdir/redis.log" --daemonize no &
  redis_pid=$!; pids+=("$redis_pid")
  magpie_port="$(free_port)"
  start_candidate "$line" "$magpie_port"
  name="$cand_name" rest="$cand_rest" magpie_pid="$cand_pid"
  wait_ready "$redis_port" "$redis_pid"
  wait_ready "$magpie_port" "$magpie_pid"
  declare -A rss=()
  for s in redis magpie; do # idle after a short load, as a node that served a few clients
    port_var="${s}_port"
    redis-benchmark -p "${!port_var}" -t set,get -n 100000 -c 50 -q >/dev/null 2>&1 || true
    redis-cli -p "${!port_var}" flushall >/dev/null
  done
  sleep "$IDLE_WAIT"
  for s in redis magpie; do pid_var="${s}_pid"; rss[$s,idle]="$(rss_kb "${!pid_var}")"; done
  for s in redis magpie; do
    port_var="${s}_port"; pid_var="${s}_pid"
    redis-cli -p "${!port_var}" --pipe <"$workdir/set.resp" >/dev/null
    rss[$s,peak]="$(rss_kb "${!pid_var}")"
  done
  for s in redis magpie; do port_var="${s}_port"; redis-cli -p "${!port_var}" --pipe <"$workdir/del.resp" >/dev/null; done
  sleep "$SETTLE"
  for s in redis magpie; do pid_var="${s}_pid"; rss[$s,del]="$(rss_kb "${!pid_var}")"; done
  sleep "$RETURN_WAIT"
  for s in redis magpie; do pid_var="${s}_pid"; rss[$s,min]="$(rss_kb "${!pid_var}")"; done
  for s in redis magpie; do
    printf '%-12s %-7s %9s %9s %9s %9s %10s  %s\n' "$name" "$s" "$(mb "${rss[$s,idle]}")" "$(mb "${rss[$s,peak]}")" \
      "$(mb "${rss[$s,del]}")" "$(mb "${rss[$s,min]}")" "$(awk -v a="${rss[$s,min]}" -v b="${rss[$s,idle]}" 'BEGIN { printf "%.2f", a / b }')" \
      "$([ $s = magpie ] && echo "$rest")"
  done
  printf '%-12s %-7s %9s %9s %9s %9s\n' "$name" ratio $(for k in idle peak del min; do
    awk -v m="${rss[magpie,$k]}" -v r="${rss[redis,$k]}" 'BEGIN { printf "%.2f ", m / r }'; done)
  kill "$redis_pid" "$magpie_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$magpie_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$magpie_pid" 2>/dev/null || true; wait "$redis_pid" "$magpie_pid" 2>/dev/null || true
  unset rss
done <<<"$CANDIDATES"
