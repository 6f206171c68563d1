#!/usr/bin/env bash
# A logical backup of the clinic database: one pg_dump custom-format file, written under a
# temporary name, read back with pg_restore --list, then renamed, so a file with the final name
# is always whole. Run it as the schema owner: the owner reads every row (row-level security
# filters the application role's reads), and the dump then restores as the owner again.
#
#   backup.sh OWNER_URL DIR      writes DIR/clinic-<UTC time>.dump and prints its path
#
# KEEP=N (default 14) keeps the newest N dumps in DIR and deletes older ones. Roles are not in a
# database dump: restore.sh expects clinic_owner and clinic_app to exist (README, Security).
# Nightly: a systemd timer or cron line running this on a host with the PostgreSQL client.
set -euo pipefail
url=${1:?usage: backup.sh OWNER_URL DIR}
dir=${2:?usage: backup.sh OWNER_URL DIR}
keep=${KEEP:-14}
[[ $keep =~ ^[1-9][0-9]*$ ]] || { echo "backup: KEEP must be a whole number above 0" >&2; exit 2; }
mkdir -p "$dir"
name=clinic-$(date -u +%Y%m%dT%H%M%SZ).dump
partial=$dir/.$name.partial
trap 'rm -f "$partial"' EXIT
umask 077
# --serializable-deferrable: one consistent snapshot that cannot be a serialization anomaly.
pg_dump --dbname="$url" --format=custom --compress=6 --serializable-deferrable --no-password --file="$partial"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$dir/$name"
trap - EXIT
# Older dumps beyond KEEP, oldest first (the names sort by time).
mapfile -t dumps < <(find "$dir" -maxdepth 1 -name 'clinic-*.dump' -printf '%f\n' | sort)
for ((i = 0; i < ${#dumps[@]} - keep; i++)); do rm -f "$dir/${dumps[i]}"; done
echo "$dir/$name"
