#!/usr/bin/env bash
# Availability, new referrals and bookings through the API (issue 14), each beside its ceiling.
#
# The referral table of bench/referral-table.sh (CLINICS clinics, REFERRALS referrals), and for the
# first clinic (America/Phoenix, no DST) opening hours Monday to Friday 07:00-17:00 with two consult
# rooms and two evaluators on the same weekly template. A release server; a scheduler token bound
# to that clinic. Then, in one run:
#   - GET /v1/availability for random triaged referrals of the clinic (evaluation visits) at
#     AVAILABILITY_CONNECTIONS connections: the target is a p99, so there is no ceiling column;
#   - POST /v1/referrals, a new patient each, against pgbench running the statements that request
#     commits (token check; patient, referral, event and audit inserts in one transaction);
#   - POST /v1/appointments booking distinct free 45-minute evaluation times (one per request,
#     weekdays from next Monday on) for distinct triaged referrals, against pgbench running a
#     booking's transaction (token check; the referral locked; the appointment, its two resource
#     claims under the exclusion constraint, the referral's move, its event and the audit row).
#     Afterwards the database is asked for overlapping live claims: there must be none.
# Prints Markdown rows for bench/RESULTS.md.
#
#   bash bench/api-scheduling.sh     # CLINICS=10 REFERRALS=200000 SECONDS_EACH=20 CONNECTIONS=64
set -euo pipefail
cd "$(dirname "$0")/.."

CLINICS=${CLINICS:-10}
REFERRALS=${REFERRALS:-200000}
SECONDS_EACH=${SECONDS_EACH:-20}
CONNECTIONS=${CONNECTIONS:-64}
AVAILABILITY_CONNECTIONS=${AVAILABILITY_CONNECTIONS:-16}
BIN=${BIN:-.build/release/clinic}

command -v wrk >/dev/null || { echo "bench: needs wrk (make bench installs it)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: building $BIN (release)" >&2; swift build -c release --product clinic >&2; }
# The first clinic's triaged referrals are n = CLINICS * m with n % 3 = 1: there are none when
# CLINICS is a multiple of 3.
(( CLINICS % 3 != 0 )) || { echo "bench: CLINICS must not be a multiple of 3" >&2; exit 2; }
source bench/referral-table.sh
referral_table bench_scheduling

clinic=$(psql "$owner" -qXtA -c "SELECT md5('clinic1')::uuid")
psql "$owner" -qX -v ON_ERROR_STOP=1 -v clinic="$clinic" >/dev/null <<'SQL'
INSERT INTO clinic_hours (clinic_id, weekday, opens_at, closes_at)
    SELECT :'clinic', d, '07:00', '17:00' FROM generate_series(1, 5) d;
INSERT INTO resources (id, clinic_id, kind, name)
    SELECT md5('resource' || r)::uuid, :'clinic', (ARRAY['consult_room', 'evaluator'])[r % 2 + 1],
           (ARRAY['Consult Room ', 'Dr. Evaluator '])[r % 2 + 1] || r
    FROM generate_series(1, 4) r;
INSERT INTO availability_templates (id, resource_id, weekday, starts_at, ends_at)
    SELECT md5('template' || r || '-' || d)::uuid, md5('resource' || r)::uuid, d, '07:00', '17:00'
    FROM generate_series(1, 4) r, generate_series(1, 5) d;
SQL
# The clinic's triaged referrals: n % CLINICS = 0 and n % 3 = 1 (referral-table.sh's statuses).
psql "$owner" -qXtA -c "SELECT md5(n::text)::uuid FROM generate_series($CLINICS, $REFERRALS, $CLINICS) n WHERE n % 3 = 1" \
  >"$work/triaged"
token=$("$BIN" token create --role scheduler --name bench-scheduling --clinic "$clinic" --database-url "$app" 2>/dev/null | tail -n 1)
token_hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
token_id=$(psql "$owner" -qXtA -c "SELECT id FROM api_tokens WHERE token_hash = decode('$token_hash', 'hex')")

# One booking per line: a triaged referral, a free start and the room and evaluator it names.
# 12 evaluations of 45 minutes a weekday from 07:00 (UTC-7 all year), each start taken once by
# each of the two pairs, weekdays from the Monday after next: 6,667 bookings (the default size)
# reach about 390 days ahead, inside the two-year booking horizon.
python3 - "$work/triaged" >"$work/bookings" <<'PY'
import datetime, hashlib, sys, uuid
def resource(n):  # md5('resource' || n)::uuid, as the SQL above names them
    return str(uuid.UUID(hashlib.md5(f"resource{n}".encode()).hexdigest()))
pairs = [(resource(2), resource(1)), (resource(4), resource(3))]  # (consult room, evaluator)
referrals = [line.strip() for line in open(sys.argv[1]) if line.strip()]
day = datetime.date.today() + datetime.timedelta(days=7 - datetime.date.today().weekday() + 7)
starts = []
while len(starts) < len(referrals):
    if day.weekday() < 5:
        for slot in range(12):
            local = datetime.datetime.combine(day, datetime.time(7)) + datetime.timedelta(minutes=45 * slot)
            for room, evaluator in pairs:
                starts.append(((local + datetime.timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ"), room, evaluator))
    day += datetime.timedelta(days=1)
for referral, (start, room, evaluator) in zip(referrals, starts):
    print(referral, start, room, evaluator)
PY

source bench/api-server.sh
start_server "$app"

# Each wrk thread has its own Lua state with the same random sequence: the thread id keeps the
# patients of the two threads apart.
cat >"$work/create.lua" <<LUA
local created = 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
end
local counter = 0
function request()
  counter = counter + 1
  local mrn = string.format("BENCH-%s-%d", tid, counter)
  local body = '{"clinicId":"$clinic","patient":{"mrn":"' .. mrn .. '","givenName":"Eleanor","familyName":"Whitfield",'
    .. '"birthDate":"1958-03-14","sex":"female"},"referringClinician":{"name":"Dr. Samuel Ortiz","npi":"1234567893"},'
    .. '"reason":"L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.","symptomOnset":"2026-10-30"}'
  return wrk.format("POST", "/v1/referrals", {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"}, body)
end
LUA
# Each wrk thread walks its own half of the bookings list, so no two requests share a line.
cat >"$work/booking.lua" <<LUA
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end
local lines = {}
local next_line
function init(args)
  for line in io.lines("$work/bookings") do lines[#lines + 1] = line end
  next_line = tonumber(tid) + 1
end
function request()
  local line = lines[next_line]
  next_line = next_line + 2
  -- Past the end (REFERRALS too small for the run) the first line again: its refusals are
  -- counted as non-2xx, and the script says so.
  if line == nil then line = lines[1] end
  local referral, start, room, evaluator = line:match("(%S+) (%S+) (%S+) (%S+)")
  local body = '{"referralId":"' .. referral .. '","kind":"evaluation","start":"' .. start
    .. '","resourceIds":["' .. room .. '","' .. evaluator .. '"]}'
  return wrk.format("POST", "/v1/appointments", {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"}, body)
end
-- The first refusal's body, for the run's notes (a refused booking must say why).
local reported = false
function response(status, headers, body)
  if status >= 300 and not reported then
    reported = true
    local f = io.open("$work/booking-refusal-" .. tid, "w")
    f:write(status .. " " .. body)
    f:close()
  end
end
LUA

token_check="SELECT id, name, role, last_used_at IS NULL OR last_used_at < now() - interval '60 seconds', all_clinics,
       ARRAY(SELECT clinic_id FROM api_token_clinics WHERE token_id = api_tokens.id)
FROM api_tokens WHERE token_hash = decode('$token_hash', 'hex') AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());"
audit() {
  echo "INSERT INTO audit_log (actor_token_id, actor_name, actor_role, action, entity_type, entity_id, request_id, outcome, occurred_at, clinic_id)
VALUES ('$token_id', 'bench-scheduling', 'scheduler', '$1', '$2', $3, gen_random_uuid()::text, 'success', now(), '$clinic');"
}
cat >"$work/create.sql" <<SQL
\set n random(1, 1000000000)
$token_check
BEGIN;
SELECT id FROM patients WHERE clinic_id = '$clinic' AND mrn = 'PG-' || :n || '-' || :client_id;
INSERT INTO patients (id, clinic_id, mrn, given_name, family_name, birth_date, sex)
VALUES (gen_random_uuid(), '$clinic', 'PG-' || :n || '-' || :client_id, 'Eleanor', 'Whitfield', '1958-03-14', 'female')
ON CONFLICT (clinic_id, mrn) DO NOTHING;
INSERT INTO referrals (id, clinic_id, patient_id, referring_clinician_name, referring_clinician_npi, reason, symptom_onset, status,
                       created_at, updated_at)
SELECT gen_random_uuid(), '$clinic', id, 'Dr. Samuel Ortiz', '1234567893',
       'L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.', '2026-10-30', 'received', now(), now()
FROM patients WHERE clinic_id = '$clinic' AND mrn = 'PG-' || :n || '-' || :client_id;
INSERT INTO referral_events (referral_id, actor_token_id, actor_name, actor_role, kind, to_status, occurred_at)
SELECT r.id, '$token_id', 'bench-scheduling', 'scheduler', 'created', 'received', now()
FROM referrals r JOIN patients p ON p.id = r.patient_id WHERE p.clinic_id = '$clinic' AND p.mrn = 'PG-' || :n || '-' || :client_id;
$(audit referral.create referral "gen_random_uuid()")
COMMIT;
SQL
# Bookings for pgbench: the second consult room and evaluator pair in 2029, beyond the API's days,
# one start per transaction from a sequence, so that the exclusion constraint is checked on
# distinct times as in the API run.
psql "$owner" -qX -c "CREATE SEQUENCE bench_slot; GRANT USAGE ON SEQUENCE bench_slot TO clinic_app" >/dev/null
cat >"$work/booking.sql" <<SQL
\set k random(1, $REFERRALS / $CLINICS / 3)
\set n $CLINICS * (3 * :k - 3 + $CLINICS % 3)
$token_check
BEGIN;
SELECT nextval('bench_slot') AS slot \gset
SELECT status, version FROM referrals WHERE id = md5(:n::text)::uuid FOR UPDATE;
INSERT INTO appointments (id, referral_id, clinic_id, kind, state, during, created_at, updated_at)
VALUES (md5('pg-appointment' || :slot)::uuid, md5(:n::text)::uuid, '$clinic', 'evaluation', 'booked',
        tstzrange(timestamptz '2029-06-04 14:00Z' + (:slot / 12) * interval '1 day' + (:slot % 12) * interval '45 minutes',
                  timestamptz '2029-06-04 14:45Z' + (:slot / 12) * interval '1 day' + (:slot % 12) * interval '45 minutes', '[)'),
        now(), now());
INSERT INTO appointment_resources (appointment_id, resource_id, during)
SELECT id, md5('resource' || r)::uuid, during FROM appointments, generate_series(3, 4) r
WHERE id = md5('pg-appointment' || :slot)::uuid;
UPDATE referrals SET version = version + 1, updated_at = now() WHERE id = md5(:n::text)::uuid;
INSERT INTO referral_events (referral_id, actor_token_id, actor_name, actor_role, kind, from_status, to_status, occurred_at)
VALUES (md5(:n::text)::uuid, '$token_id', 'bench-scheduling', 'scheduler', 'evaluation_scheduled', 'triaged', 'triaged', now());
$(audit appointment.create appointment "md5('pg-appointment' || :slot)::uuid")
COMMIT;
SQL

# row NAME CONNECTIONS CEILING_SQL (or "") WRK_SCRIPT [ARG...]
row() {
  local name=$1 connections=$2 sql=$3 script=$4
  shift 4
  IFS='|' read -r rate p50 p99 non2xx < <(wrk_run "$connections" "$script" "$@")
  local tps="-" ratio="-"
  if [[ -n $sql ]]; then
    tps=$(ceiling "$sql")
    ratio=$(awk -v a="$rate" -v b="$tps" 'BEGIN {printf "%.0f%%", 100 * a / b}')
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$connections" "$rate" "$p50" "$p99" "$non2xx" "$tps" "$ratio"
}

echo "| endpoint | connections | API req/s | p50 | p99 | non-2xx | pgbench tps (same statements) | ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
# No warm-up for the writes: a booking's warm-up would take the free times the run books.
availability=(bench/random-get.lua "$work/triaged" "$token" "/v1/availability?kind=evaluation&referralId=")
wrk_warm "$AVAILABILITY_CONNECTIONS" "${availability[@]}"
row "GET /v1/availability (evaluation, 2 rooms x 2 evaluators)" "$AVAILABILITY_CONNECTIONS" "" "${availability[@]}"
row "POST /v1/referrals (new patient each)" "$CONNECTIONS" "$work/create.sql" "$work/create.lua"
row "POST /v1/appointments (distinct free times)" "$CONNECTIONS" "$work/booking.sql" "$work/booking.lua"
for refusal in "$work"/booking-refusal-*; do [[ -e $refusal ]] && { echo "first refused booking: $(cat "$refusal")" >&2; break; }; done
if (( $(awk '/^Requests\/sec/ {printf "%.0f", $2 * '"$SECONDS_EACH"'}' "$work/wrk.out") > $(wc -l <"$work/bookings") )); then
  echo "bench: the bookings ran out of triaged referrals; raise REFERRALS for a clean booking row" >&2
fi
booked=$(psql "$owner" -qXtA -c "SELECT count(*) FROM appointments WHERE referral_id IN (SELECT md5(n::text)::uuid FROM generate_series(1, $REFERRALS) n)")
overlaps=$(psql "$owner" -qXtA -c "SELECT count(*) FROM appointment_resources a JOIN appointment_resources b
  ON a.resource_id = b.resource_id AND a.appointment_id < b.appointment_id AND a.during && b.during AND a.active AND b.active")
echo "($CONNECTIONS connections unless stated, ${SECONDS_EACH}s each, $REFERRALS referrals in $CLINICS clinics, $booked appointments booked by the API and pgbench, $overlaps overlapping claims, $(git rev-parse --short HEAD))"
[[ $overlaps == 0 ]] || { echo "bench: double bookings found" >&2; exit 1; }
