"""Write operations on road assets."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from layers.roads.models import Defect, Inspection, RoadSegment


@transaction.atomic
def record_inspection(
    segment: RoadSegment,
    *,
    date: dt.date,
    inspector: str,
    score: int,
    defects: list[str] | tuple[str, ...] = (),
    notes: str = "",
) -> Inspection:
    """Record an inspection; the segment's condition index and last inspection date follow the
    latest inspection (an older inspection entered late does not overwrite a newer one)."""
    if not 0 <= score <= 100:
        raise ValueError(f"inspection score must be 0-100, not {score}")
    unknown = set(defects) - set(Defect.values)
    if unknown:
        raise ValueError(f"unknown defects: {', '.join(sorted(unknown))}")
    inspection = Inspection.objects.create(
        segment=segment,
        date=date,
        inspector=inspector,
        score=score,
        defects=list(defects),
        notes=notes,
    )
    segment = RoadSegment.objects.select_for_update().get(pk=segment.pk)
    if segment.last_inspection is None or date >= segment.last_inspection:
        segment.condition_index = score
        segment.last_inspection = date
        segment.save(update_fields=["condition_index", "last_inspection", "updated_at"])
    return inspection
