#!/usr/bin/env bash
# The restore drill: proves a dump restores and answers what the live database answers.
# Restores DUMP into a scratch database on the same server, runs `clinic check` on it as the
# application role, reads each clinic's nightly report (JSON) for the same finished day from the
# live database and from the restored one, compares them byte for byte, and drops the scratch
# database.
#
#   restore-drill.sh DUMP ADMIN_URL [DATE]
#
# ADMIN_URL: a role that may create databases for clinic_owner (a superuser, or CREATEDB and a
# member of clinic_owner), on the server and database the dump came from. DATE: the day to
# compare; by default each clinic's latest report recorded in the dump (the nightly timer's),
# which the live database also holds, so the drill writes nothing there. A DATE whose report was
# not yet recorded when the dump was made is computed on each side at a different time and may
# differ. clinic is $CLINIC (default: clinic on PATH). Exit 0: the dump is good.
set -euo pipefail
dump=${1:?usage: restore-drill.sh DUMP ADMIN_URL [DATE]}
admin=${2:?usage: restore-drill.sh DUMP ADMIN_URL [DATE]}
day=${3:-}
clinic=${CLINIC:-clinic}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
owner=${CLINIC_OWNER_ROLE:-clinic_owner}
app=${CLINIC_APP_ROLE:-clinic_app}

# A URL for the same server with another role and database (no password: PGPASSFILE supplies it).
with() { # ROLE DATABASE
  python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); host = p.netloc.rsplit("@", 1)[-1]
print(u.urlunsplit((p.scheme, sys.argv[2] + "@" + host, "/" + sys.argv[3], p.query, "")))' "$admin" "$1" "$2"
}
live_db=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).path.lstrip("/"))' "$admin")
scratch=clinic_drill_$(date -u +%Y%m%d%H%M%S)_$$
work=$(mktemp -d)
cleanup() {
  psql "$admin" -XqAt -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$admin" -XqAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $scratch OWNER $owner" >/dev/null
bash "$here/restore.sh" "$dump" "$(with "$owner" "$scratch")"
DATABASE_URL=$(with "$app" "$scratch") "$clinic" check >/dev/null \
  || { echo "restore-drill: clinic check failed on the restored database" >&2; exit 1; }

# Each clinic, with the day to compare: DATE, or its latest recorded report in the dump.
pairs_text=$(psql "$(with "$owner" "$scratch")" -XqAt -v ON_ERROR_STOP=1 -v day="$day" -f - <<'SQL'
SELECT c.id || ' ' || coalesce(nullif(:'day', ''), max(r.report_date)::text, '')
FROM clinics c LEFT JOIN report_runs r ON r.clinic_id = c.id AND r.kind = 'nightly'
GROUP BY c.id ORDER BY c.id
SQL
)
mapfile -t pairs <<<"$pairs_text"
compared=0
for pair in "${pairs[@]}"; do
  [[ -n $pair ]] || continue
  read -r id date <<<"$pair"
  if [[ -z ${date:-} ]]; then
    echo "restore-drill: clinic $id has no recorded report in the dump; give DATE to compare one" >&2
    continue
  fi
  DATABASE_URL=$(with "$app" "$live_db") "$clinic" report nightly --clinic "$id" --date "$date" --format json \
    --output "$work/live-$id.json" 2>/dev/null
  DATABASE_URL=$(with "$app" "$scratch") "$clinic" report nightly --clinic "$id" --date "$date" --format json \
    --output "$work/restored-$id.json" 2>/dev/null
  cmp -s "$work/live-$id.json" "$work/restored-$id.json" \
    || { echo "restore-drill: clinic $id's report for $date differs after the restore" >&2; exit 1; }
  compared=$((compared + 1))
done
if ((compared == 0)); then
  echo "restore-drill: $dump restores and passes clinic check, but no report was compared" >&2
  exit 1
fi
echo "restore-drill: $dump restores, passes clinic check, and answers the same report in $compared clinic(s)"
