#!/usr/bin/env bash
# Streams side by side (issue 17): memory of ENTRIES entries of 3 fields in one stream, and
# XADD, XREADGROUP and XACK throughput with redis-benchmark at -P 1 and -P 16. A benchmark,
# not a test: it prints numbers and asserts nothing. Both servers receive the same bytes.
#
#   bench/streams.sh             ENTRIES [1000000]  N [300000]  CLIENTS [50]  PIPELINES ["1 16"]
#                                WARMUP [200000] (Magpie first runs each test this many times)
#   bench/streams.sh --memory    the memory part only
#
# Memory: used_memory of each server's INFO (Magpie's is its own accounting of the data)
# and RSS; for Magpie also the live heap after a full GC, which is what the accounting
# must stay close to. A SET row calibrates the machine's noise. XREADGROUP reads one new entry per call (COUNT 1, ">") from a stream
# filled beforehand; XACK acknowledges random IDs of a group whose PEL holds every entry.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ENTRIES="${ENTRIES:-1000000}"
N="${N:-300000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
WARMUP="${WARMUP:-200000}"

# fill KEY COUNT FILE: XADD KEY 1-i with 3 fields, as RESP, explicit IDs so that XACK can name them.
fill() {
  python3 - "$1" "$2" >"$3" <<'PY'
import sys
key, n = sys.argv[1].encode(), int(sys.argv[2])
out = sys.stdout.buffer
for i in range(n):
    args = [b"XADD", key, b"1-%d" % i, b"user", b"user:%d" % (i * 7919 % 1000003), b"amount", b"%d" % (i % 10000),
            b"event", b"checkout-%d" % (i % 97)]
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
PY
}

rp="$(free_port)"; mp="$(free_port)"
redis-server --port "$rp" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" --logfile "$workdir/redis.log" --daemonize no &
r=$!; pids+=("$r")
# shellcheck disable=SC2086
java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$mp" --bind 127.0.0.1 --save "" --appendonly no --dir "$workdir" >"$workdir/magpie.log" 2>&1 &
m=$!; pids+=("$m")
wait_ready "$rp" "$r"; wait_ready "$mp" "$m"
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') port $rp; Magpie port $mp, JVM: $MAGPIE_JAVA_OPTS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

used_memory() { redis-cli -p "$1" info memory | awk -F: '/^used_memory:/ { gsub(/\r/, "", $2); print $2 }'; }
live_heap_kb() { # after a full GC: used bytes of every space (jstat -gc columns S0U S1U EU OU)
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  jstat -gc "$1" | awk 'NR == 2 { printf "%d", $3 + $4 + $6 + $8 }'
}

# ---------------- memory ----------------
fill s "$ENTRIES" "$workdir/fill.resp"
r_used0="$(used_memory "$rp")"; m_used0="$(used_memory "$mp")"; m_heap0="$(live_heap_kb "$m")"
redis-cli -p "$rp" --pipe <"$workdir/fill.resp" >/dev/null
redis-cli -p "$mp" --pipe <"$workdir/fill.resp" >/dev/null
sleep 2
r_used="$(used_memory "$rp")"; m_used="$(used_memory "$mp")"; m_heap="$(live_heap_kb "$m")"
echo "$ENTRIES entries of 3 fields (XLEN redis $(redis-cli -p "$rp" xlen s), magpie $(redis-cli -p "$mp" xlen s);" \
  "radix-tree-keys redis $(redis-cli -p "$rp" xinfo stream s | sed -n 4p), magpie $(redis-cli -p "$mp" xinfo stream s | sed -n 4p))"
awk -v n="$ENTRIES" -v r0="$r_used0" -v r1="$r_used" -v m0="$m_used0" -v m1="$m_used" -v h0="$m_heap0" -v h1="$m_heap" \
  -v rr="$(rss_kb "$r")" -v mr="$(rss_kb "$m")" 'BEGIN {
    rb = (r1 - r0) / n; mb = (m1 - m0) / n; hb = (h1 - h0) * 1024 / n
    printf "used_memory growth per entry: redis %.1f B, magpie %.1f B (ratio %.2f)\n", rb, mb, mb / rb
    printf "Magpie live heap growth per entry after full GC: %.1f B (accounting / heap %.2f)\n", hb, mb / hb
    printf "used_memory total: redis %d, magpie %d (ratio %.2f); RSS redis %d kB, magpie %d kB\n", r1, m1, m1 / r1, rr, mr
  }'
redis-cli -p "$rp" del s >/dev/null; redis-cli -p "$mp" del s >/dev/null
[ "${1:-}" = "--memory" ] && exit 0

# ---------------- throughput ----------------
fill xr "$N" "$workdir/xr.resp"
fill xk "$N" "$workdir/xk.resp"
fill w "$WARMUP" "$workdir/w.resp"

# setup PORT TEST: the keys a run needs, fresh.
setup() {
  local port=$1
  case "$2" in
    xadd) redis-cli -p "$port" del xa >/dev/null ;;
    xreadgroup)
      redis-cli -p "$port" del xr >/dev/null
      redis-cli -p "$port" --pipe <"$workdir/xr.resp" >/dev/null
      redis-cli -p "$port" xgroup create xr g 0 >/dev/null ;;
    xack)
      redis-cli -p "$port" del xk >/dev/null
      redis-cli -p "$port" --pipe <"$workdir/xk.resp" >/dev/null
      redis-cli -p "$port" xgroup create xk g 0 >/dev/null
      redis-cli -p "$port" xreadgroup group g c streams xk ">" >/dev/null ;;
  esac
}

command_of() {
  case "$1" in
    set) echo "SET key:__rand_int__ value-of-16-by" ;;
    xadd) echo "XADD xa * user user:42 amount 1234 event checkout-7" ;;
    xreadgroup) echo "XREADGROUP GROUP g c COUNT 1 STREAMS xr >" ;;
    xack) echo "XACK xk g 1-__rand_int__" ;;
  esac
}

run_one() { # port test pipeline -> "rps ns" (ns: the command threads' CPU per request)
  setup "$1" "$2"
  local pid=$m threads=loops before rps
  [ "$1" = "$rp" ] && pid=$r threads=all
  before="$(command_cpu_ns "$pid" $threads)"
  # shellcheck disable=SC2046
  rps="$(set -f; { redis-benchmark -h 127.0.0.1 -p "$1" -n "$N" -c "$CLIENTS" -P "$3" -r "$N" --csv $(command_of "$2") 2>/dev/null || true; } \
    | awk -F, 'NR > 1 { gsub(/"/, "", $2); r = $2 } END { print (r == "" ? 0 : r) }')"
  echo "$rps $(( ($(command_cpu_ns "$pid" $threads) - before) / N ))"
}

if [ "$WARMUP" -gt 0 ]; then
  for pipeline in $PIPELINES; do
    redis-cli -p "$mp" del w >/dev/null
    redis-cli -p "$mp" --pipe <"$workdir/w.resp" >/dev/null
    redis-cli -p "$mp" xgroup create w g 0 >/dev/null
    set -f
    redis-benchmark -h 127.0.0.1 -p "$mp" -n "$WARMUP" -c "$CLIENTS" -P "$pipeline" -q XADD wa '*' a 1 b 2 c 3 >/dev/null 2>&1 || true
    redis-benchmark -h 127.0.0.1 -p "$mp" -n "$WARMUP" -c "$CLIENTS" -P "$pipeline" -q XREADGROUP GROUP g c COUNT 1 STREAMS w '>' >/dev/null 2>&1 || true
    redis-benchmark -h 127.0.0.1 -p "$mp" -n "$WARMUP" -c "$CLIENTS" -P "$pipeline" -r "$WARMUP" -q XACK w g '1-__rand_int__' >/dev/null 2>&1 || true
    set +f
  done
  redis-cli -p "$mp" del w wa >/dev/null
fi

printf '%-11s %-3s %12s %12s %7s %12s %12s %7s\n' test P redis_rps magpie_rps ratio redis_ns/req magpie_ns/req ratio
i=0
for pipeline in $PIPELINES; do
  for t in set xadd xreadgroup xack; do
    if [ $((i % 2)) -eq 0 ]; then
      rr="$(run_one "$rp" $t "$pipeline")"; mr="$(run_one "$mp" $t "$pipeline")"
    else
      mr="$(run_one "$mp" $t "$pipeline")"; rr="$(run_one "$rp" $t "$pipeline")"
    fi
    i=$((i + 1))
    # The CPU ratio is Redis's CPU per request over Magpie's (see command_cpu_ns).
    awk -v t=$t -v p="$pipeline" -v r="$rr" -v m="$mr" 'BEGIN { split(r, a, " "); split(m, b, " ");
      printf "%-11s %-3s %12.0f %12.0f %7.2f %12d %12d %7.2f\n", t, p, a[1], b[1], (a[1] > 0 ? b[1] / a[1] : 0), a[2], b[2], (b[2] > 0 ? a[2] / b[2] : 0) }'
  done
done
echo "after the runs: used_memory redis $(used_memory "$rp"), magpie $(used_memory "$mp"); RSS redis $(rss_kb "$r") kB, magpie $(rss_kb "$m") kB"
