#!/usr/bin/env bash
# Screenshots of every page at 1440x900 and 390x844 into assets/screenshots/ (set-up first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python scripts/screenshots.py
