"""A coordinator's addresses, under /team/: none of them names what the portal is for."""

from django.urls import path

from . import team_views

app_name = "team"

urlpatterns = [
    path("team/", team_views.team, name="home"),
    path("team/invite/", team_views.invite, name="invite"),
    path("team/link/", team_views.link, name="link"),
    path("team/cases/<uuid:case_id>/move/", team_views.move, name="move"),
    path("team/access/", team_views.access, name="access"),
]
