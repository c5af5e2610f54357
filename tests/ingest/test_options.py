"""Ingest options: checked when built, kept in the job row and read back the same, and named
once for the command line, the web forms and the background run."""

from __future__ import annotations

import pytest

from ingest.forms import RasterForm, RunForm
from ingest.mappings import Mapping
from ingest.models import IngestJob
from ingest.options import MODES, IngestOptions, InvalidOption
from layers.common.errors import IngestError

# The messages are checked by their English source text (outside a request: French).
pytestmark = pytest.mark.usefixtures("english")


def test_defaults_append_everything_and_write():
    options = IngestOptions()
    assert (options.mode, options.key, options.dry_run, options.accept_partial) == (
        "append",
        None,
        False,
        False,
    )
    assert options.raster_kind == "other"


@pytest.mark.parametrize("mode", ["merge", "APPEND", "", None])
def test_an_unknown_mode_is_refused(mode):
    with pytest.raises(InvalidOption, match="unknown mode") as caught:
        IngestOptions(mode=mode)
    assert caught.value.field == "mode"
    assert isinstance(caught.value, IngestError)  # shown to the user like any refused ingest


@pytest.mark.parametrize("key", [None, "", "   "])
def test_upsert_needs_a_key(key):
    with pytest.raises(InvalidOption, match="upsert needs --key") as caught:
        IngestOptions(mode="upsert", key=key)
    assert caught.value.field == "key"


def test_the_mapping_files_key_crs_and_encoding_apply_unless_given():
    mapping = Mapping(
        fields={"reference": "NUM"}, key="reference", srs="EPSG:26191", encoding="cp1256"
    )
    options = IngestOptions(mode="upsert", mapping=mapping)
    assert (options.key, options.srs, options.encoding) == ("reference", "EPSG:26191", "cp1256")
    # What is given on the command line or in the form wins over the mapping file.
    given = IngestOptions(mode="upsert", key="official_area_m2", srs="EPSG:4326", mapping=mapping)
    assert (given.key, given.srs) == ("official_area_m2", "EPSG:4326")
    # Once built, the mapping is only the field mapping: the options hold the values in force.
    assert options.mapping == Mapping(fields={"reference": "NUM"})


@pytest.mark.parametrize(
    ("changes", "option", "message"),
    [
        ({"srs": "EPSG:999999"}, "srs", "unknown coordinate system 'EPSG:999999'"),
        ({"srs": "Lambert du coin"}, "srs", "unknown coordinate system"),
        ({"encoding": "cp9999"}, "encoding", "unknown encoding 'cp9999'"),
        ({"raster_kind": "lidar"}, "raster_kind", "raster kind 'lidar'"),
        ({"dry_run": "yes"}, "dry_run", "expected true or false"),
        ({"key": 3}, "key", "expected text"),
        ({"mapping": Mapping(fields={"reference": 3})}, "fields", "is not text = text"),
        ({"mapping": Mapping(values={"land_status": ["a"]})}, "values", "not a plain value"),
        ({"mapping": Mapping(choices={"land_status": {"TF": 1}})}, "choices", "text = text"),
    ],
)
def test_options_that_cannot_work_are_refused_with_their_name(changes, option, message):
    with pytest.raises(InvalidOption, match=message) as caught:
        IngestOptions(**changes)
    assert caught.value.field == option


def test_crs_given_by_code_or_by_number():
    assert IngestOptions(srs="26191").srs == "26191"
    assert IngestOptions(srs=" EPSG:4326 ").srs == "EPSG:4326"


def test_empty_form_values_are_no_value():
    options = IngestOptions(
        key="",
        srs="",
        source_layer="",
        encoding="",
        raster_title="",
        mapping=Mapping(fields={"reference": "", "land_status": "STATUT"}, values={"x": ""}),
    )
    assert (options.key, options.srs, options.source_layer, options.encoding) == (None,) * 4
    assert options.raster_title is None
    assert options.mapping == Mapping(fields={"land_status": "STATUT"})


FULL = IngestOptions(
    mode="upsert",
    key="reference",
    srs="EPSG:26191",
    source_layer="parcelles",
    encoding="cp1256",
    dry_run=True,
    accept_partial=True,
    mapping=Mapping(
        fields={"reference": "NUM_TITRE"},
        values={"land_status": "titled", "official_area_m2": 12.5, "is_public": False},
        choices={"current_use": {"Habitat": "housing"}},
    ),
    raster_name="mnt-2m",
    raster_kind="elevation",
    raster_title="MNT 2 m",
)


def test_the_stored_form_names_every_option():
    assert FULL.as_dict() == {
        "mode": "upsert",
        "key": "reference",
        "srs": "EPSG:26191",
        "source_layer": "parcelles",
        "encoding": "cp1256",
        "dry_run": True,
        "accept_partial": True,
        "raster_name": "mnt-2m",
        "raster_kind": "elevation",
        "raster_title": "MNT 2 m",
        "fields": {"reference": "NUM_TITRE"},
        "values": {"land_status": "titled", "official_area_m2": 12.5, "is_public": False},
        "choices": {"current_use": {"Habitat": "housing"}},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("options", [IngestOptions(), FULL], ids=["defaults", "every-option"])
def test_round_trip_through_the_job_row(options, planner):
    job = IngestJob.objects.create(
        user=planner, layer="parcels", file_name="p.gpkg", path="/x", options=options.as_dict()
    )
    stored = IngestJob.objects.get(pk=job.pk).options  # read back from the JSON column
    assert IngestOptions.from_dict(stored) == options


def test_a_missing_stored_option_has_its_default_and_an_unknown_one_is_refused():
    assert IngestOptions.from_dict({}) == IngestOptions()
    assert IngestOptions.from_dict({"mode": "replace"}) == IngestOptions(mode="replace")
    with pytest.raises(InvalidOption, match="unknown ingest options: dryrun"):
        IngestOptions.from_dict({"dryrun": True})
    # A stored row is checked like any other source of options.
    with pytest.raises(InvalidOption, match="upsert needs --key"):
        IngestOptions.from_dict({"mode": "upsert"})


def test_the_web_forms_fields_are_option_names():
    names = set(IngestOptions().as_dict())
    assert set(RunForm.base_fields) <= names
    assert set(RasterForm.base_fields) <= names
    assert set(dict(RunForm.base_fields["mode"].choices)) == set(MODES)


def test_the_run_form_builds_the_options_with_the_mapping_table():
    form = RunForm(
        {
            "mode": "upsert",
            "key": "reference",
            "srs": "EPSG:26191",
            "field_reference": "NUM",
            "field_land_status": "",
            "value_land_status": "titled",
            "value_current_use": "",
        }
    )
    assert form.is_valid(), form.errors
    assert form.options == IngestOptions(
        mode="upsert",
        key="reference",
        srs="EPSG:26191",
        mapping=Mapping(fields={"reference": "NUM"}, values={"land_status": "titled"}),
    )


def test_the_run_form_shows_a_refused_option_on_its_field():
    form = RunForm({"mode": "upsert", "srs": "EPSG:26191"})
    assert not form.is_valid()
    assert "upsert needs --key" in form.errors["key"][0]
    form = RunForm({"mode": "append", "srs": "EPSG:999999"})
    assert not form.is_valid()
    assert "unknown coordinate system" in form.errors["srs"][0]
