"""The portal's settings for `make bench`, plus a bare view at /bench/bare/.

Production settings as they are (DEBUG off, Redis, PostgreSQL): only the URLconf changes, so
the bare view never exists in production's URLs.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
