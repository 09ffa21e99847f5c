"""RIPE RIS and RouteViews, the two public route-collector projects: who publishes what under
which licence (`RIS`, `ROUTEVIEWS`), their collectors and peers, their archive layouts and dump
schedules, and the download of dumps into the raw store. Publisher knowledge: the bgp, routing
and outages areas import it; it imports no area.

Layouts (base URLs are `Settings.ris_base_url` / `routeviews_base_url`, or a `base_url`
argument, so a mirror or `file://` works the same):

- RIS:        {base}/{rrcNN}/{YYYY.MM}/bview.{YYYYMMDD}.{HHMM}.gz    RIBs every 8 h (00, 08, 16)
              {base}/{rrcNN}/{YYYY.MM}/updates.{YYYYMMDD}.{HHMM}.gz  updates every 5 min
- RouteViews: {base}/{dir}/bgpdata/{YYYY.MM}/RIBS/rib.{YYYYMMDD}.{HHMM}.bz2        every 2 h
              {base}/{dir}/bgpdata/{YYYY.MM}/UPDATES/updates.{YYYYMMDD}.{HHMM}.bz2 every 15 min
              where {dir} is the collector (route-views.linx, ...) and route-views2, the
              original collector, sits at the archive root ({base}/bgpdata/...).

Downloads go through `fetch_to_store` (resumable `.part` files, provenance with SHA-256). Neither
archive publishes per-file digests in these layouts; when a digest is known (e.g. from a mirror's
manifest) pass it and the file is checked before it is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from nethealth.errors import FetchError, InputError
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import SourceInfo
from nethealth.sources.download import fetch_to_store, join_url

RIS = SourceInfo(
    id="bgp-ris",
    title="RIPE RIS BGP dumps (MRT)",
    publisher="RIPE NCC Routing Information Service (route collectors rrc00-rrc26)",
    homepage="https://www.ripe.net/analyse/internet-measurements/routing-information-service-ris/",
    licence="RIPE NCC RIS data: free to use with attribution to the RIPE NCC",
    licence_url="https://www.ripe.net/analyse/internet-measurements/routing-information-service-ris/",
    attribution="BGP data from the RIPE NCC Routing Information Service (RIS).",
    description="RIB dumps (every 8 hours) and BGP updates (every 5 minutes) of the RIS route "
    "collectors, in MRT format (RFC 6396).",
)
ROUTEVIEWS = SourceInfo(
    id="bgp-routeviews",
    title="RouteViews BGP dumps (MRT)",
    publisher="University of Oregon Route Views Project",
    homepage="https://www.routeviews.org/routeviews/",
    licence="University of Oregon Route Views Project: free to use with attribution",
    licence_url="https://www.routeviews.org/routeviews/",
    attribution="BGP data from the University of Oregon Route Views Project.",
    description="RIB dumps (every 2 hours) and BGP updates (every 15 minutes) of the RouteViews "
    "collectors, in MRT format (RFC 6396).",
)

Project = Literal["ris", "routeviews"]
Kind = Literal["rib", "updates"]

SOURCE_IDS: dict[Project, str] = {"ris": RIS.id, "routeviews": ROUTEVIEWS.id}
LICENCES: dict[Project, str] = {"ris": RIS.licence, "routeviews": ROUTEVIEWS.licence}
INTERVALS: dict[tuple[Project, Kind], timedelta] = {
    ("ris", "rib"): timedelta(hours=8),
    ("ris", "updates"): timedelta(minutes=5),
    ("routeviews", "rib"): timedelta(hours=2),
    ("routeviews", "updates"): timedelta(minutes=15),
}
MAX_FILES = 50_000  # a date range asking for more is almost certainly a mistake


@dataclass(frozen=True)
class CollectorPeer:
    asn: int
    ip: str
    v4_prefixes: int
    v6_prefixes: int


@dataclass(frozen=True)
class Collector:
    project: Project
    name: str
    peers: tuple[CollectorPeer, ...] = field(default=(), compare=False)

    @property
    def archive_dir(self) -> str:
        """The collector's directory in its archive ('' for route-views2, at the root)."""
        if self.project == "routeviews" and self.name in ("route-views2", "route-views"):
            return ""
        return self.name

    @property
    def source_id(self) -> str:
        return SOURCE_IDS[self.project]


def routeviews_dir(host: str) -> str:
    """Archive directory of a RouteViews collector host name
    (route-views.linx.routeviews.org -> route-views.linx)."""
    return host.removesuffix(".routeviews.org")


def file_name(collector: Collector, kind: Kind, when: datetime) -> str:
    stamp = when.strftime("%Y%m%d.%H%M")
    if collector.project == "ris":
        return f"{'bview' if kind == 'rib' else 'updates'}.{stamp}.gz"
    return f"{'rib' if kind == 'rib' else 'updates'}.{stamp}.bz2"


def archive_url(base: str, collector: Collector, kind: Kind, when: datetime) -> str:
    """URL of one dump in the publisher's layout."""
    month = when.strftime("%Y.%m")
    name = file_name(collector, kind, when)
    if collector.project == "ris":
        return join_url(base, collector.name, month, name)
    sub = "RIBS" if kind == "rib" else "UPDATES"
    parts = [p for p in (collector.archive_dir, "bgpdata", month, sub, name) if p]
    return join_url(base, *parts)


def dump_times(project: Project, kind: Kind, start: datetime, end: datetime) -> list[datetime]:
    """Dump times in [start, end), aligned on the archive's interval (UTC)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InputError("start and end must be timezone-aware (UTC)", field="start/end")
    step = INTERVALS[(project, kind)]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    secs = step.total_seconds()
    first = epoch + timedelta(seconds=-(-(start - epoch).total_seconds() // secs) * secs)
    out = []
    t = first
    while t < end:
        out.append(t)
        if len(out) > MAX_FILES:
            raise InputError(
                f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} spans more than {MAX_FILES} "
                f"{kind} files",
                field="date range",
                hint="fetch a shorter range, or RIBs only",
            )
        t += step
    return out


def load_ris_collectors(path: Path) -> list[Collector]:
    """RIS collectors with their peers from a `{rrcNN: [{asn, ip, v4_prefix_count, ...}]}` JSON
    file (the form RIPE's collector/peer listing is exported in)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read collector list: {exc}", path=path) from exc
    out = []
    for name, peers in sorted(data.items()):
        rows = tuple(
            CollectorPeer(
                int(p["asn"]),
                str(p["ip"]),
                int(p.get("v4_prefix_count", 0)),
                int(p.get("v6_prefix_count", 0)),
            )
            for p in peers
        )
        out.append(Collector("ris", name, rows))
    return out


def load_routeviews_collectors(path: Path) -> list[Collector]:
    """RouteViews collectors and peers from the `|`-separated peer report
    (ROUTEVIEWS_COLLECTOR|AS_NUMBER|PEERING_ADDRESS|PREFIXES|...). The report gives one prefix
    count per session; it is counted as IPv4 or IPv6 by the session's address family."""
    peers: dict[str, list[CollectorPeer]] = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split("|")
        if header[:4] != ["ROUTEVIEWS_COLLECTOR", "AS_NUMBER", "PEERING_ADDRESS", "PREFIXES"]:
            raise InputError("not a RouteViews peer report", path=path, line=1)
        for lineno, line in enumerate(f, start=2):
            cols = line.rstrip("\n").split("|")
            if len(cols) < 4 or not cols[0]:
                continue
            try:
                asn, count = int(cols[1]), int(cols[3] or 0)
            except ValueError:
                raise InputError(
                    "AS number or prefix count is not a number", path=path, line=lineno
                ) from None
            v6 = ":" in cols[2]
            peers.setdefault(routeviews_dir(cols[0]), []).append(
                CollectorPeer(asn, cols[2], 0 if v6 else count, count if v6 else 0)
            )
    return [Collector("routeviews", name, tuple(p)) for name, p in sorted(peers.items())]


def full_feed_peers(
    collectors: Iterable[Collector], *, v4_min: int = 700_000, v6_min: int = 150_000
) -> list[tuple[str, CollectorPeer]]:
    """Peers sending (nearly) the full table, by advertised prefix counts (the usual thresholds
    for 2023: ~75% of ~950k IPv4 and ~190k IPv6 routes)."""
    return [
        (c.name, p)
        for c in collectors
        for p in c.peers
        if p.v4_prefixes >= v4_min or p.v6_prefixes >= v6_min
    ]


def _verify(path: Path, digest: str, url: str) -> None:
    algo = "md5" if len(digest) == 32 else "sha256"
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != digest.lower():
        raise FetchError(
            f"{algo} {h.hexdigest()} differs from the published {digest}",
            url=url,
            hint="the download is corrupt or the archive changed; fetch it again",
        )


def fetch_dumps(
    settings: Settings,
    store: RawStore,
    collectors: Sequence[Collector],
    kind: Kind,
    start: datetime,
    end: datetime,
    *,
    base_url: str | None = None,
    checksums: dict[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    skip_missing: bool = False,
) -> list[RawFile]:
    """Download the RIB or UPDATES dumps of `collectors` in [start, end) into the raw store.

    Files already stored are not downloaded again; an interrupted download resumes. With
    `skip_missing`, dumps the archive does not have (HTTP 404 or an absent file in a file://
    mirror: collector outages) are skipped.
    """
    out: list[RawFile] = []
    for c in collectors:
        base = base_url or (
            settings.ris_base_url if c.project == "ris" else settings.routeviews_base_url
        )
        have = {rf.provenance.url: rf for rf in store.files(c.source_id)}
        for when in dump_times(c.project, kind, start, end):
            url = archive_url(base, c, kind, when)
            if url in have:
                out.append(have[url])
                continue
            try:
                raw = fetch_to_store(
                    store,
                    source_id=c.source_id,
                    snapshot=when.strftime("%Y-%m-%d"),
                    name=f"{c.name}.{file_name(c, kind, when)}",
                    url=url,
                    licence=LICENCES[c.project],
                    settings=settings,
                    progress=progress,
                )
            except FetchError as exc:
                if skip_missing and exc.missing:
                    continue
                raise
            digest = (checksums or {}).get(url)
            if digest:
                try:
                    _verify(raw.path, digest, url)
                except FetchError:
                    raw.path.unlink(missing_ok=True)
                    raise
            out.append(raw)
    return out
