#!/usr/bin/env bash
# Sharded Raft (issue 15) on 3 Magpie nodes, side by side with a 3-master redis-server cluster
# (no replicas, nothing saved) in the same run. A benchmark, not a test: it prints numbers and
# asserts nothing. Every process runs on free loopback ports and is killed on exit.
#
#   bench/raft-shards.sh              # both parts
#   bench/raft-shards.sh --scaling    # 1. only
#   bench/raft-shards.sh --move       # 2. only
#
# 1. Scaling with groups: for each count in GROUP_COUNTS, 3 fresh Magpie nodes with raft-shards
#    that many groups (3 replicas each: every node is in every group, leaders spread over the
#    nodes); SET and GET at -P 1 and -P 16 for SECONDS_PER_RUN seconds each through Jedis's
#    cluster client (ShardLoad bench: CLIENTS threads, keys over every slot; not redis-benchmark
#    --cluster, which sent each node's whole load to one slot, so one group a node, see
#    bench/README.md), against Magpie and the Redis cluster in turn, the order alternating per round. Per count: medians over ROUNDS, Magpie's rps as a
#    ratio of Redis's (measured in the same minutes) and of Magpie's with 1 group.
# 2. Movement: 3 fresh nodes with 6 groups, MOVE_KEYS keys (MSET per slot, ShardLoad fill),
#    a light load (ShardLoad probe: PROBE_RATE SET/GET a second over the loaded keys) for
#    BEFORE seconds, then RAFT SHARDS 7, until every node reports raft_shards:7 and resharding:0.
#    Keys moved (the 7th group's keys afterwards) per second of the move, and the probe's p50,
#    p99 and max before and during the move. MOVE_ROUNDS times, medians.
#
# Environment (defaults in brackets): GROUP_COUNTS ["1 3 6"]  ROUNDS [3]  SECONDS_PER_RUN [8]
#   CLIENTS [50]  KEYSPACE [100000]  WARMUP_SECONDS [10] per Magpie cluster, not reported
#   MOVE_KEYS [200000]  VALUE_SIZE [32]  FILL_THREADS [16]  PROBE_RATE [100]  BEFORE [10]
#   MOVE_ROUNDS [3]  MOVE_TIMEOUT [600]  MAGPIE_JAVA_OPTS [a fixed ParallelGC heap, as bench/raft.sh]
set -euo pipefail

# A fixed heap: with the launcher's shrinking G1 heap, GC pauses on a loaded machine outlast the
# election timeout (bench/raft.sh).
MAGPIE_JAVA_OPTS="${MAGPIE_JAVA_OPTS:--XX:+UseParallelGC -Xms256m -Xmx1g -XX:ParallelGCThreads=2}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
GROUP_COUNTS="${GROUP_COUNTS:-1 3 6}"
ROUNDS="${ROUNDS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-8}"
CLIENTS="${CLIENTS:-50}"
KEYSPACE="${KEYSPACE:-100000}"
WARMUP_SECONDS="${WARMUP_SECONDS:-10}"
MOVE_KEYS="${MOVE_KEYS:-200000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
FILL_THREADS="${FILL_THREADS:-16}"
PROBE_RATE="${PROBE_RATE:-100}"
BEFORE="${BEFORE:-10}"
MOVE_ROUNDS="${MOVE_ROUNDS:-3}"
MOVE_TIMEOUT="${MOVE_TIMEOUT:-600}"
part="${1:-all}"
need_load_jar

load() { echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"; }

# shard_nodes groups: 3 fresh Magpie nodes in sharded Raft mode with that many data groups,
# every group led and every node's map complete before it returns (else it fails after 300 s);
# sets cport, rpid.
shard_nodes() {
  start_raft_group 3 "$workdir/shards$1-$RANDOM-" --raft-shards "$1"
  local deadline=$(( $(date +%s) + 300 )) i n led ok
  while :; do
    led=0; ok=0
    for i in 1 2 3; do
      redis-cli -p "${cport[$i]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && ok=$((ok + 1))
      [ "$(raft_field "${cport[$i]}" resharding)" = 0 ] || continue
      n="$(raft_field "${cport[$i]}" shards_led)"; led=$((led + ${n:-0}))
    done
    [ "$ok" = 3 ] && [ "$led" = "$1" ] && return 0
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "the $1 groups did not all get a leader in 300 s" >&2; return 1; fi
    sleep 0.2
  done
}

# run port test pipeline [seconds]: ShardLoad bench (Jedis's cluster client, keys spread over every
# slot) for SECONDS_PER_RUN; prints "rps p50_ms p99_ms errors", its first error to load.err.
run() {
  java -cp "$load_jar" io.magpie.bench.ShardLoad bench "127.0.0.1:$1" "$2" "$CLIENTS" "$3" "${4:-$SECONDS_PER_RUN}" "$KEYSPACE" \
    "$VALUE_SIZE" 2>>"$workdir/load.err" || echo "0 0 0 0"
}

scaling() {
  start_cluster redis
  local redis_port="$cluster_port" groups round order kind pipeline t results="$workdir/scaling"
  echo "Scaling: ShardLoad bench, $CLIENTS clients, $KEYSPACE keys x $VALUE_SIZE B, ${SECONDS_PER_RUN} s a run, $ROUNDS rounds; $(load)"
  for groups in $GROUP_COUNTS; do
    shard_nodes "$groups" || exit 1
    run "${cport[1]}" set 16 "$WARMUP_SECONDS" >/dev/null
    run "${cport[1]}" get 16 "$WARMUP_SECONDS" >/dev/null
    for round in $(seq 1 "$ROUNDS"); do
      order="redis magpie"
      [ $((round % 2)) = 0 ] && order="magpie redis"
      for kind in $order; do
        for pipeline in 1 16; do
          for t in set get; do
            if [ "$kind" = redis ]; then port=$redis_port; else port=${cport[1]}; fi
            echo "$groups $kind $pipeline $t $(run "$port" "$t" "$pipeline")" >>"$results"
          done
        done
      done
      echo "  $groups groups, round $round done; $(load)"
    done
    stop_pids "${rpid[@]}"
  done
  stop_pids "${cluster_pids[@]}"
  python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
p99s, errs = {}, {}
for g, kind, p, t, rps, p50, p99, err in rows:
    med.setdefault((g, kind, p, t), []).append(float(rps))
    p99s.setdefault((g, kind, p, t), []).append(float(p99))
    errs[g, kind, p, t] = errs.get((g, kind, p, t), 0) + int(err)
med = {k: statistics.median(v) for k, v in med.items()}
p99s = {k: statistics.median(v) for k, v in p99s.items()}
counts = sorted({r[0] for r in rows}, key=int)
print("medians, requests/s; ratio = Magpie/Redis (Redis measured in the same rounds); xN = Magpie / Magpie with 1 group")
print(f"{'groups':>6} {'line':>10} {'magpie':>10} {'redis':>10} {'ratio':>6} {'xN':>6} {'p99 ms m/r':>16} {'errors m/r':>12}")
for p in ("1", "16"):
    for t in ("set", "get"):
        for g in counts:
            m, r = med[g, "magpie", p, t], med[g, "redis", p, t]
            one = med.get(("1", "magpie", p, t))
            x = f"{m / one:.2f}" if one else "-"
            lat = f"{p99s[g, 'magpie', p, t]:.1f}/{p99s[g, 'redis', p, t]:.1f}"
            err = f"{errs[g, 'magpie', p, t]}/{errs[g, 'redis', p, t]}"
            print(f"{g:>6} {t.upper() + ' -P ' + p:>10} {m:>10.0f} {r:>10.0f} {m / r if r else 0:>6.3f} {x:>6} {lat:>16} {err:>12}")
PY
  grep -v '^SLF4J' "$workdir/load.err" | sort | uniq -c | sort -rn | head -5 >&2 || true
}

# move_table results: the move rounds so far, the probe's latency before and during each move, medians.
move_table() {
  python3 - "$1" "$BEFORE" <<'PY'
import statistics, sys
before_ms = float(sys.argv[2]) * 1000
def stats(lat):
    lat = sorted(lat)
    if not lat:
        return (0, 0, 0, 0)
    return (len(lat), lat[len(lat) // 2] / 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1000, lat[-1] / 1000)
lines = []
print(f"{'round':>5} {'keys':>8} {'moved':>7} {'move s':>7} {'keys/s':>8} | {'probe before: n p50 p99 max (ms)':>34} | {'during: n p50 p99 max (ms)':>34} | {'p99 ratio':>9} {'retries':>7}")
for round, keys, fill_rate, slots, moved, t_cmd, t_done, probe in (l.split() for l in open(sys.argv[1])):
    t_cmd, t_done = float(t_cmd), float(t_done)
    recs = [tuple(map(int, l.split())) for l in open(probe) if len(l.split()) == 3]
    b = stats([us for t, us, r in recs if t_cmd - before_ms <= t < t_cmd])
    d = stats([us for t, us, r in recs if t_cmd <= t <= t_done])
    retries = sum(r for t, us, r in recs if t_cmd <= t <= t_done)
    secs = (t_done - t_cmd) / 1000
    rate = int(moved) / secs
    ratio = d[2] / b[2] if b[2] else 0
    lines.append((rate, secs, b[2], d[2], ratio))
    print(f"{round:>5} {keys:>8} {moved:>7} {secs:>7.1f} {rate:>8.0f} | {b[0]:>5} {b[1]:>8.1f} {b[2]:>8.1f} {b[3]:>9.1f} | {d[0]:>5} {d[1]:>8.1f} {d[2]:>8.1f} {d[3]:>9.1f} | {ratio:>9.1f} {retries:>7}")
med = [statistics.median(c) for c in zip(*lines)]
print(f"median: {med[0]:.0f} keys/s, move {med[1]:.1f} s, probe p99 before {med[2]:.1f} ms, during {med[3]:.1f} ms (ratio {med[4]:.1f})")
PY
}

move() {
  local round probe_pid t_cmd t_done moved results="$workdir/move"
  echo "Movement: RAFT SHARDS 6 -> 7 on 3 nodes, $MOVE_KEYS keys x $VALUE_SIZE B, probe $PROBE_RATE SET/GET a second; $(load)"
  for round in $(seq 1 "$MOVE_ROUNDS"); do
    if ! shard_nodes 6; then
      stop_pids "${rpid[@]}"
      echo "  round $round: skipped (no leader for every group); $(load)"
      continue
    fi
    read -r keys fill_s fill_rate fill_retries <<<"$(java -cp "$load_jar" io.magpie.bench.ShardLoad fill "127.0.0.1:${cport[1]}" \
      "$MOVE_KEYS" "$VALUE_SIZE" "$FILL_THREADS" 2>>"$workdir/load.err")"
    java -cp "$load_jar" io.magpie.bench.ShardLoad probe "127.0.0.1:${cport[1]}" "$MOVE_KEYS" "$PROBE_RATE" "$workdir/probe$round" \
      2>>"$workdir/load.err" &
    probe_pid=$!
    pids+=("$probe_pid")
    sleep "$BEFORE"
    t_cmd=$(date +%s%3N)
    redis-cli -p "${cport[1]}" raft shards 7 >/dev/null
    local deadline=$(( $(date +%s) + MOVE_TIMEOUT )) finished i
    while :; do
      finished=0
      for i in 1 2 3; do
        [ "$(raft_field "${cport[$i]}" raft_shards)" = 7 ] && [ "$(raft_field "${cport[$i]}" resharding)" = 0 ] && finished=$((finished + 1))
      done
      [ "$finished" = 3 ] && break
      if [ "$(date +%s)" -gt "$deadline" ]; then echo "the move did not finish in $MOVE_TIMEOUT s" >&2; break; fi
      sleep 0.1
    done
    t_done=$(date +%s%3N)
    sleep 2
    stop_pids "$probe_pid"
    read -r slots moved <<<"$(java -cp "$load_jar" io.magpie.bench.ShardLoad shard "127.0.0.1:${cport[1]}" 6 2>>"$workdir/load.err")"
    echo "$round $keys $fill_rate $slots $moved $t_cmd $t_done $workdir/probe$round" >>"$results"
    echo "  round $round: filled $keys keys at $fill_rate keys/s ($fill_retries retries); moved $moved keys of $slots slots in $((t_done - t_cmd)) ms; $(load)"
    stop_pids "${rpid[@]}"
    move_table "$results" # after each round: a round's probe file goes with the work directory
  done
  grep -v '^SLF4J' "$workdir/load.err" | sort | uniq -c | sort -rn | head -5 >&2 || true
}

case "$part" in
  --scaling) scaling ;;
  --move) move ;;
  all) scaling; move ;;
  *) echo "usage: bench/raft-shards.sh [--scaling|--move]" >&2; exit 2 ;;
esac
echo "done; $(load)"
