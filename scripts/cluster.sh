#!/usr/bin/env bash
# A seedsweep cluster on this one machine, made of Linux network namespaces: a server host running the
# Temporal dev server and MLflow (on PostgreSQL by default), N worker hosts each running `seedsweep
# worker` with its own state folder (and checkpoints), and a "laptop" host that submits. Needs root.
#
#   scripts/cluster.sh up [--workers N] [--mlflow-store postgres|sqlite] [--shared-checkpoints] [--fault-proxy] [--fresh] [-- <worker flags>]
#   scripts/cluster.sh status
#   scripts/cluster.sh laptop -- <command…>        e.g. laptop -- npx seedsweep run quickstart --detach
#   scripts/cluster.sh on <host> -- <command…>     run a command on server, workerN or laptop
#   scripts/cluster.sh kill <proc> [SIGNAL]        proc: temporal, postgres, mlflow, proxy, workerN (default SIGKILL)
#   scripts/cluster.sh start <proc>                (re)start one process after a kill
#   scripts/cluster.sh link <host> down|up         cut a host from the network / reconnect it
#   scripts/cluster.sh faults pass|500|429         what the fault proxy (up --fault-proxy) does
#   scripts/cluster.sh down [--purge]              --purge also deletes .seedsweep/cluster (data, logs)
#
# Network: bridge ss-br0 (no address, no route out of the machine), one veth pair per host, addresses
# 10.77.0.0/24 assigned here inside the namespaces: server .2, workerN .(10+N), laptop .100. The
# namespaces get no default route, so their only traffic is to those addresses and their own loopback.
# MLflow's store: PostgreSQL (scripts/cluster-postgres.sh: its own data folder, run as user postgres on
# the server host's loopback only), or with --mlflow-store sqlite a SQLite file; artifacts are served
# by MLflow (--serve-artifacts) from a folder on the server host.
# State: .seedsweep/cluster/ (server data, one state folder per host, logs/, pids/, and `made`, the
# list of namespaces and links `up` created, which is exactly what `down` deletes).
#
# Exit codes: 0 ok; 1 failure (one line on stderr says what; `status`: something is not answering);
# 2 bad usage; 3 `status`: cluster down; 75 `up`: another checkout's cluster holds this id's names;
# 77 skipped: network namespaces cannot be made here (not root, no `ip netns`), said on one line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# SEEDSWEEP_CLUSTER_ID=K (1…9) makes a second, independent cluster beside the default one (0): its
# own namespaces (sK-…), bridge, addresses 10.77.K.0/24 and state folder .seedsweep/cluster-K.
ID=${SEEDSWEEP_CLUSTER_ID:-0}
[[ $ID =~ ^[0-9]$ ]] || {
  echo "cluster: SEEDSWEEP_CLUSTER_ID must be one digit 0…9; got '$ID'" >&2
  exit 2
}
if [ "$ID" = 0 ]; then
  PREFIX=ss
  DIR="$ROOT/.seedsweep/cluster"
else
  PREFIX=s$ID
  DIR="$ROOT/.seedsweep/cluster-$ID"
fi
BRIDGE=$PREFIX-br0
NET=10.77.$ID
SERVER_IP=$NET.2
LAPTOP_IP=$NET.100
TEMPORAL_PORT=7233
MLFLOW_PORT=5000
TEMPORAL_ADDRESS=$SERVER_IP:$TEMPORAL_PORT
MLFLOW_URI=http://$SERVER_IP:$MLFLOW_PORT
PROXY_PORT=5001 # up --fault-proxy: workers reach MLflow through scripts/fault-proxy.ts here
PROXY_URI=http://$SERVER_IP:$PROXY_PORT
VENV_BIN="$ROOT/.venv/bin"
MAX_WORKERS=8
TICK=0.5 # every wait loop sleeps this long per round, for a bounded number of rounds

die() {
  echo "cluster: $*" >&2
  exit 1
}
# shellcheck source-path=SCRIPTDIR source=cluster-postgres.sh
source "$ROOT/scripts/cluster-postgres.sh"
usage() {
  sed -n '6,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---- hosts ------------------------------------------------------------------------------------------

worker_count() { sed -n 's/^WORKERS=//p' "$DIR/config" 2>/dev/null || echo 0; }
hosts() {
  echo server
  local i n
  n=$(worker_count)
  for ((i = 1; i <= n; i++)); do echo "worker$i"; done
  echo laptop
}
ns_of() { echo "$PREFIX-$1"; }
ip_of() {
  case $1 in
    server) echo "$SERVER_IP" ;;
    laptop) echo "$LAPTOP_IP" ;;
    worker[1-9]) echo "$NET.$((10 + ${1#worker}))" ;;
    *) die "unknown host '$1' (server, worker1…worker$MAX_WORKERS, laptop)" ;;
  esac
}
host_of_proc() {
  case $1 in
    temporal | postgres | mlflow | proxy) echo server ;;
    worker[1-9]) echo "$1" ;;
    *) die "unknown process '$1' (temporal, postgres, mlflow, proxy, worker1…)" ;;
  esac
}
is_up() { [ -f "$DIR/made" ]; }
require_up() { is_up || die "the cluster is not up: run scripts/cluster.sh up"; }

# The environment every seedsweep process on a cluster host gets.
host_env() {
  local host=$1
  local state="$DIR/$host"
  echo "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"
  if [[ $host == worker* ]] && has_proxy; then
    echo "MLFLOW_TRACKING_URI=$PROXY_URI"
  else
    echo "MLFLOW_TRACKING_URI=$MLFLOW_URI"
  fi
  echo "SEEDSWEEP_STATE_DIR=$state"
  echo "SEEDSWEEP_CLUSTER_DIR=$DIR"
  echo "SEEDSWEEP_CLUSTER_HOST=$host"
  echo "SEEDSWEEP_CLUSTER_ID=$ID"
  if [[ $host == worker* ]]; then
    if grep -q '^SHARED=1$' "$DIR/config"; then
      echo "SEEDSWEEP_CHECKPOINT_DIR=$DIR/shared-checkpoints"
    else
      echo "SEEDSWEEP_CHECKPOINT_DIR=$state/checkpoints"
    fi
    # `SEEDSWEEP_FAULT=<point>[@n] scripts/cluster.sh start workerN`: that worker SIGKILLs itself
    # at a named instant (src/core/common/fault-points.ts); the chaos suite uses it.
    if [ -n "${SEEDSWEEP_FAULT:-}" ]; then echo "SEEDSWEEP_FAULT=$SEEDSWEEP_FAULT"; fi
  fi
}
has_proxy() { grep -q '^PROXY=1$' "$DIR/config" 2>/dev/null; }
# MLflow's store is PostgreSQL (config STORE=postgres; a config without STORE is an older SQLite one).
has_postgres() { grep -q '^STORE=postgres$' "$DIR/config" 2>/dev/null; }

# ---- processes ----------------------------------------------------------------------------------

# "pid starttime" of a process, so that a recorded pid is only ever signalled while it is still ours.
# (The command name in field 2 may hold spaces: count fields from its closing parenthesis. A zombie
# counts as gone.)
proc_id() {
  local stat
  local -a fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  read -ra fields <<<"${stat##*) }" # fields[0] is field 3 (state), fields[19] field 22 (start time)
  [ "${fields[0]}" = Z ] || echo "$1 ${fields[19]}"
}
recorded_pid() {
  local file="$DIR/pids/$1.pid"
  [ -f "$file" ] || return 0
  local pid start
  read -r pid start <"$file" || return 0
  [ "$(proc_id "$pid")" = "$pid $start" ] && echo "$pid"
  return 0
}

# How a worker host runs the worker, one argument a line: the compiled dist/ when `npm run build` ran
# after the last change to a file under src/ (tests add and remove files beside the sources, which
# touches folders, not files; a start then costs ~1 s less CPU, and so does each training thread:
# the chaos suite restarts workers many times), else the sources through tsx.
worker_entry() {
  local stamp="$ROOT/dist/temporal/workflows/bundle.json"
  if [ -f "$stamp" ] && [ -f "$ROOT/dist/temporal/workers/main.js" ] &&
    [ -z "$(find "$ROOT/src" -type f -newer "$stamp" -print -quit)" ]; then
    echo "$ROOT/dist/temporal/workers/main.js"
  else
    printf '%s\n' --import tsx "$ROOT/src/temporal/workers/main.ts"
  fi
}

# Starts process $1 (temporal, mlflow, workerN) in its host's namespace, in its own session, logging
# to logs/$1.log; records its pid. Commands exec one another down to the server or node, so the pid
# recorded is the server's or the worker's own.
start_proc() {
  local proc=$1 host ns log pid
  host=$(host_of_proc "$proc")
  ns=$(ns_of "$host")
  log="$DIR/logs/$proc.log"
  [ -z "$(recorded_pid "$proc")" ] || die "$proc is already running (pid $(recorded_pid "$proc"))"
  mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/$host"
  local -a cmd
  case $proc in
    temporal)
      # As src/services/temporal-dev-server.ts, but on every address of the server namespace (its eth0
      # and its loopback): the dev server's frontend dials its history and matching services on
      # 127.0.0.1, so with --ip 10.77.0.2 they would bind where it cannot reach them.
      cmd=("$VENV_BIN/temporal" server start-dev --headless --ip 0.0.0.0 --port "$TEMPORAL_PORT"
        --db-filename "$DIR/server/temporal.sqlite" --log-level warn)
      ;;
    postgres)
      # Settings on the command line, so that no configuration file can widen them: the server
      # namespace's loopback only, no Unix socket. setpriv execs: the pid recorded is the postmaster's.
      cmd=(setpriv --reuid=postgres --regid=postgres --init-groups -- "$PG_BIN/postgres" -D "$PG_DATA"
        -c listen_addresses=127.0.0.1 -c port="$PG_PORT" -c unix_socket_directories= -c logging_collector=off)
      ;;
    mlflow)
      # As src/services/mlflow-server.ts: no job runner (MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false), one
      # worker; the store PostgreSQL (its password from PGPASSFILE) or SQLite.
      local store="sqlite:///$DIR/server/mlflow/mlflow.sqlite"
      if has_postgres; then store=$MLFLOW_PG_URI; fi
      cmd=(env MLFLOW_HOST="$SERVER_IP" MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false PGPASSFILE="$PG_MLFLOW_PASSFILE"
        "$VENV_BIN/mlflow" server --host "$SERVER_IP" --port "$MLFLOW_PORT" --backend-store-uri "$store"
        --artifacts-destination "$DIR/server/mlflow/artifacts" --serve-artifacts --workers 1)
      mkdir -p "$DIR/server/mlflow"
      ;;
    proxy)
      cmd=(node --import tsx "$ROOT/scripts/fault-proxy.ts" --listen "$SERVER_IP:$PROXY_PORT" --target "$MLFLOW_URI"
        --mode-file "$DIR/server/fault-proxy.mode")
      ;;
    worker*)
      local -a extra=() WORKER_ENTRY
      mapfile -t WORKER_ENTRY < <(worker_entry)
      [ -f "$DIR/worker-args" ] && mapfile -t extra <"$DIR/worker-args"
      # Its own UTS namespace too, so that MLflow's seedsweep.host tag names the worker host.
      mapfile -t envs < <(host_env "$host")
      # shellcheck disable=SC2016 # expanded by that sh, not here
      cmd=(unshare --uts sh -c 'hostname "$0" && exec "$@"' "$ns"
        env "${envs[@]}" node "${WORKER_ENTRY[@]}" --threads 1 "${extra[@]}")
      ;;
  esac
  echo "=== $(date -u +%FT%TZ) start $proc on $ns: ${cmd[*]}" >>"$log"
  (cd "$ROOT" && exec setsid ip netns exec "$ns" "${cmd[@]}" >>"$log" 2>&1 </dev/null) &
  pid=$!
  proc_id "$pid" >"$DIR/pids/$proc.pid"
  [ -n "$(recorded_pid "$proc")" ] || die "$proc exited at once; see $log"
}

# Signals process $1's group (setsid made it the leader; MLflow's uvicorn child is in it) with $2.
signal_proc() {
  local proc=$1 sig=$2 pid
  pid=$(recorded_pid "$proc")
  [ -n "$pid" ] || return 0
  if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then
    kill -s "$sig" -- "-$pid" 2>/dev/null || true
  else
    kill -s "$sig" "$pid" 2>/dev/null || true
  fi
}

# Stops process $1: SIGTERM, then SIGKILL after 30 × 0.5 s. PostgreSQL: SIGINT to the postmaster alone
# (a fast shutdown: it ends its sessions, writes a checkpoint and stops its own children).
stop_proc() {
  local proc=$1 i
  [ -n "$(recorded_pid "$proc")" ] || {
    rm -f "$DIR/pids/$proc.pid"
    return 0
  }
  if [ "$proc" = postgres ]; then
    kill -INT "$(recorded_pid "$proc")" 2>/dev/null || true
  else
    signal_proc "$proc" TERM
  fi
  for ((i = 0; i < 30; i++)); do
    [ -n "$(recorded_pid "$proc")" ] || break
    sleep "$TICK"
  done
  if [ -n "$(recorded_pid "$proc")" ]; then
    signal_proc "$proc" KILL
    sleep "$TICK"
  fi
  rm -f "$DIR/pids/$proc.pid"
}

# Last start's part of process $1's log.
last_log() { awk '/^=== .* start /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$DIR/logs/$1.log" 2>/dev/null; }

temporal_ok() {
  local out
  out=$(ip netns exec "$PREFIX-laptop" timeout 5 "$VENV_BIN/temporal" operator cluster health \
    --address "$TEMPORAL_ADDRESS" 2>/dev/null) || return 1
  [[ $out == *SERVING* ]]
}
mlflow_ok() {
  [ "$(ip netns exec "$PREFIX-laptop" curl -s -m 3 -o /dev/null -w '%{http_code}' "$MLFLOW_URI/health" 2>/dev/null)" = 200 ]
}
proxy_ok() { [[ $(last_log proxy) == *"fault-proxy: listening"* ]]; }
worker_ok() { [[ $(last_log "$1") == *" ready: Temporal"* ]]; }

# wait_for <rounds> <what> <process> <check command…>: polls until the check passes, at most
# rounds × TICK seconds; fails with one line if the process dies or the time runs out.
wait_for() {
  local rounds=$1 what=$2 proc=$3 i
  shift 3
  for ((i = 0; i < rounds; i++)); do
    "$@" && return 0
    [ -n "$(recorded_pid "$proc")" ] ||
      die "$what: $proc exited; last lines of $DIR/logs/$proc.log: $(last_log "$proc" | grep -v "^=== " | tail -n 3 | tr '\n' ' ')"
    sleep "$TICK"
  done
  die "$what: no answer after $(awk "BEGIN{print $rounds * $TICK}") s; see $DIR/logs/$proc.log"
}

wait_ready() {
  case $1 in
    temporal) wait_for 240 "Temporal on $TEMPORAL_ADDRESS" temporal temporal_ok ;;
    postgres) wait_for 240 "PostgreSQL on 127.0.0.1:$PG_PORT in $PREFIX-server" postgres postgres_ok ;;
    mlflow) wait_for 240 "MLflow on $MLFLOW_URI" mlflow mlflow_ok ;;
    proxy) wait_for 40 "fault proxy on $PROXY_URI" proxy proxy_ok ;;
    worker*) wait_for 240 "$1 startup" "$1" worker_ok "$1" ;;
  esac
}

# ---- network ----------------------------------------------------------------------------------

made() { echo "$1 $2" >>"$DIR/made"; }

# One line and exit 77 when this machine cannot make network namespaces.
check_namespaces() {
  local why=""
  if [ "$(id -u)" != 0 ]; then
    why="needs root"
  elif ! command -v ip >/dev/null 2>&1; then
    why="the ip command (iproute2) is missing"
  elif ! ip netns add "ss-probe$$" 2>/dev/null; then
    why="'ip netns add' failed"
  else
    ip netns del "ss-probe$$"
    if ! ip link add ss-probe$$ type bridge 2>/dev/null; then
      why="cannot create a bridge"
    else
      ip link del "ss-probe$$"
    fi
  fi
  if [ -n "$why" ]; then
    echo "cluster: skipped: network namespaces cannot be made here ($why)"
    exit 77
  fi
}

no_ipv6() { sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" 2>/dev/null || true; }

# ---- who holds the names ----------------------------------------------------------------------------
# Namespace and link names are machine-wide, state folders are per checkout: two checkouts (a CI run
# beside a developer's) or a run killed before `down` can meet on one SEEDSWEEP_CLUSTER_ID. The owner
# file says which checkout's cluster holds the names. Held means: its `up` or `down` is running, or a
# process runs in one of the namespaces; then `up` exits 75 (pick another id). Names nobody holds are
# what a killed cluster left behind, and `up` deletes them.
OWNER_DIR=/run/seedsweep
OWNER=$OWNER_DIR/cluster-$PREFIX.owner
IN_USE=75

in_use() {
  echo "cluster: $*: pick another SEEDSWEEP_CLUSTER_ID (0…9), or take that cluster down" >&2
  exit "$IN_USE"
}

# Every namespace this id can have (whatever the worker count was).
possible_namespaces() {
  local i
  echo "$PREFIX-server"
  for ((i = 1; i <= MAX_WORKERS; i++)); do echo "$PREFIX-worker$i"; done
  echo "$PREFIX-laptop"
}
# Pids of the processes running in any of them, one a line.
pids_in_namespaces() {
  local ns
  for ns in $(possible_namespaces); do
    if [ -e "/run/netns/$ns" ]; then ip netns pids "$ns" 2>/dev/null || true; fi
  done
}
# The checkout folder the owner file names ('' when there is none).
owner_dir() {
  local pid start dir=""
  [ -f "$OWNER" ] && read -r pid start dir <"$OWNER"
  echo "$dir"
}

# Claims the names for this checkout's `up` or `down` (the owner file: "pid starttime folder").
claim_names() {
  local pid start dir live
  mkdir -p "$OWNER_DIR"
  if [ -f "$OWNER" ]; then
    read -r pid start dir <"$OWNER" || true
    if [ "$dir" != "$DIR" ]; then
      if [ -n "${pid:-}" ] && [ "$(proc_id "$pid")" = "$pid ${start:-}" ]; then
        in_use "cluster $ID ($PREFIX-…) is being brought up or down from $dir (pid $pid)"
      fi
      live=$(pids_in_namespaces | head -5 | tr '\n' ' ')
      [ -z "$live" ] || in_use "cluster $ID ($PREFIX-…) runs from $dir (pids ${live% })"
    fi
  fi
  echo "$(proc_id $$) $DIR" >"$OWNER"
}

make_network() {
  local host ns veth ip live
  local -a left=()
  for ns in $(possible_namespaces); do
    if [ -e "/run/netns/$ns" ]; then left+=("$ns"); fi
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then left+=("$BRIDGE"); fi
  if [ ${#left[@]} -gt 0 ]; then
    live=$(pids_in_namespaces | head -5 | tr '\n' ' ')
    [ -z "$live" ] || in_use "${left[*]} exist(s) and processes run in them (pids ${live% }), but this checkout did not make them"
    echo "cluster: deleting what a cluster that no longer runs left behind: ${left[*]}" >&2
    for ns in "${left[@]}"; do
      if [ "$ns" = "$BRIDGE" ]; then ip link del "$ns" 2>/dev/null || true; else ip netns del "$ns" 2>/dev/null || true; fi
    done
  fi
  ip link add "$BRIDGE" type bridge
  made link "$BRIDGE"
  no_ipv6 "$BRIDGE"
  ip link set "$BRIDGE" up
  for host in $(hosts); do
    ns=$(ns_of "$host")
    veth="$PREFIX-v$host"
    ip=$(ip_of "$host")
    ip netns add "$ns"
    made netns "$ns"
    ip link add "$veth" type veth peer name "$PREFIX-p$host"
    made link "$veth"
    no_ipv6 "$veth"
    ip link set "$PREFIX-p$host" netns "$ns"
    ip -n "$ns" link set "$PREFIX-p$host" name eth0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 2>/dev/null || true
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip link set "$veth" master "$BRIDGE" up
  done
}

# ---- commands -----------------------------------------------------------------------------------

cmd_up() {
  local workers=2 shared=0 fresh=0 proxy=0 store=postgres
  local -a extra=()
  while [ $# -gt 0 ]; do
    case $1 in
      --workers)
        [ $# -ge 2 ] || usage
        workers=$2
        shift 2
        ;;
      --workers=*)
        workers=${1#*=}
        shift
        ;;
      --mlflow-store)
        [ $# -ge 2 ] || usage
        store=$2
        shift 2
        ;;
      --mlflow-store=*)
        store=${1#*=}
        shift
        ;;
      --shared-checkpoints)
        shared=1
        shift
        ;;
      --fresh)
        fresh=1
        shift
        ;;
      --fault-proxy)
        proxy=1
        shift
        ;;
      --)
        shift
        extra=("$@")
        break
        ;;
      *) usage ;;
    esac
  done
  if ! [[ $workers =~ ^[0-9]+$ ]] || [ "$workers" -lt 1 ] || [ "$workers" -gt "$MAX_WORKERS" ]; then
    die "--workers must be 1…$MAX_WORKERS; got '$workers'"
  fi
  case $store in postgres | sqlite) ;; *) die "--mlflow-store must be postgres or sqlite; got '$store'" ;; esac
  ! is_up || die "already up (scripts/cluster.sh status); run scripts/cluster.sh down first"
  check_namespaces
  if [ ! -x "$VENV_BIN/temporal" ] || [ ! -x "$VENV_BIN/mlflow" ]; then
    die "no .venv/bin/temporal or .venv/bin/mlflow: run bash scripts/setup.sh"
  fi
  if [ "$fresh" = 1 ]; then rm -rf "$DIR"; fi
  mkdir -p "$DIR/server" "$DIR/logs" "$DIR/pids"
  if [ "$store" = postgres ]; then pg_preflight; fi
  printf 'WORKERS=%s\nSHARED=%s\nPROXY=%s\nSTORE=%s\n' "$workers" "$shared" "$proxy" "$store" >"$DIR/config"
  echo pass >"$DIR/server/fault-proxy.mode"
  if [ ${#extra[@]} -gt 0 ]; then printf '%s\n' "${extra[@]}" >"$DIR/worker-args"; else rm -f "$DIR/worker-args"; fi
  claim_names
  : >"$DIR/made"
  # Whatever fails from here on, take down what was made so far.
  trap 'echo "cluster: up failed; taking down what it made" >&2; cmd_down >/dev/null 2>&1 || true' EXIT
  make_network
  start_proc temporal
  if [ "$store" = postgres ]; then
    pg_init
    start_proc postgres
    wait_ready postgres
    pg_create_mlflow_db
  fi
  start_proc mlflow
  wait_ready temporal
  # Workers need Temporal to start, not MLflow (they journal tracking writes until it answers): their
  # start-up overlaps MLflow's, and so does the proxy's.
  if [ "$proxy" = 1 ]; then start_proc proxy; fi
  local i
  for ((i = 1; i <= workers; i++)); do start_proc "worker$i"; done
  wait_ready mlflow
  if [ "$proxy" = 1 ]; then wait_ready proxy; fi
  for ((i = 1; i <= workers; i++)); do wait_ready "worker$i"; done
  trap - EXIT
  echo "cluster: up: Temporal $TEMPORAL_ADDRESS, MLflow $MLFLOW_URI ($([ "$store" = postgres ] && echo "on PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')" || echo 'on SQLite')), $workers worker host(s)$([ "$shared" = 1 ] && echo ', shared checkpoints' || echo ', checkpoints per host')$([ "$proxy" = 1 ] && echo ", workers reach MLflow through the fault proxy $PROXY_URI"); state in ${DIR#"$ROOT"/}"
  echo "cluster: submit with: bash scripts/cluster.sh laptop -- npx seedsweep run sweeps/quickstart.yaml --detach"
}

cmd_down() {
  local purge=0 proc kind name ns pid i
  [ "${1:-}" = --purge ] && purge=1
  local file
  for file in "$DIR"/pids/*.pid; do
    [ -e "$file" ] || continue
    proc=$(basename "$file" .pid)
    stop_proc "$proc"
  done
  local owner
  owner=$(owner_dir)
  if [ -f "$DIR/made" ] && [ -n "$owner" ] && [ "$owner" != "$DIR" ]; then
    # This checkout's cluster was killed and another has taken the names since: they are not ours.
    echo "cluster: the names in ${DIR#"$ROOT"/}/made are held by the cluster of $owner now; leaving them" >&2
    rm -f "$DIR/made"
  fi
  if [ -f "$DIR/made" ]; then
    claim_names
    # Anything else still running in one of our namespaces (a laptop command) is ours too.
    while read -r kind name; do
      [ "$kind" = netns ] || continue
      for pid in $(ip netns pids "$name" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
      for ((i = 0; i < 20; i++)); do
        [ -z "$(ip netns pids "$name" 2>/dev/null)" ] && break
        sleep "$TICK"
      done
      for pid in $(ip netns pids "$name" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done <"$DIR/made"
    # Namespaces first (their veth ends go with them), then the links left in this namespace.
    while read -r kind name; do
      if [ "$kind" = netns ]; then ip netns del "$name" 2>/dev/null || true; fi
    done <"$DIR/made"
    while read -r kind name; do
      if [ "$kind" = link ] && ip link show "$name" >/dev/null 2>&1; then ip link del "$name" 2>/dev/null || true; fi
    done <"$DIR/made"
    rm -f "$DIR/made"
  fi
  if [ "$(owner_dir)" = "$DIR" ]; then rm -f "$OWNER"; fi
  rm -rf "$DIR/pids"
  if [ "$purge" = 1 ]; then
    rm -rf "$DIR"
    echo "cluster: down; ${DIR#"$ROOT"/} deleted"
  else
    echo "cluster: down (data and logs kept in ${DIR#"$ROOT"/}; down --purge deletes them)"
  fi
}

# Number of folders in $1 (0 when it does not exist).
count_dirs() {
  local n=0 d
  for d in "$1"/*/; do [ -d "$d" ] && n=$((n + 1)); done
  echo "$n"
}

cmd_status() {
  if ! is_up; then
    echo "cluster: down"
    exit 3
  fi
  local host ns procs proc pid ok=0 line
  echo "cluster: up; state in ${DIR#"$ROOT"/}; $(worker_count) worker host(s), checkpoints $(grep -q '^SHARED=1$' "$DIR/config" && echo shared || echo per host)"
  for host in $(hosts); do
    ns=$(ns_of "$host")
    if [ -e "/run/netns/$ns" ]; then line=$(printf '  %-11s %-12s' "$ns" "$(ip_of "$host")"); else
      line=$(printf '  %-11s %-12s namespace MISSING' "$ns" "$(ip_of "$host")")
      ok=1
    fi
    case $host in
      server)
        procs=temporal
        if has_postgres; then procs+=" postgres"; fi
        procs+=" mlflow"
        if has_proxy; then procs+=" proxy"; fi
        ;;
      laptop) procs="" ;;
      *) procs=$host ;;
    esac
    for proc in $procs; do
      pid=$(recorded_pid "$proc")
      if [ -n "$pid" ]; then line+=" $proc pid $pid running;"; else
        line+=" $proc NOT RUNNING;"
        ok=1
      fi
    done
    if [[ $host == worker* ]] && ! grep -q '^SHARED=1$' "$DIR/config"; then
      line+=" $(count_dirs "$DIR/$host/checkpoints") trial checkpoint folder(s);"
    fi
    [ "$host" = laptop ] && line+=" (scripts/cluster.sh laptop -- <command>)"
    if [ -e "/run/netns/$ns" ] && ip -n "$ns" link show eth0 2>/dev/null | grep -q 'state DOWN'; then line+=" LINK DOWN (scripts/cluster.sh link $host up)"; fi
    echo "$line"
  done
  if grep -q '^SHARED=1$' "$DIR/config"; then
    echo "  shared checkpoints: $(count_dirs "$DIR/shared-checkpoints") trial folder(s) in ${DIR#"$ROOT"/}/shared-checkpoints"
  fi
  if temporal_ok; then echo "  Temporal $TEMPORAL_ADDRESS: SERVING"; else
    echo "  Temporal $TEMPORAL_ADDRESS: no answer"
    ok=1
  fi
  if has_postgres; then
    if postgres_ok; then echo "  PostgreSQL 127.0.0.1:$PG_PORT in $PREFIX-server (MLflow's store): accepting connections"; else
      echo "  PostgreSQL 127.0.0.1:$PG_PORT in $PREFIX-server (MLflow's store): no answer"
      ok=1
    fi
  fi
  if mlflow_ok; then echo "  MLflow $MLFLOW_URI: healthy"; else
    echo "  MLflow $MLFLOW_URI: no answer"
    ok=1
  fi
  exit $ok
}

# on <host> -- <command…>: runs a command on a cluster host with that host's seedsweep environment.
cmd_on() {
  local host=${1:-}
  [ -n "$host" ] || usage
  shift
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || usage
  require_up
  ip_of "$host" >/dev/null
  mkdir -p "$DIR/$host"
  mapfile -t envs < <(host_env "$host")
  exec ip netns exec "$(ns_of "$host")" env "${envs[@]}" "$@"
}

cmd_kill() {
  local proc=${1:-} sig=${2:-KILL}
  [ -n "$proc" ] || usage
  require_up
  host_of_proc "$proc" >/dev/null
  local pid
  pid=$(recorded_pid "$proc")
  [ -n "$pid" ] || die "$proc is not running"
  signal_proc "$proc" "${sig#SIG}"
  echo "cluster: sent SIG${sig#SIG} to $proc (pid $pid)"
}

# link <host> down|up: takes the host's network interface down (every connection it holds stalls, as
# when a cable is pulled) or up again.
cmd_link() {
  local host=${1:-} state=${2:-}
  [ -n "$host" ] && { [ "$state" = down ] || [ "$state" = up ]; } || usage
  require_up
  ip_of "$host" >/dev/null
  ip -n "$(ns_of "$host")" link set eth0 "$state"
  echo "cluster: $host ($(ip_of "$host")) link $state"
}

# faults pass|500|429: what the fault proxy answers from now on (pass: forwards everything).
cmd_faults() {
  local mode=${1:-}
  case $mode in pass | 500 | 429) ;; *) usage ;; esac
  require_up
  has_proxy || die "the cluster runs no fault proxy: take it down and bring it up with --fault-proxy"
  echo "$mode" >"$DIR/server/fault-proxy.mode.tmp"
  mv "$DIR/server/fault-proxy.mode.tmp" "$DIR/server/fault-proxy.mode"
  echo "cluster: fault proxy mode $mode"
}

cmd_start() {
  local proc=${1:-}
  [ -n "$proc" ] || usage
  require_up
  host_of_proc "$proc" >/dev/null
  if [ "$proc" = postgres ] && ! has_postgres; then die "this cluster's MLflow runs on SQLite: there is no PostgreSQL to start"; fi
  local i
  # A killed process may take a moment to be reaped.
  for ((i = 0; i < 20; i++)); do
    [ -z "$(recorded_pid "$proc")" ] && break
    sleep "$TICK"
  done
  start_proc "$proc"
  wait_ready "$proc"
  echo "cluster: $proc started (pid $(recorded_pid "$proc"))"
}

case ${1:-} in
  up) shift && cmd_up "$@" ;;
  down) shift && cmd_down "$@" ;;
  status) cmd_status ;;
  laptop) shift && cmd_on laptop "$@" ;;
  on) shift && cmd_on "$@" ;;
  kill) shift && cmd_kill "$@" ;;
  start) shift && cmd_start "$@" ;;
  link) shift && cmd_link "$@" ;;
  faults) shift && cmd_faults "$@" ;;
  *) usage ;;
esac
