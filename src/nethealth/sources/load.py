"""`nethealth load SOURCE FILE…`: local files of any source into the raw store, with provenance.

A loader (one plain function per source id, in LOADERS) parses every file it is given — a bad
file is an InputError naming the file and the record, and then nothing of the call is stored —
and says for each file the name to store it under (the publisher's naming, so the build steps
find it) and its snapshot date:

- the date the content states, when the format has one (MRT first record, delegated-file
  header, VRP export time, PeeringDB `meta.generated`, Atlas result times, the World Bank's
  "last updated" date); `--date` cannot override it (a disagreement is reported);
- else a lower bound the content gives (PeeringDB's newest `updated`, a probe archive's newest
  connection, a STOP sheet's latest event): `--date` when given (it may not be earlier), else
  the bound, said so;
- else `--date`; without it, an error saying to pass it.

Then each file is copied into raw/<source>/<snapshot>/<name> with its provenance (`file://` URL
of the absolute path, SHA-256, size). Bytes already stored for the source are not stored again.
"""

from __future__ import annotations

import lzma
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from nethealth.errors import ConfigError, InputError
from nethealth.formats import lz4
from nethealth.formats.compression import detect, read_bytes
from nethealth.lake.raw import PROV_SUFFIX, RawFile, RawStore
from nethealth.lake.storage import sha256_file
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, Source
from nethealth.sources.download import fetch_to_store

Progress = Callable[[str, int, int], None]
_SKIP = (PROV_SUFFIX, ".part", ".tmp")
_DOCS = re.compile(
    r"^(?:.*licen[cs]e.*|(?:copying|readme|notice|authors|changelog|modifications)(?:\.\w+)?"
    r"|package(?:-lock)?\.json"
    r"|.*\.(?:md|rst|pdf|html?|sig|asc|sha256|md5)|(?:md5|sha\d*)sums?(?:\.txt)?)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Dated:
    """A date the content gives: exact (the file says when it was made) or a lower bound."""

    day: date
    exact: bool
    what: str  # e.g. "first MRT record 2002-07-22 23:37:35 UTC"


@dataclass
class Loaded:
    path: Path
    raw: RawFile
    stored: bool  # False: the same bytes were already stored
    dated_by: str
    notes: list[str]


@dataclass
class LoadReport:
    source_id: str
    files: list[Loaded] = field(default_factory=list)
    left_out: list[Path] = field(default_factory=list)  # licence/readme files in a directory

    @property
    def stored(self) -> int:
        return sum(1 for f in self.files if f.stored)

    def lines(self) -> list[str]:
        out = []
        for f in self.files:
            p = f.raw.provenance
            where = f"raw/{p.source_id}/{p.snapshot}/{p.name}"
            if f.stored:
                out.append(f"{f.path}: stored as {where} ({p.size:,} bytes, sha256 "
                           f"{p.sha256[:12]}…); snapshot {p.snapshot} from {f.dated_by}")  # fmt: skip
            else:
                out.append(f"{f.path}: already stored as {where} (same sha256 {p.sha256[:12]}…)"
                           "; not stored again")  # fmt: skip
            out += [f"  {n}" for n in f.notes]
        out += [
            f"{p}: not data (licence, readme or checksum file), left out" for p in self.left_out
        ]
        out.append(
            f"{self.stored} of {len(self.files)} file(s) stored; run `nethealth build` to "
            "update the lake"
        )
        return out


# --- dates -----------------------------------------------------------------------------------


def when(ts: int | float | datetime) -> str:
    t = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def snapshot_of(path: Path, content: Dated | None, opts: LoadOptions) -> tuple[str, str, list[str]]:
    """(snapshot YYYY-MM-DD, what dated it, notes) by the rule in the module docstring."""
    if content is not None and content.exact:
        notes = []
        if opts.day is not None and opts.day != content.day:
            notes.append(f"--date {opts.day} not used: the file says {content.what}")
        return content.day.isoformat(), content.what, notes
    if content is not None:
        if opts.day is None:
            return content.day.isoformat(), (
                f"{content.what}, a lower bound: the data were taken on or after it (pass "
                "--date with the day they were taken if you know it)"), []  # fmt: skip
        if opts.day < content.day:
            raise InputError(
                f"--date {opts.day} is before {content.what}",
                path=path,
                hint="the data cannot be older than their newest record; check --date",
            )
        return opts.day.isoformat(), "--date", []
    if opts.day is None:
        raise InputError(
            "the file does not say when its data are from",
            path=path,
            hint="pass --date YYYY-MM-DD: the day the publisher produced the file",
        )
    return opts.day.isoformat(), "--date", []


def month_start(snapshot: str) -> str:
    """Monthly publishers date a month's file on its 1st."""
    return date.fromisoformat(snapshot).replace(day=1).isoformat()


def _is_lz4(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == lz4.MAGIC


def suffix_of(path: Path) -> str:
    """The compression suffix the content has (by magic bytes, not by name)."""
    if _is_lz4(path):
        return ".lz4"
    return {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz"}.get(detect(path), "")


def decompressed(path: Path) -> bytes:
    """The whole content of a plain, gzip, bzip2, xz or LZ4-frame file."""
    try:
        if _is_lz4(path):
            return lz4.decompress(path.read_bytes(), path)
        return read_bytes(path)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as exc:
        raise InputError(f"cannot decompress: {exc}", path=path,
                         hint="the file is damaged or truncated; download it again") from None  # fmt: skip


def simple(path: Path, name: str, content: Dated | None, opts: LoadOptions,
           notes: Iterable[str] = ()) -> Prepared:  # fmt: skip
    snap, by, more = snapshot_of(path, content, opts)
    return Prepared(path, name, snap, by, [*notes, *more])


# --- loaders of the sources whose parsers live elsewhere -----------------------------------


def load_ipdb(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """ip-location-db `-num.csv` files: kind (asn/country) and family from the content."""
    from nethealth.formats.iprange_csv import V4_MAX, parse_range_csv

    out = []
    for path in paths:
        data = decompressed(path)
        first = next((ln for ln in data.decode("utf-8", "replace").splitlines() if ln), "")
        cols = first.split(",")
        kind = "asn" if len(cols) >= 4 else "country"
        try:
            af = 4 if int(cols[1]) <= V4_MAX else 6
        except (IndexError, ValueError):
            raise InputError("not an ip-location-db numeric range CSV", path=path, line=1,
                             hint="give an `-num.csv` file (start,end,asn,name or start,end,cc)"
                             ) from None  # fmt: skip
        table = parse_range_csv(data, path, af=af, kind=kind)
        name = f"{'asn' if kind == 'asn' else 'asn-country'}-ipv{af}-num.csv"
        out.append(simple(path, name, None, opts, [f"{table.num_rows:,} IPv{af} {kind} ranges"]))
    return out


def load_rir(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """RIR delegated(-extended) files: the registry and the date from the header."""
    from nethealth.sources import rir

    out = []
    for path in paths:
        parsed = rir.read_file(path)
        registry = parsed.header.registry.lower()
        if registry not in rir.RIRS:
            raise InputError(
                f"registry {parsed.header.registry!r} is not one of the five RIRs",
                path=path,
                line=1,
                field="registry",
                hint="the build maps ASNs to countries with the RIRs' own files; IANA's file "
                "is not used",
            )
        day = rir.header_date(parsed.header, path)
        notes = [f"{len(parsed.records):,} records of {registry}"]
        problem = parsed.incomplete()
        if problem is not None and not opts.lenient:
            raise InputError(
                problem,
                path=path,
                hint="fetch the complete file; or pass --lenient to store it anyway (the build "
                "then reports its counts as not measured)",
            )
        if problem is not None:
            notes.append(f"stored with --lenient: {problem}; the build reports its counts as "
                         "not measured")  # fmt: skip
        out.append(simple(path, f"delegated-{registry}-extended",
                          Dated(day, True, f"the header's date {day}"), opts, notes))  # fmt: skip
    return out


def load_rpki(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """A relying party's VRP export (JSON or CSV): dated by the time it says it was made."""
    from nethealth.formats.vrp import read_vrps

    out = []
    for path in paths:
        doc = read_vrps(path)
        content = Dated(doc.generated.astimezone(UTC).date(), True,
                        f"its generation time {when(doc.generated)}") if doc.generated else None  # fmt: skip
        notes = [f"{doc.vrps.num_rows:,} VRPs ({doc.format})"]
        out.append(simple(path, path.name, content, opts, notes))
    return out


def load_irr(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """IRR dumps (RPSL); the build reads them leniently, so a bad object is counted here."""
    from nethealth.formats.rpsl import read_rpsl

    out = []
    for path in paths:
        got = read_rpsl(path, strict=False)
        if got.routes.num_rows == 0:
            raise InputError("no route or route6 objects", path=path,
                             hint="give an RPSL dump such as ripe.db.route.gz")  # fmt: skip
        notes = [f"{got.routes.num_rows:,} route objects"]
        if got.skipped:
            notes.append(f"{got.skipped:,} malformed objects will be skipped by the build")
        out.append(simple(path, path.name, None, opts, notes))
    return out


def load_dbip_city(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """DB-IP city lite: monthly, stored under the publisher's name for the month."""
    from nethealth.sources.dbip import read_regions

    out = []
    for path in paths:
        suffix = suffix_of(path)
        if suffix not in ("", ".gz"):
            raise InputError(f"{suffix} compression is not read here", path=path,
                             hint="give the .csv.gz DB-IP publishes, or the plain CSV")  # fmt: skip
        table, _report = read_regions(path, strict=True)
        snap, by, notes = snapshot_of(path, None, opts)
        month = date.fromisoformat(month_start(snap))
        name = f"dbip-city-lite-{month:%Y-%m}.csv{suffix}"
        out.append(Prepared(path, name, month.isoformat(), f"{by} (its month)",
                            [f"{table.num_rows:,} ranges", *notes]))  # fmt: skip
    return out


def _unique(prepared: Sequence[Prepared]) -> None:
    """Two files of one call may not land on the same stored name of the same snapshot."""
    seen: dict[tuple[str, str], Path] = {}
    for p in prepared:
        key = (p.snapshot, p.name)
        if key in seen and seen[key].resolve() != p.path.resolve():
            raise InputError(
                f"{seen[key]} and this file would both be stored as {p.snapshot}/{p.name}",
                path=p.path,
                hint="load files of one snapshot once each (e.g. one file per object or RIR)",
            )
        seen[key] = p.path


# --- the machinery ---------------------------------------------------------------------------


def _is_data(path: Path, root: Path) -> bool:
    """Whether a file found under a directory is data (not a hidden file, one of our sidecars,
    or the licence, readme and checksum files publishers put beside their data)."""
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return False
    return not (path.name.endswith(_SKIP) or _DOCS.match(path.name))


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(files to load, files left out): files as given, and the data files under a directory
    given (sorted). A path that does not exist is an error."""
    out: list[Path] = []
    left: list[Path] = []
    for p in paths:
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                (out if _is_data(f, p) else left).append(f)
        else:
            raise InputError("no such file or directory", path=p, hint="check the path")
    if not out:
        raise InputError("no files to load", hint="give files, or directories holding them")
    return out, left


def load_files(
    settings: Settings,
    source: Source,
    paths: Sequence[Path],
    opts: LoadOptions | None = None,
    *,
    progress: Progress | None = None,
) -> LoadReport:
    """Parse every file with the source's loader, then store each one not stored yet (see the
    module docstring)."""
    if source.load is None:
        raise ConfigError(f"{source.id} has no files to load: it comes with an installed package")
    source_id = source.id
    files, left = expand(paths)
    opts = opts or LoadOptions()
    prepared = source.load(files, opts)
    for p in prepared:
        p.name = safe_name(p.name)
    _unique(prepared)
    store = RawStore(settings.raw_dir)
    by_sha = {f.provenance.sha256: f for f in store.files(source_id)}
    licence = source.info.licence
    report = LoadReport(source_id, left_out=left)
    for i, p in enumerate(prepared):
        if progress is not None:
            progress(f"load {source_id}", i, len(prepared))
        sha = sha256_file(p.path)
        if sha in by_sha:
            report.files.append(Loaded(p.path, by_sha[sha], False, p.dated_by, p.notes))
            continue
        old = store.path_for(source_id, p.snapshot, p.name)
        notes = list(p.notes)
        if old.is_file():
            notes.append(f"replaced a different file stored under the same name (sha256 "
                         f"{sha256_file(old)[:12]}…)")  # fmt: skip
        raw = fetch_to_store(
            store, source_id=source_id, snapshot=p.snapshot, name=p.name,
            url=p.path.resolve().as_uri(), licence=licence, settings=settings,
        )  # fmt: skip
        if raw.provenance.sha256 != sha:
            raise InputError("the file changed while it was being loaded", path=p.path,
                             hint="load it again once it is complete")  # fmt: skip
        by_sha[sha] = raw
        if p.after is not None:
            notes += p.after(settings, raw)
        report.files.append(Loaded(p.path, raw, True, p.dated_by, notes))
    if progress is not None:
        progress(f"load {source_id}", len(prepared), len(prepared))
    return report


def safe_name(name: str) -> str:
    """A stored file name: the given name with anything but [A-Za-z0-9._+-] replaced by _."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name)
