#!/usr/bin/env bash
# RDB load time of redis-server and Magpie side by side, from one file made by redis-server
# (DEBUG POPULATE KEYS keys of VALUE_SIZE bytes, then SAVE). Each round restarts both on a copy
# of the file, one after the other (the order alternates per round), and reads "DB loaded from
# disk" from each log and the wall time from start until PING answers PONG (JVM start
# included). A benchmark, not a test: it prints numbers and asserts nothing.
#
#   bench/rdb-load.sh    KEYS [3000000]  VALUE_SIZE [32]  ROUNDS [3]  MAGPIE_JAVA_OPTS as ./magpie-server
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
KEYS="${KEYS:-3000000}"
VALUE_SIZE="${VALUE_SIZE:-32}"
ROUNDS="${ROUNDS:-3}"

port="$(free_port)"
mkdir -p "$workdir/src"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir/src" --enable-debug-command local --daemonize no >/dev/null &
src=$!; pids+=("$src")
wait_ready "$port" "$src"
redis-cli -p "$port" debug populate "$KEYS" key "$VALUE_SIZE" >/dev/null
redis-cli -p "$port" save >/dev/null
kill "$src"; wait "$src" 2>/dev/null || true
echo "$KEYS keys x $VALUE_SIZE B, $(stat -c %s "$workdir/src/dump.rdb") bytes of RDB;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); Magpie JVM: $MAGPIE_JAVA_OPTS"

load_one() { # server -> "log_seconds wall_seconds"
  local s=$1 dir="$workdir/$1" p t0 t1 pid
  rm -rf "$dir"; mkdir -p "$dir"; cp "$workdir/src/dump.rdb" "$dir/"
  p="$(free_port)"
  t0="$(date +%s.%N)"
  if [ "$s" = redis ]; then
    redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --logfile "$dir/server.log" --daemonize no &
  else
    # shellcheck disable=SC2086
    java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/server.log" 2>&1 &
  fi
  pid=$!; pids+=("$pid")
  wait_ready "$p" "$pid" 600
  t1="$(date +%s.%N)"
  [ "$(redis-cli -p "$p" dbsize)" = "$KEYS" ] || echo "$s: dbsize $(redis-cli -p "$p" dbsize), expected $KEYS" >&2
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$dir/server.log" | tail -1 | awk '{print $5}')" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

printf '%-6s %10s %10s %7s %10s %10s %7s %6s\n' round redis_log magpie_log ratio redis_wall magpie_wall ratio load
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then r="$(load_one redis)"; m="$(load_one magpie)"; else m="$(load_one magpie)"; r="$(load_one redis)"; fi
  read -r rl rw <<<"$r"; read -r ml mw <<<"$m"
  awk -v n="$round" -v rl="$rl" -v ml="$ml" -v rw="$rw" -v mw="$mw" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%-6s %9.2fs %9.2fs %7.2f %9.2fs %9.2fs %7.2f %6s\n", n, rl, ml, ml / rl, rw, mw, mw / rw, l }'
done
