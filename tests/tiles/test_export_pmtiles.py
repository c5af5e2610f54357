"""PMTiles export: read back with the pmtiles reader, the tiles decoded and compared with the
live endpoint."""

from __future__ import annotations

import gzip

import pytest
from django.core.management import CommandError, call_command
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType

from tests.factories import CitizenReportFactory, ParcelFactory, rect
from tests.tiles.conftest import decode, origin_tile

pytestmark = pytest.mark.django_db


def test_export_a_layer_and_read_it_back(client, tmp_path):
    parcel = ParcelFactory(reference="TF 77/C", geom=rect(0, 0, 100, 100))
    out = tmp_path / "parcels.pmtiles"
    # Zoom 10 is asked for, but parcels start at 14: the archive holds 14 to 16.
    call_command(
        "export_pmtiles", "parcels", "--min-zoom", "10", "--max-zoom", "16", "-o", str(out)
    )
    with out.open("rb") as fh:
        reader = Reader(MmapSource(fh))
        header = reader.header()
        assert header["tile_type"] == TileType.MVT
        assert header["tile_compression"] == Compression.GZIP
        assert (header["min_zoom"], header["max_zoom"]) == (14, 16)
        # The 100 m parcel lies well inside one tile at each of zooms 14, 15 and 16 (its edges
        # are more than a tile buffer away from the tile edges there).
        assert header["addressed_tiles_count"] == 3
        metadata = reader.metadata()
        assert [lyr["id"] for lyr in metadata["vector_layers"]] == ["parcels"]
        for zoom in (14, 15, 16):
            z, x, y = origin_tile(zoom)
            content = gzip.decompress(reader.get(z, x, y))
            (feature,) = decode(content)["parcels"]["features"]
            assert feature["id"] == parcel.pk
            # The registry's tile band draws zooms 14 and 15 without attributes.
            assert feature["properties"] == (
                {} if zoom < 16 else {"reference": "TF 77/C", "land_status": "titled"}
            )
            assert content == client.get(f"/tiles/parcels/{z}/{x}/{y}.mvt").content
        z, x, y = origin_tile(16)
        assert reader.get(z, x + 1, y) is None


def test_export_refusals_leave_no_file(tmp_path):
    out = tmp_path / "x.pmtiles"
    with pytest.raises(CommandError, match="aucune entité"):
        call_command("export_pmtiles", "parcels", "-o", str(out))
    CitizenReportFactory()
    with pytest.raises(CommandError, match="publiques"):
        call_command("export_pmtiles", "citizen-reports", "-o", str(out))
    ParcelFactory(geom=rect(0, 0, 100, 100))
    with pytest.raises(CommandError, match="limit"):
        call_command(
            "export_pmtiles", "parcels", "--max-zoom", "16", "--max-tiles", "2", "-o", str(out)
        )
    with pytest.raises(CommandError, match="couche inconnue"):  # in LANGUAGE_CODE
        call_command("export_pmtiles", "nope", "-o", str(out))
    assert list(tmp_path.iterdir()) == []
