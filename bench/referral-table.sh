# Sourced by the pgbench comparisons (scope-rls.sh, api-reads.sh): a fresh database on the dev
# cluster, migrated, with CLINICS clinics and REFERRALS referrals written in SQL by the schema's
# owner (a patient and one event each; a third received, a third triaged, a third candidates).
# Ids are md5 of a counter so that pgbench can name the n-th referral without a lookup: clinic c
# is md5('clinic' || c), referral n is md5(n) and belongs to clinic n % CLINICS + 1.
#
#   referral_table DB     sets pgbin, admin, owner and app (URLs), work (a temporary folder);
#                         on exit stops $server if the script started one, drops the database
#                         and removes the folder
referral_table() {
  local db=$1
  pgbin=$(bash deploy/dev-cluster.sh ensure-postgres)
  bash deploy/dev-cluster.sh start >&2
  admin=$(bash deploy/dev-cluster.sh url admin postgres)
  psql "$admin" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER clinic_owner" >/dev/null
  owner=$(bash deploy/dev-cluster.sh url owner "$db")
  app=$(bash deploy/dev-cluster.sh url app "$db")
  "$BIN" migrate --database-url "$owner" >/dev/null
  work=$(mktemp -d)
  bench_database=$db
  trap referral_table_cleanup EXIT
  echo "bench: writing $CLINICS clinics and $REFERRALS referrals" >&2
  psql "$owner" -qX -v ON_ERROR_STOP=1 -v clinics="$CLINICS" -v referrals="$REFERRALS" >/dev/null <<'SQL'
INSERT INTO clinics (id, name, time_zone)
    SELECT md5('clinic' || c)::uuid, 'Spine Clinic ' || c, 'America/Phoenix' FROM generate_series(1, :clinics) c;
INSERT INTO patients (id, clinic_id, mrn, given_name, family_name, birth_date, sex)
    SELECT md5('patient' || n)::uuid, md5('clinic' || (n % :clinics + 1))::uuid, 'MRN-' || n,
           'Eleanor', 'Whitfield', date '1958-03-14', 'female'
    FROM generate_series(1, :referrals) n;
INSERT INTO referrals (id, clinic_id, patient_id, referring_clinician_name, reason, status, urgency,
                       evaluation_due_on, created_at, updated_at)
    SELECT md5(n::text)::uuid, md5('clinic' || (n % :clinics + 1))::uuid, md5('patient' || n)::uuid,
           'Dr. Samuel Ortiz', 'L1 wedge fracture, 30% height loss, STIR edema on MRI',
           (ARRAY['received', 'triaged', 'candidate'])[n % 3 + 1], 'routine',
           date '2026-01-01' + (n / 200), timestamptz '2026-01-01' + n * interval '2 minutes',
           timestamptz '2026-01-01' + n * interval '2 minutes'
    FROM generate_series(1, :referrals) n;
INSERT INTO referral_events (referral_id, actor_name, actor_role, kind, to_status)
    SELECT md5(n::text)::uuid, 'bench', 'admin', 'created', 'received' FROM generate_series(1, :referrals) n;
SQL
  # Vacuumed and checkpointed before anything is measured: otherwise the first run pays for
  # setting hint bits on 200,000 fresh rows, autovacuum and a checkpoint (p99 of 800 ms seen).
  psql "$owner" -qX -c "VACUUM (ANALYZE) clinics, patients, referrals, referral_events" >/dev/null
  psql "$admin" -qX -c "CHECKPOINT" >/dev/null
}

referral_table_cleanup() {
  if [[ -n ${server:-} ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  psql "$admin" -qX -c "DROP DATABASE IF EXISTS $bench_database WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
