"""Reading GIS files: vector datasets through pyogrio (GDAL's Arrow stream, read by columns, not
feature by feature) into their attributes and their geometries as WKB, with a known coordinate
system, and rasters through rasterio. Reprojection itself happens in the database
(``writers``), from the EPSG code of the file's CRS or, when it has none, from its definition
(PROJ reads WKT there as here).

The geometries stay WKB, as GDAL gives them: a million parcels take about 200 MB so, against
about 900 MB as shapely objects (``read_dataframe``), and a quarter of its reading time. The
ingest's checks turn them into shapes a step at a time (``ingest.validate.check_geometries``)."""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from django.utils.translation import gettext
from pyproj import CRS, Transformer

from layers.common.conf import gis_settings
from layers.common.errors import IngestError

CSV_OPEN_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,geom,geometry,the_geom,wkt_geom",
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x",
    "Y_POSSIBLE_NAMES": "lat,latitude,y",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "NO",
}
LONLAT_NAMES = {"lon", "lng", "long", "longitude"}


@dataclass
class VectorSource:
    """A vector dataset read into memory: ``attributes`` (a column per field, a row per feature)
    and ``wkb``, each feature's geometry as GDAL wrote it (``None``: none), in ``crs``, the
    file's coordinate system (or the one given for it); ``srid`` is its EPSG code, None when it
    has none. ``geometry_name``: the file's name for the geometry column."""

    path: Path
    layer_name: str
    attributes: pd.DataFrame
    wkb: np.ndarray
    crs: CRS
    srid: int | None
    geometry_name: str

    @property
    def geographic(self) -> bool:
        return bool(self.crs.is_geographic)

    @property
    def crs_name(self) -> str:
        """The CRS's name; for one without a name (a PROJ string's), its projection's."""
        crs = self.crs.source_crs if self.crs.is_bound and self.crs.source_crs else self.crs
        if crs.name and crs.name != "unknown":
            return str(crs.name)
        operation = crs.coordinate_operation  # a PROJ string's (bound: its +towgs84 apart)
        return str(operation.method_name) if operation is not None else str(crs.type_name)

    @property
    def crs_label(self) -> str:
        """The CRS as the ingest's report names it: ``EPSG:26191 (Merchich / Nord Maroc)``."""
        if self.srid is not None:
            return f"EPSG:{self.srid} ({self.crs_name})"
        return gettext("%(name)s, without EPSG code") % {"name": self.crs_name}

    @property
    def crs_definition(self) -> int | str:
        """What the database reprojects from: the EPSG code, or the CRS's WKT."""
        return self.srid if self.srid is not None else self.crs.to_wkt("WKT2_2019")

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.attributes.columns]

    def frame(self, rows: list[int] | None = None) -> gpd.GeoDataFrame:
        """The features (``rows``: those, from 0) with their geometries as shapes, in the file's
        geometry column (a preview's few, a report's refused: a whole file is not made shapes
        at once). A geometry GEOS cannot read (arcs) is left out."""
        attributes = self.attributes if rows is None else self.attributes.iloc[rows].copy()
        wkb = self.wkb if rows is None else self.wkb[rows]
        geoms = gpd.GeoSeries(shapes(wkb)[0], index=attributes.index, crs=self.crs)
        return gpd.GeoDataFrame(attributes, geometry=geoms.rename(self.geometry_name))


def shapes(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``wkb`` as shapes, and which of them GEOS cannot read (arcs: a curved polygon, a compound
    curve), which the database reads instead (``ingest.writers``): those are None here."""
    try:
        return shapely.from_wkb(wkb), np.zeros(len(wkb), dtype=bool)
    except (NotImplementedError, shapely.errors.GEOSException):
        out = np.full(len(wkb), None, dtype=object)
        unread = np.zeros(len(wkb), dtype=bool)
        for i, one in enumerate(wkb):
            try:
                out[i] = shapely.from_wkb(one)
            except (NotImplementedError, shapely.errors.GEOSException):
                unread[i] = True
        return out, unread


def parse_srs(value: str) -> CRS:
    """``EPSG:26191``, ``26191`` or any definition pyproj understands."""
    try:
        return CRS.from_user_input(int(value) if value.isdigit() else value)
    except Exception:
        raise IngestError(
            gettext("unknown coordinate system %(value)r (give it as EPSG:N)") % {"value": value}
        ) from None


def list_source_layers(path: Path) -> list[str]:
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise IngestError(
            gettext("%(file)s: cannot read the file (%(error)s)")
            % {"file": path.name, "error": _gdal_message(exc)}
        ) from None


def shapefile_encoding(shp: Path) -> str | None:
    """The code page a shapefile's ``.cpg`` names when GDAL does not read it itself:
    ``ANSI 1256`` (as some Windows tools write it) is Windows-1256. ``None`` leaves it to GDAL."""
    cpg = next((p for p in shp.parent.glob(f"{shp.stem}.*") if p.suffix.lower() == ".cpg"), None)
    if cpg is None:
        return None
    text = cpg.read_text(encoding="ascii", errors="ignore").strip()
    match = re.fullmatch(r"ANSI\s*(\d{3,5})", text, flags=re.IGNORECASE)
    if not match:
        return None
    name = f"cp{match.group(1)}"
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _gdal_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def read_vector(
    path: Path,
    source_layer: str | None = None,
    srs: str | None = None,
    encoding: str | None = None,
    max_features: int | None = None,
) -> VectorSource:
    """Read one layer of a vector file. Refuses a file without features, a multi-layer file when
    no layer is named, and a file without a coordinate system when ``srs`` is not given."""
    names = list_source_layers(path)
    if not names:
        raise IngestError(gettext("%(file)s: the file holds no layer") % {"file": path.name})
    if source_layer is None:
        if len(names) > 1:
            raise IngestError(
                gettext("%(file)s holds several layers (%(names)s): choose one with --source-layer")
                % {"file": path.name, "names": ", ".join(names)}
            )
        source_layer = names[0]
    elif source_layer not in names:
        raise IngestError(
            gettext("%(file)s has no layer %(layer)r (it has %(names)s)")
            % {"file": path.name, "layer": source_layer, "names": ", ".join(names)}
        )
    kwargs: dict[str, Any] = {}
    is_csv = path.suffix.lower() == ".csv"
    if is_csv:
        kwargs.update(CSV_OPEN_OPTIONS)
    if not encoding and path.suffix.lower() == ".shp":
        encoding = shapefile_encoding(path)
    if encoding:
        kwargs["encoding"] = encoding
    if max_features:
        kwargs["max_features"] = max_features
    try:
        # Datetimes as the file writes them when GDAL can (3.11 on), as Arrow's timestamps
        # before: the attribute checks read both (``ingest.validate``).
        meta, table = pyogrio.read_arrow(
            path, layer=source_layer, datetime_as_string=True, **kwargs
        )
        geometry_name = meta["geometry_name"] or "wkb_geometry"
        if geometry_name not in table.column_names:
            raise IngestError(
                gettext("%(file)s: no geometry found (a CSV needs a WKT column or lon/lat columns)")
                % {"file": path.name}
            )
        wkb = table.column(geometry_name).to_numpy(zero_copy_only=False)
        attributes = table.drop_columns([geometry_name]).to_pandas(self_destruct=True)
        del table
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(
            gettext("%(file)s: cannot read the file (%(error)s)")
            % {"file": path.name, "error": _gdal_message(exc)}
        ) from None
    if len(attributes) == 0:
        raise IngestError(
            gettext("%(file)s: the layer %(layer)r has no features")
            % {"file": path.name, "layer": source_layer}
        )
    crs = CRS.from_user_input(meta["crs"]) if meta["crs"] else None
    if srs:
        crs = parse_srs(srs)
    elif crs is None and is_csv:
        header = {c.lower() for c in pyogrio.read_info(path, layer=source_layer)["fields"]}
        if header & LONLAT_NAMES:
            crs = CRS.from_epsg(4326)  # lon/lat columns are WGS 84 by definition
    if crs is None:
        raise IngestError(
            gettext(
                "%(file)s does not say which coordinate system it is in: give it with "
                "--srs EPSG:N (e.g. --srs EPSG:%(srid)s, the platform's storage CRS)"
            )
            % {"file": path.name, "srid": gis_settings()["STORAGE_SRID"]}
        )
    srid = crs.to_epsg() or crs.to_epsg(min_confidence=70)
    return VectorSource(
        path=path,
        layer_name=source_layer,
        attributes=attributes,
        wkb=np.asarray(wkb, dtype=object),
        crs=crs,
        srid=None if srid is None else int(srid),
        geometry_name=geometry_name,
    )


# The formats whose header holds a layer's feature count and extent; the others (GeoJSON, KML,
# CSV, DXF) would be read whole to know them (GDAL parses a GeoJSON file whole when it opens it:
# half a second for 40 MB).
HEADER_SUFFIXES = (".gpkg", ".shp")


@dataclass(frozen=True)
class LayerOutline:
    """What a file's header says of a whole layer, before it is read: how many features, and
    where they lie (Leaflet bounds ``[[south, west], [north, east]]`` in WGS 84). Each is None
    when the format has no such header (``HEADER_SUFFIXES``) or the file does not say its
    coordinate system."""

    features: int | None
    bounds: list[list[float]] | None


def layer_outline(path: Path, layer: str, srs: str | None = None) -> LayerOutline:
    """The feature count and the extent of ``layer`` of ``path`` from its header, the extent in
    ``srs`` when it is given."""
    if path.suffix.lower() not in HEADER_SUFFIXES:
        return LayerOutline(None, None)
    info = pyogrio.read_info(path, layer=layer)
    fast = info.get("capabilities", {})
    features = (
        info["features"] if fast.get("fast_feature_count") and info["features"] >= 0 else None
    )
    total = info.get("total_bounds") if fast.get("fast_total_bounds") else None
    crs = parse_srs(srs) if srs else (CRS.from_user_input(info["crs"]) if info["crs"] else None)
    if total is None or crs is None or not all(math.isfinite(v) for v in total):
        return LayerOutline(features, None)
    to_lonlat = Transformer.from_crs(crs, 4326, always_xy=True)
    xmin, ymin, xmax, ymax = total
    west, south, east, north = to_lonlat.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        return LayerOutline(features, None)  # coordinates the CRS cannot place on the Earth
    return LayerOutline(features, [[south, west], [north, east]])
