"""The plan's addresses, under /steps/: none of them names what the plan is for."""

from django.urls import path

from . import alert_views, views

app_name = "safety_plans"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("part/<slug:section_key>/", views.section_edit, name="section"),
    path("versions/", views.versions, name="versions"),
    path("versions/<int:number>/", views.version_detail, name="version"),
    path("versions/<int:number>/restore/", views.version_restore, name="restore"),
    path("print/", views.plan_print, name="print"),
    path("download/", views.plan_download, name="download"),
    # Contacts and alerts (H10)
    path("people/", alert_views.contact_list, name="contacts"),
    path("people/add/", alert_views.contact_add, name="contact_add"),
    path("people/<uuid:contact_id>/", alert_views.contact_edit, name="contact_edit"),
    path("people/<uuid:contact_id>/remove/", alert_views.contact_remove, name="contact_remove"),
    path("send/", alert_views.alert_confirm, name="alert"),
    path("send/message/", alert_views.alert_message, name="alert_message"),
    path("sent/", alert_views.alert_log, name="alerts"),
    path("sent/<uuid:alert_id>/", alert_views.alert_status, name="alert_status"),
]
