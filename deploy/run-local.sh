#!/usr/bin/env bash
# `make run`: dev cluster up, build, migrate, seed demo data, mint an admin token, serve.
# HTTP address: CLINIC_HTTP_HOST / CLINIC_HTTP_PORT (the Makefile sets them from HOST / PORT).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CLINIC_HTTP_HOST=${CLINIC_HTTP_HOST:-127.0.0.1}
export CLINIC_HTTP_PORT=${CLINIC_HTTP_PORT:-8080}

bash deploy/dev-cluster.sh ensure-postgres >/dev/null
bash deploy/dev-cluster.sh start
swift build --product clinic

# The schema's owner migrates; everything else runs as the application role (README, Security).
DATABASE_URL=$(bash deploy/dev-cluster.sh url app)
export DATABASE_URL
clinic=.build/debug/clinic

"$clinic" migrate --database-url "$(bash deploy/dev-cluster.sh url owner)"
"$clinic" seed --demo   # idempotent, so every `make run` can call it
# The token is printed alone on the last line of stdout; anything before it is chatter.
token=$("$clinic" token create --role admin --all-clinics --name make-run | tail -n 1)
[[ -n $token ]] || { echo "run-local: 'clinic token create' printed no token" >&2; exit 1; }

cat <<BANNER

  clinic dev server on http://$CLINIC_HTTP_HOST:$CLINIC_HTTP_PORT  (database: $DATABASE_URL)
  admin token: $token
  try: curl -s -H "Authorization: Bearer $token" http://$CLINIC_HTTP_HOST:$CLINIC_HTTP_PORT/v1/referrals
  yesterday's nightly report, from another shell:
       DATABASE_URL=$DATABASE_URL $clinic report nightly --format html --output report.html
  stop the server with Ctrl-C, the database with: make stop

BANNER
exec "$clinic" serve
