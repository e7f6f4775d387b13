#!/usr/bin/env bash
# SET/GET throughput of a 3-master cluster, side by side: redis-benchmark --cluster against
# three redis-server nodes and three Magpie nodes, each cluster made by redis-cli --cluster
# create, at -P 1 and -P 16. A benchmark, not a test: it prints numbers and asserts nothing.
#
# Environment (defaults in brackets): ROUNDS [3]  N [200000]  CLIENTS [50]
#   WARMUP [200000]  requests sent to the Magpie cluster first (JIT warm-up), not reported
#
# Each round runs both clusters at both pipeline depths, alternating which goes first; the
# medians over the rounds and the Magpie/redis-server ratios are printed at the end.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS="${ROUNDS:-3}"
N="${N:-200000}"
CLIENTS="${CLIENTS:-50}"
WARMUP="${WARMUP:-200000}"

declare -A first
for kind in redis magpie; do
  start_cluster "$kind"
  first[$kind]="$cluster_port"
done

redis-benchmark --cluster -h 127.0.0.1 -p "${first[magpie]}" -t set,get -n "$WARMUP" -P 16 -q >/dev/null 2>&1

echo "redis-benchmark --cluster -t set,get -n $N -c $CLIENTS, 3 masters each; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
results="$workdir/results"
for round in $(seq 1 "$ROUNDS"); do
  order="redis magpie"
  [ $((round % 2)) = 0 ] && order="magpie redis"
  for kind in $order; do
    for pipeline in 1 16; do
      out="$(redis-benchmark --cluster -h 127.0.0.1 -p "${first[$kind]}" -t set,get -n "$N" -c "$CLIENTS" -P "$pipeline" -q 2>/dev/null \
        | tr '\r' '\n' | grep 'requests per second')"
      echo "$kind $pipeline $(echo "$out" | awk '/^SET/ {print $2}') $(echo "$out" | awk '/^GET/ {print $2}')" >>"$results"
    done
  done
done

set_get_medians "$results"
