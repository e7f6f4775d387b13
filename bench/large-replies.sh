#!/usr/bin/env bash
# One client must not stall the others (issue 11), side by side with redis-server:
#  - one client pipelines N GETs of a SIZE-byte value (400 x 1 MB): the pipeline's time as a
#    ratio of Redis's, and the worst PING of a second client meanwhile;
#  - one client pipelines NEVER_GETS GETs of a NEVER_SIZE-byte value (5000 x 100 KB) and never reads
#    (client-output-buffer-limit normal 0 0 0): the worst and p99 PING of another client.
# Each server runs alone on a free loopback port. Override N, SIZE, NEVER_GETS, NEVER_SIZE.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N="${N:-400}" SIZE="${SIZE:-1048576}" NEVER_GETS="${NEVER_GETS:-5000}" NEVER_SIZE="${NEVER_SIZE:-102400}"
client="$here/bench/large_replies.py"

start() { # name -> port in $port, pid in $pid
  port=$(free_port)
  if [ "$1" = redis ]; then
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$workdir/redis.log" 2>&1 &
  else
    java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$workdir/magpie.log" 2>&1 &
  fi
  pid=$!
  pids+=("$pid")
  wait_ready "$port" "$pid"
}

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

declare -A pipe worst never
for server in redis magpie; do
  start "$server"
  read -r pipe[$server] worst[$server] < <(python3 "$client" pipeline "$port" "$N" "$SIZE")
  stop
  start "$server"
  never[$server]=$(python3 "$client" neverread "$port" "$NEVER_GETS" "$NEVER_SIZE")
  stop
done

printf '%-44s %12s %12s %8s\n' "" redis magpie ratio
printf '%-44s %11ss %11ss %8.2f\n' "$N x $SIZE-byte GET pipeline" "${pipe[redis]}" "${pipe[magpie]}" \
  "$(echo "${pipe[magpie]} / ${pipe[redis]}" | bc -l)"
printf '%-44s %10sms %10sms\n' "worst PING beside it" "${worst[redis]}" "${worst[magpie]}"
read -r rw rp <<<"${never[redis]}"; read -r mw mp <<<"${never[magpie]}"
printf '%-44s %10sms %10sms\n' "never-reading client: worst PING" "$rw" "$mw"
printf '%-44s %10sms %10sms\n' "never-reading client: p99 PING" "$rp" "$mp"
