"""The infrastructure area's sources: how each is fetched (`nethealth fetch SOURCE`) and loaded
(`nethealth load SOURCE FILE…`). The publishers' formats and layouts live in `nethealth.sources`."""

from __future__ import annotations

from nethealth.common.cadence import PACKAGED, Cadence, Retention
from nethealth.errors import ConfigError
from nethealth.formats.peeringdb import OBJECTS
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import (
    asnames,
    atlas_anchors,
    countries,
    hegemony,
    ipdb,
    manrs_ixps,
    peeringdb,
    rir,
    tranco,
)
from nethealth.sources.base import FetchRequest, Progress, Source, check_request, stored
from nethealth.sources.download import FetchReport
from nethealth.sources.load import load_ipdb, load_rir


def fetch_ipdb(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    check_request(req, ipdb.SOURCE_ID, "--base-url")
    return stored(*ipdb.fetch(settings, store, base_url=req.base_url, progress=bar))


def fetch_rir(settings: Settings, store: RawStore, req: FetchRequest, bar: Progress) -> FetchReport:
    check_request(req, rir.SOURCE_ID, "--date", "--base-url", "--part")
    if req.base_url is not None:
        base = req.base_url.rstrip("/")
        settings = settings.model_copy(
            update={"rir_base_urls": {r: f"{base}/{r}" for r in rir.RIRS}}
        )
    unknown = sorted(set(req.parts) - set(rir.RIRS))
    if unknown:
        raise ConfigError(
            f"unknown RIR(s): {', '.join(unknown)}", hint=f"choose {', '.join(rir.RIRS)}"
        )
    return rir.fetch_report(settings, store, day=req.day, rirs=req.parts or rir.RIRS, progress=bar,
                            strict=req.strict)  # fmt: skip


def fetch_peeringdb(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    check_request(req, peeringdb.SOURCE_ID, "--date", "--base-url", "--object")
    if req.base_url is not None:
        key = "peeringdb_archive_base_url" if req.day else "peeringdb_base_url"
        settings = settings.model_copy(update={key: req.base_url})
    if req.day is not None and req.objects:
        raise ConfigError("--object is for the live API; an archive day holds every object",
                          hint="leave out --date or --object")  # fmt: skip
    return peeringdb.fetch_report(settings, store, day=req.day, progress=bar, strict=req.strict,
                                  objects=req.objects or OBJECTS)  # fmt: skip


def fetch_tranco(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    check_request(req, tranco.SOURCE_ID, "--base-url")
    return stored(tranco.fetch(settings, store, base_url=req.base_url, progress=bar))


def fetch_asnames(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    check_request(req, asnames.SOURCE_ID, "--base-url")
    return stored(asnames.fetch(settings, store, base_url=req.base_url, progress=bar))


def fetch_hegemony(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    check_request(req, hegemony.SOURCE_ID, "--date", "--to", "--base-url")
    if req.day is None:
        raise ConfigError(f"{hegemony.SOURCE_ID} needs --date", hint="e.g. --date 2023-08-01")
    return hegemony.fetch(settings, store, first=req.day, last=req.to or req.day,
                          base_url=req.base_url, strict=req.strict, progress=bar)  # fmt: skip


def fetch_atlas_anchors(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    check_request(req, atlas_anchors.SOURCE_ID, "--base-url")
    return stored(*atlas_anchors.fetch(settings, store, base_url=req.base_url, progress=bar))


def fetch_manrs_ixps(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    check_request(req, manrs_ixps.SOURCE_ID, "--base-url")
    if req.base_url is None:
        raise ConfigError("manrs-ixps needs --base-url: MANRS publishes no file of its IXP "
                          "participants", hint="give the URL of the CSV you keep, or `nethealth "
                          "load manrs-ixps FILE --date D` (docs/methodology/ixps.md)")  # fmt: skip
    return stored(manrs_ixps.fetch(settings, store, url=req.base_url, progress=bar))


# How often each publisher publishes (nethealth.common.cadence): staleness, plausible sizes,
# what `nethealth update` fetches and what `nethealth prune` keeps.
DAILY_LATEST = Cadence("daily", 1, lag_days=1, fetch_by="latest", routine=True)
SOURCES = (
    Source(countries.INFO, cadence=PACKAGED),  # from installed packages: nothing to fetch or load
    Source(countries.WORLD_ATLAS, cadence=PACKAGED),
    # ~41 MB a day: two weeks of dailies, then one a month
    Source(ipdb.INFO, fetch_ipdb, load_ipdb, cadence=Cadence(
        "daily (npm versions dated YYYYMMDD)", 1, lag_days=1, fetch_by="latest", routine=True,
        retention=Retention(daily=14))),
    # the registries' -latest files, dated by their headers
    Source(rir.INFO, fetch_rir, load_rir, cadence=DAILY_LATEST),
    Source(peeringdb.INFO, fetch_peeringdb, peeringdb.load, cadence=Cadence(
        "daily (live API; CAIDA archives a dump a day)", 1, fetch_by="latest", routine=True)),
    Source(tranco.SOURCE, fetch_tranco, tranco.load, cadence=DAILY_LATEST),
    Source(asnames.SOURCE, fetch_asnames, asnames.load, cadence=DAILY_LATEST),
    # a file per day, some hundred MB: not fetched unless the operator names it
    Source(hegemony.SOURCE, fetch_hegemony, hegemony.load, cadence=Cadence(
        "daily", 1, lag_days=1, fetch_by="day", retention=Retention(daily=7))),
    # the API's current list; anchors come and go a few a month
    Source(atlas_anchors.SOURCE, fetch_atlas_anchors, atlas_anchors.load, cadence=Cadence(
        "as changed (current list; fetched monthly)", 31, fetch_by="latest")),
    # transcribed by the operator from manrs.org when MANRS updates its participant page
    Source(manrs_ixps.SOURCE, fetch_manrs_ixps, manrs_ixps.load, cadence=Cadence(
        "as transcribed by the operator", 92, fetch_by="latest")),
)  # fmt: skip
