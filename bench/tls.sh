#!/usr/bin/env bash
# SET/GET throughput over TLS, side by side: redis-benchmark --tls (mutual TLS, a throw-away
# CA made here with openssl) against redis-server and Magpie, each on a tls-port, at -P 1
# and -P 16. A benchmark, not a test: it prints numbers and asserts nothing.
#
# Environment (defaults in brackets): ROUNDS [5]  N [200000]  CLIENTS [50]
#   WARMUP [200000]  requests sent to Magpie first (JIT warm-up), not reported
#
# Each round runs both servers at both pipeline depths, alternating which server goes first;
# the medians over the rounds and the Magpie/redis-server ratios are printed at the end.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS="${ROUNDS:-5}"
N="${N:-200000}"
CLIENTS="${CLIENTS:-50}"
WARMUP="${WARMUP:-200000}"

certs="$workdir/certs"
mkdir -p "$certs"
(
  cd "$certs"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=bench CA" \
    -keyout ca.key -out ca.crt
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >ext
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=bench" -keyout bench.key -out bench.csr
  openssl x509 -req -in bench.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile ext -out bench.crt
) >/dev/null 2>&1
tls_args=(--tls-cert-file "$certs/bench.crt" --tls-key-file "$certs/bench.key" --tls-ca-cert-file "$certs/ca.crt")
cli_tls=(--tls --cacert "$certs/ca.crt" --cert "$certs/bench.crt" --key "$certs/bench.key")

redis_port="$(free_port)"; redis_tls="$(free_port)"
redis-server --port "$redis_port" --tls-port "$redis_tls" "${tls_args[@]}" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$workdir" --logfile "$workdir/redis.log" --daemonize no &
pids+=($!); redis_pid=$!
magpie_port="$(free_port)"; magpie_tls="$(free_port)"
# shellcheck disable=SC2086
java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$magpie_port" --tls-port "$magpie_tls" "${tls_args[@]}" --bind 127.0.0.1 --save "" \
  --appendonly no --dir "$workdir" >"$workdir/magpie.log" 2>&1 &
pids+=($!); magpie_pid=$!
wait_ready "$redis_port" "$redis_pid"
wait_ready "$magpie_port" "$magpie_pid"
grep -o 'TLS through .*' "$workdir/magpie.log" || true

redis-benchmark -h 127.0.0.1 -p "$magpie_tls" "${cli_tls[@]}" -t set,get -n "$WARMUP" -P 16 -q >/dev/null 2>&1

echo "redis-benchmark --tls -t set,get -n $N -c $CLIENTS; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
results="$workdir/results"
for round in $(seq 1 "$ROUNDS"); do
  order="redis magpie"
  [ $((round % 2)) = 0 ] && order="magpie redis"
  for server in $order; do
    port="$redis_tls"; [ "$server" = magpie ] && port="$magpie_tls"
    for pipeline in 1 16; do
      out="$(redis-benchmark -h 127.0.0.1 -p "$port" "${cli_tls[@]}" -t set,get -n "$N" -c "$CLIENTS" -P "$pipeline" -q 2>/dev/null \
        | tr '\r' '\n' | grep 'requests per second')"
      echo "$server $pipeline $(echo "$out" | awk '/^SET/ {print $2}') $(echo "$out" | awk '/^GET/ {print $2}')" >>"$results"
    done
  done
done

set_get_medians "$results"
