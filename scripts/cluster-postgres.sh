# shellcheck shell=bash
# PostgreSQL under the cluster's MLflow (scripts/cluster.sh up --mlflow-store postgres, the default):
# sourced by cluster.sh, which defines ROOT, DIR, PREFIX, VENV_BIN and die.
#
# One database cluster in <state>/server/postgres, run as the system user postgres on the server host,
# listening on that namespace's loopback only (127.0.0.1:5432, no Unix socket): MLflow, on the same
# host, is its only client, and no other namespace (the machine's own included) can reach it. The
# superuser's and MLflow's passwords are made at initdb and kept in pgpass files only root can read, so
# they are on no command line and in no log.

PG_PORT=5432
PG_DATA="$DIR/server/postgres"
PG_ADMIN_PASSFILE="$DIR/server/postgres-admin.pgpass" # superuser postgres
PG_MLFLOW_PASSFILE="$DIR/server/mlflow.pgpass"        # role mlflow, owner of database mlflow
PG_DRIVER_REQUIREMENTS="$ROOT/scripts/postgres-requirements.txt"
# psycopg 3, named explicitly (SQLAlchemy 2.1 picks it for postgresql:// too); password from PGPASSFILE.
# shellcheck disable=SC2034 # used by cluster.sh
MLFLOW_PG_URI="postgresql+psycopg://mlflow@127.0.0.1:$PG_PORT/mlflow"

# Folder of postgres, initdb, pg_isready and psql: SEEDSWEEP_PG_BIN, else Debian's newest
# /usr/lib/postgresql/<major>/bin, else the folder of a postgres on PATH. Empty when none has all four.
pg_bin() {
  local dir
  local -a dirs
  if [ -n "${SEEDSWEEP_PG_BIN:-}" ]; then
    dirs=("$SEEDSWEEP_PG_BIN")
  else
    mapfile -t dirs < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    if command -v postgres >/dev/null 2>&1; then dirs+=("$(dirname "$(command -v postgres)")"); fi
  fi
  for dir in "${dirs[@]}"; do
    if [ -x "$dir/postgres" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_isready" ] && [ -x "$dir/psql" ]; then
      echo "$dir"
      return 0
    fi
  done
}
PG_BIN=$(pg_bin)

# PostgreSQL refuses to run as root: its programs run as the system user postgres (setpriv execs, so
# the pid cluster.sh records is the postmaster's own).
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

# Everything PostgreSQL needs, checked before `up` makes anything: one line saying what is missing and
# how to get it, and exit 1.
pg_preflight() {
  local alt="or bring the cluster up with --mlflow-store sqlite"
  [ -n "$PG_BIN" ] || [ -z "${SEEDSWEEP_PG_BIN:-}" ] ||
    die "SEEDSWEEP_PG_BIN=$SEEDSWEEP_PG_BIN does not hold postgres, initdb, pg_isready and psql: point it at PostgreSQL's bin folder, or unset it to use Debian's (apt-get install postgresql), $alt"
  [ -n "$PG_BIN" ] ||
    die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres with initdb, pg_isready and psql beside it): apt-get install postgresql (or set SEEDSWEEP_PG_BIN to its bin folder), $alt"
  id -u postgres >/dev/null 2>&1 ||
    die "no system user 'postgres' to run PostgreSQL as: apt-get install postgresql creates it (or useradd --system postgres), $alt"
  command -v setpriv >/dev/null 2>&1 || die "setpriv is missing (it runs PostgreSQL as user postgres): apt-get install util-linux"
  as_postgres test -x "$DIR/server" ||
    die "user postgres cannot reach $DIR/server (a folder above it is not searchable by others): put the checkout where others can traverse it, $alt"
  if ! "$VENV_BIN/python" -c 'import psycopg' >/dev/null 2>&1; then
    echo "cluster: installing MLflow's PostgreSQL driver into .venv: $VENV_BIN/python -m pip install -r ${PG_DRIVER_REQUIREMENTS#"$ROOT"/}" >&2
    if ! "$VENV_BIN/python" -m pip install --quiet --disable-pip-version-check -r "$PG_DRIVER_REQUIREMENTS" >&2 ||
      ! "$VENV_BIN/python" -c 'import psycopg' >/dev/null 2>&1; then
      die "MLflow's PostgreSQL driver (psycopg) is missing from .venv and could not be installed: run $VENV_BIN/python -m pip install -r ${PG_DRIVER_REQUIREMENTS#"$ROOT"/}, $alt"
    fi
  fi
}

new_password() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# initdb on the first `up` (and after --fresh): the data folder, owned by postgres, mode 0700; the
# superuser's password from a file postgres reads once; scram-sha-256 for every connection.
pg_init() {
  if [ -f "$PG_DATA/PG_VERSION" ]; then
    if [ ! -f "$PG_ADMIN_PASSFILE" ] || [ ! -f "$PG_MLFLOW_PASSFILE" ]; then
      die "$PG_DATA exists but its password files ${PG_ADMIN_PASSFILE##*/} / ${PG_MLFLOW_PASSFILE##*/} are gone: start afresh with up --fresh"
    fi
    return 0
  fi
  local pwfile log="$DIR/logs/postgres.log"
  rm -rf "$PG_DATA"
  mkdir -m 700 "$PG_DATA"
  chown postgres:postgres "$PG_DATA"
  (
    umask 077
    printf '127.0.0.1:%s:*:postgres:%s\n' "$PG_PORT" "$(new_password)" >"$PG_ADMIN_PASSFILE"
    printf '127.0.0.1:%s:mlflow:mlflow:%s\n' "$PG_PORT" "$(new_password)" >"$PG_MLFLOW_PASSFILE"
  )
  pwfile=$(mktemp)
  cut -d: -f5 "$PG_ADMIN_PASSFILE" >"$pwfile"
  chown postgres "$pwfile"
  echo "=== $(date -u +%FT%TZ) initdb $PG_DATA" >>"$log"
  if ! as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C --no-instructions >>"$log" 2>&1; then
    rm -f "$pwfile"
    rm -rf "$PG_DATA"
    die "initdb of $PG_DATA failed; see $log"
  fi
  rm -f "$pwfile"
}

postgres_ok() {
  ip netns exec "$PREFIX-server" "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

pg_admin() {
  ip netns exec "$PREFIX-server" env PGPASSFILE="$PG_ADMIN_PASSFILE" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

# Role and database for MLflow, made once (the password goes in on stdin, not on a command line).
pg_create_mlflow_db() {
  local log="$DIR/logs/postgres.log"
  if [ "$(pg_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'mlflow'" 2>>"$log")" != 1 ]; then
    printf "CREATE ROLE mlflow LOGIN PASSWORD '%s';\n" "$(cut -d: -f5 "$PG_MLFLOW_PASSFILE")" | pg_admin 2>>"$log" ||
      die "could not create PostgreSQL role mlflow; see $log"
  fi
  if [ "$(pg_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'mlflow'" 2>>"$log")" != 1 ]; then
    pg_admin -c 'CREATE DATABASE mlflow OWNER mlflow' 2>>"$log" || die "could not create PostgreSQL database mlflow; see $log"
  fi
}
