#!/usr/bin/env bash
# Side-by-side benchmark of Lua scripting: EVALSHA of a small script (INCR + EXPIRE on a
# random key) with redis-benchmark against redis-server and Magpie in one run. A benchmark,
# not a test: it prints numbers and a ratio and asserts nothing.
#
#   bench/scripting.sh
#
# Environment (defaults in brackets):
#   N [300000]  CLIENTS [50]  PIPELINES ["1 16"]  WARMUP [200000] requests sent to Magpie first (JIT)
#   RANDOM_KEYSPACE [100000]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N="${N:-300000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
WARMUP="${WARMUP:-200000}"
RANDOM_KEYSPACE="${RANDOM_KEYSPACE:-100000}"
SCRIPT="local n = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 3600) return n"

start_pair

sha=""
for port in "$redis_port" "$magpie_port"; do sha="$(redis-cli -h 127.0.0.1 -p "$port" script load "$SCRIPT")"; done
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') port $redis_port; Magpie port $magpie_port, JVM: $MAGPIE_JAVA_OPTS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); script $sha: $SCRIPT"

run_one() { # port pipeline n -> rps
  redis-benchmark -h 127.0.0.1 -p "$1" -c "$CLIENTS" -n "$3" -P "$2" -r "$RANDOM_KEYSPACE" --csv \
    EVALSHA "$sha" 1 "key:__rand_int__" 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"'
}

run_one "$magpie_port" 16 "$WARMUP" >/dev/null
printf '%-22s %12s %12s %8s\n' test redis_rps magpie_rps ratio
first=redis
for p in $PIPELINES; do
  if [ $first = redis ]; then r="$(run_one "$redis_port" "$p" "$N")"; m="$(run_one "$magpie_port" "$p" "$N")"; first=magpie
  else m="$(run_one "$magpie_port" "$p" "$N")"; r="$(run_one "$redis_port" "$p" "$N")"; first=redis; fi
  awk -v t="evalsha incr+expire P$p" -v r="$r" -v m="$m" 'BEGIN { printf "%-22s %12.0f %12.0f %8.2f\n", t, r, m, m / r }'
done
