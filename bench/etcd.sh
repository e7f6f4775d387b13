#!/usr/bin/env bash
# Side-by-side write load on a 3-member Magpie Raft group and a 3-member etcd cluster (Debian's
# etcd-server 3.4), on this machine: the same closed-loop load for both (bench/ClosedLoopLoad:
# CLIENTS threads, each with its own connection, its next write sent when the last one was
# acknowledged, VALUE_SIZE-byte values on 100k keys), SET through Jedis to the Raft leader and
# put through jetcd to the etcd cluster. Both fsync their log before acknowledging a write.
# A benchmark, not a test: it prints numbers and asserts nothing. Every process runs on free
# loopback ports and is killed on exit.
#
#   bench/etcd.sh
#
# Environment (defaults in brackets): N [20000] writes per run  CLIENTS [50]  VALUE_SIZE [3]
#   ROUNDS [2]: the two are run alternately this many times, to see the noise
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N="${N:-20000}"
CLIENTS="${CLIENTS:-50}"
VALUE_SIZE="${VALUE_SIZE:-3}"
ROUNDS="${ROUNDS:-2}"
command -v etcd >/dev/null || { echo "etcd is not installed (apt-get install etcd-server)" >&2; exit 1; }
need_load_jar

# --- etcd: three members
declare -a eclient epeer
cluster=""
for i in 1 2 3; do
  eclient[$i]="$(free_port)"; epeer[$i]="$(free_port)"
  cluster+="${cluster:+,}e$i=http://127.0.0.1:${epeer[$i]}"
done
endpoints=""
for i in 1 2 3; do
  etcd --name "e$i" --data-dir "$workdir/etcd$i" \
    --listen-client-urls "http://127.0.0.1:${eclient[$i]}" --advertise-client-urls "http://127.0.0.1:${eclient[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${epeer[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${epeer[$i]}" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token magpie-bench \
    >"$workdir/etcd$i.log" 2>&1 &
  pids+=("$!")
  endpoints+="${endpoints:+,}http://127.0.0.1:${eclient[$i]}"
done
for _ in $(seq 1 600); do
  ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 && break
  sleep 0.1
done
ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >&2

# --- Magpie: a three-member Raft group
start_raft_group 3 "$workdir/raft"
find_leader

load() { java -cp "$load_jar" io.magpie.bench.ClosedLoopLoad "$@" "$CLIENTS" "$N" "$VALUE_SIZE" 2>>"$workdir/load.err"; }

printf '%-8s %12s %9s %9s %12s %9s %9s %9s %9s\n' "round" "magpie rps" "p50 ms" "p99 ms" "etcd rps" "p50 ms" "p99 ms" "rps m/e" "p99 m/e"
for round in $(seq 1 "$ROUNDS"); do
  read -r m_rps m_p50 m_p99 m_err <<<"$(load redis "127.0.0.1:${cport[$leader]}")"
  read -r e_rps e_p50 e_p99 e_err <<<"$(load etcd "$endpoints")"
  printf '%-8s %12s %9s %9s %12s %9s %9s %9s %9s\n' "$round" "$m_rps" "$m_p50" "$m_p99" "$e_rps" "$e_p50" "$e_p99" \
    "$(awk -v a="$m_rps" -v b="$e_rps" 'BEGIN { printf "%.2f", a / b }')" \
    "$(awk -v a="$m_p99" -v b="$e_p99" 'BEGIN { printf "%.2f", a / b }')"
  [ "$m_err" = 0 ] && [ "$e_err" = 0 ] || echo "errors: magpie $m_err, etcd $e_err (first ones in the load's stderr below)"
done
sort -u "$workdir/load.err" | grep -v '^SLF4J' | head -5 >&2 || true
