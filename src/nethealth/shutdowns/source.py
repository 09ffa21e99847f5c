"""The shutdown tracker's source: the Access Now #KeepItOn STOP sheet, fetched from its export
(`nethealth fetch access-now`) or loaded from a file (`nethealth load access-now FILE`), then
imported into the tracker."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nethealth.common.cadence import Cadence
from nethealth.formats.stop_sheet import read_stop_sheet
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.shutdowns.fetch import fetch_and_import
from nethealth.shutdowns.importer import import_file
from nethealth.sources.base import (
    FetchRequest,
    LoadOptions,
    Prepared,
    Progress,
    Source,
    SourceInfo,
    check_request,
    stored,
)
from nethealth.sources.download import FetchReport
from nethealth.sources.load import Dated, simple

ACCESS_NOW = SourceInfo(
    id="access-now",
    title="Access Now #KeepItOn STOP dataset",
    publisher="Access Now (#KeepItOn coalition)",
    homepage="https://www.accessnow.org/keepiton-data/",
    licence="Reuse with attribution to Access Now",
    licence_url="https://www.accessnow.org/keepiton-data/",
    attribution="Shutdown records from Access Now's #KeepItOn STOP dataset.",
    description=(
        "Internet shutdowns worldwide since 2016: dates, country, area, type (shutdown, "
        "throttling, service blocking), networks and services affected, cause, official "
        "justification and sources."
    ),
)


def fetch_access_now(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`nethealth fetch access-now [--base-url EXPORT-URL]`: today's sheet, then imported."""
    check_request(req, "access-now", "--base-url")
    raw, _report = fetch_and_import(settings, url=req.base_url, progress=bar)
    return stored(raw)


def load_access_now(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """The #KeepItOn STOP sheet (CSV or XLSX): stored, then imported into the tracker."""
    out = []
    for path in paths:
        sheet = read_stop_sheet(path, lenient=opts.lenient)
        latest = max((r.start for r in sheet.rows), default=None)
        content = Dated(latest, False, f"its latest event start {latest}") if latest else None
        prepared = simple(path, path.name, content, opts, [f"{len(sheet.rows):,} events"])

        def after(settings: Settings, raw: RawFile) -> list[str]:
            report = import_file(settings, raw.path, actor="load", snapshot=raw.provenance.snapshot,
                                 lenient=opts.lenient)  # fmt: skip
            return ["shutdown tracker: " + line for line in report.lines()[2:]]

        prepared.after = after
        out.append(prepared)
    return out


# The sheet is edited as events are documented: read daily, expected to change within a month
SOURCES = (
    Source(ACCESS_NOW, fetch_access_now, load_access_now, cadence=Cadence(
        "as edited (checked daily)", 31, fetch_by="latest", routine=True)),
)  # fmt: skip
