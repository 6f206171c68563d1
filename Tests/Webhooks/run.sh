#!/usr/bin/env bash
# `make webhook-tests` (part of `make test`): the webhook scenarios of Tests/Webhooks/webhooks.py
# against the built server: a receiver of the suite's own verifies signatures and compares what
# arrives with the change feed, through retries, a pause and resume, kill -9 of the server and two
# servers on one database. One PostgreSQL cluster for the whole suite, in a temporary folder.
#
#   WEBHOOKS       scenarios to run (default: all; `python3 Tests/Webhooks/webhooks.py --list` names them)
#   CLINIC_BINARY  the server binary (default .build/debug/clinic)
#
# Standard library only; the venv (.local/webhooks-venv, from Tests/Webhooks/requirements.txt)
# is made the same way as the other suites'.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/dev-cluster.sh ensure-postgres >/dev/null
[[ -n ${CLINIC_BINARY:-} || -x .build/debug/clinic ]] || swift build --product clinic

VENV=$(bash deploy/python-venv.sh .local/webhooks-venv Tests/Webhooks/requirements.txt)
# shellcheck disable=SC2086
exec "$VENV/bin/python" -u Tests/Webhooks/webhooks.py ${WEBHOOKS:-}
