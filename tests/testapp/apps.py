"""A test-only app whose model exercises every kind of encrypted field."""

from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
