#!/usr/bin/env bash
# Run the whole suite against both setups VNet Lab supports (DESIGN: Running it).
#
# With no arguments (`make test`, CI) the two setups run side by side, each
# line of output marked with its setup: most tests keep one core busy, so
# two runs fill the machine's two. The scale-out run takes its browser tests
# first, while the embedded run is in its tests without a browser, so the
# two runs' browsers and servers seldom share the cores. With arguments (a
# file, `-k`, ...) the setups run one after the other, as pytest was given.
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

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379/9}"

embedded() { env -u DATABASE_URL -u REDIS_URL "$PY" -m pytest "$@"; }
scaleout() { DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" "$PY" -m pytest "$@"; }

if reachable 127.0.0.1 5432 && reachable 127.0.0.1 6379; then
  services=up
else
  services=down
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true but PostgreSQL (5432) or Redis (6379) is not reachable on 127.0.0.1." >&2
    exit 1
  fi
fi

if [ $# -gt 0 ] || [ "$services" = down ]; then
  echo "== Embedded setup: SQLite + in-memory channel layer =="
  embedded "$@"
  status=$?
  [ $status -eq 0 ] || exit $status
  if [ "$services" = down ]; then
    echo "SKIPPED the scale-out run: PostgreSQL or Redis is not running on 127.0.0.1 (CI runs it)." >&2
    exit 0
  fi
  echo "== Scale-out setup: PostgreSQL + Redis channel layer =="
  scaleout "$@"
  exit $?
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
started=$SECONDS

echo "== Both setups side by side: [embedded] SQLite + in-memory channel layer, [scale-out] PostgreSQL + Redis =="
(
  embedded
  echo $? >"$results/embedded"
) 2>&1 | sed -u 's/^/[embedded] /' &
(
  scaleout tests/e2e
  first=$?
  scaleout --ignore=tests/e2e tests
  second=$?
  echo $((first > second ? first : second)) >"$results/scale-out"
) 2>&1 | sed -u 's/^/[scale-out] /' &
wait

status=0
for setup in embedded scale-out; do
  code="$(cat "$results/$setup" 2>/dev/null || echo 1)"
  if [ "$code" = 0 ]; then
    echo "== $setup: passed"
  else
    echo "== $setup: FAILED (pytest exit $code); its lines are marked [$setup] above"
    status=1
  fi
done
echo "== both setups in $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"
exit $status
