"""Bad input gets a clear error and changes nothing: empty, corrupt or truncated files, unsafe
archives, shapefiles missing parts, files over the size limit, files without a CRS."""

from __future__ import annotations

import os
import stat
import zipfile

import pytest

from ingest.actions import ingest_file
from ingest.options import IngestOptions
from layers.common.errors import IngestError
from layers.parcels.models import Parcel
from tests.factories import ParcelFactory, rect
from tests.ingest.conftest import parcels_frame, table_rows, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("english"),  # the messages are checked by their English text
    pytest.mark.filterwarnings("ignore:Normalized/laundered field name"),
]


@pytest.fixture
def unchanged():
    """The parcels table must be the same after the test as before it."""
    ParcelFactory(reference="TF 9/C", geom=rect(3000, 0, 10, 10))
    before = table_rows(Parcel)
    yield
    assert table_rows(Parcel) == before


def refused(path, match, srs=None):
    with pytest.raises(IngestError, match=match):
        ingest_file(path, "parcels", IngestOptions(srs=srs))


def test_empty_file(tmp_path, unchanged):
    (tmp_path / "p.gpkg").write_bytes(b"")
    refused(tmp_path / "p.gpkg", "the file is empty")


def test_layer_without_features(tmp_path, unchanged):
    path = write(parcels_frame(1).iloc[:0], tmp_path / "p.gpkg")
    refused(path, "has no features")


def test_corrupt_file(tmp_path, unchanged):
    (tmp_path / "p.gpkg").write_bytes(os.urandom(4096))
    refused(tmp_path / "p.gpkg", "cannot read the file")


@pytest.mark.parametrize(("driver", "suffix"), [("GPKG", "gpkg"), ("GeoJSON", "geojson")])
def test_truncated_file(tmp_path, unchanged, driver, suffix):
    path = write(parcels_frame(50), tmp_path / f"p.{suffix}", driver=driver)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    refused(path, "cannot read the file")


def test_truncated_zip(tmp_path, unchanged):
    src = write(parcels_frame(20), tmp_path / "p.geojson", driver="GeoJSON")
    archive = tmp_path / "p.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, "p.geojson")
    archive.write_bytes(archive.read_bytes()[:300])
    refused(archive, "zip")


@pytest.mark.parametrize(
    "name", ["../../escaped.geojson", "/tmp/escaped.geojson", "a/../../x.geojson"]
)
def test_zip_slip(tmp_path, unchanged, name):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(name, '{"type": "FeatureCollection", "features": []}')
    refused(archive, "escapes the upload folder")
    assert not (tmp_path.parent / "escaped.geojson").exists()


def test_symlink_in_zip(tmp_path, unchanged):
    archive = tmp_path / "link.zip"
    info = zipfile.ZipInfo("p.geojson")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    refused(archive, "symbolic links")


def test_zip_bomb_by_ratio(tmp_path, unchanged):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("p.geojson", b" " * (20 * 2**20))  # 20 MB of spaces, about 20 kB zipped
    assert archive.stat().st_size < 100_000
    refused(archive, "zip bomb")


def test_zip_total_size_cap(tmp_path, unchanged, settings):
    settings.INGEST = {"MAX_UNPACKED_BYTES": 10_000}
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("p.geojson", os.urandom(20_000))  # incompressible: the ratio is 1
    refused(archive, "zip bomb")


@pytest.mark.parametrize(("missing", "what"), [(".shx", "index"), (".dbf", "attribute table")])
def test_shapefile_missing_part(tmp_path, unchanged, missing, what):
    src = tmp_path / "src"
    src.mkdir()
    write(parcels_frame(2), src / "p.shp", driver="ESRI Shapefile")
    (src / f"p{missing}").unlink()
    refused(src / "p.shp", f"no \\{missing} file \\({what}\\)")
    archive = tmp_path / "p.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in src.iterdir():
            zf.write(part, part.name)
    refused(archive, f"no \\{missing} file")


def test_file_over_the_size_limit(tmp_path, unchanged, settings):
    path = write(parcels_frame(5), tmp_path / "p.gpkg")
    settings.UPLOAD_MAX_BYTES = path.stat().st_size - 1
    refused(path, "over the .* upload limit")


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
@pytest.mark.parametrize(("driver", "suffix"), [("GPKG", "gpkg"), ("ESRI Shapefile", "shp")])
def test_file_without_crs_names_srs(tmp_path, unchanged, driver, suffix):
    frame = parcels_frame(2).set_crs(None, allow_override=True)
    path = write(frame, tmp_path / f"p.{suffix}", driver=driver)
    refused(path, "--srs EPSG:N")


def test_wrong_srs_that_cannot_be_reprojected(tmp_path, unchanged):
    # Metres given as degrees: latitude 335000 is refused before reprojection.
    path = write(parcels_frame(2), tmp_path / "p.gpkg")
    report = ingest_file(path, "parcels", IngestOptions(srs="EPSG:4326"))
    assert report.status == "refused"
    assert report.reasons == {"absurd coordinates": 2}


def test_coordinates_a_crs_without_code_cannot_place(tmp_path, unchanged):
    # An orthographic view of the Earth centred near Casablanca, given as a PROJ string: a point
    # 7,000 km from its centre is beyond the Earth's disc (radius about 6,378 km), which PROJ
    # refuses in the database. The file is refused whole, the layer left as it was.
    path = tmp_path / "p.csv"
    path.write_text(
        'reference,land_status,wkt\nTF 5/C,titled,"POLYGON((7000000 0,7000100 0,'
        '7000100 100,7000000 100,7000000 0))"\n',
        encoding="utf-8",
    )
    ortho = "+proj=ortho +lat_0=33 +lon_0=-7 +ellps=WGS84 +units=m +no_defs"
    refused(path, "cannot be reprojected from the file's coordinate system", srs=ortho)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", "big.gpkg : 1.300,0 Mo dépasse la limite d'envoi de 1.200 Mo"),
        ("en", "big.gpkg: 1,300.0 MB is over the 1,200 MB upload limit"),
    ],
)
def test_the_size_refusal_writes_its_figures_as_the_language_does(tmp_path, lang, said):
    from django.utils import translation

    from ingest.unpack import check_size
    from layers.common.errors import IngestError

    big = tmp_path / "big.gpkg"
    with big.open("wb") as fh:
        fh.truncate(1300 * 2**20)  # sparse: 1,300 MB long, no disk taken
    with translation.override(lang), pytest.raises(IngestError) as refused:
        check_size(big, limit=1200 * 2**20)
    assert str(refused.value) == said
