"""Who asks: the type of ``request.user`` as the platform's permission checks read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

# A signed-in user (the user model, with its permissions: ``has_perm``, ``is_superuser``) or the
# anonymous one. The alias is evaluated lazily, so this module imports nothing from the auth app.
type AnyUser = AbstractUser | AnonymousUser
