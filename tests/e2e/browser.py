"""Which Chromium the browser tests drive, and whether it starts (issue #12).

In this order: ``VNETLAB_CHROMIUM`` if set, the system's Chromium (the
Debian package's /usr/bin/chromium, or one on the PATH), else Playwright's
own browser (``playwright install chromium``). scripts/ensure-browser.sh
installs one when none starts; the tests fail, never skip, without one.

``python -m tests.e2e.browser`` starts each in turn, headless, and prints
the first that starts (as VNETLAB_CHROMIUM takes it: a path, or
``playwright``); exit status 1 when none does. No Django here.
"""

import os
import shutil
import sys
from pathlib import Path

SYSTEM_CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


PLAYWRIGHT = "playwright"  # VNETLAB_CHROMIUM's value for Playwright's own browser


def _system_chromium() -> list[str]:
    found = (c if Path(c).is_file() else shutil.which(c) for c in SYSTEM_CHROMIUM)
    return list(dict.fromkeys(f for f in found if f))


def _executable(choice: str) -> str | None:
    return None if choice == PLAYWRIGHT else choice


def chromium_executable() -> str | None:
    """The executable the tests launch; None for Playwright's own browser."""
    chosen = os.environ.get("VNETLAB_CHROMIUM")
    if chosen:
        return _executable(chosen)
    system = _system_chromium()
    return system[0] if system else None


def describe(executable: str | None) -> str:
    return executable or "Playwright's own Chromium"


def launch(playwright, executable: str | None):
    """A headless browser, or an exception saying why it didn't start."""
    if executable is not None and not (Path(executable).is_file() or shutil.which(executable)):
        raise FileNotFoundError(f"no Chromium at {executable}")
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def main() -> int:
    """Print the first choice that starts (VNETLAB_CHROMIUM's value) on
    stdout; what was tried goes to stderr."""
    from playwright.sync_api import sync_playwright

    chosen = os.environ.get("VNETLAB_CHROMIUM")
    choices = [chosen] if chosen else [*_system_chromium(), PLAYWRIGHT]
    with sync_playwright() as playwright:
        for choice in choices:
            executable = _executable(choice)
            try:
                browser = launch(playwright, executable)
            except Exception as exc:  # any reason it can't start is the answer
                print(f"{describe(executable)} doesn't start: {_first_line(exc)}", file=sys.stderr)
                continue
            print(f"Browser tests drive {describe(executable)} (Chromium {browser.version}).", file=sys.stderr)
            browser.close()
            print(choice)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
