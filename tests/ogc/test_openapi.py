"""The OpenAPI document as served at /ogc/openapi: self-contained (every ``$ref`` resolves inside
it, none leads to another host), valid OpenAPI 3.0, ``limit`` declared once under
``components/parameters`` with the page sizes of the settings, ``datetime`` on every collection's
items."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing.exceptions import Unresolvable

from layers.common.registry import layers
from ogc.openapi import OUTSIDE_FILES, self_contained

pytestmark = pytest.mark.django_db(transaction=True)


def served(client: Client) -> dict[str, Any]:
    response = client.get("/ogc/openapi?f=json", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    doc: dict[str, Any] = json.loads(response.content)
    return doc


def refs(node: Any) -> list[str]:
    """Every ``$ref`` value in ``node``."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def resolve(doc: dict[str, Any], ref: str) -> Any:
    """The node a local JSON pointer (``#/a/b``) designates, or KeyError."""
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def items_parameters(doc: dict[str, Any], slug: str) -> dict[str, dict[str, Any]]:
    """The items' GET parameters of collection ``slug``, references resolved, by name."""
    out = {}
    for parameter in doc["paths"][f"/collections/{slug}/items"]["get"]["parameters"]:
        if "$ref" in parameter:
            parameter = resolve(doc, parameter["$ref"])
        out[parameter["name"]] = parameter
    return out


@pytest.fixture
def doc() -> dict[str, Any]:
    return served(Client())


def test_every_reference_resolves_inside_the_document(doc):
    found = refs(doc)
    assert len(found) > 100  # every path refers to shared parameters and responses
    outside = [r for r in found if not r.startswith("#/")]
    assert outside == []
    assert not any("http" in r for r in found)
    for ref in set(found):
        assert resolve(doc, ref) is not None, ref
    # no address of the OGC's schema servers anywhere in the document
    text = json.dumps(doc)
    assert "schemas.opengis.net" not in text
    assert "raw.githubusercontent.com" not in text


def test_the_document_is_valid_openapi_3_0(doc):
    assert doc["openapi"].startswith("3.0")
    validate(doc)


def test_the_validator_refuses_a_dangling_reference(doc):
    """The check above can fail: a reference to a parameter that is not defined is refused."""
    broken = json.loads(json.dumps(doc))
    broken["paths"]["/collections/parcels/items"]["get"]["parameters"].append(
        {"$ref": "#/components/parameters/nowhere"}
    )
    with pytest.raises((OpenAPIValidationError, Unresolvable)):
        validate(broken)


def test_limit_is_declared_once_with_the_page_sizes_of_the_settings(doc):
    limit = doc["components"]["parameters"]["limit"]
    assert limit["name"] == "limit"
    assert limit["in"] == "query"
    assert limit["schema"]["default"] == settings.OGC["DEFAULT_LIMIT"]
    assert limit["schema"]["maximum"] == settings.OGC["MAX_LIMIT"]
    assert limit["schema"]["minimum"] == 1
    for layer in layers(public_only=True):
        parameters = doc["paths"][f"/collections/{layer.slug}/items"]["get"]["parameters"]
        assert {"$ref": "#/components/parameters/limit"} in parameters, layer.slug
        assert not [p for p in parameters if p.get("name") == "limit"], layer.slug


@override_settings(OGC={**settings.OGC, "DEFAULT_LIMIT": 250, "MAX_LIMIT": 5000})
def test_limit_follows_the_settings():
    limit = served(Client())["components"]["parameters"]["limit"]
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (250, 5000)


def test_every_collection_declares_datetime_on_its_items(doc):
    for layer in layers(public_only=True):
        parameters = items_parameters(doc, layer.slug)
        assert parameters["datetime"]["in"] == "query", layer.slug
        assert parameters["datetime"]["schema"]["type"] == "string", layer.slug
        assert "vendorSpecificParameters" not in parameters, layer.slug
        # each declared once
        raw = doc["paths"][f"/collections/{layer.slug}/items"]["get"]["parameters"]
        assert len(raw) == len(parameters), layer.slug


def test_items_declare_what_part_1_requires(doc):
    parameters = items_parameters(doc, "parcels")
    assert parameters["bbox"]["schema"]["type"] == "array"
    assert parameters["bbox"]["schema"]["minItems"] == 4
    assert parameters["sortby"]["in"] == "query"
    responses = doc["paths"]["/collections/parcels/items"]["get"]["responses"]
    features = resolve(doc, responses["200"]["$ref"])
    assert "application/geo+json" in features["content"]
    schema = resolve(doc, features["content"]["application/geo+json"]["schema"]["$ref"])
    assert {"type", "features"} <= set(schema["required"])
    assert {"numberMatched", "numberReturned", "timeStamp", "links"} <= set(schema["properties"])


def test_the_known_outside_files_each_have_a_local_definition():
    doc = {"openapi": "3.0.2", "paths": {}, "components": {}}
    out = self_contained(doc, default_limit=10, max_limit=20)
    for ref in OUTSIDE_FILES.values():
        assert resolve(out, ref) is not None


def test_an_unknown_outside_reference_becomes_local():
    doc = {
        "openapi": "3.0.2",
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {"$ref": "https://example.org/a.yaml#/components/responses/Nope"}
                    }
                }
            }
        },
    }
    out = self_contained(doc, default_limit=10, max_limit=20)
    ref = out["paths"]["/x"]["get"]["responses"]["200"]["$ref"]
    assert ref.startswith("#/components/responses/")
    assert resolve(out, ref)["description"]
