"""Settings for `make bench`: the real settings with DEBUG off, and static
files resolved without a collectstatic manifest (the benchmark never fetches
them; pages only need their URLs)."""

from portal.settings import *  # noqa: F403
from portal.settings import STORAGES

DEBUG = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
# A benchmark's learners all come from 127.0.0.1.
VNETLAB_NEW_SANDBOXES_PER_HOUR = 0

# WhiteNoise warns that STATIC_ROOT is missing when collectstatic hasn't run;
# the benchmark fetches no static file.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
