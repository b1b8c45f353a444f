#!/usr/bin/env bash
# A Chromium the browser tests can drive (issue #12; `make test` runs this).
#
# Uses the first that starts: VNETLAB_CHROMIUM if set (and only it), the
# system's Chromium, Playwright's own. When none does, installs the system
# package (apt-get install chromium, as root or with passwordless sudo), else
# Playwright's own browser (.venv/bin/playwright install chromium, into
# ~/.cache/ms-playwright), and tries again.
#
# Prints the choice on stdout, as VNETLAB_CHROMIUM takes it (a path, or
# "playwright"); messages go to stderr. Exits 1 when no browser starts: the
# browser tests then can't run, and nothing skips them.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

usable() { "$PY" -m tests.e2e.browser; }

say() { echo "ensure-browser: $*" >&2; }

if usable; then exit 0; fi
if [ -n "${VNETLAB_CHROMIUM:-}" ]; then
  say "VNETLAB_CHROMIUM=$VNETLAB_CHROMIUM doesn't start: fix it or unset it."
  exit 1
fi

as_root=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
fi
if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || [ ${#as_root[@]} -gt 0 ]; }; then
  say "installing the system's Chromium (apt-get install chromium)..."
  export DEBIAN_FRONTEND=noninteractive
  if ! "${as_root[@]}" apt-get install -y -qq chromium >&2; then
    "${as_root[@]}" apt-get update -qq >&2 && "${as_root[@]}" apt-get install -y -qq chromium >&2
  fi
  if usable; then exit 0; fi
fi

say "installing Playwright's own Chromium (.venv/bin/playwright install chromium)..."
if .venv/bin/playwright install chromium >&2 && usable; then exit 0; fi

say "no Chromium starts. Install the 'chromium' package, or run"
say "  .venv/bin/playwright install --with-deps chromium   (the libraries need root)"
say "or set VNETLAB_CHROMIUM to a Chromium's path. The browser tests can't run without one."
exit 1
