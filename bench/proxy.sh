#!/usr/bin/env bash
# Side by side: redis-benchmark through magpie-proxy, through nutcracker (twemproxy 0.5) and
# direct to one backend, over the same three redis-servers (ketama, fnv1a_64 on both proxies).
# SET, GET and MGET of 10 keys, at -P 1 and -P 16, 50 clients. Prints requests/s, p99 (ms) and
# the ratio magpie-proxy / nutcracker, and each proxy's CPU time per request (µs, user+sys).
#   bench/proxy.sh            (N=requests per run, default 200000; CLIENTS default 50)
# TESTS ("SET GET MGET10"), PIPES ("1 16") and ROUNDS (1: each line again, interleaved) pick
# what runs; PROXY_ARGS are added to magpie-proxy's (e.g. "--io-threads 1").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-200000}"
CLIENTS="${CLIENTS:-50}"
jar="${JAR:-$here/proxy/target/magpie-proxy.jar}"
if [ ! -f "$jar" ]; then (cd "$here" && mvn -B -q -ntp -DskipTests package -pl proxy -am) >&2; fi
command -v nutcracker >/dev/null || PATH="$PATH:/usr/sbin"
command -v nutcracker >/dev/null || { echo "nutcracker is not installed (apt-get install nutcracker)" >&2; exit 1; }

pids=()
workdir="$(mktemp -d)"
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {
  for _ in $(seq 1 400); do
    python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2; return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

servers=()
for i in 1 2 3; do
  p="$(free_port)"
  redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" --logfile "$workdir/redis$i.log" &
  pids+=("$!")
  servers+=("$p")
done
for p in "${servers[@]}"; do wait_port "$p"; done

nut_port="$(free_port)"
{
  echo "alpha:"
  echo "  listen: 127.0.0.1:$nut_port"
  echo "  hash: fnv1a_64"
  echo "  distribution: ketama"
  echo "  redis: true"
  echo "  server_connections: 1"
  echo "  servers:"
  for p in "${servers[@]}"; do echo "   - 127.0.0.1:$p:1"; done
} > "$workdir/nutcracker.yml"
nutcracker -c "$workdir/nutcracker.yml" -o "$workdir/nutcracker.log" -a 127.0.0.1 -s "$(free_port)" &
nut_pid=$!
pids+=("$nut_pid")

proxy_port="$(free_port)"
list="127.0.0.1:${servers[0]}:1,127.0.0.1:${servers[1]}:1,127.0.0.1:${servers[2]}:1"
java -XX:+UseG1GC -Xms256m ${JAVA_OPTS:-} -jar "$jar" --port "$proxy_port" --servers "$list" --distribution ketama --hash fnv1a_64 \
  ${PROXY_ARGS:-} >"$workdir/proxy.log" 2>&1 &
proxy_pid=$!
pids+=("$proxy_pid")
wait_port "$nut_port"
wait_port "$proxy_port"

mget=(MGET); for i in $(seq 1 10); do mget+=("key:__rand_int__"); done
# run port test pipeline: prints "rps p99"
run() {
  local port=$1 test=$2 pipe=$3 out
  case "$test" in
    SET) out=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" -r 100000 -P "$pipe" -t set --csv 2>/dev/null) ;;
    GET) out=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" -r 100000 -P "$pipe" -t get --csv 2>/dev/null) ;;
    MGET10) out=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" -r 100000 -P "$pipe" --csv "${mget[@]}" 2>/dev/null) ;;
  esac
  echo "$out" | tail -1 | awk -F'","' '{gsub(/"/, "", $2); gsub(/"/, "", $7); print $2, $7}'
}

# Warm the JVM's JIT on every path measured (both proxies get the same warm-up): a
# single-client run right after start measures the interpreter, not the proxy.
for port in "$proxy_port" "$nut_port"; do
  for pipe in 1 16; do
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "${WARMUP:-100000}" -r 100000 -P "$pipe" -t set,get -q >/dev/null 2>&1 || true
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$(( ${WARMUP:-100000} / 4 ))" -r 100000 -P "$pipe" -q "${mget[@]}" >/dev/null 2>&1 || true
  done
done

hz=$(getconf CLK_TCK)
printf '%-8s %-3s | %12s %8s | %12s %8s | %12s %8s | %7s %7s | %8s %8s\n' test P magpie-rps p99 nutcracker p99 direct p99 ratio p99x "mp-us/rq" "nut-us/rq"
for round in $(seq 1 "${ROUNDS:-1}"); do
for test in ${TESTS:-SET GET MGET10}; do
  for pipe in ${PIPES:-1 16}; do
    a=$(cpu_ticks "$proxy_pid"); read -r m_rps m_p99 < <(run "$proxy_port" "$test" "$pipe"); b=$(cpu_ticks "$proxy_pid")
    c=$(cpu_ticks "$nut_pid"); read -r n_rps n_p99 < <(run "$nut_port" "$test" "$pipe"); d=$(cpu_ticks "$nut_pid")
    read -r d_rps d_p99 < <(run "${servers[0]}" "$test" "$pipe")
    awk -v t="$test" -v P="$pipe" -v mr="$m_rps" -v mp="$m_p99" -v nr="$n_rps" -v np="$n_p99" -v dr="$d_rps" -v dp="$d_p99" \
        -v mc=$((b - a)) -v nc=$((d - c)) -v hz="$hz" -v n="$N" \
      'BEGIN { printf "%-8s %-3s | %12.0f %8.3f | %12.0f %8.3f | %12.0f %8.3f | %7.2f %7.2f | %8.1f %8.1f\n",
               t, P, mr, mp, nr, np, dr, dp, (nr > 0 ? mr / nr : 0), (np > 0 ? mp / np : 0), mc / hz * 1e6 / n, nc / hz * 1e6 / n }'
  done
done
done
