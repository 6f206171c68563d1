#!/usr/bin/env bash
# `make interop-tests` (part of `make test`): the interoperability scenarios of Tests/Interop/interop.py
# against the built server: HL7 v2 over HTTP and MLLP, FHIR R4 and SMART Scheduling Links, read
# back by third-party libraries (hl7apy, fhir.resources, fhirpy). One PostgreSQL cluster and one
# server for the whole suite, in a temporary folder.
#
#   INTEROP    scenarios to run (default: all; `python3 Tests/Interop/interop.py --list` names them)
#   CLINIC_BINARY  the server binary (default .build/debug/clinic)
#
# The libraries come from requirements-interop.txt into .local/interop-venv, made again only when
# the pins or the interpreter change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/dev-cluster.sh ensure-postgres >/dev/null
[[ -n ${CLINIC_BINARY:-} || -x .build/debug/clinic ]] || swift build --product clinic

VENV=$(bash deploy/python-venv.sh .local/interop-venv requirements-interop.txt)
# shellcheck disable=SC2086
exec "$VENV/bin/python" -u Tests/Interop/interop.py ${INTEROP:-}
