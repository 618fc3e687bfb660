#!/usr/bin/env bash
# Set up (with test tools and Debian packages) and run the default test suite.
#   bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q -n 2 "$@"
