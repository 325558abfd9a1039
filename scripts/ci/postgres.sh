#!/usr/bin/env bash
# Installs (if missing) and starts a local PostgreSQL, creates the superfactory role and database,
# and exports SUPERFACTORY_PG_URL. Idempotent. Use: `source scripts/ci/postgres.sh` (or run it and eval the last line).
# Needs root (apt-get, pg_ctlcluster). Listens on 127.0.0.1 only.
_sf_pg_main() {
  local user=superfactory pass=superfactory db=superfactory port="${SUPERFACTORY_PG_PORT:-5432}"
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "postgres.sh: installing postgresql from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || return 1
    apt-get install -y -qq postgresql >&2 || return 1
  fi
  local ver cluster=main
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$ver $cluster"; then
    pg_createcluster "$ver" "$cluster" -p "$port" >&2 || return 1
  fi
  port=$(pg_lsclusters -h | awk -v v="$ver" -v c="$cluster" '$1==v && $2==c {print $3}')
  if ! pg_lsclusters -h | awk -v v="$ver" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
    pg_ctlcluster "$ver" "$cluster" start >&2 || service postgresql start >&2 || return 1
  fi
  local i
  for i in $(seq 1 30); do
    su postgres -c "psql -p $port -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='$user'\"" | grep -q 1 ||
    su postgres -c "psql -p $port -qc \"CREATE ROLE $user LOGIN PASSWORD '$pass'\"" >&2 || return 1
  su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 ||
    su postgres -c "createdb -p $port -O $user $db" >&2 || return 1
  # The tests create and drop their own schemas-in-databases: let the role create databases.
  su postgres -c "psql -p $port -qc \"ALTER ROLE $user CREATEDB\"" >/dev/null 2>&1
  export SUPERFACTORY_PG_URL="postgres://$user:$pass@127.0.0.1:$port/$db"
  echo "export SUPERFACTORY_PG_URL=$SUPERFACTORY_PG_URL"
}
_sf_pg_main
