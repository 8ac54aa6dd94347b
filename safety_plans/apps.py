"""Safety plans: sections, versions and trusted contacts."""

from django.apps import AppConfig


class SafetyPlansConfig(AppConfig):
    name = "safety_plans"
    verbose_name = "Plans"
