"""The public advice library, managed in Wagtail."""

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Advice library"

    def ready(self) -> None:
        from content import signals

        signals.connect()
