"""Downloading raw files from publishers: http(s) with resume, or file:// for local mirrors.

A download lands in a `.part` file beside its destination and only becomes a raw file (with its
provenance sidecar) once complete, so an interrupted fetch never leaves a half file in the lake.
Downloads are conditional (ETag / Last-Modified of the stored copy): a file the publisher has not
changed is not downloaded again.
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
from nethealth.lake.raw import Provenance, RawFile, RawStore, provenance_of
from nethealth.lake.storage import sha256_file
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
    """A completed download, not yet stored (or, `not_modified`, none: the stored copy is
    current)."""

    path: Path
    upstream_modified: datetime | None
    simulated: bool
    etag: str | None = None
    not_modified: bool = False


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


def _meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _part_validators(part: Path) -> dict[str, str]:
    """The validators of the response a `.part` file began with (for If-Range on resume)."""
    try:
        data = json.loads(_meta_path(part).read_text())
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in data.items() if k in ("etag", "last_modified") and v}


def _conditional(prev: Provenance | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the stored copy's validators (RFC 9110 13.1)."""
    headers: dict[str, str] = {}
    if prev is None:
        return headers
    if prev.etag:
        headers["If-None-Match"] = prev.etag
    if prev.upstream_modified:
        try:
            when = datetime.fromisoformat(prev.upstream_modified)
        except ValueError:
            return headers
        headers["If-Modified-Since"] = email.utils.format_datetime(
            when.astimezone(UTC), usegmt=True
        )
    return headers


def _fetch_http(
    url: str, part: Path, settings: Settings, progress: Progress, prev: Provenance | None = None
) -> Fetched:
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": settings.user_agent}
    if have:
        headers["Range"] = f"bytes={have}-"
        began = _part_validators(part)
        # only resume the same version of the file: else the server sends it whole (200)
        if began.get("etag") and not began["etag"].startswith("W/"):
            headers["If-Range"] = began["etag"]
        elif began.get("last_modified"):
            headers["If-Range"] = began["last_modified"]
    else:
        headers.update(_conditional(prev))
    try:
        with (
            httpx.Client(timeout=settings.http_timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as resp,
        ):
            etag = resp.headers.get("ETag") or _part_validators(part).get("etag")
            if resp.status_code == 304 and prev is not None and not have:
                return Fetched(part, _last_modified(resp), False, etag, not_modified=True)
            if resp.status_code == 416:  # already complete
                return Fetched(part, _last_modified(resp), False, etag)
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
            if not append:  # a new download: remember what it began with, for a resume
                meta = {"etag": resp.headers.get("ETag"),
                        "last_modified": resp.headers.get("Last-Modified")}  # fmt: skip
                _meta_path(part).write_text(json.dumps(meta))
            total = int(resp.headers.get("Content-Length", 0)) + (have if append else 0)
            done = have if append else 0
            with open(part, "ab" if append else "wb") as out:
                for chunk in resp.iter_bytes(1 << 16):
                    out.write(chunk)
                    done += len(chunk)
                    progress(url, done, total)
            return Fetched(part, _last_modified(resp), False, etag)
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


def _same_bytes(path: Path, prov: Provenance) -> bool:
    return path.stat().st_size == prov.size and sha256_file(path) == prov.sha256


PREVIOUS_SCAN = 40  # snapshot directories searched for the stored copy of a "latest" URL


def previous_copy(
    store: RawStore, source_id: str, name: str, url: str, snapshot: str | None
) -> RawFile | None:
    """The stored copy of `url` the next download may be conditional on: the file under the
    destination (when the snapshot is known), else the newest snapshot holding a file of that
    name (a publisher's "latest" file, stored under the day it was fetched or the date it
    states). None when that copy came from elsewhere or its bytes are gone."""
    base = store.root / source_id
    if not base.is_dir():
        return None
    dirs = [base / snapshot] if snapshot else []
    dirs += sorted((d for d in base.iterdir() if d.is_dir() and not d.name.startswith(".")),
                   reverse=True)[:PREVIOUS_SCAN]  # fmt: skip
    for d in dirs:
        found = provenance_of(d / name)
        if found is None or not (d / name).is_file():
            continue
        return RawFile(d / name, found) if found.url == url else None
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
    Over http(s) the request is conditional on the stored copy of the same URL (its ETag and
    Last-Modified): when the publisher answers "not modified" nothing is downloaded and the
    stored copy is returned (`downloaded` False) — recorded under the new snapshot, as a hard
    link, when the snapshot is the day of the fetch. An interrupted download resumes (Range,
    with If-Range so that a file changed meanwhile is fetched whole).
    """
    incoming = store.root / ".incoming" / source_id
    incoming.mkdir(parents=True, exist_ok=True)
    part = incoming / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
    scheme = urlparse(url).scheme
    prev: RawFile | None = None
    if scheme == "file":
        got = _fetch_file(url, part)
    elif scheme in ("http", "https"):
        known = snapshot if isinstance(snapshot, str) else None
        prev = previous_copy(store, source_id, name, url, known)
        got = _fetch_http(url, part, settings, progress or _no_progress,
                          prev.provenance if prev else None)  # fmt: skip
    else:
        raise FetchError(f"unsupported URL scheme {scheme!r}", url=url, hint="use http(s) or file")
    if got.not_modified and prev is not None:
        snap = snapshot if isinstance(snapshot, str) else prev.provenance.snapshot
        if snap == prev.provenance.snapshot:
            return prev
        return store.link_file(prev, snap)
    try:
        snap = snapshot(got.path) if callable(snapshot) else snapshot
    except Exception:
        got.path.unlink(missing_ok=True)  # a file we cannot date is not kept for resuming
        _meta_path(got.path).unlink(missing_ok=True)
        raise
    _meta_path(got.path).unlink(missing_ok=True)
    same = store.path_for(source_id, snap, name)
    old = provenance_of(same)
    if old is not None and same.is_file() and old.url == url and _same_bytes(got.path, old):
        got.path.unlink()  # the same bytes again (a publisher without validators): keep the copy
        return RawFile(same, old, downloaded=True)
    if prev is not None and prev.path != same and _same_bytes(got.path, prev.provenance):
        got.path.unlink()  # unchanged since the last snapshot: the new one links to its bytes
        linked = store.link_file(prev, snap)
        return RawFile(linked.path, linked.provenance, downloaded=True)
    return store.store_file(
        source_id,
        snap,
        name,
        got.path,
        url=url,
        licence=licence,
        upstream_modified=got.upstream_modified,
        simulated=got.simulated if simulated is None else simulated,
        etag=got.etag,
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
