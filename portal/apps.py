"""The portal's project package, registered as an app for its templates and static files."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"
