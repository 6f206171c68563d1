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

VENV=.local/faults-venv
want=$( { cat requirements-faults.txt; python3 --version; } | sha256sum | cut -d' ' -f1)
if [[ ! -x $VENV/bin/python || $(cat "$VENV/.requirements.sha256" 2>/dev/null) != "$want" ]]; then
  echo "faults: installing requirements-faults.txt into $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements-faults.txt
  echo "$want" >"$VENV/.requirements.sha256"
fi
# shellcheck disable=SC2086
exec "$VENV/bin/python" -u Tests/Faults/faults.py ${FAULTS:-}
