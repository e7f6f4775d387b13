#!/usr/bin/env bash
# RSS of redis-server and Magpie holding one big collection: a 1M-field hash, a 1M-member
# set and a 1M-member sorted set (issue 3's memory goal: Magpie <= 1.5x Redis). Each type is
# loaded into a fresh pair of servers through redis-cli --pipe, so both receive the same
# bytes. A benchmark, not a test: it prints numbers and asserts nothing.
#
#   bench/collections-memory.sh          ELEMENTS [1000000]  MAGPIE_JAVA_OPTS as ./magpie-server
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ELEMENTS="${ELEMENTS:-1000000}"

# The load, as RESP, in commands of 1000 elements each.
gen() { # type file
  python3 - "$1" "$ELEMENTS" >"$2" <<'PY'
import sys
kind, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout.buffer
def cmd(args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for start in range(0, n, 1000):
    args = {"hash": [b"HSET", b"h"], "set": [b"SADD", b"s"], "zset": [b"ZADD", b"z"]}[kind]
    for i in range(start, min(n, start + 1000)):
        if kind == "hash": args += [b"field:%d" % i, b"value:%d" % i]
        elif kind == "set": args += [b"member:%d" % i]
        else: args += [b"%d" % (i * 7 % 1000003), b"member:%d" % i]
    cmd(args)
PY
}

printf '%-6s %10s %12s %12s %7s\n' type elements redis_rss magpie_rss ratio
for kind in hash set zset; do
  gen "$kind" "$workdir/$kind.resp"
  rp="$(free_port)"; mp="$(free_port)"
  redis-server --port "$rp" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" --daemonize no >/dev/null &
  r=$!; pids+=("$r")
  # shellcheck disable=SC2086
  java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$mp" --bind 127.0.0.1 --save "" --appendonly no --dir "$workdir" >/dev/null 2>&1 &
  m=$!; pids+=("$m")
  wait_ready "$rp"; wait_ready "$mp"
  redis-cli -p "$rp" --pipe <"$workdir/$kind.resp" >/dev/null
  redis-cli -p "$mp" --pipe <"$workdir/$kind.resp" >/dev/null
  sleep 2
  rr="$(rss_kb "$r")"; mr="$(rss_kb "$m")"
  re="$(redis-cli -p "$rp" object encoding "${kind:0:1}")"; me="$(redis-cli -p "$mp" object encoding "${kind:0:1}")"
  awk -v k="$kind($re/$me)" -v n="$ELEMENTS" -v r="$rr" -v m="$mr" 'BEGIN { printf "%-22s %10d %9d kB %9d kB %7.2f\n", k, n, r, m, m / r }'
  kill "$r" "$m" 2>/dev/null || true; wait "$r" "$m" 2>/dev/null || true
done
