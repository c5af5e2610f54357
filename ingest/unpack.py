"""Safe handling of uploaded files: size limit, zip unpacking without path escapes, symlinks or
bombs, and finding the dataset inside an archive (a shapefile with all its parts)."""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from layers.common.errors import IngestError

from .conf import option, upload_max_bytes

# A dataset, once unpacked (a shapefile arrives zipped: its .shp is found inside the archive).
VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".csv", ".dxf")
RASTER_SUFFIXES = (".tif", ".tiff")
# What one uploaded file may be: a dataset, or an archive holding one.
UPLOAD_SUFFIXES = (
    ".gpkg",
    ".zip",
    ".kmz",
    ".geojson",
    ".json",
    ".kml",
    ".csv",
    ".dxf",
    *RASTER_SUFFIXES,
)


def check_size(path: Path, limit: int | None = None) -> None:
    """Refuse an empty file or one over the upload limit."""
    limit = upload_max_bytes() if limit is None else limit
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path.name}: the file is empty")
    if size > limit:
        raise IngestError(
            f"{path.name}: {size / 2**20:.1f} MB is over the {limit / 2**20:.0f} MB upload limit"
        )


def _safe_member_path(name: str, dest: Path) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise IngestError(f"the archive holds a path that escapes the upload folder: {name!r}")
    target = (dest / pure).resolve()
    if dest.resolve() not in target.parents:
        raise IngestError(f"the archive holds a path that escapes the upload folder: {name!r}")
    return target


def unpack_zip(archive: Path, dest: Path) -> list[Path]:
    """Extract ``archive`` into ``dest`` and return the files written. Refuses paths that escape
    ``dest``, symbolic links, too many members, and archives that expand beyond the size or ratio
    caps (checked on the declared sizes first, then on the bytes actually written)."""
    max_total = option("MAX_UNPACKED_BYTES")
    max_ratio = option("MAX_COMPRESSION_RATIO")
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"{archive.name}: not a readable zip archive ({exc})") from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if not members:
            raise IngestError(f"{archive.name}: the archive is empty")
        if len(members) > option("MAX_ZIP_MEMBERS"):
            raise IngestError(f"{archive.name}: too many files in the archive ({len(members)})")
        declared = sum(m.file_size for m in members)
        compressed = max(sum(m.compress_size for m in members), 1)
        if declared > max_total or declared / compressed > max_ratio:
            raise IngestError(
                f"{archive.name}: the archive would expand to {declared / 2**20:.0f} MB, "
                f"far beyond its size: refused as a zip bomb"
            )
        written: list[Path] = []
        total = 0
        for m in members:
            if stat.S_ISLNK(m.external_attr >> 16):
                raise IngestError(f"{archive.name}: symbolic links are not accepted ({m.filename})")
            target = _safe_member_path(m.filename, dest)
            target.parent.mkdir(parents=True, exist_ok=True)
            limit = min(max_total - total, max(m.compress_size, 1) * max_ratio)
            size = 0
            try:
                with zf.open(m) as src, target.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        size += len(chunk)
                        if size > limit:
                            raise IngestError(
                                f"{archive.name}: {m.filename} expands far beyond its size: "
                                "refused as a zip bomb"
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise IngestError(f"{archive.name}: corrupt archive ({exc})") from None
            total += size
            written.append(target)
        return written


def check_shapefile_parts(shp: Path) -> None:
    """A shapefile needs its ``.shx`` index and ``.dbf`` attributes next to it."""
    siblings = {p.name.lower() for p in shp.parent.iterdir()}
    stem = shp.stem.lower()
    for ext, what in ((".shx", "index"), (".dbf", "attribute table")):
        if f"{stem}{ext}" not in siblings:
            raise IngestError(
                f"the shapefile {shp.name} has no {ext} file ({what}): send the .shp with its "
                ".shx, .dbf, .prj and .cpg files in one zip"
            )


def find_dataset(files: list[Path], wanted: str | None = None) -> Path:
    """The GIS dataset among unpacked files (a raster, or a vector file; for a shapefile, the
    ``.shp``). ``wanted`` picks one by name when there are several."""
    candidates = [
        f
        for f in files
        if f.suffix.lower() in VECTOR_SUFFIXES + RASTER_SUFFIXES and not f.name.startswith(".")
    ]
    # A .shp.xml or a .json sidecar is not a dataset of its own when a shapefile is present.
    if any(f.suffix.lower() == ".shp" for f in candidates):
        candidates = [f for f in candidates if f.suffix.lower() == ".shp"]
    if wanted and len(candidates) > 1:
        chosen = [f for f in candidates if f.stem == wanted or f.name == wanted]
        if chosen:
            candidates = chosen
    if not candidates:
        shx_or_dbf = [f for f in files if f.suffix.lower() in (".shx", ".dbf")]
        if shx_or_dbf:
            raise IngestError("the archive has shapefile parts but no .shp file")
        raise IngestError("the archive holds no GIS file (GeoPackage, shapefile, GeoJSON, ...)")
    if len(candidates) > 1:
        names = ", ".join(sorted(f.name for f in candidates))
        raise IngestError(f"the archive holds several datasets ({names}): name one with --sheet")
    found = candidates[0]
    if found.suffix.lower() == ".shp":
        check_shapefile_parts(found)
    return found


def prepare_input(
    path: Path, workdir: Path, wanted: str | None = None, max_bytes: int | None = None
) -> Path:
    """Check an input file (``max_bytes``: the upload limit unless given) and return the dataset
    to read (unpacking a zip into ``workdir``)."""
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    check_size(path, max_bytes)
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        if path.suffix.lower() in (".gpkg", ".tif", ".tiff"):
            return path
        files = unpack_zip(path, workdir)
        return find_dataset(files, wanted)
    if path.suffix.lower() == ".shp":
        check_shapefile_parts(path)
    return path
