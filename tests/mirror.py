"""A local HTTP server that serves recorded files in a publisher's URL layout, as a real static
file server does (nginx, Apache): Range requests (for resumed downloads) with If-Range, and the
validators ETag and Last-Modified with conditional GETs answered 304 Not Modified (If-None-Match
first, else If-Modified-Since; RFC 9110 section 13.2.2). Loopback only."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class RequestLog(list[str]):
    """Requested paths; `.ranges` holds the Range header of each request that had one,
    `.answers` (path, status, body bytes sent) of every answer, `.headers` the request headers
    of every request. `.delay` seconds after each chunk sent simulates a slow link (a test may
    change it while serving)."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.ranges: list[str] = []
        self.answers: list[tuple[str, int, int]] = []
        self.headers: list[dict[str, str]] = []

    @property
    def body_bytes(self) -> int:
        """Bytes of file content sent (what a client downloaded)."""
        return sum(n for _p, _s, n in self.answers)

    def statuses(self) -> list[int]:
        return [s for _p, s, _n in self.answers]


def etag_of(path: Path) -> str:
    """nginx's strong ETag: hex mtime and size."""
    st = path.stat()
    return f'"{int(st.st_mtime):x}-{st.st_size:x}"'


class MirrorHandler(BaseHTTPRequestHandler):
    root: Path
    requests: RequestLog
    chunk: int = 1 << 16  # bytes sent between two waits of `requests.delay`
    validators: bool = True  # False: a server that sends neither ETag nor Last-Modified

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _answer(self, status: int, sent: int = 0) -> None:
        self.requests.answers.append((self.path, status, sent))

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.requests.headers.append(dict(self.headers.items()))
        rel = self.path.split("?", 1)[0].lstrip("/")
        path = (self.root / rel).resolve()
        if not path.is_file() or self.root.resolve() not in path.parents:
            self._answer(404)
            self.send_error(404)
            return
        mtime = path.stat().st_mtime
        etag = etag_of(path)
        modified = email.utils.formatdate(mtime, usegmt=True)
        if self.validators and self._not_modified(etag, mtime):
            self._answer(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            return
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng:
            self.requests.ranges.append(rng)
        if_range = self.headers.get("If-Range")
        if if_range is not None and if_range not in (etag, modified):
            rng = None  # the file changed since the client began: send it whole
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self._answer(416)
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        if self.validators:
            self.send_header("Last-Modified", modified)
            self.send_header("ETag", etag)
        self.end_headers()
        sent = 0
        try:
            for at in range(start, len(data), self.chunk):
                piece = data[at : at + self.chunk]
                self.wfile.write(piece)
                self.wfile.flush()
                sent += len(piece)
                if self.requests.delay:
                    time.sleep(self.requests.delay)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (an interrupted download)
        finally:
            self._answer(206 if start else 200, sent)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [t.strip() for t in match.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            when = email.utils.parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(mtime) <= when


@contextmanager
def serve_directory(
    root: Path, *, delay: float = 0.0, chunk: int = 1 << 16, validators: bool = True
) -> Iterator[tuple[str, RequestLog]]:
    """Serve `root` on 127.0.0.1 at a free port; yields (base URL, list of requested paths).
    `delay` seconds after each `chunk` bytes simulates a slow link."""
    requests = RequestLog(delay)
    attrs = {"root": root, "requests": requests, "chunk": chunk, "validators": validators}
    handler = type("Handler", (MirrorHandler,), attrs)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
