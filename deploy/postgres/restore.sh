#!/usr/bin/env bash
# Restores a dump made by backup.sh into an EMPTY database owned by clinic_owner, in one
# transaction: it lands whole or not at all. The roles clinic_owner and clinic_app must exist
# (a dump holds the grants to clinic_app, not the roles); see README, Security.
#
#   restore.sh DUMP OWNER_URL
#
# Wiping a damaged database first, as a superuser:
#   DROP DATABASE clinic WITH (FORCE); CREATE DATABASE clinic OWNER clinic_owner;
# Afterwards run `clinic check` with the application role's URL before serving again.
set -euo pipefail
dump=${1:?usage: restore.sh DUMP OWNER_URL}
url=${2:?usage: restore.sh DUMP OWNER_URL}
[[ -r $dump ]] || { echo "restore: cannot read $dump" >&2; exit 2; }
pg_restore --list "$dump" >/dev/null || { echo "restore: $dump is not a readable pg_dump archive" >&2; exit 2; }
tables=$(psql "$url" -XtAq -v ON_ERROR_STOP=1 -c \
  "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [[ $tables != 0 ]]; then
  echo "restore: the target database already has $tables table(s); restore only into an empty database" >&2
  exit 1
fi
pg_restore --dbname="$url" --exit-on-error --single-transaction --no-password "$dump"
echo "restore: $dump restored" >&2
