#!/usr/bin/env bash
# The server's memory (RSS) idle, holding 5,000 idle connections, after they close, after a minute
# of writes at 64 connections, and 30 s after that: does it return near its idle level?
#
#   BIN       the clinic binary (default .build/release/clinic, built when missing)
#   SECONDS_OF_LOAD  length of the write load (default 60)
#   IDLE_CONNECTIONS connections opened and left idle (default 5000)
#
# Uses the dev cluster (deploy/dev-cluster.sh) and a database of its own, dropped at the end, and
# wrk from Debian's packages. Prints the rows of bench/RESULTS.md's memory table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${BIN:-.build/release/clinic}
LOAD=${SECONDS_OF_LOAD:-60}
IDLE=${IDLE_CONNECTIONS:-5000}
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq >&2 && apt-get install -y -qq wrk >&2
  else echo "bench: needs wrk: sudo apt-get install wrk" >&2; exit 1; fi
fi
[[ -x $BIN ]] || swift build -c release --product clinic >&2
bash deploy/dev-cluster.sh ensure-postgres >/dev/null
bash deploy/dev-cluster.sh start >&2
admin=$(bash deploy/dev-cluster.sh url admin postgres)
db=bench_memory
psql "$admin" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER clinic_owner" >/dev/null
export DATABASE_URL
DATABASE_URL=$(bash deploy/dev-cluster.sh url app $db)
"$BIN" migrate --database-url "$(bash deploy/dev-cluster.sh url owner $db)" >/dev/null
clinic_id=$("$BIN" clinic create --name "Bench Spine Center" --time-zone America/Denver --hours 1-5=07:00-17:00 \
  | grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | head -1)
token=$("$BIN" token create --role admin --all-clinics --name bench-memory | tail -n 1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
ulimit -n $((IDLE * 2 + 1000)) 2>/dev/null || true
CLINIC_LOG_LEVEL=warning CLINIC_HTTP_PORT=$port CLINIC_HTTP_MAX_CONNECTIONS=$((IDLE + 100)) "$BIN" serve >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  psql "$admin" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break; sleep 0.1; done
rss() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status"; }

sleep 2
idle=$(rss)
python3 - "$port" "$IDLE" <<'PY' &
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
sockets = []
for _ in range(count):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    sockets.append(s)
time.sleep(15)
PY
holder=$!
sleep 12
with_idle=$(rss)
wait "$holder"
sleep 10
after_idle=$(rss)

cat >"$work/create.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local mrn = string.format("BM-%d-%d", math.random(1, 1000000000), counter)
  local body = '{"clinicId":"$clinic_id","patient":{"mrn":"' .. mrn .. '","givenName":"Eleanor","familyName":"Whitfield",'
    .. '"birthDate":"1958-03-14","sex":"female"},"referringClinician":{"name":"Dr. Samuel Ortiz","npi":"1234567893"},'
    .. '"reason":"L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.","symptomOnset":"2026-10-30"}'
  return wrk.format("POST", "/v1/referrals", {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"}, body)
end
LUA
wrk -t2 -c64 -d"${LOAD}s" -s "$work/create.lua" "http://127.0.0.1:$port" >"$work/wrk.txt"
after_load=$(rss)
sleep 30
settled=$(rss)
rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")

echo "| idle | $IDLE idle connections | 10 s after they close | after ${LOAD} s of writes at 64 connections ($rate req/s) | 30 s later |"
echo "| --- | --- | --- | --- | --- |"
echo "| $idle MB | $with_idle MB | $after_idle MB | $after_load MB | $settled MB |"
