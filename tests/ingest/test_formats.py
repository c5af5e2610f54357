"""Every vector format and the coordinate systems the issue names, loaded for real from files
written here; expected areas and positions are the hand-made squares of ``conftest``."""

from __future__ import annotations

import math
import zipfile

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point

from ingest.actions import ingest_file
from ingest.mappings import Mapping
from ingest.options import IngestOptions
from ingest.readers import LayerOutline, layer_outline, read_vector
from layers.common.errors import IngestError
from layers.greenspaces.models import Tree
from layers.parcels.models import Parcel
from layers.roads.models import RoadSegment
from tests.factories import ORIGIN, SRID
from tests.ingest.conftest import parcels_frame, square, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Normalized/laundered field name"),
    pytest.mark.filterwarnings("ignore:.crs. was not provided"),
]


def assert_three_squares() -> None:
    """Three 100 m squares at x = 0, 200, 400 m from ORIGIN, 10,000 m² each."""
    parcels = list(Parcel.objects.order_by("reference"))
    assert [p.reference for p in parcels] == ["TF 1000/C", "TF 1001/C", "TF 1002/C"]
    for i, p in enumerate(parcels):
        assert p.computed_area_m2 == pytest.approx(10_000, abs=0.5)
        assert p.geom.srid == SRID
        assert p.geom.geom_type == "MultiPolygon"
        sw = (p.geom.extent[0], p.geom.extent[1])
        assert sw == pytest.approx((ORIGIN[0] + 200 * i, ORIGIN[1]), abs=0.01)


@pytest.mark.parametrize(
    ("crs", "driver", "suffix"),
    [
        (SRID, "GPKG", "gpkg"),  # Merchich / Nord Maroc, the storage SRID
        (26192, "GPKG", "gpkg"),  # Merchich / Sud Maroc
        (4326, "GeoJSON", "geojson"),  # WGS 84
        (3857, "GPKG", "gpkg"),  # Web Mercator
    ],
)
def test_file_crs_is_honoured_and_reprojected(tmp_path, crs, driver, suffix):
    path = write(parcels_frame(3, crs=crs), tmp_path / f"p.{suffix}", driver=driver)
    report = ingest_file(path, "parcels")
    assert (report.status, report.created, report.rejected) == ("done", 3, 0)
    assert report.source_srs.startswith(f"EPSG:{crs}")
    assert_three_squares()


def _zip(folder, name, stem):
    archive = folder / name
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.glob(f"{stem}.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    return archive


@pytest.mark.parametrize(
    ("encoding", "address"),
    [
        ("cp1256", "شارع محمد الخامس"),  # Arabic, Windows-1256
        ("latin1", "Boulevard de la Résistance, Hay Hassani"),  # French, Latin-1
    ],
)
def test_zipped_shapefile_reads_its_cpg(tmp_path, encoding, address):
    frame = parcels_frame(3, address=[address] * 3)
    src = tmp_path / "src"
    src.mkdir()
    write(frame, src / "parcelles.shp", driver="ESRI Shapefile", encoding=encoding)
    cpg = (src / "parcelles.cpg").read_text()
    assert cpg  # the file says its encoding
    # The bytes in the .dbf really are in that code page, not UTF-8.
    assert address.encode(encoding) in (src / "parcelles.dbf").read_bytes()
    report = ingest_file(_zip(src, "parcelles.zip", "parcelles"), "parcels")
    assert report.created == 3
    assert set(Parcel.objects.values_list("address", flat=True)) == {address}


@pytest.mark.parametrize("cpg", ["1256", "ANSI 1256", "CP1256"])
def test_cpg_spellings_of_windows_1256(tmp_path, cpg):
    frame = parcels_frame(1, address=["زنقة الأمير مولاي عبد الله"])
    write(frame, tmp_path / "p.shp", driver="ESRI Shapefile", encoding="cp1256")
    (tmp_path / "p.cpg").write_text(cpg)
    ingest_file(tmp_path / "p.shp", "parcels")
    assert Parcel.objects.get().address == "زنقة الأمير مولاي عبد الله"


def test_shapefile_without_cpg_needs_the_encoding(tmp_path):
    frame = parcels_frame(1, address=["شارع الزرقطوني"])
    write(frame, tmp_path / "p.shp", driver="ESRI Shapefile", encoding="cp1256")
    (tmp_path / "p.cpg").unlink()
    ingest_file(tmp_path / "p.shp", "parcels", IngestOptions(encoding="cp1256"))
    assert Parcel.objects.get().address == "شارع الزرقطوني"


def test_kml_points(tmp_path):
    # Two trees 50 m east and 50 m north of ORIGIN, written in WGS 84 as KML does.
    frame = gpd.GeoDataFrame(
        {"Name": ["Phoenix canariensis", "Washingtonia robusta"]},
        geometry=[Point(ORIGIN[0] + 50, ORIGIN[1]), Point(ORIGIN[0], ORIGIN[1] + 50)],
        crs=SRID,
    ).to_crs(4326)
    path = write(frame, tmp_path / "arbres.kml", driver="KML")
    report = ingest_file(path, "trees", IngestOptions(mapping=Mapping(fields={"species": "Name"})))
    assert report.created == 2
    trees = {t.species: t.geom for t in Tree.objects.all()}
    assert trees["Phoenix canariensis"].coords == pytest.approx(
        (ORIGIN[0] + 50, ORIGIN[1]), abs=0.01
    )
    assert trees["Washingtonia robusta"].coords == pytest.approx(
        (ORIGIN[0], ORIGIN[1] + 50), abs=0.01
    )


@pytest.mark.usefixtures("english")
def test_csv_with_wkt_needs_srs(tmp_path):
    x, y = ORIGIN
    wkt = f"MULTIPOLYGON((({x} {y},{x + 50} {y},{x + 50} {y + 40},{x} {y + 40},{x} {y})))"
    path = tmp_path / "parcelles.csv"
    path.write_text(f'reference,land_status,wkt\nTF 77/C,titled,"{wkt}"\n', encoding="utf-8")
    with pytest.raises(IngestError, match=f"--srs EPSG:{SRID}, the platform's storage CRS"):
        ingest_file(path, "parcels")
    assert Parcel.objects.count() == 0
    ingest_file(path, "parcels", IngestOptions(srs=f"EPSG:{SRID}"))
    assert Parcel.objects.get().computed_area_m2 == pytest.approx(2000)


@pytest.mark.usefixtures("english")
def test_arcs_are_loaded_as_segments(tmp_path):
    """A curved polygon (as CAD and some cadastral tools write a roundabout's island) is stored
    as the polygon of its arcs cut into 32 segments a quarter circle. A circle of radius 10 m
    drawn as two half-circle arcs gives the regular 128-gon inscribed in it:
    area = 128/2 * r² * sin(2π/128), against π r² for the circle itself. Curves that GEOS
    cannot read go to the database as they are: one outside the municipal extent is refused
    there, and the report still lists it."""
    x, y = ORIGIN[0] + 30, ORIGIN[1] + 30
    far = x + 200_000

    def circle(cx: float) -> str:
        return (
            f"CURVEPOLYGON(CIRCULARSTRING({cx - 10} {y},{cx} {y + 10},{cx + 10} {y},"
            f"{cx} {y - 10},{cx - 10} {y}))"
        )

    path = tmp_path / "ilots.csv"
    path.write_text(
        "reference,land_status,wkt\n"
        f'TF 78/C,titled,"{circle(x)}"\n'
        f'TF 79/C,titled,"{circle(far)}"\n',
        encoding="utf-8",
    )
    report = ingest_file(
        path, "parcels", IngestOptions(srs=f"EPSG:{SRID}", accept_partial=True), report_dir=tmp_path
    )
    assert (report.created, report.rejected) == (1, 1)
    assert report.examples == [(2, "outside the municipal extent")]
    parcel = Parcel.objects.get()
    assert parcel.reference == "TF 78/C"
    assert parcel.geom.geom_type == "MultiPolygon"
    assert parcel.geom.num_coords == 129  # 128 segments, the ring closed
    assert parcel.computed_area_m2 == pytest.approx(64 * 100 * math.sin(math.pi / 64), abs=1e-3)
    assert parcel.geom.extent == pytest.approx((x - 10, y - 10, x + 10, y + 10), abs=1e-6)
    rejected = pyogrio.read_dataframe(report.report_path, layer="rejected")
    assert list(rejected["reference"]) == ["TF 79/C"]
    # the planners' preview reads the file too: the arcs are not drawn there, the rows are listed
    preview = read_vector(path, srs=f"EPSG:{SRID}").frame()
    assert list(preview["reference"]) == ["TF 78/C", "TF 79/C"]
    assert preview.geometry.isna().all()


# The storage CRS (Merchich / Nord Maroc: Lambert conformal conic, Clarke 1880 (IGN), the same
# shift to WGS 84) with its false easting 100 km further east, as a PROJ string: a CRS no EPSG
# code names. The same point's x is 100,000 m more in it, its y the same.
SHIFTED_EAST = 100_000
SHIFTED_LAMBERT = (
    "+proj=lcc +lat_1=33.3 +lat_0=33.3 +lon_0=-5.4 +k_0=0.999625769 +x_0=600000 +y_0=300000 "
    "+a=6378249.2 +b=6356515 +towgs84=31,146,47,0,0,0,0 +units=m +no_defs"
)


def test_a_crs_without_epsg_code_is_reprojected_from_its_definition(tmp_path):
    """A GeoPackage whose CRS has no EPSG code (GDAL writes its WKT): the parcels land where the
    same squares in the storage CRS would."""
    frame = parcels_frame(3).translate(xoff=SHIFTED_EAST)
    frame = gpd.GeoDataFrame(parcels_frame(3).drop(columns="geometry"), geometry=frame)
    path = write(frame.set_crs(SHIFTED_LAMBERT, allow_override=True), tmp_path / "p.gpkg")
    source = read_vector(path)
    assert source.srid is None
    # the planners' preview map draws them there too (in WGS 84, within a centimetre)
    drawn = source.frame().to_crs(4326).geometry.bounds.to_numpy()
    expected = parcels_frame(3).to_crs(4326).geometry.bounds.to_numpy()
    assert drawn == pytest.approx(expected, abs=1e-7)
    report = ingest_file(path, "parcels")
    assert (report.status, report.created, report.rejected) == ("done", 3, 0)
    assert not report.source_srs.startswith("EPSG:")
    assert_three_squares()


@pytest.mark.usefixtures("english")
def test_arcs_in_a_crs_without_epsg_code(tmp_path):
    """Arcs in a CRS given as a PROJ string are cut into segments and reprojected, both in the
    database: the circle of radius 10 m is the 128-gon of ``test_arcs_are_loaded_as_segments``,
    100 km west of where the file draws it. The report names the CRS by its projection."""
    x, y = ORIGIN[0] + 30, ORIGIN[1] + 30
    cx = x + SHIFTED_EAST
    path = tmp_path / "ilots.csv"
    path.write_text(
        "reference,land_status,wkt\n"
        f'TF 78/C,titled,"CURVEPOLYGON(CIRCULARSTRING({cx - 10} {y},{cx} {y + 10},{cx + 10} {y},'
        f'{cx} {y - 10},{cx - 10} {y}))"\n'
        f'TF 79/C,titled,"POLYGON(({cx + 100} {y},{cx + 200} {y},{cx + 200} {y + 100},'
        f'{cx + 100} {y + 100},{cx + 100} {y}))"\n',
        encoding="utf-8",
    )
    report = ingest_file(path, "parcels", IngestOptions(srs=SHIFTED_LAMBERT))
    assert (report.created, report.rejected) == (2, 0)
    assert report.source_srs == "Lambert Conic Conformal (1SP), without EPSG code"
    circle, square_parcel = Parcel.objects.order_by("reference")
    assert circle.geom.num_coords == 129
    assert circle.computed_area_m2 == pytest.approx(64 * 100 * math.sin(math.pi / 64), abs=1e-3)
    assert circle.geom.extent == pytest.approx((x - 10, y - 10, x + 10, y + 10), abs=1e-3)
    assert square_parcel.computed_area_m2 == pytest.approx(10_000, abs=1e-3)
    assert square_parcel.geom.extent == pytest.approx((x + 100, y, x + 200, y + 100), abs=1e-3)


def test_csv_with_lon_lat_is_wgs84(tmp_path):
    lonlat = gpd.GeoSeries([Point(ORIGIN[0] + 10, ORIGIN[1] + 20)], crs=SRID).to_crs(4326)[0]
    path = tmp_path / "arbres.csv"
    path.write_text(
        f"species,height_m,lon,lat\nFicus,7.5,{lonlat.x:.9f},{lonlat.y:.9f}\n", encoding="utf-8"
    )
    ingest_file(path, "trees")
    tree = Tree.objects.get()
    assert tree.height_m == 7.5
    assert tree.geom.coords == pytest.approx((ORIGIN[0] + 10, ORIGIN[1] + 20), abs=0.01)


def test_dxf_lines_from_cad(tmp_path):
    frame = gpd.GeoDataFrame(
        {"Layer": ["VOIRIE"]},
        geometry=[LineString([(ORIGIN[0], ORIGIN[1]), (ORIGIN[0] + 300, ORIGIN[1] + 400)])],
    )
    path = write(frame, tmp_path / "voirie.dxf", driver="DXF")
    with pytest.raises(IngestError, match="--srs"):
        ingest_file(
            path, "roads", IngestOptions(mapping=Mapping(values={"road_class": "residential"}))
        )
    report = ingest_file(
        path,
        "roads",
        IngestOptions(srs="EPSG:26191", mapping=Mapping(values={"road_class": "residential"})),
    )
    assert report.created == 1
    segment = RoadSegment.objects.get()
    assert segment.geom.length == pytest.approx(500)  # a 3-4-5 triangle, times 100
    assert segment.geom.geom_type == "MultiLineString"


@pytest.mark.usefixtures("english")
def test_file_with_several_layers_needs_one_named(tmp_path):
    path = write(parcels_frame(2), tmp_path / "multi.gpkg", layer="parcelles")
    write(parcels_frame(1), path, layer="autres", append=False)
    with pytest.raises(IngestError, match="several layers .*--source-layer"):
        ingest_file(path, "parcels")
    assert ingest_file(path, "parcels", IngestOptions(source_layer="parcelles")).created == 2


def test_mapping_translates_values(tmp_path):
    frame = parcels_frame(2, land_status=["TF", "Réquisition"])
    path = write(frame, tmp_path / "p.gpkg")
    mapping = Mapping(choices={"land_status": {"TF": "titled", "Réquisition": "requisition"}})
    ingest_file(path, "parcels", IngestOptions(mapping=mapping))
    assert sorted(Parcel.objects.values_list("land_status", flat=True)) == ["requisition", "titled"]


def test_choice_labels_are_accepted(tmp_path):
    # The French label of a choice, as a planner's spreadsheet would hold it.
    frame = parcels_frame(1, land_status=["Domaine public"])
    ingest_file(write(frame, tmp_path / "p.gpkg"), "parcels")
    assert Parcel.objects.get().land_status == "public_domain"


def test_foreign_key_by_id(tmp_path):
    from layers.zoning.models import Zone
    from tests.factories import ZoneRegulationFactory

    regulation = ZoneRegulationFactory()
    frame = gpd.GeoDataFrame(
        {"regulation_id": [regulation.pk], "code": [regulation.code], "category": ["villa"]},
        geometry=[square(0, 0)],
        crs=SRID,
    )
    ingest_file(write(frame, tmp_path / "z.gpkg"), "zoning")
    assert Zone.objects.get().regulation == regulation


def test_the_srs_example_is_the_storage_crs_of_the_settings(settings):
    from ingest.forms import RasterForm, RunForm

    settings.GIS = {**settings.GIS, "STORAGE_SRID": 26192}  # another city
    for form in (RunForm(), RasterForm()):
        assert str(form.fields["srs"].help_text) == "EPSG:26192 …"


def three_squares_in_lonlat() -> tuple[float, float, float, float]:
    """West, south, east, north of the three squares (x 0-500 m, y 0-100 m from ORIGIN), from
    their four corners taken to WGS 84 one by one."""
    to_lonlat = Transformer.from_crs(SRID, 4326, always_xy=True)
    x0, y0 = ORIGIN
    corners = [to_lonlat.transform(x0 + dx, y0 + dy) for dx in (0, 500) for dy in (0, 100)]
    lons, lats = zip(*corners, strict=True)
    return min(lons), min(lats), max(lons), max(lats)


@pytest.mark.parametrize(("driver", "suffix"), [("GPKG", "gpkg"), ("ESRI Shapefile", "shp")])
def test_a_files_header_gives_the_whole_layers_count_and_extent(tmp_path, driver, suffix):
    path = write(parcels_frame(3), tmp_path / f"parcelles.{suffix}", driver=driver)
    outline = layer_outline(path, "parcelles")
    assert outline.features == 3
    west, south, east, north = three_squares_in_lonlat()
    (s, w), (n, e) = outline.bounds
    assert (w, s, e, n) == pytest.approx((west, south, east, north), abs=1e-7)  # about 1 cm


def test_the_extent_follows_the_srs_given_for_the_file(tmp_path):
    """A file whose coordinates are in the storage CRS but which says it is in another one: the
    extent is where the CRS given puts them."""
    frame = parcels_frame(3).set_crs(3857, allow_override=True)  # the wrong CRS, written
    path = write(frame, tmp_path / "parcelles.gpkg")
    wrong = layer_outline(path, "parcelles")
    assert wrong.bounds[0][0] == pytest.approx(
        Transformer.from_crs(3857, 4326, always_xy=True).transform(*ORIGIN)[1], abs=1e-7
    )
    (s, w), (n, e) = layer_outline(path, "parcelles", srs=f"EPSG:{SRID}").bounds
    assert (w, s, e, n) == pytest.approx(three_squares_in_lonlat(), abs=1e-7)


def test_a_format_without_such_a_header_is_not_read_whole_for_it(tmp_path):
    path = write(parcels_frame(3), tmp_path / "parcelles.geojson", driver="GeoJSON")
    assert layer_outline(path, "parcelles") == LayerOutline(None, None)
