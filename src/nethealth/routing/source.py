"""The routing area's sources: IRR route objects and CAIDA's AS relationships, each fetched
(`nethealth fetch irr|caida-asrel`) or loaded from local files (`nethealth load`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from nethealth.common.cadence import Cadence, Retention
from nethealth.errors import ConfigError
from nethealth.lake.raw import RawStore
from nethealth.routing import caida, irr
from nethealth.routing.relationships import read_caida
from nethealth.settings import Settings
from nethealth.sources.base import (
    FetchRequest,
    LoadOptions,
    Prepared,
    Progress,
    Source,
    check_request,
    stored,
)
from nethealth.sources.download import FetchReport
from nethealth.sources.load import load_irr, month_start, snapshot_of, suffix_of


def fetch_irr(settings: Settings, store: RawStore, req: FetchRequest, bar: Progress) -> FetchReport:
    """`nethealth fetch irr --date D [--part ripe] [--base-url URL]`: the databases' dumps."""
    check_request(req, irr.SOURCE_ID, "--date", "--base-url", "--part")
    if req.day is None:
        raise ConfigError("irr needs --date", hint="e.g. --date 2025-06-01")
    databases = req.parts or ("ripe",)
    bases = {db: req.base_url for db in databases} if req.base_url else None
    return stored(*irr.fetch(settings, store, day=req.day, databases=databases, base_urls=bases,
                             progress=bar))  # fmt: skip


def fetch_asrel(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`nethealth fetch caida-asrel --date YYYY-MM-01 [--base-url URL]`: the month's file."""
    check_request(req, caida.SOURCE_ID, "--date", "--base-url")
    if req.day is None:
        raise ConfigError("caida-asrel needs --date (the month's first day)",
                          hint="e.g. --date 2026-06-01")  # fmt: skip
    month = date(req.day.year, req.day.month, 1)
    return stored(caida.fetch(settings, store, month=month, base_url=req.base_url, progress=bar))


def load_caida_asrel(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """CAIDA serial-2 AS relationships: monthly, dated the 1st, named as CAIDA names them."""
    out = []
    for path in paths:
        rel = read_caida(path)
        snap, by, notes = snapshot_of(path, None, opts)
        first = month_start(snap)
        name = f"{first.replace('-', '')}.as-rel2.txt{suffix_of(path)}"
        out.append(Prepared(path, name, first, f"{by} (its month)",
                            [f"{rel.num_rows:,} AS relationships", *notes]))  # fmt: skip
    return out


SOURCES = (
    # daily database dumps, large: fetched by `nethealth update` only when named
    Source(irr.SOURCE, fetch_irr, load_irr, cadence=Cadence(
        "daily", 1, lag_days=1, fetch_by="day", retention=Retention(daily=7))),
    # monthly files dated the 1st, published some weeks later
    Source(caida.SOURCE, fetch_asrel, load_caida_asrel, cadence=Cadence(
        "monthly (dated the 1st, published weeks later)", 31, lag_days=31, fetch_by="month",
        routine=True, retention=Retention(daily=3))),
)  # fmt: skip
