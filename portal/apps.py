"""The portal's project package: its templates, static files and cross-cutting models."""

from django.apps import AppConfig
from django.core.signals import setting_changed


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from portal import crypto

        # Refuse to start with malformed or missing master keys, with a clear message,
        # rather than failing on the first member's page.
        crypto.master_keys()

        def forget_master_keys(*, setting, **kwargs):
            if setting == "PORTAL_MASTER_KEYS":
                crypto.reset_master_key_cache()

        setting_changed.connect(forget_master_keys, weak=False)
