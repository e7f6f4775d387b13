#!/usr/bin/env bash
# The cost of observability on SET/GET throughput: latency-tracking (per-command latency
# histograms, on by default as in Redis 7) and the Prometheus endpoint (metrics-port, scraped
# once a second while the load runs, much more often than Prometheus's usual 15 s). A
# benchmark, not a test: it prints numbers and asserts nothing.
#
# Environment (defaults in brackets): ROUNDS [6]  N [300000]  CLIENTS [50]  PIPELINE [16]
#   SCRAPE_INTERVAL [1]  seconds between scrapes while a scraped run goes on (Prometheus: 15)
#   WARMUP [300000]  requests sent to each Magpie first (JIT warm-up), not reported
#
# Two Magpie processes run (metrics-port off, and on), and a redis-server beside them for
# reference. metrics-port adds nothing to the command path (figures are read when scraped), so
# its cost is measured on the same process scraped and not scraped. Each round runs every configuration once, in an order rotated from round to
# round; the medians over the rounds and the ratios against "both off" are printed at the end.
# Besides requests per second, each run records the CPU time the server process spent per
# request (utime+stime from /proc): on a machine shared with other work, throughput swings
# with the neighbours' load, while the server's own CPU cost per request much less.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS="${ROUNDS:-6}"
N="${N:-300000}"
CLIENTS="${CLIENTS:-50}"
PIPELINE="${PIPELINE:-16}"
WARMUP="${WARMUP:-300000}"
SCRAPE_INTERVAL="${SCRAPE_INTERVAL:-1}"

start_pair   # redis_port, and magpie_port: metrics-port off
metrics_port="$(free_port)"
on_port="$(free_port)"
# shellcheck disable=SC2086
java $MAGPIE_JAVA_OPTS -jar "$jar" --port "$on_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$workdir" \
  --metrics-port "$metrics_port" >"$workdir/magpie-metrics.log" 2>&1 &
on_pid=$!
pids+=("$on_pid")
wait_ready "$on_port" "$on_pid"
curl -sf "http://127.0.0.1:$metrics_port/metrics" | grep -q '^redis_up 1' || { echo "metrics endpoint not answering" >&2; exit 1; }

for port in "$magpie_port" "$on_port"; do
  redis-benchmark -p "$port" -t set,get -n "$WARMUP" -P "$PIPELINE" -q >/dev/null 2>&1
done

# configuration name → port, latency-tracking, scraped
configs=(
  "redis-lt-off $redis_port no no"
  "redis-lt-on $redis_port yes no"
  "magpie-both-off $magpie_port no no"
  "magpie-lt-on $magpie_port yes no"
  "magpie-port-lt-on-unscraped $on_port yes no"
  "magpie-port-lt-on-scraped $on_port yes yes"
)

# cpu_ticks pid: the process's user+system time in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pid_of() { case "$1" in "$redis_port") echo "$redis_pid" ;; "$magpie_port") echo "$magpie_pid" ;; *) echo "$on_pid" ;; esac; }
hz="$(getconf CLK_TCK)"

echo "redis-benchmark -t set,get -n $N -c $CLIENTS -P $PIPELINE; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
results="$workdir/results"
for round in $(seq 1 "$ROUNDS"); do
  count=${#configs[@]}
  for i in $(seq 0 $((count - 1))); do
    read -r name port tracking scraped <<<"${configs[$(( (i + round) % count ))]}"
    redis-cli -p "$port" CONFIG SET latency-tracking "$tracking" >/dev/null
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    scraper=""
    if [ "$scraped" = yes ]; then
      ( for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$metrics_port/metrics" >/dev/null || true; sleep "$SCRAPE_INTERVAL"; done ) &
      scraper=$!
    fi
    pid="$(pid_of "$port")"
    before="$(cpu_ticks "$pid")"
    out="$(redis-benchmark -p "$port" -t set,get -n "$N" -c "$CLIENTS" -P "$PIPELINE" -q 2>/dev/null | tr '\r' '\n' | grep 'requests per second')"
    [ -n "$scraper" ] && { kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; }
    after="$(cpu_ticks "$pid")"
    cpu_us_per_req="$(python3 -c "print(($after - $before) * 1e6 / $hz / (2 * $N))")"
    echo "$name $(echo "$out" | awk '/^SET/ {print $2}') $(echo "$out" | awk '/^GET/ {print $2}') $cpu_us_per_req" >>"$results"
  done
done

# What one scrape costs the metrics process, in CPU time (after 50 scrapes of warm-up).
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$metrics_port/metrics" >/dev/null; done
before="$(cpu_ticks "$on_pid")"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$metrics_port/metrics" >/dev/null; done
after="$(cpu_ticks "$on_pid")"
echo "one scrape: $(python3 -c "print(f'{($after - $before) * 1000 / $hz / 100:.1f}')") ms of CPU ($(curl -sf "http://127.0.0.1:$metrics_port/metrics" | wc -c) bytes)"

python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
names = list(dict.fromkeys(r[0] for r in rows))
med = {}
for n in names:
    sel = [r for r in rows if r[0] == n]
    med[n] = tuple(statistics.median(float(r[i]) for r in sel) for i in (1, 2, 3))
    print(f"{n:26} SET {med[n][0]:>10.0f}  GET {med[n][1]:>10.0f}  server CPU/request {med[n][2]:.3f} us")
def ratio(a, b):
    print(f"{a:26} / {b:16}  SET {med[a][0] / med[b][0]:.3f}  GET {med[a][1] / med[b][1]:.3f}"
          f"  CPU/request {med[a][2] / med[b][2]:.3f}")
ratio("redis-lt-on", "redis-lt-off")
# The same process with and without the setting: the cost of each.
ratio("magpie-lt-on", "magpie-both-off")
ratio("magpie-port-lt-on-scraped", "magpie-port-lt-on-unscraped")
# Across the two processes: metrics-port on, scraped, latency-tracking on, against both off.
ratio("magpie-port-lt-on-scraped", "magpie-both-off")
ratio("magpie-port-lt-on-scraped", "redis-lt-on")
PY
