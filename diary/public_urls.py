"""The diary's one public address: the key that signs evidence downloads, for police and courts
to check a bundle against. Included at the site's root, outside the members' /notes/."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("signing-key/", export_views.signing_key, name="signing_key"),
]
