"""The production profile's static files (issue #12, docs/hosting.md).

With DEBUG off, pages name static files by their hashed names from the
manifest collectstatic writes, and WhiteNoise serves the collected copies.
A checkout where they were never collected, or that changed since, would
answer 500 on every page ("Missing staticfiles manifest entry") or draw
pages with last week's CSS. So a starting server looks first, and collects
them itself when they are missing or stale: what `make setup` does, done
once, under a lock, however many workers start at once.
"""

import fcntl
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.core.management import call_command

logger = logging.getLogger(__name__)

# What collectstatic leaves out by default (the staticfiles app's ignore_patterns).
IGNORE = ["CVS", ".*", "*~"]
SETUP_HINT = "run `make setup` (or `.venv/bin/python manage.py collectstatic`)"


def manifest_problem(storage) -> str | None:
    """Why the collected files can't serve this checkout's pages, or None:
    no manifest, a file it doesn't list, or a file changed after it."""
    manifest = Path(storage.path(storage.manifest_name))
    if not manifest.is_file():
        return f"no manifest at {manifest}"
    collected_at = manifest.stat().st_mtime
    hashed, _ = storage.load_manifest()
    for finder in get_finders():
        for path, source in finder.list(IGNORE):
            # A STATICFILES_DIRS entry with a prefix ("vendor/bootstrap") collects under it.
            name = "/".join(filter(None, [getattr(source, "prefix", None), path.replace(os.sep, "/")]))
            if name not in hashed:
                return f"{name} is not in the manifest"
            if os.stat(source.path(path)).st_mtime > collected_at:
                return f"{name} changed after the files were collected"
    return None


def _missing_sources() -> list[str]:
    dirs = (entry[1] if isinstance(entry, tuple) else entry for entry in settings.STATICFILES_DIRS)
    return [str(d) for d in dirs if not Path(d).is_dir()]


def ensure_collected() -> None:
    """Collect the static files if the manifest storage has none or stale
    ones; a clear ImproperlyConfigured when they can't be."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or manifest_problem(storage) is None:
        return
    missing = _missing_sources()
    if missing:
        raise ImproperlyConfigured(f"Static files can't be collected, {', '.join(missing)} is missing: {SETUP_HINT}.")
    root = Path(settings.STATIC_ROOT)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with open(root / ".collectstatic.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait, then find them fresh
            reason = manifest_problem(storage)
            if reason:
                logger.warning("Static files are not collected for DEBUG off (%s): collecting them now.", reason)
                started = time.monotonic()
                call_command("collectstatic", interactive=False, verbosity=0)
                logger.warning("Static files collected in %.1f s.", time.monotonic() - started)
    except OSError as exc:
        raise ImproperlyConfigured(f"Static files can't be collected into {root} ({exc}): {SETUP_HINT}.") from exc
    # This process read the manifest before it existed, or before it changed.
    storage.hashed_files, storage.manifest_hash = storage.load_manifest()
