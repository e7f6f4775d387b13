#!/usr/bin/env bash
# Side-by-side benchmark of Lua scripting: EVALSHA of a small script (INCR + EXPIRE on a
# random key) with redis-benchmark against redis-server and Magpie in one run. A benchmark,
# not a test: it prints numbers and a ratio and asserts nothing.
#
#   bench/scripting.sh
#
# Environment (defaults in brackets):
#   N [300000]  CLIENTS [50]  PIPELINES ["1 16"]  WARMUP [1000000] requests sent to Magpie first (JIT:
#   after 200000 the C2 compiler still spent 0.6 s of CPU during the measured 300000 at -P 1)
#   RANDOM_KEYSPACE [100000]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N="${N:-300000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
WARMUP="${WARMUP:-1000000}"
RANDOM_KEYSPACE="${RANDOM_KEYSPACE:-100000}"
SCRIPT="local n = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 3600) return n"

start_pair

sha=""
for port in "$redis_port" "$magpie_port"; do sha="$(redis-cli -h 127.0.0.1 -p "$port" script load "$SCRIPT")"; done
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') port $redis_port; Magpie port $magpie_port, JVM: $MAGPIE_JAVA_OPTS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); script $sha: $SCRIPT"

run_one() { # port pipeline n -> "rps ns" (ns: the command threads' CPU per request)
  local pid=$magpie_pid threads=loops
  [ "$1" = "$redis_port" ] && pid=$redis_pid threads=all
  local before rps
  before="$(command_cpu_ns "$pid" $threads)"
  rps="$(redis-benchmark -h 127.0.0.1 -p "$1" -c "$CLIENTS" -n "$3" -P "$2" -r "$RANDOM_KEYSPACE" --csv \
    EVALSHA "$sha" 1 "key:__rand_int__" 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"')"
  echo "$rps $(( ($(command_cpu_ns "$pid" $threads) - before) / $3 ))"
}

run_one "$magpie_port" 16 "$WARMUP" >/dev/null
printf '%-22s %12s %12s %8s %12s %12s %8s\n' test redis_rps magpie_rps ratio redis_ns/req magpie_ns/req ratio
first=redis
for p in $PIPELINES; do
  if [ $first = redis ]; then r="$(run_one "$redis_port" "$p" "$N")"; m="$(run_one "$magpie_port" "$p" "$N")"; first=magpie
  else m="$(run_one "$magpie_port" "$p" "$N")"; r="$(run_one "$redis_port" "$p" "$N")"; first=redis; fi
  # The CPU ratio is Redis's CPU per request over Magpie's: what the throughput ratio would be were each server's command thread alone on a core.
  awk -v t="evalsha incr+expire P$p" -v r="$r" -v m="$m" 'BEGIN { split(r, a, " "); split(m, b, " ");
    printf "%-22s %12.0f %12.0f %8.2f %12d %12d %8.2f\n", t, a[1], b[1], b[1] / a[1], a[2], b[2], a[2] / b[2] }'
done
