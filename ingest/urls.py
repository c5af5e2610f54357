"""Planners' ingest pages under ``/ingest/``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("", views.job_create, name="job_create"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="ingest/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="ingest:login"), name="logout"),
    path("<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("<uuid:job_id>/status.json", views.job_status, name="job_status"),
    path("<uuid:job_id>/report.gpkg", views.job_report, name="job_report"),
]
