#!/usr/bin/env bash
# How long the nightly report takes, and how much memory it needs, as the history grows.
#
# For each size: a fresh database on the dev cluster (deploy/dev-cluster.sh), N synthetic
# referrals with their history (clinic seed --synthetic), then the HTML report for yesterday made
# RUNS times with --recompute (so each run computes, none reads the record). Prints one Markdown
# row per size for bench/RESULTS.md: referrals, events, seed time and rate, report wall time
# (median of the runs) and the report process's peak resident memory (largest of the runs).
#
#   bash bench/nightly-report.sh                 # SIZES="1000 4000 16000" RUNS=3, release build
#   SIZES="500 2000" RUNS=5 bash bench/nightly-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 4000 16000"}
RUNS=${RUNS:-3}
BIN=${BIN:-.build/release/clinic}

# GNU time reports peak memory; it is Debian's `time` package.
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq >&2 && apt-get install -y -qq time >&2
  else echo "bench: needs /usr/bin/time: sudo apt-get install time" >&2; exit 1; fi
fi
if [[ ! -x $BIN ]]; then
  echo "bench: building $BIN (release)" >&2
  swift build -c release --product clinic >&2
fi
bash deploy/dev-cluster.sh ensure-postgres >&2
bash deploy/dev-cluster.sh start >&2
admin=$(bash deploy/dev-cluster.sh url admin postgres)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| referrals | events | seed | seed rate | report (median of $RUNS) | report peak RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
for n in $SIZES; do
  db="bench_report_$n"
  psql "$admin" -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER clinic_owner" >/dev/null
  url=$(bash deploy/dev-cluster.sh url app "$db")
  "$BIN" migrate --database-url "$(bash deploy/dev-cluster.sh url owner "$db")" >/dev/null
  start=$(date +%s.%N)
  "$BIN" seed --synthetic --referrals "$n" --seed 1 --database-url "$url" >/dev/null 2>"$work/seed.log"
  seed_seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
  # As the owner: row-level security shows the application role no clinic's events without a scope.
  events=$(psql "$(bash deploy/dev-cluster.sh url owner "$db")" -qXtA -c "SELECT count(*) FROM referral_events")
  : >"$work/runs"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$work/time" \
      "$BIN" report nightly --recompute --format html --output "$work/report.html" --database-url "$url" 2>/dev/null
    cat "$work/time" >>"$work/runs"
  done
  median=$(cut -d' ' -f1 "$work/runs" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  peak_mb=$(cut -d' ' -f2 "$work/runs" | sort -n | tail -1 | awk '{printf "%.0f", $1/1024}')
  printf '| %s | %s | %.0f s | %.0f referrals/s | %s s | %s MB |\n' \
    "$n" "$events" "$seed_seconds" "$(awk -v n="$n" -v s="$seed_seconds" 'BEGIN {print n / s}')" "$median" "$peak_mb"
  psql "$admin" -qX -c "DROP DATABASE $db" >/dev/null
done
