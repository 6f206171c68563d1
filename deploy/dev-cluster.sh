#!/usr/bin/env bash
# A private PostgreSQL cluster for local development, kept under $REPO/.local/.
#
#   dev-cluster.sh ensure-postgres   install PostgreSQL >= 15 (+ btree_gist) if missing; print its bin dir
#   dev-cluster.sh ensure-deploy-tools
#                                    also nginx and pg_auto_failover (pg_autoctl) for the deployment
#                                    tests (Tests/Deploy); print pg_autoctl's path
#   dev-cluster.sh start             initdb (once), start, wait until ready, create the roles and database "clinic"
#   dev-cluster.sh stop              fast shutdown; quiet when not running
#   dev-cluster.sh status            pg_ctl status (exit 0 = running, 3 = stopped, 4 = no cluster)
#   dev-cluster.sh url [app|owner|admin] [DB]
#                                    print a URL: app (default) for the server and commands, owner for
#                                    `clinic migrate`, admin (the superuser) for creating databases
#   dev-cluster.sh clean             stop, then remove .local/ (and its /tmp fallback, see below)
#
# Roles, as in production (README, Security): the superuser `postgres` only makes roles and
# databases; `clinic_owner` owns the schema and migrates; `clinic_app` runs everything else with
# the grants the migrations give it. Nothing of the application connects as a superuser.
# Port: CLINIC_PG_PORT (default 54329), TCP on 127.0.0.1 only; auth is trust (dev only).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL=$REPO/.local
PORT=${CLINIC_PG_PORT:-54329}
MIN_VERSION=15

die() { echo "dev-cluster: $*" >&2; exit 1; }

# Highest installed PostgreSQL >= MIN_VERSION (Debian layout); empty when none.
find_bin() {
  local v best=""
  for ctl in /usr/lib/postgresql/*/bin/pg_ctl; do
    [[ -x $ctl ]] || continue
    v=${ctl#/usr/lib/postgresql/}; v=${v%%/*}
    [[ $v =~ ^[0-9]+$ ]] && (( v >= MIN_VERSION )) && { [[ -z $best ]] || (( v > best )); } && best=$v
  done
  [[ -n $best ]] && echo "/usr/lib/postgresql/$best/bin"
  return 0
}

require_bin() {
  BIN=$(find_bin)
  [[ -n $BIN ]] || die "no PostgreSQL >= $MIN_VERSION found; run: $0 ensure-postgres"
}

# initdb, postgres and pg_ctl refuse to run as root, and sessions/CI run as root: then run
# them as the packaged `postgres` user. `cd /` because that user may not be allowed into
# the caller's working directory (initdb/postgres warn or fail on an unreadable cwd).
as_pg() {
  if (( EUID == 0 )); then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

apt_install() {
  local sudo=""
  (( EUID == 0 )) || sudo=sudo
  echo "dev-cluster: installing $* with apt-get" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

ensure_postgres() {
  local bin
  bin=$(find_bin)
  if [[ -z $bin ]]; then
    apt_install postgresql postgresql-contrib
    bin=$(find_bin)
    [[ -n $bin ]] || die "apt installed a PostgreSQL older than $MIN_VERSION; add the PGDG apt repository"
  fi
  # btree_gist backs the no-double-booking exclusion constraints. On Debian it ships with the
  # server package, but a trimmed install can lack it.
  if [[ ! -f $("$bin/pg_config" --sharedir)/extension/btree_gist.control ]]; then
    apt_install "postgresql-contrib-${bin//[^0-9]/}" || apt_install postgresql-contrib
    [[ -f $("$bin/pg_config" --sharedir)/extension/btree_gist.control ]] \
      || die "btree_gist extension still missing for $bin"
  fi
  if (( EUID == 0 )) && ! id postgres >/dev/null 2>&1; then
    die "PostgreSQL is installed but there is no 'postgres' OS user to run it as"
  fi
  echo "$bin"
}

# The deployment tests put nginx in front of two servers and fail PostgreSQL over with
# pg_auto_failover; both come from Debian, the extension built for the same major version.
ensure_deploy_tools() {
  local bin major missing=()
  bin=$(ensure_postgres)
  major=${bin//[^0-9]/}
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  # pg_autoctl itself is /usr/bin/pg_autoctl (pg-auto-failover-cli), pulled in by the extension.
  [[ -f $("$bin/pg_config" --sharedir)/extension/pgautofailover.control ]] && command -v pg_autoctl >/dev/null 2>&1 \
    || missing+=("postgresql-$major-auto-failover")
  if ((${#missing[@]})); then
    apt_install "${missing[@]}"
    # Debian's nginx package starts a system-wide nginx on port 80; the tests run their own.
    if [[ " ${missing[*]} " == *" nginx "* ]]; then
      { systemctl disable --now nginx || service nginx stop || /usr/sbin/nginx -s quit; } >/dev/null 2>&1 || true
    fi
  fi
  command -v pg_autoctl >/dev/null 2>&1 || die "pg_autoctl still missing after installing ${missing[*]}"
  command -v pg_autoctl
}

# Where the cluster files live. Normally .local itself. When running as root and the postgres
# user cannot traverse to .local (e.g. a clone under /root, mode 0700), the files go to
# /tmp/clinic-dev-<uid>/<hash of repo path> instead and .local/{pgdata,run,postgres.log} are
# symlinks to them, so .local stays the one place to look. A symlinked .local/pgdata marks
# that choice for later calls; `clean` removes both.
locate_state() {
  if [[ -L $LOCAL/pgdata ]]; then STATE=$(dirname "$(readlink "$LOCAL/pgdata")"); else STATE=$LOCAL; fi
  PGDATA=$STATE/pgdata RUN=$STATE/run LOG=$STATE/postgres.log
}

prepare_state() {
  mkdir -p "$LOCAL"
  if (( EUID == 0 )) && [[ ! -L $LOCAL/pgdata ]] && ! as_pg test -x "$LOCAL"; then
    local tmp=/tmp/clinic-dev-$(id -u)
    local dir=$tmp/$(printf %s "$REPO" | cksum | cut -d' ' -f1)
    echo "dev-cluster: user postgres cannot reach $LOCAL; keeping the cluster in $dir" >&2
    mkdir -p -m 0711 "$tmp"
    [[ $(stat -c %u "$tmp") == "$(id -u)" ]] || die "$tmp is owned by someone else; remove it"
    mkdir -p "$dir"
    for f in pgdata run postgres.log; do ln -sfn "$dir/$f" "$LOCAL/$f"; done
  fi
  locate_state
  mkdir -p "$PGDATA" "$RUN"
  touch "$LOG"   # pg_ctl opens the log as the server's user
  (( EUID != 0 )) || chown postgres: "$PGDATA" "$RUN" "$LOG"
  chmod 0700 "$PGDATA"
}

is_running() { [[ -f $PGDATA/PG_VERSION ]] && as_pg "$BIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

SUPERUSER=postgres
OWNER_ROLE=clinic_owner
APP_ROLE=clinic_app

psql_admin() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$SUPERUSER" -d postgres "$@"; }

# A cluster made before the role split has the superuser `clinic` and no `postgres` role.
refuse_old_layout() {
  if ! "$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U "$SUPERUSER" -d postgres -c 'select 1' >/dev/null 2>&1; then
    die "this dev cluster predates the owner/app role split (it has no '$SUPERUSER' role; the app connected as a superuser). It holds only demo data: run 'make clean-local', then 'make run'."
  fi
}

start() {
  require_bin
  prepare_state
  if [[ ! -f $PGDATA/PG_VERSION ]]; then
    local locale=C
    locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && locale=C.UTF-8
    as_pg "$BIN/initdb" -D "$PGDATA" --auth=trust --username="$SUPERUSER" --encoding=UTF8 \
      --locale="$locale" >"$STATE/initdb.log" 2>&1 \
      || { cat "$STATE/initdb.log" >&2; die "initdb failed"; }
  fi
  local have want=${BIN//[^0-9]/}
  have=$(<"$PGDATA/PG_VERSION")
  [[ $have == "$want" ]] || die "$PGDATA is a PostgreSQL $have cluster but $BIN is $want; run: $0 clean"
  if ! is_running; then
    # Unix socket paths are capped near 107 bytes; in a deep checkout use TCP only.
    local sock=$RUN
    (( ${#RUN} < 90 )) || sock=""
    as_pg "$BIN/pg_ctl" start -w -t 60 -D "$PGDATA" -l "$LOG" \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$sock'" >/dev/null \
      || { tail -n 20 "$LOG" >&2; die "could not start PostgreSQL (log: $LOG)"; }
    echo "dev-cluster: started PostgreSQL on 127.0.0.1:$PORT (data: $PGDATA)" >&2
  fi
  local i
  for i in $(seq 50); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
    (( i < 50 )) || die "PostgreSQL not ready on 127.0.0.1:$PORT (another server on that port? log: $LOG)"
    sleep 0.2
  done
  refuse_old_layout
  local role
  for role in "$OWNER_ROLE" "$APP_ROLE"; do
    if [[ -z $(psql_admin -tAc "select 1 from pg_roles where rolname = '$role'") ]]; then
      psql_admin -c "create role $role login"
    fi
  done
  if [[ -z $(psql_admin -tAc "select 1 from pg_database where datname = 'clinic'") ]]; then
    psql_admin -c "create database clinic owner $OWNER_ROLE"
  fi
}

stop() {
  BIN=$(find_bin)
  locate_state
  [[ -n $BIN ]] && is_running || return 0
  as_pg "$BIN/pg_ctl" stop -m fast -w -D "$PGDATA" >/dev/null
  echo "dev-cluster: stopped" >&2
}

status() {
  require_bin
  locate_state
  [[ -f $PGDATA/PG_VERSION ]] || { echo "no cluster in $PGDATA"; return 4; }
  as_pg "$BIN/pg_ctl" status -D "$PGDATA" || return
  echo "url: $(url app)  (migrate as: $(url owner))"
}

url() {
  local database=${2:-clinic}
  case ${1:-app} in
    app) echo "postgres://$APP_ROLE@127.0.0.1:$PORT/$database" ;;
    owner) echo "postgres://$OWNER_ROLE@127.0.0.1:$PORT/$database" ;;
    admin) echo "postgres://$SUPERUSER@127.0.0.1:$PORT/$database" ;;
    *) die "url takes app, owner or admin, not '$1'" ;;
  esac
}

clean() {
  stop
  locate_state
  if [[ $STATE != "$LOCAL" ]]; then rm -rf "$STATE"; rmdir "$(dirname "$STATE")" 2>/dev/null || true; fi
  rm -rf "$LOCAL"
}

case ${1:-} in
  ensure-postgres) ensure_postgres ;;
  ensure-deploy-tools) ensure_deploy_tools ;;
  start | stop | status | clean) "$1" ;;
  url) shift; url "$@" ;;
  *) sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
