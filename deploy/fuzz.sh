#!/usr/bin/env bash
# `make fuzz` / `make fuzz-ci`: Schemathesis against a live server, over every operation of
# openapi.yaml, with an admin token. Fails (schemathesis's exit code) on any 5xx and on any
# response that does not match the document.
#
#   FUZZ_EXAMPLES  examples per operation and phase (default 100; `make fuzz-ci` uses 25)
#   FUZZ_PORT      HTTP port for the server under test (default 18080, or any free port when
#                  18080 is taken; when set explicitly it must be free)
#   FUZZ_SEED      Hypothesis seed (default fixed, so two runs of one binary ask the same things)
#   CLINIC_PG_PORT port of the dev cluster (as for `make run`)
#
# It uses the `make run` dev cluster but its own database, clinic_fuzz, dropped and recreated on
# every run: fuzzing writes hundreds of junk referrals and must never touch the demo database.
# Leaves behind (all under .local/, which is git-ignored): the venv, the clinic_fuzz database for
# a post-mortem, and .local/fuzz/: server.log, schemathesis.log, junit.xml, events.ndjson and,
# after a failed run, failures.txt (every distinct failure; Schemathesis prints one per status).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS=0
EXAMPLES=${FUZZ_EXAMPLES:-100}
SEED=${FUZZ_SEED:-20261125}
VENV=.local/fuzz-venv
OUT=.local/fuzz
clinic=.build/debug/clinic

die() { echo "fuzz: $*" >&2; exit 1; }
[[ $EXAMPLES =~ ^[1-9][0-9]*$ ]] || die "FUZZ_EXAMPLES must be a positive integer, not '$EXAMPLES'"
[[ $SEED =~ ^[0-9]+$ ]] || die "FUZZ_SEED must be a non-negative integer, not '$SEED'"
mkdir -p "$OUT"

# --- Schemathesis, pinned in requirements-fuzz.txt, in a private venv -------------------------
bash deploy/python-venv.sh "$VENV" requirements-fuzz.txt >/dev/null

# --- Database: the dev cluster, a throwaway clinic_fuzz database on it ------------------------
PG_BIN=$(bash deploy/dev-cluster.sh ensure-postgres)
# Remember whether the cluster was already up, so we stop it again only if we started it.
cluster_was_running=0
bash deploy/dev-cluster.sh status >/dev/null 2>&1 && cluster_was_running=1
# From here on, whatever happens, the exit trap stops what this script started.
server_pid=""
cleanup() {
  local rc=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    # SIGTERM is a graceful stop; give it 10 s, then make sure.
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  # Leave the cluster as we found it; clinic_fuzz stays in it for a post-mortem.
  (( cluster_was_running )) || bash deploy/dev-cluster.sh stop || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash deploy/dev-cluster.sh start
DATABASE_URL=$(bash deploy/dev-cluster.sh url app clinic_fuzz)
export DATABASE_URL
# WITH (FORCE) (PostgreSQL 13+) ends connections a crashed earlier run may have left open.
# Separate -c's: DROP/CREATE DATABASE cannot run inside one transaction.
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$(bash deploy/dev-cluster.sh url admin postgres)" \
  -c 'drop database if exists clinic_fuzz with (force)' -c 'create database clinic_fuzz owner clinic_owner'

# --- Server --------------------------------------------------------------------------------
# Normally `make build`/`make run` has built it; do not rebuild behind a developer's back.
[[ -x $clinic ]] || swift build --product clinic

"$clinic" migrate --database-url "$(bash deploy/dev-cluster.sh url owner clinic_fuzz)"
"$clinic" seed --demo
# The secret is alone on the last line of stdout; anything before it is chatter.
token=$("$clinic" token create --role admin --all-clinics --name fuzz | tail -n 1)
[[ -n $token ]] || die "'clinic token create' printed no token"

# SO_REUSEADDR as the server sets it: connections of a last run in TIME_WAIT do not make a port
# busy, a listener on it does.
port_free() {
  python3 -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}
if [[ -n ${FUZZ_PORT:-} ]]; then
  PORT=$FUZZ_PORT
  [[ $PORT =~ ^[0-9]+$ ]] || die "FUZZ_PORT must be a port number, not '$PORT'"
  port_free "$PORT" || die "FUZZ_PORT=$PORT is in use on 127.0.0.1"
else
  PORT=18080
  if ! port_free "$PORT"; then
    # 18080 is taken (a second checkout fuzzing?): let the kernel pick a free one.
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  fi
fi
BASE=http://127.0.0.1:$PORT

"$clinic" serve --host 127.0.0.1 --port "$PORT" >"$OUT/server.log" 2>&1 &
server_pid=$!
for i in $(seq 60); do
  curl -fsS -o /dev/null --max-time 2 "$BASE/health" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$OUT/server.log" >&2; die "the server exited during start-up"; }
  (( i < 60 )) || { tail -n 30 "$OUT/server.log" >&2; die "no 200 from $BASE/health within 30 s"; }
  sleep 0.5
done
echo "fuzz: server pid $server_pid on $BASE (database: $DATABASE_URL, log: $OUT/server.log)" >&2

# --- Server-issued cursors for deploy/fuzz-schemathesis.toml ---------------------------------
# A cursor is valid only as an earlier page's nextCursor, so take one of each from the server:
# page 1 of the referrals (the demo seed has 5), then two reads of the first referral so that
# its audit trail has a second page.
api() { curl -fsS --max-time 10 -H "Authorization: Bearer $token" "$BASE$1"; }
read -r referral_id referral_cursor < <(api '/v1/referrals?limit=1' | python3 -c \
  'import json, sys; d = json.load(sys.stdin); print(d["items"][0]["id"], d.get("nextCursor", ""))') || true
[[ -n ${referral_id:-} ]] || die "GET /v1/referrals?limit=1 gave no referral (is the demo seed there?)"
api "/v1/referrals/$referral_id" >/dev/null
api "/v1/referrals/$referral_id" >/dev/null
audit_cursor=$(api "/v1/audit?entityId=$referral_id&limit=1" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin).get("nextCursor", ""))')
[[ -n ${referral_cursor:-} && -n $audit_cursor ]] \
  || die "no nextCursor from GET /v1/referrals?limit=1 or GET /v1/audit?entityId=$referral_id&limit=1"
printf '"%s"\n' "$referral_cursor" >"$OUT/referral-cursor.dict"
printf '"%s"\n' "$audit_cursor" >"$OUT/audit-cursor.dict"
# Edited and forged versions of both, for deploy/fuzz_hooks.py (Tests/Faults/hostile.py makes them).
PYTHONPATH=Tests/Faults python3 -c 'import json, sys
from cursors import mutate_cursor
print(json.dumps(mutate_cursor(sys.argv[1]) + mutate_cursor(sys.argv[2])))' "$referral_cursor" "$audit_cursor" >"$OUT/hostile-cursors.json"

# --- Schemathesis --------------------------------------------------------------------------
# Options beyond the required ones, each for being bounded and repeatable:
#   --config-file             deploy/fuzz-schemathesis.toml: no cross-run cache (./.schemathesis/),
#                             and what the document cannot say in JSON Schema (see its comments)
#   --seed                    same seed, same generated requests for the same binary and document
#   --generation-database none  no Hypothesis example database (./.hypothesis/): it replays
#                             earlier failures first, so runs would depend on history and write
#                             into the checkout
#   --workers 1               one request at a time, in the order the seed gives (and 2 cores)
#   --request-timeout 10      a hung request fails that test case instead of the whole run
#   --continue-on-failure     by default an operation stops at its first failure, which hides
#                             every other failure of that operation until the first is fixed;
#                             the run stays bounded by --max-examples either way
#   --report junit,ndjson     JUnit for CI; the NDJSON event log feeds deploy/fuzz-failures.py
#   --max-time                not used: it makes the fuzzing and stateful phases repeat until the
#                             time is spent; --max-examples alone bounds the run
# The Authorization header is masked in Schemathesis's output (--output-sanitize defaults to on).
# No --exclude-checks: every check of `--checks all` applies to this API, or is a no-op for it
# (use_after_free needs a DELETE, which the API does not have). Where a check meets a rule JSON
# Schema cannot state, the config file and deploy/fuzz_hooks.py narrow it, one rule at a time.
# Hypothesis keeps caches (Unicode tables, constants) in ./.hypothesis unless told otherwise.
export HYPOTHESIS_STORAGE_DIRECTORY=$PWD/$OUT/hypothesis
# Rules JSON Schema cannot express and the config file cannot either (see the file).
export SCHEMATHESIS_HOOKS=deploy/fuzz_hooks.py
rm -f "$OUT/junit.xml" "$OUT/events.ndjson" "$OUT/failures.txt"   # nothing stale from a last run
started=$(date +%s)
set +e
"$VENV/bin/schemathesis" --config-file deploy/fuzz-schemathesis.toml run openapi.yaml \
  --url "$BASE" \
  -H "Authorization: Bearer $token" \
  --checks all \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --generation-database none \
  --workers 1 \
  --request-timeout 10 \
  --continue-on-failure \
  --report junit,ndjson --report-junit-path "$OUT/junit.xml" --report-ndjson-path "$OUT/events.ndjson" \
  2>&1 | tee "$OUT/schemathesis.log"
rc=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - started ))

# Schemathesis shows one failure per operation, check and status; list every distinct reason.
if (( rc != 0 )) && [[ -s $OUT/events.ndjson ]]; then
  echo
  echo "fuzz: every distinct failure (also in $OUT/failures.txt):"
  python3 deploy/fuzz-failures.py "$OUT/events.ndjson" | tee "$OUT/failures.txt" || true
fi

# The line under the summary's "Test cases:" says how many test cases were generated in all.
cases=$(awk '/^Test cases:/ { getline; sub(/^ +/, ""); print; exit }' "$OUT/schemathesis.log")
echo
echo "fuzz: --max-examples $EXAMPLES per operation (seed $SEED); test cases: ${cases:-unknown}"
echo "fuzz: schemathesis took ${elapsed}s wall time (${SECONDS}s in all), exit code $rc (log: $OUT/schemathesis.log)"
exit "$rc"
