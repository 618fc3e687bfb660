#!/usr/bin/env bash
# Start an external SPARQL server on loopback for kg's remote-store tests (and for trying kg against
# one by hand). Runs in the foreground until killed; prints "ready URL" once the server answers.
#
#   scripts/start-test-servers.sh oxigraph DIR HTTP_PORT
#   scripts/start-test-servers.sh virtuoso DIR HTTP_PORT SQL_PORT
#
# DIR is a scratch directory (the database lives there). The pytest fixtures in
# tests/test_store_remote.py call this script and kill its process group afterwards.
#   oxigraph: `oxigraph serve` from the PyPI package `oxigraph` (.venv/bin/oxigraph).
#   virtuoso: `virtuoso-t` from the Debian package virtuoso-opensource-7-bin
#             (scripts/install-debian-packages.sh); SPARQL at /sparql, Graph Store at
#             /sparql-graph-crud, updates allowed for the anonymous SPARQL user (test only!).
set -euo pipefail
kind=${1:?usage: start-test-servers.sh oxigraph|virtuoso DIR HTTP_PORT [SQL_PORT]}
dir=${2:?scratch directory}
port=${3:?HTTP port}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

wait_http() {  # wait_http URL PID SECONDS
  local url=$1 pid=$2 n=$(( $3 * 10 ))
  for _ in $(seq 1 "$n"); do
    kill -0 "$pid" 2>/dev/null || { echo "start-test-servers: $kind exited early" >&2; return 1; }
    if curl -s -o /dev/null -f "$url"; then return 0; fi
    sleep 0.1
  done
  echo "start-test-servers: $kind did not answer on $url" >&2
  return 1
}

case "$kind" in
oxigraph)
  bin=${OXIGRAPH:-$here/.venv/bin/oxigraph}
  [ -x "$bin" ] || bin=$(command -v oxigraph) || { echo "start-test-servers: no oxigraph binary" >&2; exit 3; }
  "$bin" serve --location "$dir/db" --bind "127.0.0.1:$port" >"$dir/server.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null' EXIT TERM INT
  wait_http "http://127.0.0.1:$port/query?query=ASK%7B%7D" "$pid" 60
  echo "ready http://127.0.0.1:$port"
  ;;
virtuoso)
  sql=${4:?SQL port}
  command -v virtuoso-t >/dev/null || { echo "start-test-servers: no virtuoso-t (apt-get install virtuoso-opensource-7-bin)" >&2; exit 3; }
  cat >"$dir/virtuoso.ini" <<EOF
[Database]
DatabaseFile = $dir/db.db
ErrorLogFile = $dir/db.log
TransactionFile = $dir/db.trx
xa_persistent_file = $dir/db.pxa
FileExtend = 200
Striping = 0

[TempDatabase]
DatabaseFile = $dir/temp.db
TransactionFile = $dir/temp.trx

[Parameters]
ServerPort = 127.0.0.1:$sql
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = $dir
DisableTcpSocket = 0

[HTTPServer]
ServerPort = 127.0.0.1:$port
ServerRoot = $dir
ServerThreads = 6
EnabledDavVSP = 0
MaxClientConnections = 6

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxSortedTopRows = 100000
EOF
  virtuoso-t +foreground +configfile "$dir/virtuoso.ini" >"$dir/server.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null' EXIT TERM INT
  wait_http "http://127.0.0.1:$port/sparql?query=ASK%7B%7D" "$pid" 120
  # Test servers only: let the anonymous SPARQL user write (SPARQL Update and the Graph Store).
  isql-vt "127.0.0.1:$sql" dba dba exec='GRANT SPARQL_UPDATE TO "SPARQL";' >"$dir/isql.log" 2>&1 \
    || { echo "start-test-servers: could not grant SPARQL_UPDATE (see $dir/isql.log)" >&2; exit 1; }
  echo "ready http://127.0.0.1:$port/sparql"
  ;;
*)
  echo "start-test-servers: unknown server $kind (oxigraph or virtuoso)" >&2
  exit 2
  ;;
esac
wait "$pid"
