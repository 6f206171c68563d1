#!/usr/bin/env bash
# `make deploy-tests` (and the end of `make test`): the deployment scenarios of Tests/Deploy/deploy.py
# against the built server: nginx in front of two instances, a replica, backups, pg_auto_failover.
#
#   DEPLOY_TESTS   scenarios to run (default: all; `python3 Tests/Deploy/deploy.py --list` names them)
#
# nginx and pg_auto_failover come from Debian (deploy/dev-cluster.sh ensure-deploy-tools); the
# scripts need only Python's standard library and openssl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/dev-cluster.sh ensure-deploy-tools >/dev/null
command -v openssl >/dev/null || { echo "deploy-tests: installing openssl" >&2; apt-get install -y -qq openssl >&2; }
[[ -x .build/debug/clinic ]] || swift build --product clinic
# shellcheck disable=SC2086
exec python3 -u Tests/Deploy/deploy.py ${DEPLOY_TESTS:-}
