#!/usr/bin/env bash
# The main job on a fresh machine: set up, build the graph from data/notices, serve it.
#   bash scripts/serve.sh [--host 127.0.0.1] [--port 8000]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
store=${KG_STORE:-.kg/store}
# exit status 1 means some file was refused (reported above); the rest is stored and served.
.venv/bin/kg ingest data/notices --store "$store" || [ $? -eq 1 ]
.venv/bin/kg validate --store "$store"
exec .venv/bin/kg serve --store "$store" "$@"
