"""The incident diary: entries, versions, attachments and evidence exports."""

from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Diary"
