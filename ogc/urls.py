"""URL patterns (filled in by this part of the platform)."""

urlpatterns: list = []
