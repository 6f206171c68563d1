#!/usr/bin/env bash
# Network-scale data (issue 14): `clinic seed --network` writes NETWORK_CLINICS clinics (default
# 20, ten resources each), NETWORK_REFERRALS referrals (default 1,000,000) with their imaging,
# events and evaluations, and about NETWORK_APPOINTMENTS visits (default 300,000) over two years,
# into a fresh database on the dev cluster; the load is timed (target: under 10 minutes). On that
# data, with a release build:
#   - the nightly report for one clinic and the network summary, recomputed RUNS times (wall
#     time, median; peak resident memory of the process, largest);
#   - through the server, a scheduler token of the first clinic: reads by id (64 connections) and
#     availability of evaluation visits for its triaged referrals (16 connections).
# Prints Markdown rows for bench/RESULTS.md. KEEP=1 leaves the database (bench_network) in place.
#
#   bash bench/network.sh      # NETWORK_CLINICS=20 NETWORK_REFERRALS=1000000 NETWORK_APPOINTMENTS=300000
set -euo pipefail
cd "$(dirname "$0")/.."

CLINICS=${NETWORK_CLINICS:-20}
REFERRALS=${NETWORK_REFERRALS:-1000000}
APPOINTMENTS=${NETWORK_APPOINTMENTS:-300000}
SECONDS_EACH=${SECONDS_EACH:-20}
RUNS=${RUNS:-3}
BIN=${BIN:-.build/release/clinic}

command -v wrk >/dev/null || { echo "bench: needs wrk (make bench installs it)" >&2; exit 1; }
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq >&2 && apt-get install -y -qq time >&2
  else echo "bench: needs /usr/bin/time: sudo apt-get install time" >&2; exit 1; fi
fi
[[ -x $BIN ]] || { echo "bench: building $BIN (release)" >&2; swift build -c release --product clinic >&2; }
pgbin=$(bash deploy/dev-cluster.sh ensure-postgres)
bash deploy/dev-cluster.sh start >&2
admin=$(bash deploy/dev-cluster.sh url admin postgres)
db=bench_network
owner=$(bash deploy/dev-cluster.sh url owner $db)
app=$(bash deploy/dev-cluster.sh url app $db)
work=$(mktemp -d)
server=
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  [[ -n ${KEEP:-} ]] || psql "$admin" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$admin" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER clinic_owner" >/dev/null
"$BIN" migrate --database-url "$owner" >/dev/null

echo "bench: writing the network ($CLINICS clinics, $REFERRALS referrals)" >&2
/usr/bin/time -f '%e %M' -o "$work/seed.time" \
  "$BIN" seed --network --clinics "$CLINICS" --referrals "$REFERRALS" --appointments "$APPOINTMENTS" \
  --database-url "$owner" >"$work/seed.out" 2>"$work/seed.err" || { cat "$work/seed.err" >&2; exit 1; }
# The owner vacuums its own tables; the shared catalogs it may not touch are skipped quietly.
psql "$owner" -qX -c "SET client_min_messages = error" -c "VACUUM ANALYZE" >/dev/null
read -r seed_seconds seed_kb <"$work/seed.time"
counts=$(psql "$owner" -qXtA -F' ' -c "SELECT (SELECT count(*) FROM clinics), (SELECT count(*) FROM resources),
  (SELECT count(*) FROM referrals), (SELECT count(*) FROM referral_events), (SELECT count(*) FROM evaluations),
  (SELECT count(*) FROM appointments), (SELECT count(*) FROM appointment_resources),
  pg_size_pretty(pg_database_size(current_database()))")
read -r n_clinics n_resources n_referrals n_events n_evaluations n_appointments n_claims size <<<"$counts"

echo "| data | clinics | resources | referrals | events | evaluations | appointments | claims | database | load time | load peak RSS |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '| seed --network | %s | %s | %s | %s | %s | %s | %s | %s | %.0f s | %.0f MB |\n' "$n_clinics" "$n_resources" \
  "$n_referrals" "$n_events" "$n_evaluations" "$n_appointments" "$n_claims" "$size" "$seed_seconds" \
  "$(awk -v k="$seed_kb" 'BEGIN {print k / 1024}')"
echo

clinic=$(psql "$owner" -qXtA -c "SELECT id FROM clinics ORDER BY name LIMIT 1")
timed() {
  : >"$work/runs"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/report.err" || { cat "$work/report.err" >&2; exit 1; }
    cat "$work/time" >>"$work/runs"
  done
  local median peak
  median=$(cut -d' ' -f1 "$work/runs" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  peak=$(cut -d' ' -f2 "$work/runs" | sort -n | tail -1 | awk '{printf "%.0f", $1/1024}')
  echo "$median s | $peak MB"
}
echo "| nightly report (yesterday, recomputed, median of $RUNS) | wall time | peak RSS | target |"
echo "| --- | --- | --- | --- |"
echo "| one clinic (html) | $(timed "$BIN" report nightly --clinic "$clinic" --recompute --format html --database-url "$app") | < 2 s, < 200 MB |"
echo "| network summary, $n_clinics clinics (json) | $(timed "$BIN" report nightly --network --recompute --format json --database-url "$app") | < 20 s, < 200 MB |"
echo

psql "$owner" -qXtA -c "SELECT id FROM referrals WHERE clinic_id = '$clinic' ORDER BY random() LIMIT 20000" >"$work/ids"
psql "$owner" -qXtA -c "SELECT id FROM referrals WHERE clinic_id = '$clinic' AND status = 'triaged'" >"$work/triaged"
token=$("$BIN" token create --role scheduler --name bench-network --clinic "$clinic" --database-url "$app" 2>/dev/null | tail -n 1)
source bench/api-server.sh
start_server "$app"
# row NAME CONNECTIONS IDS_FILE PATH_PREFIX: GETs of the prefix followed by a random id of the file
row() {
  local name=$1 connections=$2 ids=$3 prefix=$4
  wrk_warm "$connections" bench/random-get.lua "$ids" "$token" "$prefix"
  IFS='|' read -r rate p50 p99 non2xx < <(wrk_run "$connections" bench/random-get.lua "$ids" "$token" "$prefix")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$connections" "$rate" "$p50" "$p99" "$non2xx"
}
echo "| on the network's data | connections | API req/s | p50 | p99 | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
row "GET /v1/referrals/{id} (first clinic)" 64 "$work/ids" /v1/referrals/
row "GET /v1/availability (evaluation, first clinic's triaged referrals)" 16 "$work/triaged" \
  "/v1/availability?kind=evaluation&referralId="
echo "($(git rev-parse --short HEAD), ${SECONDS_EACH}s each)"
