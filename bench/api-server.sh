# Sourced by the API benchmarks (api-reads.sh, api-scheduling.sh, network.sh): the release server
# on a free port, and wrk runs against it. Needs BIN, SECONDS_EACH and work (a temporary folder);
# the sourcing script's cleanup stops $server.
#
#   start_server URL                   sets port and server; returns once /health answers
#   wrk_warm CONNECTIONS SCRIPT ARG... 3 s of wrk, not measured: connection set-up and first plans
#   wrk_run CONNECTIONS SCRIPT ARG...  SECONDS_EACH of wrk with the Lua SCRIPT and its ARGs;
#                                      prints requests/s|p50|p99|non-2xx (the output stays in $work/wrk.out)
#   ceiling SQLFILE                    pgbench -M prepared running SQLFILE at CONNECTIONS as the
#                                      application role in $clinic's scope; prints its tps
start_server() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  CLINIC_LOG_LEVEL=warning CLINIC_HTTP_PORT=$port DATABASE_URL=$1 "$BIN" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && return; sleep 0.1; done
  echo "bench: the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
}

wrk_warm() {
  local connections=$1 script=$2
  shift 2
  wrk -t2 -c"$connections" -d3s -s "$script" "http://127.0.0.1:$port" -- "$@" >/dev/null
}

wrk_run() {
  local connections=$1 script=$2
  shift 2
  wrk -t2 -c"$connections" -d"${SECONDS_EACH}s" --latency -s "$script" "http://127.0.0.1:$port" -- "$@" >"$work/wrk.out"
  local rate p50 p99 non2xx
  rate=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.out")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
  echo "$rate|$p50|$p99|${non2xx:-0}"
}

ceiling() {
  local tps
  tps=$(PGOPTIONS="-c clinic.scope=$clinic" "$pgbin/pgbench" -n -M prepared -c "$CONNECTIONS" -j 2 -T "$SECONDS_EACH" \
    -f "$1" "$app" 2>"$work/pgbench.err" | tee "$work/pgbench.out" | awk '/^tps/ {printf "%.0f", $3}')
  [[ -n $tps ]] || { echo "bench: pgbench failed:" >&2; cat "$work/pgbench.err" "$work/pgbench.out" >&2; exit 1; }
  echo "$tps"
}
