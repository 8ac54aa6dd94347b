"""The diary's addresses. Entries and files are named by random UUIDs, never by counters."""

from django.urls import path

from . import export_views, views

app_name = "diary"

urlpatterns = [
    path("", views.timeline, name="timeline"),
    path("new/", views.entry_new, name="new"),
    path("deleted/", views.recently_deleted, name="recently_deleted"),
    path("deleted/empty/", views.recently_deleted_empty, name="recently_deleted_empty"),
    path("<uuid:entry_id>/", views.entry_detail, name="entry"),
    path("<uuid:entry_id>/history/", views.entry_history, name="history"),
    path("<uuid:entry_id>/edit/", views.entry_edit, name="edit"),
    path("<uuid:entry_id>/delete/", views.entry_delete, name="delete"),
    path("<uuid:entry_id>/restore/", views.entry_restore, name="restore"),
    path("<uuid:entry_id>/delete-now/", views.entry_destroy, name="destroy"),
    path("files/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
    path("download/", export_views.export, name="export"),
    path("download/<uuid:export_id>/", export_views.export_download, name="export_download"),
]
