#!/usr/bin/env bash
# Side-by-side benchmark of redis-server and Magpie with redis-benchmark. A benchmark, not
# a test: it prints numbers and asserts nothing. Both servers run on this machine at once,
# on free loopback ports, and are killed on exit.
#
#   bench/side-by-side.sh            throughput and p99 per test, without and with pipelining
#   bench/side-by-side.sh --memory   RSS of each server after the same 1M-key SET load
#
# Environment (defaults in brackets):
#   TESTS [set,get,incr,lpush,mset]  N [500000]  CLIENTS [50]  PIPELINES ["1 16"]
#   WARMUP [200000]      requests sent to Magpie first (JIT warm-up), not reported
#   MEM_KEYSPACE [1000000]  MEM_N [2000000]  MEM_SIZE [32]  MEM_PIPELINE [16]
#   MAGPIE_JAVA_OPTS [as ./magpie-server: G1, see bench/lib.sh]   JVM flags for Magpie
#   COMMANDS [""]        extra lines of arbitrary commands, one per line, "name: COMMAND args"
#                        (redis-benchmark substitutes __rand_int__ with -r RANDOM_KEYSPACE)
#   RANDOM_KEYSPACE [100000]
#   ROUNDS [1]           rounds of every test; with more than one, each line's median ratio
#
#   Issue 19's lines: TESTS=set,get,incr,lpush,sadd,hset,zadd,mset ROUNDS=3 (geometric mean per depth)
#
#   Issue 3's lines:  TESTS=lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_600
#   Issue 4's lines:  TESTS=none COMMANDS="$(cat bench/probabilistic.commands)"
#
# Each test runs on the two servers one after the other, and the order alternates from one
# test to the next, so that a slow patch of a shared machine does not always fall on the
# same server. Numbers from a busy machine are indicative only.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TESTS="${TESTS:-set,get,incr,lpush,mset}"
N="${N:-500000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
WARMUP="${WARMUP:-200000}"
MEM_KEYSPACE="${MEM_KEYSPACE:-1000000}"
MEM_N="${MEM_N:-2000000}"
MEM_SIZE="${MEM_SIZE:-32}"
MEM_PIPELINE="${MEM_PIPELINE:-16}"
COMMANDS="${COMMANDS:-}"
RANDOM_KEYSPACE="${RANDOM_KEYSPACE:-100000}"

mode=throughput
[ "${1:-}" = "--memory" ] && mode=memory

start_pair

echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') pid $redis_pid port $redis_port;" \
  "Magpie pid $magpie_pid port $magpie_port, JVM: $MAGPIE_JAVA_OPTS; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$mode" = memory ]; then
  echo "RSS after: redis-benchmark -t set -r $MEM_KEYSPACE -n $MEM_N -d $MEM_SIZE -c $CLIENTS -P $MEM_PIPELINE"
  printf '%-8s %12s %12s %10s\n' server rss_before rss_after keys
  for s in redis magpie; do
    if [ $s = redis ]; then port=$redis_port pid=$redis_pid; else port=$magpie_port pid=$magpie_pid; fi
    before="$(rss_kb "$pid")"
    redis-benchmark -h 127.0.0.1 -p "$port" -t set -r "$MEM_KEYSPACE" -n "$MEM_N" -d "$MEM_SIZE" \
      -c "$CLIENTS" -P "$MEM_PIPELINE" -q >/dev/null
    sleep 2 # let a collection settle
    after="$(rss_kb "$pid")"
    keys="$(redis-cli -h 127.0.0.1 -p "$port" dbsize 2>/dev/null || echo '?')"
    printf '%-8s %10s kB %10s kB %10s\n' $s "$before" "$after" "$keys"
    eval "${s}_rss=$after"
  done
  # shellcheck disable=SC2154
  awk -v m="$magpie_rss" -v r="$redis_rss" 'BEGIN { printf "Magpie RSS / Redis RSS: %.2f\n", m / r }'
  exit 0
fi

# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
# The last CSV row is the test itself: LRANGE_* runs print redis-benchmark's LPUSH pre-fill first.
run_one() { # port test pipeline -> "rps p99" (nothing if the run failed)
  local port=$1 t=$2 pipeline=$3
  if [ "${t#cmd:}" != "$t" ]; then
    # shellcheck disable=SC2086
    set -f; { redis-benchmark -h 127.0.0.1 -p "$port" -n "$N" -c "$CLIENTS" -P "$pipeline" -r "$RANDOM_KEYSPACE" \
      --csv ${custom[${t#cmd:}]} 2>/dev/null || true; } \
      | awk -F, 'NR > 1 { gsub(/"/, "", $2); gsub(/"/, "", $7); r = $2; p = $7 } END { if (r != "") print r, p }'; set +f
  else
    { redis-benchmark -h 127.0.0.1 -p "$port" -t "$t" -n "$N" -c "$CLIENTS" -P "$pipeline" --csv 2>/dev/null || true; } \
      | awk -F, 'NR > 1 { gsub(/"/, "", $2); gsub(/"/, "", $7); r = $2; p = $7 } END { if (r != "") print r, p }'
  fi
}

# Arbitrary command lines: "name: COMMAND args" -> custom[name]="COMMAND args", tested as cmd:name.
declare -A custom=()
all_tests="$TESTS"
[ "$all_tests" = none ] && all_tests=""
while IFS= read -r line; do
  [ -z "${line// /}" ] && continue
  case "$line" in \#*) continue ;; esac
  name="${line%%:*}"; custom[$name]="${line#*: }"
  all_tests="${all_tests:+$all_tests,}cmd:$name"
done <<<"$COMMANDS"

# The JIT compiles what runs: warm up every test at every pipeline depth measured.
if [ "$WARMUP" -gt 0 ]; then
  for pipeline in $PIPELINES; do
    [ "$TESTS" != none ] && { redis-benchmark -h 127.0.0.1 -p "$magpie_port" -t "$TESTS" -n "$WARMUP" -c "$CLIENTS" -P "$pipeline" -q >/dev/null 2>&1 || true; }
    for name in "${!custom[@]}"; do
      # shellcheck disable=SC2086
      set -f; redis-benchmark -h 127.0.0.1 -p "$magpie_port" -n "$WARMUP" -c "$CLIENTS" -P "$pipeline" -r "$RANDOM_KEYSPACE" \
        -q ${custom[$name]} >/dev/null 2>&1 || true; set +f
    done
  done
fi

ROUNDS="${ROUNDS:-1}"
printf '%-14s %-3s %12s %12s %7s %12s %12s\n' test P redis_rps magpie_rps ratio redis_p99 magpie_p99
declare -A ratios=() # "P test" -> the ratios of every round
i=0
for round in $(seq "$ROUNDS"); do
[ "$ROUNDS" -gt 1 ] && echo "round $round, load $(cut -d' ' -f1 /proc/loadavg)"
for pipeline in $PIPELINES; do
  for t in ${all_tests//,/ }; do
    if [ $((i % 2)) -eq 0 ]; then
      r="$(run_one "$redis_port" "$t" "$pipeline")"
      m="$(run_one "$magpie_port" "$t" "$pipeline")"
    else
      m="$(run_one "$magpie_port" "$t" "$pipeline")"
      r="$(run_one "$redis_port" "$t" "$pipeline")"
    fi
    i=$((i + 1))
    read -r r_rps r_p99 <<<"${r:-0 0}"
    read -r m_rps m_p99 <<<"${m:-0 0}"
    awk -v t="$t" -v p="$pipeline" -v rr="$r_rps" -v mr="$m_rps" -v rp="$r_p99" -v mp="$m_p99" \
      'BEGIN { printf "%-14s %-3s %12.0f %12.0f %7.2f %10.3fms %10.3fms\n", t, p, rr, mr, (rr > 0 ? mr / rr : 0), rp, mp }'
    ratios["$pipeline $t"]+="$(awk -v rr="$r_rps" -v mr="$m_rps" 'BEGIN { printf "%.4f", (rr > 0 ? mr / rr : 0) }') "
  done
done
done
# Per depth: each test's median ratio over the rounds, and their geometric mean.
for pipeline in $PIPELINES; do
  for t in ${all_tests//,/ }; do echo "$t ${ratios["$pipeline $t"]}"; done | awk -v p="$pipeline" '
    { n = split(substr($0, length($1) + 2), r, " ")
      for (a = 2; a <= n; a++) for (b = a; b > 1 && r[b - 1] + 0 > r[b] + 0; b--) { x = r[b]; r[b] = r[b - 1]; r[b - 1] = x }
      m = (n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2)
      line = line sprintf(" %s %.2f", $1, m); if (m > 0) { lg += log(m); k++ } }
    END { printf "P%-3s median ratios:%s; geometric mean %.2f\n", p, line, (k ? exp(lg / k) : 0) }'
done
echo "Magpie RSS $(rss_kb "$magpie_pid") kB, Redis RSS $(rss_kb "$redis_pid") kB"
