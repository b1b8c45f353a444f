"""Test settings: the real settings, with operations that finish quickly."""

import os

from portal.settings import *  # noqa: F403
from portal.settings import STORAGES

VNETLAB_RESTART_SECONDS = float(os.environ.get("VNETLAB_TEST_RESTART_SECONDS", "0.3"))
VNETLAB_OPERATION_SECONDS = float(os.environ.get("VNETLAB_TEST_OPERATION_SECONDS", "0.3"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# DEBUG is off as in production, but pages name the source static files: the
# browser tests' server serves them through the finders, and no test waits
# for collectstatic's manifest (tests/portal/test_production_profile.py
# tests that on its own).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Most tests build on the compact App Service seed; tests of the network seed
# turn it on (tests/portal/test_network_seed.py).
VNETLAB_SEED_NETWORK = False

# Close connections after each request so the browser tests' server threads
# don't keep PostgreSQL's test database busy at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# One Redis prefix per test process, as the database is one per process:
# two runs on one machine must not share channel groups.
if REDIS_URL:  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"vnetlab-test-{os.getpid()}"  # noqa: F405

# Every persona and browser test asks for its sandbox from 127.0.0.1: no
# limit per address, and no pruning thread beside the tests (the lifecycle
# tests turn them on: tests/portal/test_sandbox_lifecycle.py).
VNETLAB_NEW_SANDBOXES_PER_HOUR = 0
VNETLAB_PRUNE_EVERY_SECONDS = 0
