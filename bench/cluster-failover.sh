#!/usr/bin/env bash
# Failover time of a cluster, side by side: three masters and three replicas of redis-server,
# and the same of Magpie, each made by redis-cli --cluster create with
# cluster-node-timeout NODE_TIMEOUT. A master is killed with kill -9; the figure is the time
# from the kill to the first write to one of its keys acknowledged by the new master (a
# redis-cli -c client retrying through another node). The clusters are made with the default
# node timeout and set to NODE_TIMEOUT by CONFIG SET once whole: cold JVMs on a loaded machine
# can take longer than a 1000 ms handshake timeout to meet. A benchmark, not a test: it prints
# numbers and asserts nothing.
#
# Environment (defaults in brackets): ROUNDS [3]  NODE_TIMEOUT [1000] (ms)
#   ORDER ["redis magpie"]  the kinds of the odd rounds (even rounds reverse them); one kind alone runs only that one
#
# Each round builds both clusters afresh, alternating which goes first; the per-round times,
# their medians and Magpie/redis-server are printed at the end.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS="${ROUNDS:-3}"
NODE_TIMEOUT="${NODE_TIMEOUT:-1000}"
KEY=failover-probe

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# start_node kind dir: a cluster node on a free port; sets node_port and node_pid.
start_node() {
  node_port="$(free_port)"
  local bus; bus="$(free_port)"
  mkdir -p "$2"
  if [ "$1" = redis ]; then
    redis-server --port "$node_port" --cluster-enabled yes --cluster-port "$bus" \
      --bind 127.0.0.1 --save '' --appendonly no --dir "$2" --logfile "$2/log" --daemonize no &
  else
    # shellcheck disable=SC2086
    java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$node_port" --cluster-enabled yes --cluster-port "$bus" \
      --bind 127.0.0.1 --save "" --appendonly no --dir "$2" >"$2/log" 2>&1 &
  fi
  node_pid=$!
  pids+=("$node_pid")
}

# owner port slot: the client port of the master that serves slot, as port's CLUSTER NODES says
owner() {
  redis-cli -p "$1" cluster nodes | awk -v s="$2" '$3 ~ /master/ && $3 !~ /fail/ {
    for (i = 9; i <= NF; i++) { n = split($i, r, "-"); lo = r[1]; hi = (n == 2 ? r[2] : r[1]);
      if (s + 0 >= lo + 0 && s + 0 <= hi + 0) { split($2, a, "@"); split(a[1], h, ":"); print h[2] } } }'
}

# one_round kind: builds a 6-node cluster, kills the master of KEY, prints the ms to the next acknowledged write
one_round() {
  local kind="$1" ports=() nodepids=() i
  declare -A pid_of
  for i in 1 2 3 4 5 6; do
    start_node "$kind" "$workdir/$kind-r$round-$i"
    ports+=("$node_port"); nodepids+=("$node_pid"); pid_of[$node_port]=$node_pid
  done
  for i in 0 1 2 3 4 5; do wait_ready "${ports[$i]}" "${nodepids[$i]}" 120; done
  local addrs=(); for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
  for p in "${ports[@]}"; do
    until redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok'; do sleep 0.1; done
  done
  # every replica linked to its master and known to every node
  for p in "${ports[@]}"; do
    if redis-cli -p "$p" role | head -1 | grep -q slave; then
      until redis-cli -p "$p" info replication | grep -q 'master_link_status:up'; do sleep 0.1; done
    fi
    until [ "$(redis-cli -p "$p" cluster nodes | grep -c slave)" = 3 ]; do sleep 0.1; done
  done
  for p in "${ports[@]}"; do redis-cli -p "$p" config set cluster-node-timeout "$NODE_TIMEOUT" >/dev/null; done
  local slot victim client
  slot="$(redis-cli -p "${ports[0]}" cluster keyslot "$KEY")"
  victim="$(owner "${ports[0]}" "$slot")"
  until [ "$(redis-cli -c -p "$victim" set "$KEY" before 2>/dev/null)" = OK ]; do sleep 0.1; done
  sleep 2 # gossip settled: every node has heard from every other recently
  for p in "${ports[@]}"; do [ "$p" != "$victim" ] && client="$p" && break; done
  local t0 t1 reply
  t0="$(now_ms)"
  kill -9 "${pid_of[$victim]}"
  while true; do
    reply="$(timeout 2 redis-cli -c -p "$client" set "$KEY" after 2>/dev/null || true)"
    [ "$reply" = OK ] && break
    [ $(( $(now_ms) - t0 )) -gt 60000 ] && { echo "$kind: no write acknowledged within 60 s" >&2; break; }
    sleep 0.01
  done
  t1="$(now_ms)"
  for p in "${nodepids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${nodepids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo $((t1 - t0))
}

echo "failover: kill -9 of a master to the next acknowledged write, node-timeout $NODE_TIMEOUT ms, 3 masters + 3 replicas;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
results="$workdir/results"
for round in $(seq 1 "$ROUNDS"); do
  order="${ORDER:-redis magpie}"
  [ $((round % 2)) = 0 ] && order="$(echo "$order" | awk '{for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? " " : "")}')"
  for kind in $order; do
    ms="$(one_round "$kind")"
    echo "round $round $kind ${ms} ms"
    echo "$kind $ms" >>"$results"
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {k: statistics.median(float(r[1]) for r in rows if r[0] == k) for k in ("redis", "magpie") if any(r[0] == k for r in rows)}
print(", ".join(f"median {k} {v:.0f} ms" for k, v in med.items()))
if len(med) == 2:
    print(f"magpie/redis {med['magpie'] / med['redis']:.2f}")
PY
