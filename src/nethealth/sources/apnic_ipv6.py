"""APNIC Labs per-economy IPv6 capability (source `apnic-ipv6`) into the dataset `apnic_ipv6`.

Layout (https://data1.labs.apnic.net/ipv6-data-format.html): one JSON time series per economy,
`<base>/v6stats/v6economy/<CC>.json`. `nethealth fetch apnic-ipv6` downloads every ISO 3166
economy (or those named with `--part CC`), each stored under the day of its last measurement;
an economy APNIC does not publish is reported missing. `nethealth load apnic-ipv6 FILE…` stores
such files (the country from the records, dated by their last day). Re-use with attribution
("(C) APNIC Pty/Ltd. re-use with attribution permitted").

The dataset keeps one row per (country, day): when several stored files cover a day, the file
of the latest snapshot wins (APNIC revises recent days as samples arrive).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pycountry

from nethealth.errors import ConfigError, InputError
from nethealth.formats.apnic_ipv6 import SCHEMA as DAY_SCHEMA
from nethealth.formats.apnic_ipv6 import parse_v6economy
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.common import today_utc
from nethealth.sources.download import FetchReport, fetch_or_skip, fetch_to_store, join_url
from nethealth.sources.load import Dated, decompressed, simple

SOURCE_ID = "apnic-ipv6"
DATASET = "apnic_ipv6"
DEFAULT_BASE_URL = "https://data1.labs.apnic.net"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="APNIC Labs IPv6 capability per economy",
    publisher="APNIC Labs",
    homepage="https://stats.labs.apnic.net/ipv6",
    licence="© APNIC Pty Ltd; re-use with attribution permitted",
    licence_url="https://data1.labs.apnic.net/ipv6-data-format.html",
    attribution="IPv6 capability measurements by APNIC Labs (stats.labs.apnic.net/ipv6).",
    description="Share of users (sampled by APNIC's ad-based measurement) able to fetch an "
    "IPv6-only object, per economy and day, 30-day moving average.",
)
SCHEMA = pa.schema([("snapshot", pa.date32()), *DAY_SCHEMA, ("simulated", pa.bool_())])
Progress = Callable[[str, int, int], None]


def economies() -> list[str]:
    return sorted(c.alpha_2 for c in pycountry.countries)


def path_of(cc: str) -> str:
    return f"v6stats/v6economy/{cc}.json"


def _check(codes: Sequence[str]) -> list[str]:
    known = set(economies())
    bad = [c for c in codes if c.upper() not in known]
    if bad:
        raise ConfigError(f"not ISO 3166-1 alpha-2 code(s): {', '.join(bad)}",
                          hint="e.g. --part KE --part BR")  # fmt: skip
    return [c.upper() for c in codes]


def _dated(path: Path, cc: str | None = None) -> str:
    """A stored file's snapshot: the day of its last measurement (else today)."""
    last = parse_v6economy(decompressed(path), path, cc).last_day
    return last.isoformat() if last else today_utc()


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    countries: Sequence[str] = (),
    base_url: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> FetchReport:
    """Each economy's JSON (every ISO 3166 economy unless `countries` are named)."""
    report = FetchReport()
    codes = _check(countries) if countries else economies()
    for n, cc in enumerate(codes):
        if progress is not None:
            progress(f"apnic-ipv6 {cc}", n, len(codes))
        url = join_url(base_url or DEFAULT_BASE_URL, path_of(cc))

        def one(url: str = url, cc: str = cc) -> RawFile:
            return fetch_to_store(
                store, source_id=SOURCE_ID, snapshot=lambda p: _dated(p, cc), name=f"{cc}.json",
                url=url, licence=SOURCE.licence, settings=settings, progress=progress,
            )  # fmt: skip

        fetch_or_skip(report, strict, one, url)
    return report


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """v6economy JSON files, named by their economy, dated by their last day."""
    out = []
    for path in paths:
        parsed = parse_v6economy(decompressed(path), path, opts.country)
        codes = sorted(set(parsed.table["cc"].to_pylist()))
        if len(codes) != 1:
            raise InputError(f"{len(codes)} economies in one file ({', '.join(codes) or 'none'})",
                             path=path, hint="give one v6economy/<CC>.json per economy")  # fmt: skip
        last = parsed.last_day
        content = Dated(last, True, f"last measured day {last}") if last else None
        notes = [f"{parsed.table.num_rows:,} days of {codes[0]}"]
        if parsed.skipped:
            notes.append(f"{parsed.skipped:,} days without samples left out")
        out.append(simple(path, f"{codes[0]}.json", content, opts, notes))
    return out


def build(ctx: StepContext) -> None:
    files = sorted(ctx.raw_files(SOURCE_ID), key=lambda f: f.provenance.snapshot)
    latest: dict[tuple[str, date], tuple[object, ...]] = {}  # the latest file wins
    skipped = 0
    for i, raw in enumerate(files):
        ctx.progress(f"apnic-ipv6 {raw.provenance.name}", i, len(files))
        cc = raw.provenance.name.split(".", 1)[0].upper()
        parsed = parse_v6economy(decompressed(raw.path), raw.path, cc)
        skipped += parsed.skipped
        snap = date.fromisoformat(raw.provenance.snapshot)
        for row in parsed.table.to_pylist():
            latest[(row["cc"], row["date"])] = (snap, row["date"], row["cc"], row["samples"],
                                                row["capable_pc"], row["preferred_pc"],
                                                raw.provenance.simulated)  # fmt: skip
    if skipped:
        ctx.note(f"{skipped:,} APNIC days without samples left out (not measured)")
    rows = [dict(zip(SCHEMA.names, latest[k], strict=True)) for k in sorted(latest)]
    ctx.write_dataset(DATASET, pa.Table.from_pylist(rows, schema=SCHEMA))


STEP = Step(
    id="apnic_ipv6",
    version="1",
    description="Parse APNIC Labs per-economy IPv6 series into apnic_ipv6",
    run=build,
    outputs=(DATASET,),
    sources=(SOURCE_ID,),
)
