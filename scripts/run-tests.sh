#!/usr/bin/env bash
# Run the whole suite against both setups VNet Lab supports (DESIGN: Running it).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

reachable() { # host port
  "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PYEOF
}

# A Chromium that starts (installed if need be), the one the browser tests
# then drive: without one this fails, on any machine (issue #12).
VNETLAB_CHROMIUM="$(scripts/ensure-browser.sh)" || exit 1
export VNETLAB_CHROMIUM

echo "== Embedded setup: SQLite + in-memory channel layer =="
env -u DATABASE_URL -u REDIS_URL "$PY" -m pytest "$@"
status=$?
[ $status -eq 0 ] || exit $status

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379/9}"
if reachable 127.0.0.1 5432 && reachable 127.0.0.1 6379; then
  echo "== Scale-out setup: PostgreSQL + Redis channel layer =="
  DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" "$PY" -m pytest "$@"
  exit $?
fi
if [ "${CI:-}" = "true" ]; then
  echo "CI=true but PostgreSQL (5432) or Redis (6379) is not reachable on 127.0.0.1." >&2
  exit 1
fi
echo "SKIPPED the scale-out run: PostgreSQL or Redis is not running on 127.0.0.1 (CI runs it)." >&2
exit 0
