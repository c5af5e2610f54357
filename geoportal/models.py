"""The portal's own tables: who has a feature open in the map editor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class EditPresence(models.Model):
    """A planner has a feature open in the map editor. The editor says so every
    ``EDITOR["PRESENCE_HEARTBEAT_S"]`` seconds while the feature stays open and forgets it when
    closed; a row not seen for ``EDITOR["PRESENCE_TTL_S"]`` seconds no longer counts (a closed
    browser). It only warns other planners: nothing is locked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    layer = models.CharField(max_length=63)  # the registry slug
    feature_id = models.BigIntegerField()
    opened_at = models.DateTimeField(db_default=Now())
    seen_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "feature_id", "user"], name="geoportal_editpresence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.layer}#{self.feature_id} since {self.opened_at:%H:%M}"
