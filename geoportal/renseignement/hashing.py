"""The hashes of a note: ``content_hash`` over its whole canonical JSON (is it intact?) and
``rules_hash`` over the parts that carry its legal meaning (have the rules changed?)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

# The parts of a note that carry its legal meaning; ``rules_hash`` is computed over them. Not
# ``data_version``: every write anywhere in the zoning layers changes it, and would otherwise
# supersede every note of the city.
RULE_KEYS = (
    "subject",
    "arrondissement",
    "planning_document",
    "zones",
    "outside_zones",
    "servitudes",
    "reserved_land",
    "roads",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def rules_hash(content: dict[str, Any]) -> str:
    return sha256({key: content.get(key) for key in RULE_KEYS})


def changed_sections(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [key for key in RULE_KEYS if sha256(old.get(key)) != sha256(new.get(key))]
