"""Test settings: the real settings, with operations that finish quickly."""

import os

from portal.settings import *  # noqa: F403

VNETLAB_RESTART_SECONDS = float(os.environ.get("VNETLAB_TEST_RESTART_SECONDS", "0.3"))
VNETLAB_OPERATION_SECONDS = float(os.environ.get("VNETLAB_TEST_OPERATION_SECONDS", "0.3"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Most tests build on the compact App Service seed; tests of the network seed
# turn it on (tests/portal/test_network_seed.py).
VNETLAB_SEED_NETWORK = False
