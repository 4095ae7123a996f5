#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (idempotent), lint, unit + AppTest + browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache
# Browser tests in a process of their own: threads and workers left by the in-process page tests
# must not slow the server the browser talks to. The others run in two processes (pytest-xdist):
# much of their time is spent waiting on worker processes and servers (435 s -> 322 s here).
.venv/bin/python -m pytest --ignore=tests/e2e -n 2 "$@"
.venv/bin/python -m pytest tests/e2e "$@"
