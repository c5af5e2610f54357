"""An OGC API items page costs a fixed, small number of statements whatever its size and the
table's: Django's own (session, user, permissions) counted by pytest-django, and pygeoapi's
(SQLAlchemy, on its own engine, which Django's counter does not see) counted by an event listener
on every SQLAlchemy engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.factories import CitizenReportFactory, ParcelFactory, point, rect

pytestmark = pytest.mark.django_db(transaction=True)

# pygeoapi's statements for one page: the capped count of matches (numberMatched), then the page.
PYGEOAPI_PER_PAGE = 2


@contextmanager
def sqlalchemy_statements() -> Iterator[list[str]]:
    """Every statement SQLAlchemy sends to a database inside the block (pygeoapi is the only
    user of SQLAlchemy here)."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def parcels(n: int) -> None:
    """``n`` 10 m squares in a row, 20 m apart."""
    for i in range(n):
        ParcelFactory(geom=rect(20 * i, 0, 10, 10))


def get_page(client: Client, collection: str, limit: int) -> dict[str, Any]:
    response = client.get(
        f"/ogc/collections/{collection}/items", {"limit": limit}, HTTP_HOST="127.0.0.1"
    )
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture
def warm(client: Client):
    """The API object is built and each table read once (pygeoapi reflects a table's columns on
    first use); what is counted after is what every later page costs."""

    def warm_up(collection: str) -> None:
        get_page(client, collection, 1)

    return warm_up


def test_an_items_page_is_two_pygeoapi_statements_whatever_its_size(
    client, warm, django_assert_num_queries
):
    parcels(150)
    warm("parcels")
    costs = {}
    for limit in (10, 100):
        # Anonymous: no session to read, so Django sends nothing.
        with sqlalchemy_statements() as statements, django_assert_num_queries(0):
            doc = get_page(client, "parcels", limit)
        assert doc["numberReturned"] == limit
        assert doc["numberMatched"] == 150
        costs[limit] = statements
    assert len(costs[10]) == len(costs[100]) == PYGEOAPI_PER_PAGE, costs
    assert [s.lower().lstrip().startswith("select") for s in costs[100]] == [True, True]


def test_the_cost_does_not_grow_with_the_table(client, warm, django_assert_num_queries):
    parcels(12)
    warm("parcels")
    with sqlalchemy_statements() as small, django_assert_num_queries(0):
        assert get_page(client, "parcels", 100)["numberReturned"] == 12
    parcels(300)
    warm("parcels")  # the first page after a write counts the layer's features once
    with sqlalchemy_statements() as large, django_assert_num_queries(0):
        assert get_page(client, "parcels", 100)["numberReturned"] == 100
    assert len(small) == len(large) == PYGEOAPI_PER_PAGE


def test_a_signed_in_users_page_adds_only_the_session_and_permissions(
    client, warm, planner, django_assert_num_queries
):
    for i in range(120):
        CitizenReportFactory(geom=point(20 * i, 0))
    client.force_login(planner)
    warm("citizen-reports")
    counts = {}
    for limit in (10, 100):
        # session, user, then the user's and their groups' permissions (internal layer)
        with sqlalchemy_statements() as statements, django_assert_num_queries(4) as django:
            assert get_page(client, "citizen-reports", limit)["numberReturned"] == limit
        counts[limit] = (len(django), len(statements))
    assert counts[10] == counts[100]
    assert counts[100][1] == PYGEOAPI_PER_PAGE
