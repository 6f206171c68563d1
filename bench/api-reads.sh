#!/usr/bin/env bash
# Reads through the API against the database's own ceiling for the same statements (issue 14).
#
# One database on the dev cluster with CLINICS clinics and REFERRALS referrals (patients, one
# event each; a third received, a third triaged, a third candidates), written in SQL by the
# schema's owner. A release server; a scheduler token bound to the first clinic. Then, in one run:
#   - wrk against GET /v1/referrals/{id} (random referrals of that clinic) and against the first
#     page of GET /v1/referrals?status=triaged;
#   - pgbench running the statements each request sends (the token check, the read, the audit
#     row; counted with pg_stat_statements in StatementCountTests), as the application role in
#     the token's scope: the ceiling.
# Prints Markdown rows for bench/RESULTS.md.
#
#   bash bench/api-reads.sh          # CLINICS=10 REFERRALS=200000 SECONDS_EACH=20 CONNECTIONS=64
set -euo pipefail
cd "$(dirname "$0")/.."

CLINICS=${CLINICS:-10}
REFERRALS=${REFERRALS:-200000}
SECONDS_EACH=${SECONDS_EACH:-20}
CONNECTIONS=${CONNECTIONS:-64}
BIN=${BIN:-.build/release/clinic}

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq >&2 && apt-get install -y -qq wrk >&2
  else echo "bench: needs wrk: sudo apt-get install wrk" >&2; exit 1; fi
fi
[[ -x $BIN ]] || { echo "bench: building $BIN (release)" >&2; swift build -c release --product clinic >&2; }
source bench/referral-table.sh
referral_table bench_api

clinic=$(psql "$owner" -qXtA -c "SELECT md5('clinic1')::uuid")
# The clinic's referrals are those with n % CLINICS = 0.
psql "$owner" -qXtA -c "SELECT md5(n::text)::uuid FROM generate_series($CLINICS, $REFERRALS, $CLINICS) n" >"$work/ids"
token=$("$BIN" token create --role scheduler --name bench-reads --clinic "$clinic" --database-url "$app" 2>/dev/null | tail -n 1)
token_hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
token_id=$(psql "$owner" -qXtA -c "SELECT id FROM api_tokens WHERE token_hash = decode('$token_hash', 'hex')")

source bench/api-server.sh
start_server "$app"

cat >"$work/list.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
function request() return wrk.format("GET", "/v1/referrals?status=triaged") end
LUA

# The statements of one request, as the server sends them (see StatementCountTests for the count).
token_check="SELECT id, name, role, last_used_at IS NULL OR last_used_at < now() - interval '60 seconds', all_clinics,
       ARRAY(SELECT clinic_id FROM api_token_clinics WHERE token_id = api_tokens.id)
FROM api_tokens WHERE token_hash = decode('$token_hash', 'hex') AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());"
audit="INSERT INTO audit_log (actor_token_id, actor_name, actor_role, action, entity_type, entity_id, request_id, outcome, occurred_at, clinic_id)
VALUES ('$token_id', 'bench-reads', 'scheduler', 'referral.read', 'referral', md5(:n::text)::uuid, gen_random_uuid()::text, 'success', now(), '$clinic');"
columns="r.id, r.clinic_id, r.patient_id, p.mrn, p.given_name, p.family_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.sex,
r.referring_clinician_name, r.referring_clinician_npi, r.reason, to_char(r.symptom_onset, 'YYYY-MM-DD'),
r.status, r.version, r.created_at, r.updated_at,
r.neurological_deficit, r.cancer_history, r.long_term_steroids, r.known_osteoporosis, r.severe_pain, r.hospitalised,
r.payer, r.urgency, r.urgency_reasons::text, r.urgency_override,
to_char(r.evaluation_due_on, 'YYYY-MM-DD'), to_char(r.window_closes_on, 'YYYY-MM-DD'), r.cancel_reason,
ARRAY(SELECT ri.imaging_result_id FROM referral_imaging ri WHERE ri.referral_id = r.id ORDER BY ri.imaging_result_id)"
cat >"$work/by-id.sql" <<SQL
\set k random(1, $REFERRALS / $CLINICS)
\set n :k * $CLINICS
$token_check
SELECT $columns FROM referrals r JOIN patients p ON p.id = r.patient_id WHERE r.id = md5(:n::text)::uuid;
$audit
SQL
cat >"$work/list.sql" <<SQL
\set n 1
$token_check
SELECT $columns FROM referrals r JOIN patients p ON p.id = r.patient_id JOIN clinics c ON c.id = r.clinic_id
WHERE r.status = 'triaged' AND r.clinic_id = ANY (ARRAY['$clinic']::uuid[])
ORDER BY r.created_at DESC, r.id DESC LIMIT 51;
${audit/referral.read/referral.list}
SQL

echo "| endpoint | API req/s | p50 | p99 | non-2xx | pgbench tps (same statements) | ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
# row NAME CEILING_SQL WRK_SCRIPT [ARG...]
row() {
  local name=$1 sql=$2 script=$3
  shift 3
  wrk_warm "$CONNECTIONS" "$script" "$@"
  IFS='|' read -r rate p50 p99 non2xx < <(wrk_run "$CONNECTIONS" "$script" "$@")
  tps=$(ceiling "$sql")
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$rate" "$p50" "$p99" "$non2xx" "$tps" \
    "$(awk -v a="$rate" -v b="$tps" 'BEGIN {printf "%.0f%%", 100 * a / b}')"
}
row "GET /v1/referrals/{id}" "$work/by-id.sql" bench/random-get.lua "$work/ids" "$token" /v1/referrals/
row "GET /v1/referrals?status=triaged (first page)" "$work/list.sql" "$work/list.lua"
echo "($CONNECTIONS connections, ${SECONDS_EACH}s each, $REFERRALS referrals in $CLINICS clinics, $(git rev-parse --short HEAD))"
