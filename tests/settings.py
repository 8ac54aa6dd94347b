"""The portal's settings, plus a test-only app with encrypted fields."""

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 - no connection outlives a test (live-server threads)
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
