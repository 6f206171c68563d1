#!/bin/bash
# Run once by the postgres image, as its superuser, when the data directory is first created:
# the two roles of README's "Security: database roles" and the database, owned by clinic_owner.
# Changing the passwords in .env later changes nothing here: use ALTER ROLE, or start over with
# `docker compose down --volumes`.
#
# The passwords reach PostgreSQL as psql variables quoted with :'name', never spliced into the SQL
# text by the shell, so any character in them is safe. The postgres image sources this file when
# it is not executable, so it sets no shell options of its own and exits only on a missing value.

: "${CLINIC_OWNER_PASSWORD:?CLINIC_OWNER_PASSWORD is not set (deploy/docker/.env)}"
: "${CLINIC_APP_PASSWORD:?CLINIC_APP_PASSWORD is not set (deploy/docker/.env)}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$CLINIC_OWNER_PASSWORD" -v app_password="$CLINIC_APP_PASSWORD" <<'SQL'
CREATE ROLE clinic_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE clinic_app LOGIN PASSWORD :'app_password';
CREATE DATABASE clinic OWNER clinic_owner;
SQL
