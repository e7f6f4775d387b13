#!/usr/bin/env bash
# Persistence side by side with redis-server: the same 1M keys of mixed types in both, then
# under a concurrent redis-benchmark write load: BGSAVE (duration, extra memory while the
# snapshot runs, worst client latency meanwhile), BGREWRITEAOF (the same three), and the
# RDB load time at restart. A benchmark, not a test: it prints numbers and asserts nothing.
#
#   bench/persistence.sh
#
# Environment (defaults in brackets):
#   STRINGS [600000]  COLLECTIONS [100000] per type (hash, list, set, zset)  ELEMENTS [8] each
#   VALUE_SIZE [32]   WRITE_CLIENTS [10] clients of the write load (SET over the string keys)
#   MAGPIE_JAVA_OPTS [as ./magpie-server: G1, see bench/lib.sh]   JVM flags for Magpie
#
# How each figure is taken:
#   duration      wall time from the command's reply to INFO showing it finished (polled every 20 ms)
#   extra memory  peak, sampled every 20 ms, of the server's RSS plus the private (copied) memory
#                 of its child processes (Redis's fork), minus the RSS just before the command
#   worst latency the slowest PING round trip of a client pinging every millisecond meanwhile,
#                 and its p99; "write load alone" is the same over five seconds without a snapshot
#   load          "DB loaded from disk" from each server's log, and the wall time from process
#                 start until PING answers PONG (Magpie's includes starting the JVM)
# Both servers hold the dataset at once; each measurement runs on one server then the other.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STRINGS="${STRINGS:-600000}"
COLLECTIONS="${COLLECTIONS:-100000}"
ELEMENTS="${ELEMENTS:-8}"
VALUE_SIZE="${VALUE_SIZE:-32}"
WRITE_CLIENTS="${WRITE_CLIENTS:-10}"

info_field() { redis-cli -p "$1" info persistence | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }

# The dataset as RESP, so that both servers receive the same bytes through redis-cli --pipe.
# String keys are named as redis-benchmark's __rand_int__ expands (12 digits): the write load
# overwrites them and the dataset keeps its size.
python3 - "$STRINGS" "$COLLECTIONS" "$ELEMENTS" "$VALUE_SIZE" >"$workdir/data.resp" <<'PY'
import sys
strings, colls, elems, size = map(int, sys.argv[1:])
out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
value = b"v" * size
for i in range(strings):
    cmd(b"SET", b"str:%012d" % i, value)
for i in range(colls):
    cmd(b"HSET", b"hash:%d" % i, *[x for j in range(elems) for x in (b"field:%d" % j, b"value:%d:%d" % (i, j))])
    cmd(b"RPUSH", b"list:%d" % i, *[b"element:%d:%d" % (i, j) for j in range(elems)])
    cmd(b"SADD", b"set:%d" % i, *[b"member:%d:%d" % (i, j) for j in range(elems)])
    cmd(b"ZADD", b"zset:%d" % i, *[x for j in range(elems) for x in (b"%d" % (j * 7), b"member:%d:%d" % (i, j))])
PY

# The probe: sends one command (BGSAVE or BGREWRITEAOF), then until INFO says it is over,
# pings every millisecond on its own connection and samples memory every 20 ms.
# Prints: seconds max_ms p99_ms extra_kb baseline_kb
cat >"$workdir/probe.py" <<'PY'
import os, socket, sys, time
port, pid, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def connect():
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
def call(s, line):
    s.sendall(line.encode() + b"\r\n")
    data = b""
    while True:
        data += s.recv(65536)
        if data.startswith(b"$"):
            n = int(data[1:data.index(b"\r\n")])
            if len(data) >= data.index(b"\r\n") + 2 + n + 2:
                return data.decode("latin-1")
        elif data.endswith(b"\r\n"):
            return data.decode("latin-1")
def kb(path, names):
    total = 0
    try:
        with open(path) as f:
            for line in f:
                k = line.split(":")[0]
                if k in names:
                    total += int(line.split()[1])
    except OSError:
        pass
    return total
def memory():
    total = kb("/proc/%d/status" % pid, ("VmRSS",))
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            children = f.read().split()
    except OSError:
        children = []
    for c in children:  # a fork shares the parent's pages until either writes: count its own copies
        total += kb("/proc/%s/smaps_rollup" % c, ("Private_Clean", "Private_Dirty"))
    return total
ping, info = connect(), connect()
baseline = min(memory() for _ in range(5))
# NONE: no command, five seconds of the write load alone (the latency baseline).
done_field = {"BGSAVE": "rdb_bgsave_in_progress", "BGREWRITEAOF": "aof_rewrite_in_progress", "NONE": None}[command]
if done_field:
    reply = call(info, command)
    if not reply.startswith("+"):
        sys.exit("%s: %s" % (command, reply.strip()))
start = time.monotonic()
latencies, peak, next_sample = [], baseline, 0.0
while True:
    now = time.monotonic()
    if now >= next_sample:
        next_sample = now + 0.02
        peak = max(peak, memory())
        fields = dict(l.split(":", 1) for l in call(info, "INFO persistence").split("\r\n") if ":" in l)
        if done_field is None:
            if now - start >= 5:
                break
        elif fields.get(done_field) == "0" and fields.get("aof_rewrite_scheduled", "0") == "0":
            break
    t = time.monotonic()
    call(ping, "PING")
    latencies.append((time.monotonic() - t) * 1000)
    time.sleep(0.001)
elapsed = time.monotonic() - start
latencies.sort()
p99 = latencies[int(len(latencies) * 0.99)] if latencies else 0
print("%.2f %.1f %.1f %d %d" % (elapsed, latencies[-1] if latencies else 0, p99, peak - baseline, baseline))
PY

declare -A port pid dir
# Servers and loads start in this shell (not in $(...)), so that they are its children: $! is theirs.
start_server() { # server -> pid[server]
  local s=$1
  if [ "$s" = redis ]; then
    redis-server --port "${port[$s]}" --bind 127.0.0.1 --save '' --appendonly no --dir "${dir[$s]}" \
      --logfile "${dir[$s]}/server.log" --daemonize no >/dev/null 2>&1 &
  else
    # shellcheck disable=SC2086
    java $MAGPIE_JAVA_OPTS -jar "$jar" --port "${port[$s]}" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "${dir[$s]}" >"${dir[$s]}/server.log" 2>&1 &
  fi
  pid[$s]=$!
  pids+=("${pid[$s]}")
}

for s in redis magpie; do
  port[$s]="$(free_port)"; dir[$s]="$workdir/$s"; mkdir -p "${dir[$s]}"
  start_server "$s"
  wait_ready "${port[$s]}" "${pid[$s]}" 300
done
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*'); Magpie JVM: $MAGPIE_JAVA_OPTS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for s in redis magpie; do
  t0=$(date +%s.%N)
  redis-cli -p "${port[$s]}" --pipe <"$workdir/data.resp" >/dev/null
  t1=$(date +%s.%N)
  sleep 3 # let a collection settle
  echo "$s: $(redis-cli -p "${port[$s]}" dbsize) keys loaded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, RSS $(rss_kb "${pid[$s]}") kB"
done

written="$(printf 'w%.0s' $(seq 1 "$VALUE_SIZE"))"
measure() { # server command result-var: "seconds max_ms p99_ms extra_kb baseline_kb", under the write load
  local s=$1 load
  redis-benchmark -p "${port[$s]}" -c "$WRITE_CLIENTS" -n 1000000000 -r "$STRINGS" -q SET "str:__rand_int__" "$written" \
    >/dev/null 2>&1 &
  load=$!
  sleep 2 # the load reaches its pace
  printf -v "$3" '%s' "$(python3 "$workdir/probe.py" "${port[$s]}" "${pid[$s]}" "$2")"
  kill "$load"; wait "$load" 2>/dev/null || true
}

declare -A idle bgsave aof loadlog loadwall rdbsize
for s in redis magpie; do
  measure "$s" NONE result; idle[$s]="$result"
  measure "$s" BGSAVE result; bgsave[$s]="$result"
  [ "$(info_field "${port[$s]}" rdb_last_bgsave_status)" = ok ] || echo "$s: BGSAVE failed" >&2
  rdbsize[$s]="$(stat -c %s "${dir[$s]}/dump.rdb")"
done
for s in redis magpie; do
  redis-cli -p "${port[$s]}" config set appendonly yes >/dev/null # starts a first rewrite
  for _ in $(seq 1 3000); do
    [ "$(info_field "${port[$s]}" aof_rewrite_in_progress)$(info_field "${port[$s]}" aof_rewrite_scheduled)" = 00 ] && break
    sleep 0.1
  done
  measure "$s" BGREWRITEAOF result; aof[$s]="$result"
  redis-cli -p "${port[$s]}" config set appendonly no >/dev/null
done
for s in redis magpie; do
  redis-cli -p "${port[$s]}" shutdown nosave >/dev/null 2>&1 || true
  wait "${pid[$s]}" 2>/dev/null || true
  t0=$(date +%s.%N)
  start_server "$s"
  wait_ready "${port[$s]}" "${pid[$s]}" 300
  t1=$(date +%s.%N)
  loadwall[$s]="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
  loadlog[$s]="$(grep -o 'DB loaded from disk: [0-9.]* seconds' "${dir[$s]}/server.log" | tail -1 | awk '{print $5}')"
  echo "$s: restarted with $(redis-cli -p "${port[$s]}" dbsize) keys"
done

ratio() { awk -v m="$1" -v r="$2" 'BEGIN { if (r > 0) printf "%.2f", m / r; else print "-" }'; }
row() { # label redis magpie unit
  printf '%-34s %12s %12s %7s\n' "$1" "$2$4" "$3$4" "$(ratio "$3" "$2")"
}
read -r _ ri_max ri_p99 _ _ <<<"${idle[redis]}"
read -r _ mi_max mi_p99 _ _ <<<"${idle[magpie]}"
read -r rb_s rb_max rb_p99 rb_extra rb_base <<<"${bgsave[redis]}"
read -r mb_s mb_max mb_p99 mb_extra mb_base <<<"${bgsave[magpie]}"
read -r ra_s ra_max ra_p99 ra_extra ra_base <<<"${aof[redis]}"
read -r ma_s ma_max ma_p99 ma_extra ma_base <<<"${aof[magpie]}"
echo
printf '%-34s %12s %12s %7s\n' "" redis magpie ratio
row "RSS before BGSAVE" "$rb_base" "$mb_base" " kB"
row "write load alone: worst PING" "$ri_max" "$mi_max" " ms"
row "write load alone: p99 PING" "$ri_p99" "$mi_p99" " ms"
row "BGSAVE duration" "$rb_s" "$mb_s" " s"
row "BGSAVE extra memory" "$rb_extra" "$mb_extra" " kB"
row "BGSAVE worst PING latency" "$rb_max" "$mb_max" " ms"
row "BGSAVE p99 PING latency" "$rb_p99" "$mb_p99" " ms"
row "RDB file size" "${rdbsize[redis]}" "${rdbsize[magpie]}" " B"
row "BGREWRITEAOF duration" "$ra_s" "$ma_s" " s"
row "BGREWRITEAOF extra memory" "$ra_extra" "$ma_extra" " kB"
row "BGREWRITEAOF worst PING latency" "$ra_max" "$ma_max" " ms"
row "BGREWRITEAOF p99 PING latency" "$ra_p99" "$ma_p99" " ms"
row "RDB load (server log)" "${loadlog[redis]}" "${loadlog[magpie]}" " s"
row "restart until PONG" "${loadwall[redis]}" "${loadwall[magpie]}" " s"
awk -v e="$mb_extra" -v b="$mb_base" 'BEGIN { printf "Magpie BGSAVE extra memory: %.1f%% of its RSS before\n", 100 * e / b }'
awk -v e="$rb_extra" -v b="$rb_base" 'BEGIN { printf "Redis BGSAVE extra memory: %.1f%% of its RSS before\n", 100 * e / b }'
