#!/usr/bin/env bash
# `make faults` (and the end of `make test`): the fault scenarios of Tests/Faults/faults.py against
# the built server, each on a PostgreSQL cluster of its own in a temporary folder.
#
#   FAULTS     scenarios to run (default: all; `python3 Tests/Faults/faults.py --list` names them)
#
# PyYAML (to read openapi.yaml) comes from requirements-faults.txt into .local/faults-venv, made
# again only when the pins or the interpreter change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/dev-cluster.sh ensure-postgres >/dev/null
[[ -x .build/debug/clinic ]] || swift build --product clinic

VENV=$(bash deploy/python-venv.sh .local/faults-venv requirements-faults.txt)
# shellcheck disable=SC2086
exec "$VENV/bin/python" -u Tests/Faults/faults.py ${FAULTS:-}
