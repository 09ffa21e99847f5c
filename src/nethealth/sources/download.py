"""Downloading raw files from publishers: http(s) with resume, or file:// for local mirrors.

A download lands in a `.part` file beside its destination and only becomes a raw file (with its
provenance sidecar) once complete, so an interrupted fetch never leaves a half file in the lake.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from nethealth.errors import FetchError
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings

Progress = Callable[[str, int, int], None]
SIM_MARKER = "sim.json"


@dataclass
class FetchReport:
    """What a fetch stored, and the files the publisher does not have (skipped, not fatal,
    unless the fetch was strict)."""

    stored: list[RawFile] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # URLs


@dataclass(frozen=True)
class Fetched:
    """A completed download, not yet stored."""

    path: Path
    upstream_modified: datetime | None
    simulated: bool


def _no_progress(_msg: str, _done: int, _total: int) -> None:
    return None


def join_url(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def _is_simulated(path: Path) -> bool:
    """Files under a directory written by nethealth's simulator carry its sim.json marker."""
    for parent in path.resolve().parents:
        marker = parent / SIM_MARKER
        if marker.is_file():
            try:
                return bool(json.loads(marker.read_text()).get("generator") == "nethealth.sim")
            except (OSError, json.JSONDecodeError):
                return False
    return False


def _fetch_file(url: str, part: Path) -> Fetched:
    src = Path(unquote(urlparse(url).path))
    if not src.is_file():
        raise FetchError(
            "no such file", url=url, hint="check the base URL and the date asked for", missing=True
        )
    shutil.copyfile(src, part)
    mtime = datetime.fromtimestamp(src.stat().st_mtime, UTC)
    return Fetched(part, mtime, _is_simulated(src))


def _fetch_http(url: str, part: Path, settings: Settings, progress: Progress) -> Fetched:
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": settings.user_agent}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        with (
            httpx.Client(timeout=settings.http_timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as resp,
        ):
            if resp.status_code == 416:  # already complete
                return Fetched(part, _last_modified(resp), False)
            if resp.status_code == 404:
                raise FetchError(
                    "not found (HTTP 404)",
                    url=url,
                    hint="the publisher may not have a file for that date; try another",
                    missing=True,
                )
            if resp.status_code not in (200, 206):
                raise FetchError(f"HTTP {resp.status_code}", url=url, hint="retry later")
            append = resp.status_code == 206
            total = int(resp.headers.get("Content-Length", 0)) + (have if append else 0)
            done = have if append else 0
            with open(part, "ab" if append else "wb") as out:
                for chunk in resp.iter_bytes(1 << 16):
                    out.write(chunk)
                    done += len(chunk)
                    progress(url, done, total)
            return Fetched(part, _last_modified(resp), False)
    except httpx.HTTPError as exc:
        raise FetchError(
            f"download failed: {exc}",
            url=url,
            hint="rerun the same command to resume; check the network and the base URL",
        ) from exc


def _last_modified(resp: httpx.Response) -> datetime | None:
    value = resp.headers.get("Last-Modified")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def fetch_to_store(
    store: RawStore,
    *,
    source_id: str,
    snapshot: str | Callable[[Path], str],
    name: str,
    url: str,
    licence: str,
    settings: Settings,
    progress: Progress | None = None,
    simulated: bool | None = None,
) -> RawFile:
    """Download `url` completely, then store it as raw/<source>/<snapshot>/<name> + provenance.

    `snapshot` may be a function of the downloaded file, for "latest" files that say their date.
    """
    incoming = store.root / ".incoming" / source_id
    incoming.mkdir(parents=True, exist_ok=True)
    part = incoming / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
    scheme = urlparse(url).scheme
    if scheme == "file":
        got = _fetch_file(url, part)
    elif scheme in ("http", "https"):
        got = _fetch_http(url, part, settings, progress or _no_progress)
    else:
        raise FetchError(f"unsupported URL scheme {scheme!r}", url=url, hint="use http(s) or file")
    try:
        snap = snapshot(got.path) if callable(snapshot) else snapshot
    except Exception:
        got.path.unlink(missing_ok=True)  # a file we cannot date is not kept for resuming
        raise
    return store.store_file(
        source_id,
        snap,
        name,
        got.path,
        url=url,
        licence=licence,
        upstream_modified=got.upstream_modified,
        simulated=got.simulated if simulated is None else simulated,
    )


def read_small(url: str, settings: Settings) -> bytes:
    """Read a small document (an index or package.json) fully into memory."""
    if urlparse(url).scheme == "file":
        path = Path(unquote(urlparse(url).path))
        if not path.is_file():
            raise FetchError("no such file", url=url, hint="check the base URL")
        return path.read_bytes()
    try:
        resp = httpx.get(
            url,
            headers={"User-Agent": settings.user_agent},
            timeout=settings.http_timeout,
            follow_redirects=True,
        )
    except httpx.HTTPError as exc:
        raise FetchError(f"download failed: {exc}", url=url, hint="check the base URL") from exc
    if resp.status_code != 200:
        raise FetchError(f"HTTP {resp.status_code}", url=url, hint="check the base URL")
    return resp.content


def fetch_or_skip(
    report: FetchReport, strict: bool, fetch: Callable[[], RawFile], url: str
) -> None:
    """Run one download into `report`: a file the publisher does not have (HTTP 404, an absent
    file:// file) is listed as missing, or raised when `strict`."""
    try:
        report.stored.append(fetch())
    except FetchError as exc:
        if strict or not exc.missing:
            raise
        report.missing.append(url)
