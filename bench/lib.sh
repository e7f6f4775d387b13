# Shared by the side-by-side scripts (sourced, not run): the jar (built if missing), a work
# directory and the servers' pids cleaned up on exit, free loopback ports, readiness, RSS.
here="$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)"
jar="${MAGPIE_JAR:-$here/app/target/magpie.jar}" # MAGPIE_JAR: another build, to compare
MAGPIE_JAVA_OPTS="${MAGPIE_JAVA_OPTS:--XX:+UseG1GC -Xms8m -XX:G1PeriodicGCInterval=5000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=5000 -XX:G1HeapRegionSize=2m}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" # as ./magpie-server

if [ ! -f "$jar" ]; then
  echo "Building Magpie..." >&2
  (cd "$here" && mvn -B -q -o package -DskipTests -pl app -am) >&2
fi

pids=()
workdir="$(mktemp -d)"
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# wait_ready port pid [seconds]: until PING answers PONG (not LOADING), or the server exits.
wait_ready() {
  local deadline=$(( $(date +%s) + ${3:-60} ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG && return 0
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then echo "server on port $1 exited" >&2; return 1; fi
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  return 1
}

# start_pair: a redis-server and a Magpie side by side on free ports, each with nothing to
# save, both answering before it returns; sets redis_port, redis_pid, magpie_port, magpie_pid.
start_pair() {
  redis_port="$(free_port)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" \
    --logfile "$workdir/redis.log" --daemonize no &
  redis_pid=$!
  pids+=("$redis_pid")
  magpie_port="$(free_port)"
  # shellcheck disable=SC2086
  java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$magpie_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$workdir" \
    >"$workdir/magpie.log" 2>&1 &
  magpie_pid=$!
  pids+=("$magpie_pid")
  wait_ready "$redis_port" "$redis_pid"
  wait_ready "$magpie_port" "$magpie_pid"
}

# command_cpu_ns PID all|loops: CPU time in ns of the threads that run commands, all of a
# redis-server's, a Magpie's event loops (not its JIT and GC threads). On a shared machine the
# CPU each request costs that thread compares the servers' work more steadily than throughput.
command_cpu_ns() {
  local s=0 t
  for t in /proc/"$1"/task/*; do
    if [ "$2" = all ] || [[ "$(cat "$t/comm")" == epollEventLoop* ]]; then s=$((s + $(cut -d' ' -f1 "$t/schedstat"))); fi
  done
  echo "$s"
}

# set_get_medians FILE: lines "server pipeline set-rps get-rps" (server redis or magpie,
# pipeline 1 or 16) from several rounds; prints each one's medians and Magpie's ratios.
set_get_medians() {
  python3 - "$1" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for pipeline in ("1", "16"):
    for server in ("redis", "magpie"):
        sel = [r for r in rows if r[0] == server and r[1] == pipeline]
        med[server, pipeline] = (statistics.median(float(r[2]) for r in sel), statistics.median(float(r[3]) for r in sel))
        print(f"-P {pipeline:2} {server:7} SET {med[server, pipeline][0]:>12.0f}  GET {med[server, pipeline][1]:>12.0f}")
    s = med["magpie", pipeline][0] / med["redis", pipeline][0]
    g = med["magpie", pipeline][1] / med["redis", pipeline][1]
    print(f"-P {pipeline:2} magpie/redis   SET {s:.2f}  GET {g:.2f}")
PY
}

# start_candidate LINE PORT: a Magpie on PORT with a candidate line "name: [VAR=value ...] JVM
# options" (the assignments set for that JVM only), nothing to save; sets cand_name,
# cand_rest (all after "name: ") and cand_pid, and does not wait for it to answer.
start_candidate() {
  local w envs=() opts=()
  cand_name="${1%%:*}"; cand_rest="${1#*: }"
  for w in $cand_rest; do
    if [ ${#opts[@]} -eq 0 ] && [[ "$w" =~ ^[A-Z_]+= ]]; then envs+=("$w"); else opts+=("$w"); fi
  done
  env "${envs[@]}" java "${opts[@]}" -jar "$jar" --port "$2" --bind 127.0.0.1 --save "" --appendonly no --dir "$workdir" \
    >"$workdir/$cand_name.log" 2>&1 &
  cand_pid=$!
  pids+=("$cand_pid")
}
