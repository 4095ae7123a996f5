#!/bin/sh
# HAProxy with sticky sessions in front of graphlab replicas:
#   deploy/proxy.sh HOST:PORT [HOST:PORT ...]
# compose.yaml runs it (profile "scale"); tests/deploy/test_proxy.py runs it with two local
# replicas. Listens on $GRAPHLAB_PROXY_BIND (default :8080).
set -eu
[ "$#" -gt 0 ] || { echo "usage: $0 HOST:PORT [HOST:PORT ...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
config=$(mktemp "${TMPDIR:-/tmp}/graphlab-haproxy.XXXXXX")
cp "$here/haproxy.cfg" "$config"
n=0
for backend in "$@"; do
  n=$((n + 1))
  echo "    server app$n $backend check cookie app$n" >>"$config"
done
export GRAPHLAB_PROXY_BIND="${GRAPHLAB_PROXY_BIND:-:8080}"
exec haproxy -db -f "$config"
