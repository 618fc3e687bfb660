#!/usr/bin/env bash
# Set up the project on a fresh machine: a virtualenv in .venv with kg installed (editable).
#   bash scripts/setup.sh            # runtime only
#   bash scripts/setup.sh --test     # plus test tools and the Debian packages the tests use
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
[ "${1:-}" = "--test" ] && with_test=1

py=${PYTHON:-python3}
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: need Python >= 3.11 (found: $("$py" --version 2>&1))" >&2
  exit 2
fi
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$with_test" = 1 ]; then
  .venv/bin/python -m pip install --quiet -e '.[test,bench]'
  bash scripts/install-debian-packages.sh
else
  .venv/bin/python -m pip install --quiet -e .
fi
echo "setup: ok (.venv/bin/kg)"
