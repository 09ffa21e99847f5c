"""Fetching a relying party's VRP export (rpki-client, routinator, …) into the raw store."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from nethealth.common.cadence import Cadence
from nethealth.errors import ConfigError
from nethealth.formats.compression import open_binary
from nethealth.lake.raw import RawFile, RawStore
from nethealth.rpki.config import RpkiConfig, rpki_config
from nethealth.settings import Settings
from nethealth.sources.base import (
    FetchRequest,
    Progress,
    Source,
    SourceInfo,
    check_request,
    stored,
)
from nethealth.sources.download import FetchReport, fetch_to_store
from nethealth.sources.load import load_rpki

SOURCE_ID = "rpki"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="RPKI validated ROA payloads (VRPs)",
    publisher="An RPKI relying party's export (default: the rpki-client project's console), "
    "validated from the five RIRs' RPKI repositories",
    homepage="https://www.rpki-client.org/",
    licence="RIR RPKI repository terms (e.g. ARIN's Relying Party Agreement)",
    licence_url="https://www.arin.net/resources/manage/rpki/rpa.pdf",
    attribution="RPKI data of AFRINIC, APNIC, ARIN, LACNIC and RIPE NCC, validated by "
    "rpki-client (or the configured relying party).",
    description="Validated ROA payloads: (prefix, maxLength, origin AS, trust anchor) tuples "
    "that route origin validation (RFC 6811) checks BGP routes against.",
)
# The time a document says it was made, looked for in its first bytes (metadata comes first).
_STAMP = re.compile(
    rb'"(?:buildtime|generatedTime)"\s*:\s*"(\d{4}-\d{2}-\d{2})T|"generated"\s*:\s*(\d{9,11})\b'
)
HEAD_BYTES = 1 << 16


def export_name(url: str) -> str:
    """The raw file name: the last path segment of the URL (stable across days)."""
    name = Path(unquote(urlparse(url).path)).name
    return name or "vrps"


def snapshot_of(path: Path) -> str:
    """The day the export was generated, from its metadata; today (UTC) if it does not say."""
    with open_binary(path) as fh:
        head = fh.read(HEAD_BYTES)
    m = _STAMP.search(head)
    if m is None:
        return datetime.now(UTC).date().isoformat()
    if m.group(1):
        return m.group(1).decode()
    return datetime.fromtimestamp(int(m.group(2)), UTC).date().isoformat()


def archive_url(config: RpkiConfig, day: date) -> str:
    """The dated export's URL from the archive template ({y} {m} {d} {ymd})."""
    template = config.vrp_archive_url
    if not template or not any(f"{{{k}}}" in template for k in ("y", "m", "d", "ymd")):
        raise ConfigError(
            "no archive URL template for dated VRP exports",
            hint="set NETHEALTH_RPKI_VRP_ARCHIVE_URL, e.g. https://mirror/rpki/{ymd}/vrps.json",
        )
    return template.format(y=f"{day:%Y}", m=f"{day:%m}", d=f"{day:%d}", ymd=f"{day:%Y%m%d}")


def fetch(
    settings: Settings,
    store: RawStore,
    config: RpkiConfig,
    *,
    day: date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RawFile:
    """Download the latest export (or the one of `day` from the archive) into
    raw/rpki/<day>/<name>; the day of the latest one is the day it says it was generated."""
    url = config.vrp_url if day is None else archive_url(config, day)
    return fetch_to_store(
        store,
        source_id=SOURCE_ID,
        snapshot=snapshot_of if day is None else day.isoformat(),
        name=export_name(url),
        url=url,
        licence=SOURCE.licence,
        settings=settings,
        progress=progress,
    )


def fetch_request(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`nethealth fetch rpki [--base-url EXPORT] [--date D]`: the latest export (or a mirror's),
    or the export of day D from the archive."""
    check_request(req, SOURCE_ID, "--date", "--base-url")
    config = rpki_config(settings, vrp_url=req.base_url)
    return stored(fetch(settings, store, config, day=req.day, progress=bar))


# Relying parties re-validate every few minutes; one export a day is what the steps use
SOURCES = (
    Source(SOURCE, fetch_request, load_rpki, cadence=Cadence(
        "continuously (one export a day kept)", 1, fetch_by="latest", routine=True)),
)  # fmt: skip
