#!/usr/bin/env bash
# The cost of ACL checks on SET/GET throughput, side by side: redis-server and Magpie, each
# with the default user (+@all ~* &*: no check) and with a restricted user whose every key
# is matched against a pattern (-@all +set +get +ping +config|get ~key:*). A benchmark, not
# a test: it prints numbers and asserts nothing.
#
# Environment (defaults in brackets): ROUNDS [8]  N [500000]  CLIENTS [50]  PIPELINE [16]
#   WARMUP [300000]  requests sent to Magpie first (JIT warm-up), not reported
#
# Each round runs the four combinations, alternating the users' order from round to round;
# the medians over the rounds and the restricted/default ratios are printed at the end.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS="${ROUNDS:-8}"
N="${N:-500000}"
CLIENTS="${CLIENTS:-50}"
PIPELINE="${PIPELINE:-16}"
WARMUP="${WARMUP:-300000}"

start_pair

for port in "$redis_port" "$magpie_port"; do
  redis-cli -p "$port" ACL SETUSER bench on '>benchpw' -@all +set +get +ping '+config|get' '~key:*' >/dev/null
done
redis-benchmark -p "$magpie_port" -t set,get -n "$WARMUP" -P "$PIPELINE" -q >/dev/null 2>&1

echo "redis-benchmark -t set,get -n $N -c $CLIENTS -P $PIPELINE; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
results="$workdir/results"
for round in $(seq 1 "$ROUNDS"); do
  users="default bench"
  [ $((round % 2)) = 0 ] && users="bench default"
  for server in redis magpie; do
    port="$redis_port"; [ "$server" = magpie ] && port="$magpie_port"
    for user in $users; do
      auth=(); [ "$user" = bench ] && auth=(--user bench -a benchpw)
      out="$(redis-benchmark -p "$port" -t set,get -n "$N" -c "$CLIENTS" -P "$PIPELINE" -q "${auth[@]}" 2>/dev/null | tr '\r' '\n' | grep 'requests per second')"
      echo "$server $user $(echo "$out" | awk '/^SET/ {print $2}') $(echo "$out" | awk '/^GET/ {print $2}')" >>"$results"
    done
  done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for server in ("redis", "magpie"):
    for user in ("default", "bench"):
        sel = [r for r in rows if r[0] == server and r[1] == user]
        med[server, user] = (statistics.median(float(r[2]) for r in sel), statistics.median(float(r[3]) for r in sel))
        print(f"{server:7} {user:8} SET {med[server, user][0]:>12.0f}  GET {med[server, user][1]:>12.0f}")
for server in ("redis", "magpie"):
    s = med[server, "bench"][0] / med[server, "default"][0]
    g = med[server, "bench"][1] / med[server, "default"][1]
    print(f"{server:7} restricted/default  SET {s:.3f}  GET {g:.3f}")
PY
