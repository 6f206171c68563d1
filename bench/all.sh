#!/usr/bin/env bash
# `make bench`: every benchmark of issue 14 in one run, on the dev cluster, with a release server:
# reads, availability and writes beside pgbench on a SQL-written referral table (REFERRALS), server
# memory, the nightly report over a synthetic history, and the network-scale data of
# `clinic seed --network` (NETWORK_CLINICS, NETWORK_REFERRALS, NETWORK_APPOINTMENTS).
# Prints the Markdown sections for bench/RESULTS.md (machine, command, figures, date, commit).
#
#   REFERRALS=200000 SECONDS_EACH=20 bash bench/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export REFERRALS=${REFERRALS:-200000} CLINICS=${CLINICS:-10} SECONDS_EACH=${SECONDS_EACH:-20}
export BIN=${BIN:-.build/release/clinic}

# pgbench comes with the PostgreSQL server packages the dev cluster installs; wrk from apt.
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq >&2 && apt-get install -y -qq wrk >&2
  else echo "bench: needs wrk: sudo apt-get install wrk" >&2; exit 1; fi
fi
echo "bench: building $BIN (release)" >&2
swift build -c release --product clinic >&2

echo "- **Date:** $(date -u +%F), commit $(git rev-parse --short HEAD)"
pgbin=$(bash deploy/dev-cluster.sh ensure-postgres)
echo "- **Machine:** $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB," \
  "$(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'),"\
  "$(swift --version 2>&1 | head -1 | sed 's/ (.*//')"
echo "- **Command:** \`make bench\` (REFERRALS=$REFERRALS CLINICS=$CLINICS SECONDS_EACH=$SECONDS_EACH)"
echo
echo "### Reads"
bash bench/api-reads.sh
echo
echo "### Availability, new referrals, bookings"
bash bench/api-scheduling.sh
echo
echo "### Server memory"
bash bench/memory.sh
echo
echo "### Nightly report"
SIZES=${REPORT_SIZES:-500} RUNS=3 bash bench/nightly-report.sh
echo
echo "### Network-scale data (seed --network), the nightly report on it, reads and availability"
bash bench/network.sh
