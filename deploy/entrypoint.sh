#!/bin/sh
# The container's command (Dockerfile ENTRYPOINT), also run directly by tests/deploy/: it serves
# the app on $PORT (Hugging Face Spaces' 7860 unless told) with the production settings of
# .streamlit/config.toml. GRAPHLAB_ADDRESS narrows the listening address (0.0.0.0 in a container).
set -eu
cd "$(dirname "$0")/.."
exec python -m streamlit run app.py \
  --server.port "${PORT:-7860}" \
  --server.address "${GRAPHLAB_ADDRESS:-0.0.0.0}" \
  --server.headless true \
  --browser.gatherUsageStats false
