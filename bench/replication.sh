#!/usr/bin/env bash
# Side-by-side replication benchmark of redis-server and Magpie. A benchmark, not a test: it
# prints numbers and asserts nothing. Every server runs on this machine, on free loopback
# ports, and is killed on exit.
#
#   bench/replication.sh
#
# 1. Full sync: both masters are loaded with the same KEYS keys (SET key:%012d, VALUE_SIZE
#    bytes, through redis-cli --pipe); then a fresh replica of the master's kind is started
#    and timed from REPLICAOF to master_link_status:up with its offset equal to the
#    master's. With MIXED=1, also Redis master -> Magpie replica and the reverse.
# 2. Throughput: redis-benchmark (TESTS, N requests, CLIENTS clients, -r KEYS so that GETs
#    hit) against each master with 0 replicas, then with 2 replicas of its kind attached.
# Each line prints Redis's number, Magpie's and Magpie/Redis (for sync times, Redis's time
# over Magpie's, so that above 1 is better for Magpie in every column).
#
# Environment (defaults in brackets):
#   KEYS [1000000]  VALUE_SIZE [32]  TESTS [set,get]  N [500000]  CLIENTS [50]  PIPELINE [1]
#   WARMUP [200000]   requests sent to the Magpie master first (JIT warm-up), not reported
#   MIXED [1]         also time the cross-kind full syncs
#   REPLICA_KIND [same]  same: each master's replicas are of its kind; redis: both masters get
#                     redis-server replicas (the master's own cost, without Magpie replicas'
#                     CPU competing with it on a small machine)
#   SYNC_TIMEOUT [600] seconds a full sync may take before it is reported as a failure
#   MAGPIE_JAVA_OPTS [as ./magpie-server: G1, see bench/lib.sh]   JVM flags for Magpie
#
# The masters sync disklessly with no delay (repl-diskless-sync-delay 0: Redis otherwise
# waits 5 seconds for more replicas). While Magpie has no replication (REPLICAOF is an
# unknown command) the Magpie columns read n/a and Redis's numbers are printed alone.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
TESTS="${TESTS:-set,get}"
N="${N:-500000}"
CLIENTS="${CLIENTS:-50}"
PIPELINE="${PIPELINE:-1}"
WARMUP="${WARMUP:-200000}"
MIXED="${MIXED:-1}"
REPLICA_KIND="${REPLICA_KIND:-same}"
SYNC_TIMEOUT="${SYNC_TIMEOUT:-600}"

# start KIND NAME -> sets started_port, started_pid
start() {
  local kind=$1 name=$2 port
  port="$(free_port)"
  mkdir -p "$workdir/$name"
  if [ "$kind" = redis ]; then
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir/$name" \
      --logfile "$workdir/$name.log" --daemonize no &
  else
    # shellcheck disable=SC2086
    java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$workdir/$name" >"$workdir/$name.log" 2>&1 &
  fi
  started_pid=$!
  pids+=("$started_pid")
  started_port=$port
  wait_ready "$port" "$started_pid"
}

stop() { # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cli() { redis-cli -h 127.0.0.1 -p "$@"; }
info_field() { # port field
  cli "$1" info replication 2>/dev/null | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}
now() { date +%s.%N; }

# Loads KEYS keys as redis-benchmark's -r names them (key:%012d), so that its GETs hit.
load() { # port
  awk -v n="$KEYS" -v size="$VALUE_SIZE" 'BEGIN {
      v = sprintf("%0" size "d", 0)
      for (i = 0; i < n; i++) {
        k = sprintf("key:%012d", i)
        printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
      }
    }' | cli "$1" --pipe >/dev/null
}

# Times a full sync: REPLICAOF until the link is up and the offsets are equal. Prints seconds or "failed".
sync_seconds() { # master_port replica_port
  local t0 t1 deadline
  t0="$(now)"
  cli "$2" replicaof 127.0.0.1 "$1" >/dev/null
  deadline=$(( $(date +%s) + SYNC_TIMEOUT ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(info_field "$2" master_link_status)" = up ] \
        && [ "$(info_field "$2" master_repl_offset)" = "$(info_field "$1" master_repl_offset)" ]; then
      t1="$(now)"
      awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
      return 0
    fi
    sleep 0.02
  done
  echo failed
}

# "test","rps",...: the last CSV row is the test itself.
rps() { # port test
  { redis-benchmark -h 127.0.0.1 -p "$1" -t "$2" -n "$N" -c "$CLIENTS" -P "$PIPELINE" -r "$KEYS" -d "$VALUE_SIZE" --csv 2>/dev/null || true; } \
    | awk -F, 'NR > 1 { gsub(/"/, "", $2); r = $2 } END { print (r == "" ? 0 : r) }'
}

line() { # label redis magpie higher-is-better(1)|lower-is-better(0)
  awk -v l="$1" -v r="$2" -v m="$3" -v up="$4" 'BEGIN {
    if (m == "n/a" || m == "failed" || r == "failed" || r + 0 == 0 || m + 0 == 0) ratio = "n/a"
    else ratio = sprintf("%.2f", up ? m / r : r / m)
    printf "%-34s %12s %12s %8s\n", l, r, m, ratio }'
}

start redis redis-master; r_master=$started_port; r_master_pid=$started_pid
start magpie magpie-master; m_master=$started_port; m_master_pid=$started_pid

probe="$(cli "$m_master" replicaof no one 2>&1 || true)"
magpie_repl=1
case "$probe" in *"unknown command"*) magpie_repl=0 ;; esac
cli "$r_master" config set repl-diskless-sync-delay 0 >/dev/null
[ $magpie_repl = 1 ] && cli "$m_master" config set repl-diskless-sync-delay 0 >/dev/null

echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') and Magpie (JVM: $MAGPIE_JAVA_OPTS); replicas: $REPLICA_KIND;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
[ $magpie_repl = 0 ] && echo "Magpie: replication not implemented (REPLICAOF answers: $probe); Magpie columns n/a"

t0="$(now)"; load "$r_master"; t1="$(now)"; load "$m_master"; t2="$(now)"
echo "loaded $KEYS keys of $VALUE_SIZE bytes: Redis $(cli "$r_master" dbsize) keys in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')s," \
  "Magpie $(cli "$m_master" dbsize) keys in $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}')s"

warmup() { # the JIT compiles what runs: warm the Magpie master (and, once attached, its replicas' apply path)
  if [ "$WARMUP" -gt 0 ]; then
    redis-benchmark -h 127.0.0.1 -p "$m_master" -t "$TESTS" -n "$WARMUP" -c "$CLIENTS" -P "$PIPELINE" -r "$KEYS" -d "$VALUE_SIZE" -q >/dev/null 2>&1 || true
  fi
}
warmup

printf '%-34s %12s %12s %8s\n' measure redis magpie ratio
throughput() { # label-suffix
  local i=0 t r m
  for t in ${TESTS//,/ }; do
    if [ $((i % 2)) -eq 0 ]; then
      r="$(rps "$r_master" "$t")"; m="n/a"; [ $magpie_repl = 1 ] && m="$(rps "$m_master" "$t")"
    else
      m="n/a"; [ $magpie_repl = 1 ] && m="$(rps "$m_master" "$t")"; r="$(rps "$r_master" "$t")"
    fi
    i=$((i + 1))
    line "$t rps, $1" "$r" "$m" 1
  done
}
throughput "0 replicas"

# Full syncs of the loaded dataset: the first and second replica of each master stay attached.
m_replica_kind=magpie
[ "$REPLICA_KIND" = redis ] && m_replica_kind=redis
start redis redis-replica1; r_rep1=$started_port; r_rep1_pid=$started_pid
r_sync1="$(sync_seconds "$r_master" "$r_rep1")"
m_sync1=n/a; m_sync2=n/a
if [ $magpie_repl = 1 ]; then
  start "$m_replica_kind" magpie-replica1; m_rep1=$started_port; m_rep1_pid=$started_pid
  m_sync1="$(sync_seconds "$m_master" "$m_rep1")"
fi
line "full sync s, 1st replica" "$r_sync1" "$m_sync1" 0
start redis redis-replica2; r_rep2=$started_port
r_sync2="$(sync_seconds "$r_master" "$r_rep2")"
if [ $magpie_repl = 1 ]; then
  start "$m_replica_kind" magpie-replica2; m_rep2=$started_port
  m_sync2="$(sync_seconds "$m_master" "$m_rep2")"
fi
line "full sync s, 2nd replica" "$r_sync2" "$m_sync2" 0

[ $magpie_repl = 1 ] && warmup
throughput "2 replicas"

if [ "$MIXED" = 1 ] && [ $magpie_repl = 1 ]; then
  start magpie magpie-of-redis; x=$started_port; xpid=$started_pid
  line "full sync s, Redis -> Magpie" "$r_sync1" "$(sync_seconds "$r_master" "$x")" 0
  stop "$xpid"
  start redis redis-of-magpie; x=$started_port; xpid=$started_pid
  line "full sync s, Magpie -> Redis" "$r_sync1" "$(sync_seconds "$m_master" "$x")" 0
  stop "$xpid"
fi

echo "RSS kB: Redis master $(rss_kb "$r_master_pid"), replica $(rss_kb "$r_rep1_pid");" \
  "Magpie master $(rss_kb "$m_master_pid")$([ $magpie_repl = 1 ] && echo ", replica $(rss_kb "$m_rep1_pid")")"
