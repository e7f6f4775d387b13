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

# start_magpie port dir args...: a Magpie on port with its files in dir (made) and its log in
# dir/magpie.log, nothing saved unless args say so; sets last_pid.
start_magpie() {
  local port="$1" dir="$2"; shift 2
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$port" --bind 127.0.0.1 --appendonly no --dir "$dir" "$@" \
    >"$dir/magpie.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}

# stop_pids pid...: kills those servers, waits for them and forgets them (the cleanup then
# leaves their ids alone).
stop_pids() {
  local p q keep=()
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  for q in "${pids[@]:-}"; do
    for p in "$@"; do [ "$q" = "$p" ] && continue 2; done
    keep+=("$q")
  done
  pids=("${keep[@]:-}")
}

raft_field() { redis-cli -p "$1" raft info 2>/dev/null | tr -d '\r' | awk -F: -v f="$2" '$1==f {print $2}'; }

# start_raft_group n dirprefix args...: n Magpie nodes in Raft mode (n1..nn, every one a member),
# each in dirprefix<i>, answering PING before it returns; sets cport[i], rport[i], rpid[i].
start_raft_group() {
  local n="$1" prefix="$2" i members=""; shift 2
  cport=(); rport=(); rpid=()
  for i in $(seq 1 "$n"); do
    rport[$i]="$(free_port)"; cport[$i]="$(free_port)"
    members+="${members:+,}n$i=127.0.0.1:${rport[$i]}"
  done
  for i in $(seq 1 "$n"); do
    start_magpie "${cport[$i]}" "$prefix$i" --raft-enabled yes --raft-id "n$i" --raft-port "${rport[$i]}" --raft-members "$members" "$@"
    rpid[$i]=$last_pid
  done
  for i in $(seq 1 "$n"); do wait_ready "${cport[$i]}" "${rpid[$i]}" 120; done
}

# find_leader: sets leader to the member of the single Raft group (cport) that leads now, its
# term's first entry committed; a minute at most.
find_leader() {
  local i
  leader=""
  for _ in $(seq 1 600); do
    for i in "${!cport[@]}"; do
      if [ "$(raft_field "${cport[$i]}" role)" = leader ] && [ "$(raft_field "${cport[$i]}" leader_ready)" = 1 ]; then leader=$i; fi
    done
    [ -n "$leader" ] && return 0
    sleep 0.1
  done
  echo "no raft leader" >&2; exit 1
}

# need_load_jar: sets load_jar to the bench module's jar (ClosedLoopLoad, ShardLoad), built if missing.
need_load_jar() {
  load_jar="$here/bench/target/benchmarks.jar"
  if [ ! -f "$load_jar" ]; then
    (cd "$here" && mvn -B -q -o package -DskipTests -pl bench -am) >&2
  fi
}

# start_cluster redis|magpie: three masters (no replicas) on free ports, made one cluster by
# redis-cli --cluster create, each saying cluster_state:ok before it returns; sets cluster_port
# (the first node's) and cluster_pids.
start_cluster() {
  local i port bus dir nodes=()
  cluster_pids=()
  for i in 1 2 3; do
    port="$(free_port)"; bus="$(free_port)"; dir="$workdir/$1-$port"
    mkdir -p "$dir"
    if [ "$1" = redis ]; then
      redis-server --port "$port" --cluster-enabled yes --cluster-port "$bus" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$dir" --logfile "$dir/log" --daemonize no &
      pids+=("$!"); last_pid=$!
    else
      start_magpie "$port" "$dir" --cluster-enabled yes --cluster-port "$bus" --save ""
    fi
    cluster_pids+=("$last_pid")
    nodes+=("127.0.0.1:$port")
    wait_ready "$port" "$last_pid" 120
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-yes >/dev/null
  for i in "${nodes[@]}"; do
    until redis-cli -h 127.0.0.1 -p "${i#*:}" cluster info | grep -q 'cluster_state:ok'; do sleep 0.2; done
  done
  cluster_port="${nodes[0]#*:}"
}
