"""Safe handling of uploaded files: size limit, zip unpacking without path escapes, symlinks or
bombs, and finding the dataset inside an archive (a shapefile with all its parts)."""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext

from geoportal.language import number_text
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
        raise IngestError(gettext("%(file)s: the file is empty") % {"file": path.name})
    if size > limit:
        raise IngestError(
            gettext("%(file)s: %(size)s MB is over the %(limit)s MB upload limit")
            % {
                "file": path.name,
                "size": number_text(size / 2**20, 1),
                "limit": number_text(limit / 2**20),
            }
        )


def _safe_member_path(name: str, dest: Path) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise IngestError(
            gettext("the archive holds a path that escapes the upload folder: %(name)r")
            % {"name": name}
        )
    target = (dest / pure).resolve()
    if dest.resolve() not in target.parents:
        raise IngestError(
            gettext("the archive holds a path that escapes the upload folder: %(name)r")
            % {"name": name}
        )
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
        raise IngestError(
            gettext("%(file)s: not a readable zip archive (%(error)s)")
            % {"file": archive.name, "error": exc}
        ) from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if not members:
            raise IngestError(gettext("%(file)s: the archive is empty") % {"file": archive.name})
        if len(members) > option("MAX_ZIP_MEMBERS"):
            raise IngestError(
                gettext("%(file)s: too many files in the archive (%(count)s)")
                % {"file": archive.name, "count": len(members)}
            )
        declared = sum(m.file_size for m in members)
        compressed = max(sum(m.compress_size for m in members), 1)
        if declared > max_total or declared / compressed > max_ratio:
            raise IngestError(
                gettext(
                    "%(file)s: the archive would expand to %(size)s MB, "
                    "far beyond its size: refused as a zip bomb"
                )
                % {"file": archive.name, "size": f"{declared / 2**20:.0f}"}
            )
        written: list[Path] = []
        total = 0
        for m in members:
            if stat.S_ISLNK(m.external_attr >> 16):
                raise IngestError(
                    gettext("%(file)s: symbolic links are not accepted (%(member)s)")
                    % {"file": archive.name, "member": m.filename}
                )
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
                                gettext(
                                    "%(file)s: %(member)s expands far beyond its size: "
                                    "refused as a zip bomb"
                                )
                                % {"file": archive.name, "member": m.filename}
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise IngestError(
                    gettext("%(file)s: corrupt archive (%(error)s)")
                    % {"file": archive.name, "error": exc}
                ) from None
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
                gettext(
                    "the shapefile %(file)s has no %(ext)s file (%(what)s): send the .shp with "
                    "its .shx, .dbf, .prj and .cpg files in one zip"
                )
                % {"file": shp.name, "ext": ext, "what": what}
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
            raise IngestError(gettext("the archive has shapefile parts but no .shp file"))
        raise IngestError(
            gettext("the archive holds no GIS file (GeoPackage, shapefile, GeoJSON, ...)")
        )
    if len(candidates) > 1:
        names = ", ".join(sorted(f.name for f in candidates))
        raise IngestError(
            gettext("the archive holds several datasets (%(names)s): name one with --sheet")
            % {"names": names}
        )
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
        raise IngestError(gettext("%(file)s: no such file") % {"file": path})
    check_size(path, max_bytes)
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        if path.suffix.lower() in (".gpkg", ".tif", ".tiff"):
            return path
        files = unpack_zip(path, workdir)
        return find_dataset(files, wanted)
    if path.suffix.lower() == ".shp":
        check_shapefile_parts(path)
    return path
