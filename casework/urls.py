"""Casework addresses: the member's sharing pages under /access/, the worker's under /cases/.
Links and entries are named by random UUIDs; no address names a member or what is shared."""

from django.urls import path

from . import export_views, notice_views, views, worker_views

app_name = "casework"

urlpatterns = [
    # The member's
    path("access/", views.sharing, name="sharing"),
    path("access/code/", views.code_enter, name="code_enter"),
    path("access/seen/", views.seen, name="seen"),
    path("access/<uuid:link_id>/share/", views.share, name="share"),
    path("access/<uuid:link_id>/stop/<uuid:grant_id>/", views.grant_revoke, name="grant_revoke"),
    path("access/<uuid:link_id>/name/", views.rename, name="rename"),
    path("access/<uuid:link_id>/accept/", views.accept, name="accept"),
    path("access/<uuid:link_id>/decline/", views.decline, name="decline"),
    path("access/<uuid:link_id>/unlink/", views.unlink, name="unlink"),
    # The support worker's
    path("cases/", worker_views.caseload, name="caseload"),
    path("cases/code/", worker_views.code_new, name="code_new"),
    path("cases/notices/", notice_views.notices, name="notices"),
    path("cases/<uuid:case_id>/", worker_views.case, name="case"),
    path("cases/<uuid:case_id>/notes/", worker_views.notes, name="notes"),
    path("cases/<uuid:case_id>/plan/", worker_views.plan, name="plan"),
    path("cases/<uuid:case_id>/download/", export_views.case_download, name="case_download"),
    path("cases/<uuid:case_id>/entries/<uuid:entry_id>/review/", worker_views.review, name="review"),
]
