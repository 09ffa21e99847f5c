"""The response cache: the one place where answers are cached and their HTTP caching headers set.

Every answer of built data (pages, JSON twins, the API) is computed once per *data version* and
kept in process (an LRU bounded by bytes) and on disk under `<data>/cache/responses/<version>/`
(atomic writes; shared by the workers of `nethealth serve --workers N`; survives a restart).

The data version is a digest of the identity (inode, mtime, size) of the files a build, an
update or a curator replaces atomically when what the server answers changes (`data_files`:
the lake catalog, rewritten at the end of every build; the build state, after every step; the
lake's folder, whose mtime changes with every dataset renamed into it; the shutdown curation
log; the outage review log; the last `nethealth update` run's report and state), plus
nethealth's version, its code files and the settings. A new version makes every cached answer
stale at once; the disk directories of other versions are removed.

Some answers depend on the wall clock too (an outage is `ongoing` only while its data are
fresh; windows of "the last 12 months"), so an entry is also recomputed once its period
(`response_cache_seconds`, the clients' max-age; each key's periods offset by its own hash) has
passed: the old answer is served meanwhile and recomputed in the background, so readers never
wait for it while the data are unchanged. Its ETag (a digest of the bytes) and Last-Modified
(when those bytes were first computed) survive a recomputation that gives the same bytes.

What is cached: GET (and HEAD, answered as GET outside) answers 200, and 404 of a route that
matched (an unknown country: built data); never another error, never another method, never a
request with credentials, never the no-store routes (`NO_STORE`). The key is the path, the
query string, the negotiated language (`?lang`, cookie, Accept-Language) and a CSV Accept
header. Bodies are stored plain and gzipped once; the client's Accept-Encoding picks one.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import gzip
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nethealth import __version__ as nethealth_version
from nethealth.infrastructure.community_store import CommunityStore
from nethealth.lake.build import STATE_FILE
from nethealth.ops.report import LATEST as LATEST_RUN
from nethealth.ops.update import state_path as update_state_path
from nethealth.outages.review import LOG_NAME as REVIEW_LOG
from nethealth.outages.review import review_dir
from nethealth.settings import Settings
from nethealth.shutdowns.store import LOG_NAME as CURATION_LOG
from nethealth.shutdowns.store import store_dir
from nethealth.ui import i18n

log = logging.getLogger(__name__)

# Routes whose answers are never stored: liveness and freshness must be live; scans run on demand.
NO_STORE: tuple[str, ...] = ("/healthz", "/api/v1/status", "/api/v1/scan/", "/scan")
PASS: tuple[str, ...] = ("/static/",)  # StaticFiles sets its own ETag and Last-Modified
NO_STORE_VALUE = "no-store"
GZIP_MIN = 1024  # as the GZipMiddleware inside: smaller bodies are sent plain
# Headers the cache sets itself on every answer it serves.
_OWN = frozenset(
    {b"content-length", b"content-encoding", b"etag", b"last-modified", b"cache-control"}
)
_MAGIC = b"NHRC1"


def data_files(settings: Settings) -> list[Path]:
    """The files whose replacement changes what the server answers (see the module docstring);
    each is written atomically (a new inode) by its writer."""
    return [
        settings.catalog_path,
        settings.lake_dir / STATE_FILE,
        # the lake's folder itself: every dataset replaced in it (a rename) changes its mtime,
        # also those written outside a build (`nethealth outages detect`, `load-series`)
        settings.lake_dir,
        store_dir(settings) / CURATION_LOG,
        CommunityStore.for_settings(settings).path,  # curated communities
        review_dir(settings) / REVIEW_LOG,
        settings.runs_dir / LATEST_RUN,  # the about page's last `nethealth update`
        update_state_path(settings),  # … and when it last asked each publisher
    ]


class DataVersion:
    """The data version: a digest of the data files' identities and a salt (`settings_salt`).
    Costs one stat per file per call."""

    def __init__(self, files: Sequence[Path], salt: str) -> None:
        self.files = list(files)
        self.salt = salt

    def current(self) -> str:
        h = hashlib.sha256(self.salt.encode())
        for path in self.files:
            try:
                st = path.stat()
                h.update(f"{path.name}:{st.st_ino}:{st.st_mtime_ns}:{st.st_size};".encode())
            except FileNotFoundError:
                h.update(f"{path.name}:absent;".encode())
        return h.hexdigest()[:20]


def settings_salt(settings: Settings) -> str:
    """nethealth's version, its code and a digest of the settings: any changed, every entry is
    stale (an edited template in a source checkout must not be served from yesterday's disk)."""
    digest = hashlib.sha256(settings.model_dump_json().encode()).hexdigest()
    return f"{nethealth_version}:{code_stamp()}:{digest}"


def code_stamp() -> str:
    """A digest of the identity (path, size, mtime) of every file of the nethealth package:
    code, templates, catalogs, static files. Read once per process (a few hundred stats)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            with contextlib.suppress(OSError):
                st = os.stat(os.path.join(dirpath, name))
                h.update(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    """One cached answer: status, the route's headers, the body plain and gzipped."""

    key: str
    version: str
    period: int  # the clock period it was computed in (`ResponseCache.period`)
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    gzipped: bytes | None
    etag: str  # a digest of `body`
    last_modified: int  # Unix seconds: when these bytes were first computed

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + len(self.key) + 256

    def to_bytes(self) -> bytes:
        head = json.dumps(
            {
                "key": self.key,
                "version": self.version,
                "period": self.period,
                "status": self.status,
                "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in self.headers],
                "etag": self.etag,
                "last_modified": self.last_modified,
                "body": len(self.body),
                "gzipped": -1 if self.gzipped is None else len(self.gzipped),
            }
        ).encode()
        return _MAGIC + struct.pack(">I", len(head)) + head + self.body + (self.gzipped or b"")

    @classmethod
    def from_bytes(cls, data: bytes) -> Entry | None:
        """The entry, or None for anything but a whole entry (a torn or foreign file)."""
        try:
            if not data.startswith(_MAGIC):
                return None
            (n,) = struct.unpack(">I", data[5:9])
            head = json.loads(data[9 : 9 + n])
            start = 9 + n
            body = data[start : start + head["body"]]
            gz_len = head["gzipped"]
            if len(data) != start + head["body"] + max(gz_len, 0):
                return None
            gzipped = None if gz_len < 0 else data[start + head["body"] :]
            return cls(
                key=head["key"],
                version=head["version"],
                period=int(head["period"]),
                status=int(head["status"]),
                headers=tuple(
                    (n.encode("latin-1"), v.encode("latin-1")) for n, v in head["headers"]
                ),
                body=body,
                gzipped=gzipped,
                etag=head["etag"],
                last_modified=int(head["last_modified"]),
            )
        except (ValueError, KeyError, TypeError, struct.error):
            return None


class MemoryCache:
    """An LRU of entries bounded by their bytes (thread-safe: routes run in a thread pool)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
            return entry

    def put(self, entry: Entry) -> None:
        if entry.size > self.max_bytes // 4:  # one answer never evicts most of the others
            return
        with self._lock:
            old = self._items.pop(entry.key, None)
            if old is not None:
                self.bytes -= old.size
            self._items[entry.key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self.bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._items)


class DiskCache:
    """Entries as files under `root/<version>/`, written atomically (temp file + rename), so
    workers share them and a restart finds them. Bounded by `max_bytes` per version (counted by
    each process: several workers may together write up to N times that). Other versions'
    directories are removed when a new version is first seen."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._version: str | None = None
        self._written = 0
        self._lock = threading.Lock()

    def _path(self, version: str, key: str) -> Path:
        return self.root / version / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".entry")

    def _enter(self, version: str) -> None:
        with self._lock:
            if self._version == version:
                return
            self._version = version
            self._written = _bytes_under(self.root / version)
            if self.root.is_dir():
                for other in self.root.iterdir():
                    if other.is_dir() and other.name != version:
                        shutil.rmtree(other, ignore_errors=True)

    def get(self, version: str, key: str) -> Entry | None:
        self._enter(version)
        try:
            data = self._path(version, key).read_bytes()
        except OSError:
            return None
        entry = Entry.from_bytes(data)
        if entry is None or entry.key != key or entry.version != version:
            return None
        return entry

    def put(self, entry: Entry) -> None:
        self._enter(entry.version)
        data = entry.to_bytes()
        if self._written + len(data) > self.max_bytes:
            return
        dest = self._path(entry.version, entry.key)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=dest.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, dest)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:  # a full or read-only disk costs speed, never an answer
            log.warning("response cache: cannot write %s (%s); the disk cache is off in this "
                        "process", dest, exc)  # fmt: skip
            self.max_bytes = 0  # one warning, not one per answer
            return
        with self._lock:
            self._written += len(data)


def _bytes_under(folder: Path) -> int:
    """Bytes of the entries in `folder` (another worker may be removing it meanwhile)."""
    total = 0
    with contextlib.suppress(OSError):
        for path in folder.glob("*.entry"):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
    return total


@dataclass(frozen=True)
class CacheConfig:
    memory_bytes: int
    disk_bytes: int
    seconds: int
    disk_root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> CacheConfig:
        return cls(
            memory_bytes=int(settings.response_cache_mb * 1024 * 1024),
            disk_bytes=int(settings.response_cache_disk_mb * 1024 * 1024),
            seconds=settings.response_cache_seconds,
            disk_root=settings.data_dir / "cache" / "responses",
        )


def route_kind(method: str, path: str, headers: Sequence[tuple[bytes, bytes]]) -> str:
    """cached, no-store or pass (answered untouched)."""
    if path.startswith(PASS):
        return "pass"
    if method != "GET" or any(n == b"authorization" for n, _ in headers):
        return "no-store"
    if _no_store_prefix(path):
        return "no-store"
    return "cached"


def _no_store_prefix(path: str) -> bool:
    """`/scan` and `/scan.json` but not `/scanner`: a prefix matches up to a separator."""
    for prefix in NO_STORE:
        if path == prefix:
            return True
        if path.startswith(prefix) and (prefix.endswith("/") or path[len(prefix)] in "/."):
            return True
    return False


def _header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str | None:
    for n, v in headers:
        if n.lower() == name:
            return v.decode("latin-1")
    return None


def cache_key(scope: Scope) -> str:
    """Path, query string, negotiated language and a CSV Accept header."""
    headers = scope.get("headers", [])
    query = scope.get("query_string", b"").decode("latin-1")
    lang_param = next((v for k, v in parse_qsl(query) if k == i18n.QUERY_PARAM), None)
    raw_cookie = _header(headers, b"cookie")
    cookie = cookie_parser(raw_cookie).get(i18n.COOKIE) if raw_cookie else None
    lang = i18n.negotiate(lang_param, cookie, _header(headers, b"accept-language")).lang
    accept = (_header(headers, b"accept") or "").lower()
    csv = accept if "text/csv" in accept else ""
    return f"GET {scope['path']}?{query}|lang={lang}|accept={csv}"


def _accepts_gzip(headers: Sequence[tuple[bytes, bytes]]) -> bool:
    value = (_header(headers, b"accept-encoding") or "").lower()
    for part in value.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return not params.strip().startswith("q=") or float(q) > 0
            except ValueError:
                return False
    return False


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2); our -gz twin is the same."""
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/")
        if tag == "*" or tag.strip('"').removesuffix("-gz") == etag:
            return True
    return False


def _not_modified(entry: Entry, headers: Sequence[tuple[bytes, bytes]]) -> bool:
    if entry.status != 200:
        return False
    inm = _header(headers, b"if-none-match")
    if inm is not None:
        return _etag_matches(inm, entry.etag)
    ims = _header(headers, b"if-modified-since")
    if ims is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return entry.last_modified <= since


def _compressible(headers: Sequence[tuple[bytes, bytes]]) -> bool:
    ctype = (_header(headers, b"content-type") or "").lower()
    return ctype.startswith("text/") or "json" in ctype or "xml" in ctype or "svg" in ctype


def _with_vary(headers: list[tuple[bytes, bytes]], name: str) -> list[tuple[bytes, bytes]]:
    present = _header(headers, b"vary")
    if present is None:
        return [*headers, (b"vary", name.encode())]
    if name.lower() in (v.strip().lower() for v in present.split(",")):
        return headers
    return [(n, v) for n, v in headers if n.lower() != b"vary"] + [
        (b"vary", f"{present}, {name}".encode())
    ]


class ResponseCache:
    """The ASGI middleware (see the module docstring). Sits outside the GZip middleware: it asks
    the routes for plain bodies and compresses each cached one once."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.config = CacheConfig.from_settings(settings)
        self.version = DataVersion(data_files(settings), settings_salt(settings))
        self.memory = MemoryCache(self.config.memory_bytes)
        self.disk = (
            DiskCache(self.config.disk_root, self.config.disk_bytes)
            if self.config.disk_bytes > 0
            else None
        )
        self.computed = 0  # answers computed by the routes (the tests count them)
        self.clock = time.time  # the wall clock (tests move it)
        self._inflight: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # background recomputations
        max_age = self.config.seconds
        self.cache_control = f"public, max-age={max_age}, stale-while-revalidate={max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = route_kind(scope["method"], scope["path"], scope.get("headers", []))
        if kind == "pass":
            await self.app(scope, receive, send)
        elif kind == "no-store":
            await self.app(scope, receive, _set_header(send, b"cache-control", b"no-store"))
        else:
            await self._cached(scope, receive, send)

    def _lookup(self, key: str, version: str, period: int) -> tuple[Entry | None, Entry | None]:
        """(a fresh entry, a stale one of the same version to keep its Last-Modified)."""
        found = self.memory.get(key)
        if found is not None and found.version == version and found.period == period:
            return found, None
        stale = found if found is not None and found.version == version else None
        if self.disk is not None:
            on_disk = self.disk.get(version, key)
            if on_disk is not None and on_disk.period == period:
                self.memory.put(on_disk)
                return on_disk, None
            stale = stale or on_disk
        return None, stale

    def period(self, key: str, at: float) -> int:
        """The clock period of `key` at `at`: periods of `response_cache_seconds`, each key's
        shifted by its own offset so that hot answers are not all recomputed at one instant."""
        seconds = self.config.seconds
        return int((at + zlib.crc32(key.encode()) % seconds) // seconds)

    async def _cached(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers", [])
        key = cache_key(scope)
        version = self.version.current()
        period = self.period(key, self.clock())
        entry, stale = self._lookup(key, version, period)
        if entry is None and stale is not None:
            # Same data, an older clock period: answer it now, recompute it in the background
            # (readers never wait for a recomputation while the data are unchanged).
            if key not in self._inflight:
                self._refresh(scope, key, version, period, stale)
            await self._send(stale, headers, send, cacheable=True)
            return
        while entry is None and key in self._inflight:  # single flight: wait for the leader
            await self._inflight[key].wait()
            entry, stale = self._lookup(key, version, period)
            if entry is None:
                break  # the leader's answer was not cacheable: compute our own
        if entry is None:
            entry, cacheable = await self._lead(scope, receive, key, version, period, stale)
            if not cacheable:
                await self._send(entry, headers, send, cacheable=False)
                return
        await self._send(entry, headers, send, cacheable=True)

    async def _lead(
        self, scope: Scope, receive: Receive, key: str, version: str, period: int,
        stale: Entry | None,
    ) -> tuple[Entry, bool]:  # fmt: skip
        """Compute `key` as the one request doing so (others wait on its event); store it."""
        event = self._inflight.setdefault(key, asyncio.Event())
        try:
            entry, cacheable = await self._compute(scope, receive, key, version, period, stale)
            if cacheable:
                self.memory.put(entry)
                if self.disk is not None and entry.status == 200:
                    self.disk.put(entry)
            return entry, cacheable
        finally:
            if self._inflight.get(key) is event:
                del self._inflight[key]
            event.set()

    def _refresh(self, scope: Scope, key: str, version: str, period: int, stale: Entry) -> None:
        """Recompute a stale entry in a background task (a GET: its body is empty)."""
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def run() -> None:
            try:
                await self._lead(dict(scope), receive, key, version, period, stale)
            except Exception:  # the stale answer stays; the next request tries again
                log.exception("response cache: recomputing %s failed", key)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _compute(
        self, scope: Scope, receive: Receive, key: str, version: str, period: int,
        stale: Entry | None,
    ) -> tuple[Entry, bool]:  # fmt: skip
        """Run the route without Accept-Encoding; (its answer as an entry, whether cacheable)."""
        inner = dict(scope, headers=[(n, v) for n, v in scope.get("headers", [])
                                     if n.lower() != b"accept-encoding"])  # fmt: skip
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner, receive, capture)
        self.computed += 1
        if start is None:
            raise RuntimeError(f"no response started for {scope['path']}")
        status = int(start["status"])
        route_headers = [(n, v) for n, v in start.get("headers", []) if n.lower() not in _OWN]
        body = b"".join(chunks)
        route_said_no = (
            b"no-store" in (_header(start.get("headers", []), b"cache-control") or "").encode()
        )
        matched = "endpoint" in inner
        cacheable = not route_said_no and (status == 200 or (status == 404 and matched))
        gzipped = None
        if len(body) >= GZIP_MIN and _compressible(route_headers):
            gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        etag = hashlib.sha256(body).hexdigest()[:32]
        last_modified = int(self.clock())
        if stale is not None and stale.etag == etag:
            last_modified = stale.last_modified
        entry = Entry(key, version, period, status, tuple(route_headers), body, gzipped, etag,
                      last_modified)  # fmt: skip
        return entry, cacheable

    async def _send(
        self, entry: Entry, request_headers: Sequence[tuple[bytes, bytes]], send: Send,
        *, cacheable: bool,
    ) -> None:  # fmt: skip
        headers = list(entry.headers)
        use_gzip = entry.gzipped is not None and _accepts_gzip(request_headers)
        if entry.gzipped is not None:
            headers = _with_vary(headers, "Accept-Encoding")
        if not cacheable:
            headers.append((b"cache-control", b"no-store"))
            return await _answer(send, entry.status, headers, entry.body if not use_gzip
                                 else entry.gzipped or b"", gzip_used=use_gzip)  # fmt: skip
        etag = f'"{entry.etag}-gz"' if use_gzip else f'"{entry.etag}"'
        headers += [
            (b"cache-control", self.cache_control.encode()),
            (b"etag", etag.encode()),
            (b"last-modified", email.utils.formatdate(entry.last_modified, usegmt=True).encode()),
        ]
        if _not_modified(entry, request_headers):
            keep = {b"cache-control", b"etag", b"last-modified", b"vary", b"content-location"}
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(n, v) for n, v in headers if n.lower() in keep]})  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return None
        body = entry.gzipped if use_gzip and entry.gzipped is not None else entry.body
        return await _answer(send, entry.status, headers, body, gzip_used=use_gzip)


async def _answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, gzip_used: bool
) -> None:
    out = [*headers, (b"content-length", str(len(body)).encode())]
    if gzip_used:
        out.append((b"content-encoding", b"gzip"))
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})


def _set_header(send: Send, name: bytes, value: bytes) -> Send:
    """`send` that sets one header on the response start (replacing the route's own)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(n, v) for n, v in message.get("headers", []) if n.lower() != name]
            message = {**message, "headers": [*kept, (name, value)]}
        await send(message)

    return wrapped
