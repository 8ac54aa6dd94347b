"""The incident diary: entries, versions, attachments and evidence exports."""

from django.apps import AppConfig


class EvidenceLogConfig(AppConfig):
    name = "evidence_log"
    verbose_name = "Diary"
