#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (idempotent), lint, unit + AppTest + browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest "$@"
