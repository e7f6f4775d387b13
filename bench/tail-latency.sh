#!/usr/bin/env bash
# Tail latency seen by a PING probe while a load runs, redis-server and Magpie side by side
# (issue 19: p99 and p99.9 <= Redis's at the same load, during BGSAVE, BGREWRITEAOF, a full
# sync and a large DEL; no pause over 10 ms). A benchmark, not a test: it prints numbers and
# asserts nothing.
#
# Both servers hold the same data (DEBUG POPULATE of KEYS keys, VALUE_SIZE bytes each). For
# each event and each server (alternating which goes first), redis-benchmark runs SET/GET on
# random keys with CLIENTS connections, and one more connection sends PING, waits for PONG,
# sleeps PROBE_GAP_MS and again, for PROBE_SECONDS; the event starts a second in:
#   steady        nothing (the load alone)
#   bgsave        BGSAVE
#   bgrewriteaof  BGREWRITEAOF
#   fullsync      redis-cli --rdb: a replica's full sync, as the master serves it
#   del           DEL of a hash of BIG_FIELDS fields (loaded before the probe starts)
# Per line: the probe's p50, p99, p99.9 and max in ms, the number of probes over 10 ms, and
# Magpie's p99/p99.9 as ratios of Redis's.
#
#   bench/tail-latency.sh   KEYS [1000000]  VALUE_SIZE [32]  CLIENTS [20]  PIPELINE [1]
#                           PROBE_SECONDS [6]  PROBE_GAP_MS [1]  BIG_FIELDS [1000000]
#                           EVENTS ["steady bgsave bgrewriteaof fullsync del"]
#                           MAGPIE_JAVA_OPTS as ./magpie-server
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
CLIENTS="${CLIENTS:-20}"
PIPELINE="${PIPELINE:-1}"
PROBE_SECONDS="${PROBE_SECONDS:-6}"
PROBE_GAP_MS="${PROBE_GAP_MS:-1}"
BIG_FIELDS="${BIG_FIELDS:-1000000}"
EVENTS="${EVENTS:-steady bgsave bgrewriteaof fullsync del}"

# probe PORT SECONDS GAP_MS: prints "p50 p99 p999 max over10ms count" (ms)
probe() {
  python3 - "$@" <<'PY'
import socket, sys, time
port, seconds, gap = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]) / 1000
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
lat = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    t = time.perf_counter_ns()
    s.sendall(b"PING\r\n")
    buf = b""
    while not buf.endswith(b"\r\n"):
        chunk = s.recv(64)
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
    lat.append((time.perf_counter_ns() - t) / 1e6)
    time.sleep(gap)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("%.3f %.3f %.3f %.3f %d %d" % (q(0.5), q(0.99), q(0.999), lat[-1], sum(1 for x in lat if x > 10), len(lat)))
PY
}

# big_hash PORT: a hash "big" of BIG_FIELDS fields, through redis-cli --pipe
big_hash() {
  python3 - "$BIG_FIELDS" <<'PY' | redis-cli -p "$1" --pipe >/dev/null
import sys
n = int(sys.argv[1]); out = sys.stdout.buffer
for start in range(0, n, 1000):
    args = [b"HSET", b"big"]
    for i in range(start, min(n, start + 1000)): args += [b"field:%d" % i, b"value:%d" % i]
    out.write(b"*%d\r\n" % len(args))
    for a in args: out.write(b"$%d\r\n%s\r\n" % (len(a), a))
PY
}

# wait_idle PORT: until no BGSAVE or AOF rewrite is running (bounded)
wait_idle() {
  for _ in $(seq 600); do
    redis-cli -p "$1" info persistence | tr -d '\r' | grep -qE '^(rdb_bgsave_in_progress|aof_rewrite_in_progress):1' || return 0
    sleep 0.1
  done
}

# one PORT EVENT: prints the probe's figures for one event on one server
one() {
  local port=$1 event=$2 load probe_out
  [ "$event" = del ] && big_hash "$port"
  wait_idle "$port"
  redis-benchmark -h 127.0.0.1 -p "$port" -t set,get -r "$KEYS" -d "$VALUE_SIZE" -c "$CLIENTS" -P "$PIPELINE" \
    -n 2000000000 -q >/dev/null 2>&1 &
  load=$!
  sleep 1
  probe "$port" "$PROBE_SECONDS" "$PROBE_GAP_MS" >"$workdir/probe" &
  local probe_pid=$!
  sleep 1
  case "$event" in
    steady) ;;
    bgsave) redis-cli -p "$port" bgsave >/dev/null ;;
    bgrewriteaof) redis-cli -p "$port" bgrewriteaof >/dev/null ;;
    fullsync) timeout 120 redis-cli -p "$port" --rdb "$workdir/sync.rdb" >/dev/null 2>&1 & ;;
    del) redis-cli -p "$port" del big >/dev/null ;;
  esac
  wait "$probe_pid" || true
  kill "$load" 2>/dev/null || true
  wait "$load" 2>/dev/null || true
  wait_idle "$port"
  cat "$workdir/probe"
}

start_pair
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $KEYS keys x $VALUE_SIZE B, $CLIENTS clients -P $PIPELINE SET/GET;" \
  "PING every ${PROBE_GAP_MS} ms for ${PROBE_SECONDS} s; Magpie JVM: $MAGPIE_JAVA_OPTS"
for p in "$redis_port" "$magpie_port"; do
  redis-cli -p "$p" debug populate "$KEYS" key "$VALUE_SIZE" >/dev/null
done
printf '%-13s %-7s %8s %8s %8s %8s %7s %7s\n' event server p50 p99 p99.9 max '>10ms' probes
first=redis
for event in $EVENTS; do
  declare -A res=()
  if [ "$first" = redis ]; then order="redis magpie"; first=magpie; else order="magpie redis"; first=redis; fi
  for s in $order; do
    if [ "$s" = redis ]; then port=$redis_port; else port=$magpie_port; fi
    res[$s]="$(one "$port" "$event")"
  done
  for s in redis magpie; do
    read -r p50 p99 p999 max over n <<<"${res[$s]}"
    printf '%-13s %-7s %8s %8s %8s %8s %7s %7s\n' "$event" "$s" "$p50" "$p99" "$p999" "$max" "$over" "$n"
  done
  read -r _ rp99 rp999 _ <<<"${res[redis]}"
  read -r _ mp99 mp999 _ <<<"${res[magpie]}"
  awk -v a="$mp99" -v b="$rp99" -v c="$mp999" -v d="$rp999" -v e="$event" \
    'BEGIN { printf "%-13s ratio   p99 %.2f  p99.9 %.2f  (Magpie / Redis)\n", e, a / b, c / d }'
  unset res
done
