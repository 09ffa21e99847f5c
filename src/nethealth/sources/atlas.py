"""RIPE Atlas: the hourly daily-dump files of public ping and traceroute results, and the
daily probe archive (probe id, ASN, country, status), in the publisher's layout:

- dumps:  {atlas_dumps_base_url}/{YYYY-MM-DD}/{ping,traceroute}-{YYYY-MM-DD}T{HH}00.bz2
- probes: {atlas_probes_base_url}/{YYYY}/{MM}/{YYYYMMDD}.json.bz2

Raw source `atlas`: dumps keep their names, probe archives are stored as
`probes-YYYYMMDD.json.bz2`; snapshot = the file's day; provenance as for every source.
The archive has gaps (hours without a dump); those are reported, not fatal (unless strict), so
the detector sees missing bins instead of a failed fetch.

`load` takes any local result file (a daily dump, an API download as NDJSON or a JSON array,
any firmware) or probe archive, whatever its name: results are dated by their earliest result,
probe archives by their newest probe connection (a lower bound) or --date.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from nethealth.errors import ConfigError, InputError
from nethealth.formats import atlas as fmt
from nethealth.formats.compression import open_binary
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.download import FetchReport, fetch_or_skip, fetch_to_store, join_url
from nethealth.sources.load import Dated, simple, suffix_of, when

SOURCE_ID = "atlas"
KINDS = ("ping", "traceroute")
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="RIPE Atlas daily dumps and probe archive",
    publisher="RIPE NCC (RIPE Atlas)",
    homepage="https://atlas.ripe.net/",
    licence="RIPE Atlas data: RIPE NCC terms of use, attribution required",
    licence_url="https://www.ripe.net/about-us/legal/ripe-atlas-terms-and-conditions/",
    attribution="Measurement data from RIPE Atlas (RIPE NCC).",
    description="Hourly dumps of all public ping and traceroute results, and the daily archive "
    "of probes with their AS numbers, countries and status.",
)
Progress = Callable[[str, int, int], None]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def dump_paths(first: date, last: date, kinds: Sequence[str] = KINDS) -> list[str]:
    """Every hourly dump of the days `first`..`last`, relative to the dumps base URL."""
    t = datetime(first.year, first.month, first.day, tzinfo=UTC)
    stop = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    out: list[str] = []
    while t < stop:
        out += [f"{t:%Y-%m-%d}/{k}-{t:%Y-%m-%d}T{t:%H}00.bz2" for k in kinds]
        t += timedelta(hours=1)
    return out


def probe_path(day: date) -> str:
    return f"{day:%Y/%m/%Y%m%d}.json.bz2"


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    first: date,
    last: date,
    kinds: Sequence[str] = KINDS,
    progress: Progress | None = None,
    strict: bool = False,
) -> FetchReport:
    """Fetch the dumps and the probe archives of the days `first`..`last` (files already
    stored are not fetched again). Hours the archive lacks are reported as missing, or raised
    when `strict`."""
    if last < first:
        raise ConfigError("the last day is before the first", hint="give --to on or after --from")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ConfigError(f"unknown Atlas dump kind(s) {unknown}", hint="choose ping, traceroute")
    jobs = [
        (join_url(settings.atlas_dumps_base_url, rel), rel.rsplit("/", 1)[-1], rel[:10])
        for rel in dump_paths(first, last, kinds)
    ]
    jobs += [
        (
            join_url(settings.atlas_probes_base_url, probe_path(d)),
            f"probes-{d:%Y%m%d}.json.bz2",
            d.isoformat(),
        )
        for d in _days(first, last)
    ]
    have = {f.provenance.url: f for f in store.files(SOURCE_ID)}
    report = FetchReport()
    for i, (url, name, day) in enumerate(jobs):
        if progress is not None:
            progress("fetch atlas", i, len(jobs))
        if url in have:
            report.stored.append(have[url])
            continue

        def one(url: str = url, name: str = name, day: str = day) -> RawFile:
            return fetch_to_store(store, source_id=SOURCE_ID, snapshot=day, name=name, url=url,
                                  licence=SOURCE.licence, settings=settings)  # fmt: skip

        fetch_or_skip(report, strict, one, url)
    if progress is not None:
        progress("fetch atlas", len(jobs), len(jobs))
    return report


__all__ = ["SOURCE", "SOURCE_ID", "FetchReport", "dump_paths", "fetch", "load", "probe_path"]
_DUMP_NAME = re.compile(r"^(ping|traceroute)-\d{4}-\d{2}-\d{2}T\d{2}00(?:\.|$)")


def _is_probe_archive(path: Path) -> bool:
    """Results come one JSON document per line (or as one array of results); a probe archive
    is one document with a list of probes. Decided by the content, not the name."""
    try:
        with open_binary(path) as fh:
            head = fh.read(1 << 16)
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(f"cannot read: {exc}", path=path, hint="the file is damaged") from None
    text = head.decode("utf-8", "replace").lstrip()
    if text[:1] not in ("{", "["):
        raise InputError("not RIPE Atlas results nor a probe archive (not JSON)", path=path,
                         line=1, hint="results are one JSON document per line")  # fmt: skip
    try:
        first: object = json.loads(text.split("\n", 1)[0])
    except json.JSONDecodeError:
        first = None  # one document over several lines (or longer than the head): read it whole
    if isinstance(first, dict):
        return "msm_id" not in first and fmt.probe_objects(first) is not None
    return fmt.probe_objects(fmt.load_document(path)) is not None


def _load_probes(path: Path, opts: LoadOptions) -> Prepared:
    doc = fmt.load_document(path)
    table = fmt.parse_probes(doc, path)
    newest = fmt.newest_probe_time(doc)
    content = (
        Dated(newest.date(), False, f"its newest probe connection {when(newest)}")
        if newest
        else None
    )
    prepared = simple(path, "", content, opts, [f"{table.num_rows:,} probes"])
    prepared.name = f"probes-{prepared.snapshot.replace('-', '')}.json{suffix_of(path)}"
    return prepared


def _load_results(path: Path, opts: LoadOptions) -> Prepared:
    rep = fmt.ParseReport(str(path))
    kinds: dict[str, int] = {}
    for table in fmt.iter_results(path, strict=not opts.lenient, report=rep):
        for k in table["type"].to_pylist():
            kinds[k] = kinds.get(k, 0) + 1
    if rep.first_time is None or rep.last_time is None:
        raise InputError("no RIPE Atlas results in the file", path=path,
                         hint="give result files (one JSON result per line) or a probe archive")  # fmt: skip
    first = datetime.fromtimestamp(rep.first_time, UTC)
    last = datetime.fromtimestamp(rep.last_time, UTC)
    notes = [f"results from {when(first)} to {when(last)}: " + (
        f"{rep.results:,} ping/traceroute results" if rep.results
        else "no ping or traceroute results, the only kinds the build reads")]  # fmt: skip
    if rep.other_kinds:
        other = ", ".join(f"{n:,} {k}" for k, n in sorted(rep.other_kinds.items()))
        notes.append(f"also {other} results, which the build does not read")
    if rep.skipped:
        notes.append(
            f"{rep.skipped:,} malformed lines skipped (--lenient); the build skips them too"
        )
    everything = {**rep.other_kinds, **kinds}
    kind = max(sorted(everything), key=lambda k: everything[k])
    if _DUMP_NAME.match(path.name):
        name = path.name
    elif kinds.keys() == {kind} and first.strftime("%Y%m%d%H") == last.strftime("%Y%m%d%H"):
        # one hour of one kind: the hour goes into the name, as in the hourly dumps', so the
        # detector knows the file's span; the given name follows, to keep names distinct
        name = f"{kind}-{first:%Y-%m-%dT%H}00--{path.name}"
    else:
        name = path.name if path.name.lower().startswith(kind) else f"{kind}-{path.name}"
    content = Dated(first.date(), True, f"its earliest result {when(first)}")
    return simple(path, name, content, opts, notes)


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """RIPE Atlas result files and probe archives, told apart by their content."""
    return [
        _load_probes(p, opts) if _is_probe_archive(p) else _load_results(p, opts) for p in paths
    ]
