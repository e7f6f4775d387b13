#!/usr/bin/env bash
# Memory of redis-server and Magpie side by side: idle, then holding 1M small strings, a
# 1M-field hash, a 1M-member set and a 1M-member sorted set (issue 19's goal: RSS <= 1.3x
# Redis's, idle RSS <= 40 MB). Each data set is loaded into a fresh pair of servers through
# redis-cli --pipe, so both receive the same bytes; then INFO's used_memory and the RSS of
# each, and Magpie's as a ratio of Redis's. A benchmark, not a test: it prints numbers and
# asserts nothing.
#
#   bench/memory.sh      ELEMENTS [1000000]  VALUE_SIZE [32]  KINDS ["idle strings hash set zset"]
#                        IDLE_WAIT [10] seconds idle before the idle RSS (after a short SET/GET load)
#                        small-hash small-set small-intset small-zset small-list (KINDS): SMALL_KEYS [100000]
#                        collections of SMALL_SIZE [10] elements each, the encodings Redis keeps compact
#                        SETTLE [2] seconds after a load before reading memory (G1's periodic
#                        collection, every 5 s when idle, gives back the load's garbage)
#                        MAGPIE_JAVA_OPTS as ./magpie-server
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ELEMENTS="${ELEMENTS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
KINDS="${KINDS:-idle strings hash set zset}"
IDLE_WAIT="${IDLE_WAIT:-10}"
SETTLE="${SETTLE:-2}"
SMALL_KEYS="${SMALL_KEYS:-100000}"
SMALL_SIZE="${SMALL_SIZE:-10}"

# The load, as RESP: strings as MSETs of 1000 keys, collections in commands of 1000 elements.
gen() { # kind file
  python3 - "$1" "$ELEMENTS" "$VALUE_SIZE" "$SMALL_KEYS" "$SMALL_SIZE" >"$2" <<'PY'
import sys
kind, n, size, small_keys, small_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
out = sys.stdout.buffer
def cmd(args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
if kind.startswith("small-"):
    # Many small collections: one command per key, elements as a typical object's fields.
    for k in range(small_keys):
        key = b"%s:%d" % (kind.encode(), k)
        r = range(small_size)
        args = {"small-hash": [b"HSET", key] + [x for i in r for x in (b"field%d" % i, b"value:%d" % (k + i))],
                "small-set": [b"SADD", key] + [b"member:%d" % (k + i) for i in r],
                "small-intset": [b"SADD", key] + [b"%d" % (k + i) for i in r],
                "small-zset": [b"ZADD", key] + [x for i in r for x in (b"%d" % (k + i), b"member:%d" % i)],
                "small-list": [b"RPUSH", key] + [b"item:%d" % (k + i) for i in r]}[kind]
        cmd(args)
    sys.exit(0)
for start in range(0, n, 1000):
    args = {"strings": [b"MSET"], "hash": [b"HSET", b"h"], "set": [b"SADD", b"s"], "zset": [b"ZADD", b"z"]}[kind]
    for i in range(start, min(n, start + 1000)):
        if kind == "strings": args += [b"key:%012d" % i, (b"v%d:" % i).ljust(size, b"x")[:size]]
        elif kind == "hash": args += [b"field:%d" % i, b"value:%d" % i]
        elif kind == "set": args += [b"member:%d" % i]
        else: args += [b"%d" % (i * 7 % 1000003), b"member:%d" % i]
    cmd(args)
PY
}

used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }

echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); Magpie JVM: $MAGPIE_JAVA_OPTS"
printf '%-22s %10s %12s %12s %7s %12s %12s %7s\n' kind elements redis_used magpie_used ratio redis_rss magpie_rss ratio
for kind in $KINDS; do
  start_pair
  if [ "$kind" = idle ]; then
    # Idle after a short load, as a node that served a few clients and went quiet.
    for p in "$redis_port" "$magpie_port"; do
      redis-benchmark -p "$p" -t set,get -n 100000 -c 50 -q >/dev/null 2>&1 || true
      redis-cli -p "$p" flushall >/dev/null
    done
    sleep "$IDLE_WAIT"
    n=0 label=idle
  else
    gen "$kind" "$workdir/$kind.resp"
    redis-cli -p "$redis_port" --pipe <"$workdir/$kind.resp" >/dev/null
    redis-cli -p "$magpie_port" --pipe <"$workdir/$kind.resp" >/dev/null
    sleep "$SETTLE"
    n=$ELEMENTS
    if [[ "$kind" == small-* ]]; then
      n=$SMALL_KEYS k="$kind:0"
      label="$kind($(redis-cli -p "$redis_port" object encoding "$k")/$(redis-cli -p "$magpie_port" object encoding "$k"))"
    elif [ "$kind" = strings ]; then
      label="strings(${VALUE_SIZE}B)"
    else
      k=${kind:0:1}
      label="$kind($(redis-cli -p "$redis_port" object encoding "$k")/$(redis-cli -p "$magpie_port" object encoding "$k"))"
    fi
  fi
  ru="$(used_memory "$redis_port")"; mu="$(used_memory "$magpie_port")"
  rr="$(rss_kb "$redis_pid")"; mr="$(rss_kb "$magpie_pid")"
  awk -v k="$label" -v n="$n" -v ru="$ru" -v mu="$mu" -v r="$rr" -v m="$mr" 'BEGIN {
    printf "%-22s %10d %9.1f MB %9.1f MB %7.2f %9.1f MB %9.1f MB %7.2f\n", k, n, ru / 1048576, mu / 1048576, mu / ru, r / 1024, m / 1024, m / r }'
  kill "$redis_pid" "$magpie_pid" 2>/dev/null || true; wait "$redis_pid" "$magpie_pid" 2>/dev/null || true
done
