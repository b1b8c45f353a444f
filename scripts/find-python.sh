#!/usr/bin/env bash
# Print a Python >= 3.12 interpreter (Django 6 needs it), or explain and fail.
set -euo pipefail
candidates=(python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1 || [ -d "$HOME/.pyenv/versions" ]; then
  for v in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
    [ -x "$v" ] && candidates+=("$v")
  done
fi
for py in "${candidates[@]}"; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    command -v "$py"
    exit 0
  fi
done
echo "VNet Lab needs Python 3.12 or newer (Django 6). Install it (e.g. 'pyenv install 3.12') and run make again." >&2
exit 1
