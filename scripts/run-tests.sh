#!/usr/bin/env bash
# Run the whole suite against both setups VNet Lab supports (DESIGN: Running it).
#
# With no arguments (`make test`, CI) the two setups run side by side, in
# parts, each line of output marked with its part: most tests keep one core
# busy, so two streams fill the machine's two. With arguments (a file, `-k`,
# ...) the setups run one after the other, as pytest was given.
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

# One part of the suite on one setup, its lines marked; its pytest exit code
# kept under the part's name.
part() { # name setup pytest-arguments...
  local name="$1" setup="$2"
  shift 2
  echo "$name" >>"$results/parts"
  ("$setup" "$@"; echo $? >"$results/$name") 2>&1 | sed -u "s/^/[$name] /" | tee "$results/$name.log"
}

# Two streams, one per core, about equally long: the embedded run and then
# the scale-out run's networking tests; and the scale-out run's browser tests
# (while the embedded run is in its tests without a browser, so the two
# runs' browsers seldom share the cores) and then the rest of it.
echo "== Both setups side by side: [embedded] SQLite + in-memory channel layer, [scale-out ...] PostgreSQL + Redis =="
(
  part embedded embedded
  part "scale-out networking" scaleout tests/networking
) &
(
  part "scale-out e2e" scaleout tests/e2e
  part "scale-out rest" scaleout --ignore=tests/e2e --ignore=tests/networking tests
) &
wait

status=0
while read -r name; do
  code="$(cat "$results/$name" 2>/dev/null || echo 1)"
  if [ "$code" = 0 ]; then
    echo "== $name: passed"
  else
    echo "== $name: FAILED (pytest exit $code); its lines are marked [$name] above"
    # pytest's short summary (-rfE), again here: the end of a long run is
    # often all a reader of CI's output gets to see.
    grep -E "^\[$name\] (FAILED|ERROR) " "$results/$name.log" | head -40
    status=1
  fi
done <"$results/parts"
echo "== every part in $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"
exit $status
