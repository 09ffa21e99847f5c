"""A local HTTP server that serves recorded files in a publisher's URL layout, with Range support
(for resumed downloads) and Last-Modified. Loopback only."""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class RequestLog(list[str]):
    """Requested paths; `.ranges` holds the Range header of each request that had one."""

    def __init__(self) -> None:
        super().__init__()
        self.ranges: list[str] = []


class MirrorHandler(BaseHTTPRequestHandler):
    root: Path
    requests: RequestLog

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self.requests.append(self.path)
        rel = self.path.split("?", 1)[0].lstrip("/")
        path = (self.root / rel).resolve()
        if not path.is_file() or self.root.resolve() not in path.parents:
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng:
            self.requests.ranges.append(rng)
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Last-Modified", email.utils.formatdate(path.stat().st_mtime, usegmt=True))
        self.end_headers()
        self.wfile.write(data[start:])


@contextmanager
def serve_directory(root: Path) -> Iterator[tuple[str, RequestLog]]:
    """Serve `root` on 127.0.0.1 at a free port; yields (base URL, list of requested paths)."""
    requests = RequestLog()
    handler = type("Handler", (MirrorHandler,), {"root": root, "requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
