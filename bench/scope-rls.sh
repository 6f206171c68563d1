#!/usr/bin/env bash
# What row-level security on patient data costs (migration 0008, issue 12).
#
# One database on the dev cluster (deploy/dev-cluster.sh) with CLINICS clinics and REFERRALS
# referrals (each with its patient and one event), written in SQL by the schema's owner. Then the
# same statements through pgbench, as:
#   owner      the schema's owner, which the policies do not apply to: the ceiling without RLS
#   network    clinic_app with clinic.scope = 'network' (a network-wide token)
#   clinic     clinic_app scoped to one clinic (a clinic's staff)
#   3 clinics  clinic_app scoped to three clinics
# and, as the worst case of the per-connection cache (ConnectionScopes), clinic_app sending
# `set_config` before every statement, as a lease on a connection last used by another scope does.
# Statements: a referral with its patient by id (the read behind GET /v1/referrals/{id}), and a
# page of 50 referrals of the scope's clinics, newest first (GET /v1/referrals).
#
#   bash bench/scope-rls.sh                      # CLINICS=10 REFERRALS=50000 SECONDS_EACH=15 CLIENTS=4
#   REFERRALS=200000 bash bench/scope-rls.sh
# Prints Markdown rows for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

CLINICS=${CLINICS:-10}
REFERRALS=${REFERRALS:-50000}
SECONDS_EACH=${SECONDS_EACH:-15}
CLIENTS=${CLIENTS:-4}
# Only `clinic migrate` runs from the binary: a debug build of this checkout is enough.
BIN=${BIN:-.build/debug/clinic}
[[ -x $BIN ]] || { echo "bench: building $BIN" >&2; swift build --product clinic >&2; }

source bench/referral-table.sh
referral_table bench_scope

one=$(psql "$owner" -qXtA -c "SELECT md5('clinic1')::uuid")
three=$(psql "$owner" -qXtA -c "SELECT string_agg(md5('clinic' || c)::uuid::text, ',') FROM generate_series(1, 3) c")

# The referral and its patient by id; with `clinic`, only referrals of clinic 1 are drawn, so every
# read finds its row (a scoped token reads its own clinic's referrals).
cat >"$work/by-id.sql" <<SQL
\set k random(0, $REFERRALS / $CLINICS - 1)
\set n :k * $CLINICS + $CLINICS
SELECT r.id, r.status, r.reason, p.mrn, p.given_name, p.family_name, p.birth_date
FROM referrals r JOIN patients p ON p.id = r.patient_id WHERE r.id = md5(:n::text)::uuid;
SQL
cat >"$work/page.sql" <<SQL
SELECT r.id, r.status, r.created_at, p.mrn, p.family_name
FROM referrals r JOIN patients p ON p.id = r.patient_id
WHERE r.clinic_id = ANY (string_to_array(:clinics, ',')::uuid[])
ORDER BY r.created_at DESC, r.id DESC LIMIT 50;
SQL
# The worst case of the scope cache: a set_config round trip before the read, every time.
{ echo "SELECT set_config('clinic.scope', :scope, false);"; cat "$work/by-id.sql"; } >"$work/by-id-set.sql"

# Transactions per second of one pgbench run: tps URL _ SCOPE CLINICS SCRIPT
tps() {
  local options=""
  [[ -n $3 ]] && options="-c clinic.scope=$3"
  PGOPTIONS=$options "$pgbin/pgbench" -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" \
    -D clinics="$4" -D scope="${3:-none}" -f "$5" "$1" 2>"$work/pgbench.err" \
    | awk '/^tps/ {printf "%.0f", $3}'
}

echo "| statement | owner (no RLS) | network | 1 clinic | 3 clinics | 1 clinic, set_config every time |"
echo "| --- | --- | --- | --- | --- | --- |"
row() {
  local name=$1 script=$2 owner_clinics=$3
  local o n c t s
  o=$(tps "$owner" x "" "$owner_clinics" "$script")
  n=$(tps "$app" x network "$owner_clinics" "$script")
  c=$(tps "$app" x "$one" "$one" "$script")
  t=$(tps "$app" x "$three" "$three" "$script")
  s=$(tps "$app" x "$one" "$one" "$work/by-id-set.sql")
  [[ $script == "$work/page.sql" ]] && s="-"
  printf '| %s | %s tps | %s tps (%s) | %s tps (%s) | %s tps (%s) | %s |\n' "$name" \
    "$o" "$n" "$(awk -v a="$n" -v b="$o" 'BEGIN {printf "%.2f", a / b}')" \
    "$c" "$(awk -v a="$c" -v b="$o" 'BEGIN {printf "%.2f", a / b}')" \
    "$t" "$(awk -v a="$t" -v b="$o" 'BEGIN {printf "%.2f", a / b}')" \
    "$( [[ $s == "-" ]] && echo "-" || echo "$s tps ($(awk -v a="$s" -v b="$o" 'BEGIN {printf "%.2f", a / b}'))")"
}
row "referral + patient by id" "$work/by-id.sql" "$one"
row "page of 50 of the scope's clinics" "$work/page.sql" "$one"
echo "(ratios are to the owner's figure, which no policy applies to; $CLIENTS clients, ${SECONDS_EACH}s each, $REFERRALS referrals in $CLINICS clinics)"
