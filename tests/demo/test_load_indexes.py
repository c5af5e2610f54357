"""The demo load's indexes: dropped for the COPY and built again from the sorted rows; alone, the
load commits and then builds most of them with several connections, listing each one until it is
built, so that an interrupted build is finished by the next load."""

from __future__ import annotations

import pytest
from django.db import connection

from layers.demo.loader import (
    DEMO_TABLES,
    IndexesPending,
    build_pending_indexes,
    load_demo,
)
from layers.demo.models import PendingIndex
from layers.demo.sizes import SIZES

from .conftest import snapshot

pytestmark = pytest.mark.usefixtures("small_demo")

GIN = "portal_parcels_parcel_address_unaccent_trgm"
GIST = "parcel_geom_gist"


def schema() -> dict[str, list[tuple[str, str]]]:
    """Every index and constraint of the demo tables, as PostgreSQL writes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
            [DEMO_TABLES],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [DEMO_TABLES],
        )
        return {"indexes": indexes, "constraints": cursor.fetchall()}


def definition(index: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [index])
        return cursor.fetchone()[0]


def exists(index: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [index])
        return bool(cursor.fetchone()[0])


def leave_pending(*indexes: str) -> None:
    """What a load whose builders died leaves: the indexes dropped and listed (committed)."""
    for name in indexes:
        PendingIndex.objects.create(name=name, table="parcels_parcel", definition=definition(name))
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {name}")


def test_a_load_alone_commits_then_builds_every_index_and_constraint_again(django_db_blocker):
    with django_db_blocker.unblock():
        before, data = schema(), snapshot()["digests"]
        assert not connection.in_atomic_block
        report = load_demo(SIZES["small"], 1, replace=True, progress=False, say=lambda _: None)
        # The parcels' five loose indexes at least were left for after the commit, and built.
        assert report.deferred_indexes >= 5
        assert schema() == before
        assert not PendingIndex.objects.exists()
        assert snapshot()["digests"] == data  # the same seed, the same city


@pytest.mark.django_db
def test_a_load_inside_a_transaction_builds_its_indexes_before_returning():
    """Other connections cannot see the rows of a transaction that is not committed: nothing is
    left for them."""
    before = schema()
    load_demo(SIZES["small"], 1, replace=True, progress=False, say=lambda _: None)
    assert schema() == before
    assert not PendingIndex.objects.exists()


def test_indexes_an_interrupted_load_left_are_built_by_the_next_one(django_db_blocker):
    with django_db_blocker.unblock():
        before = schema()
        leave_pending(GIN, GIST)
        try:
            assert not exists(GIN) and not exists(GIST)
            report = load_demo(SIZES["small"], 1, if_empty=True, progress=False, say=lambda _: None)
            assert report.skipped  # the data is left alone...
            assert exists(GIN) and exists(GIST)  # ...and the indexes are whole again
            assert not PendingIndex.objects.exists()
            assert schema() == before
        finally:
            build_pending_indexes()


def test_a_build_that_fails_is_reported_and_stays_listed_while_the_others_are_built(
    django_db_blocker, run_manage, small_demo
):
    with django_db_blocker.unblock():
        before = schema()
        leave_pending(GIN, GIST)
        PendingIndex.objects.create(
            name="broken_index",
            table="parcels_parcel",
            definition="CREATE INDEX broken_index ON public.parcels_parcel (no_such_column)",
        )
        try:
            with pytest.raises(
                IndexesPending,
                match=r"^1 index of the demo tables could not be built .*broken_index: column",
            ):
                build_pending_indexes(workers=2)
            assert list(PendingIndex.objects.values_list("name", flat=True)) == ["broken_index"]
            assert exists(GIN) and exists(GIST)
            # The command says so, and that a new run builds it.
            result = run_manage(
                "load_demo",
                "--size",
                "small",
                "--if-empty",
                env={"DATABASE_URL": small_demo},
                check=False,
            )
            assert result.returncode != 0
            assert "could not be built" in result.stderr
            assert "no_such_column" in result.stderr
            assert "the next load_demo builds them" in result.stderr
        finally:
            PendingIndex.objects.filter(name="broken_index").delete()
            build_pending_indexes()
        assert schema() == before
