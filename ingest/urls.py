"""Planners' ingest pages under ``/ingest/``."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "ingest"

urlpatterns = [
    path("", views.job_create, name="job_create"),
    # The platform's one sign-in page; the old address still leads there.
    path("login/", RedirectView.as_view(pattern_name="login", query_string=True), name="login"),
    path("<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("<uuid:job_id>/status.json", views.job_status, name="job_status"),
    path("<uuid:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("<uuid:job_id>/report.gpkg", views.job_report, name="job_report"),
    path("<uuid:job_id>/report.geojson", views.job_report_map, name="job_report_map"),
]
