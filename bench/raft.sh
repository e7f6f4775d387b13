#!/usr/bin/env bash
# Side-by-side write throughput of a 3-member Magpie Raft group, the same 3 Magpie processes
# as an async master with 2 replicas, and redis-server as an async master with 2 replicas, on
# this machine. A benchmark, not a test: it prints
# numbers and asserts nothing. Every server runs on free loopback ports and is killed on exit.
#
#   bench/raft.sh
#
# 1. SET, CLIENTS clients, N requests, pipeline 1 and PIPELINE_DEEP, against the Raft leader
#    (every write fsynced on a majority before its reply) and against the async masters (no
#    fsync: appendonly no, as Redis's default); prints rps and p99 of each, raft/async and
#    raft/redis-server.
# 2. Failover: kill -9 of the leader, then the time until a write is acknowledged again.
#
# Environment (defaults in brackets): N [100000]  CLIENTS [50]  PIPELINE_DEEP [16]
#   WARMUP [20000] requests first to each (JIT warm-up), not reported
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N="${N:-100000}"
CLIENTS="${CLIENTS:-50}"
PIPELINE_DEEP="${PIPELINE_DEEP:-16}"
WARMUP="${WARMUP:-20000}"

# bench port pipeline: "rps p99"
bench() {
  redis-benchmark -p "$1" -t set -n "$N" -c "$CLIENTS" -P "$2" -r 100000 --csv 2>>"$workdir/bench.err" \
    | tee -a "$workdir/bench.csv" | awk -F, 'NR==2 {gsub(/"/,""); print $2, $7}'
}

# --- the Raft group
start_raft_group 3 "$workdir/raft"
find_leader

# --- async master + 2 replicas (Magpie)
mport="$(free_port)"; start_magpie "$mport" "$workdir/master" --save ""; mpid=$last_pid
wait_ready "$mport" "$mpid"
for r in 1 2; do
  p="$(free_port)"; start_magpie "$p" "$workdir/replica$r" --save "" --replicaof 127.0.0.1 "$mport"; wait_ready "$p" "$last_pid"
done

# --- async master + 2 replicas (redis-server)
start_redis() { # port dir args...
  local port="$1" dir="$2"; shift 2
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" "$@" >"$dir/redis.log" 2>&1 &
  pids+=("$!")
  last_pid=$!
}
rsport="$(free_port)"; start_redis "$rsport" "$workdir/redis-master"; wait_ready "$rsport" "$last_pid"
for r in 1 2; do
  p="$(free_port)"; start_redis "$p" "$workdir/redis-replica$r" --replicaof 127.0.0.1 "$rsport"; wait_ready "$p" "$last_pid"
done

redis-benchmark -p "${cport[$leader]}" -t set -n "$WARMUP" -c "$CLIENTS" -q >/dev/null 2>&1 || true
redis-benchmark -p "$mport" -t set -n "$WARMUP" -c "$CLIENTS" -q >/dev/null 2>&1 || true

printf '%-22s %12s %10s %12s %10s %12s %10s %8s %8s\n' "SET, $CLIENTS clients" "raft rps" "raft p99" "async rps" "async p99" \
  "redis rps" "redis p99" "r/async" "r/redis"
for P in 1 "$PIPELINE_DEEP"; do
  # a leader change under load (the run then fails with MOVED): find the leader and run again
  for _ in 1 2 3; do
    find_leader
    read -r raft_rps raft_p99 <<<"$(bench "${cport[$leader]}" "$P")"
    [ -n "$raft_rps" ] && break
  done
  read -r async_rps async_p99 <<<"$(bench "$mport" "$P")"
  read -r redis_rps redis_p99 <<<"$(bench "$rsport" "$P")"
  ratio="$(awk -v a="$raft_rps" -v b="$async_rps" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
  ratio_redis="$(awk -v a="$raft_rps" -v b="$redis_rps" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
  printf '%-22s %12s %10s %12s %10s %12s %10s %8s %8s\n' "pipeline $P" "$raft_rps" "${raft_p99}ms" "$async_rps" "${async_p99}ms" \
    "$redis_rps" "${redis_p99}ms" "$ratio" "$ratio_redis"
done

# --- failover: kill -9 the leader, time until a write is acknowledged by the new one
find_leader
kill -9 "${rpid[$leader]}"
start_ms=$(date +%s%3N)
acked=""
for _ in $(seq 1 3000); do
  for i in 1 2 3; do
    [ "$i" = "$leader" ] && continue
    if [ "$(redis-cli -p "${cport[$i]}" set failover-probe 1 2>/dev/null)" = OK ]; then acked=$i; break; fi
  done
  [ -n "$acked" ] && break
  sleep 0.01
done
end_ms=$(date +%s%3N)
sort -u "$workdir/bench.err" >&2 2>/dev/null || true
echo "failover: first acknowledged write $((end_ms - start_ms)) ms after kill -9 of the leader (new leader n$acked)"
