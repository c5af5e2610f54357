"""Planners' ingest pages under ``/ingest/``."""

from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("", views.job_create, name="job_create"),
    path("<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("<uuid:job_id>/status.json", views.job_status, name="job_status"),
    path("<uuid:job_id>/report.gpkg", views.job_report, name="job_report"),
]
