#!/usr/bin/env bash
# A private Python venv with pinned requirements, for the test and fuzz scripts:
#   VENV=$(bash deploy/python-venv.sh .local/NAME-venv requirements-NAME.txt)
# Made again only when the requirements or the interpreter change (their hash is kept in the
# venv), so a second run costs nothing and a bumped pin never runs against stale packages.
# Prints the venv's folder; progress goes to stderr.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 VENV_DIR REQUIREMENTS_FILE" >&2; exit 64; }
venv=$1
requirements=$2
want=$( { cat "$requirements"; python3 --version; } | sha256sum | cut -d' ' -f1)
if [[ ! -x $venv/bin/python || $(cat "$venv/.requirements.sha256" 2>/dev/null) != "$want" ]]; then
  echo "installing $requirements into $venv" >&2
  rm -rf "$venv"   # start clean: a changed pin must not leave the old packages behind
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
  echo "$want" >"$venv/.requirements.sha256"
fi
echo "$venv"
