"""Sign-in and sign-out for planners and staff, in the portal's look and languages. One login
page for the whole platform (``settings.LOGIN_URL``): the portal's internal layers, the ingest
pages, the notes issued and the admin's users all sign in here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views

from geoportal.portal.views import page_context


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **page_context(self.request)}
