"""Benchmark: `nethealth serve --workers N` against nginx serving the same bytes from disk.

    .venv/bin/python benchmarks/bench_serve.py [--data-dir data/demo] [--workers 2]
        [--seconds 5] [--rounds 3] [--connections 8]

Builds the offline demo lake when the data directory has none (`nethealth demo --no-serve`),
starts `nethealth serve` on loopback, saves each benchmarked answer once (plain and gzipped,
as the server sent them) and starts nginx on loopback serving those files (`gzip_static`), with
as many worker processes. Then wrk (Debian `wrk`; bounded: `--seconds` per round, URL and server,
`--connections` connections, 2 threads, `Accept-Encoding: gzip`) loads each URL on each server
in turn, alternating the two servers for `--rounds` rounds (medians reported): the country
JSON, the country page, the home page and the outage events list.

Prints requests/s, p50 and p99 latency, errors (non-2xx answers and socket errors) and the ratio
to nginx, the time of each answer's first computation, and the pages' sizes against the goals
of issue 17 (docs/benchmarks.md records a run). Both servers and wrk share the machine's cores.
Needs the Debian packages wrk and nginx-light (`make bench` installs them).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

URLS = (
    ("country JSON", "/api/v1/countries/NL", "application/json"),
    ("country page", "/country/NL", "text/html; charset=utf-8"),
    ("home page", "/", "text/html; charset=utf-8"),
    ("events", "/api/v1/events", "application/json"),
)
# Issue 17's goals: (req/s at least, p99 below, in ms) per URL, and page budgets.
GOALS = {"/api/v1/countries/NL": (1000.0, 50.0), "/country/NL": (300.0, 100.0)}
PAGE_BYTES = 300_000
SCRIPT_BYTES = 150_000


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def fetch(port: int, path: str, gzip_ok: bool = True) -> tuple[int, dict[str, str], bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip" if gzip_ok else "identity"})
    r = conn.getresponse()
    body = r.read()
    took = time.perf_counter() - start
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body, took


def wait_up(port: int, proc: subprocess.Popen[bytes], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with status {proc.returncode} before answering")
        with contextlib.suppress(OSError):
            if fetch(port, "/healthz")[0] == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"{what} did not answer /healthz within {seconds:.0f} s")


@contextlib.contextmanager
def running(cmd: list[str], what: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)  # the server's own process group (its workers too)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


def nethealth_cmd(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from nethealth.cli import main; sys.exit(main())",
            "--data-dir", str(data_dir), *args]  # fmt: skip


def ensure_demo(data_dir: Path) -> None:
    if (data_dir / "catalog.duckdb").is_file():
        print(f"reusing the demo lake in {data_dir}", flush=True)
        return
    print(f"building the demo lake in {data_dir} (about a minute)", flush=True)
    subprocess.run(nethealth_cmd(data_dir, "demo", "--no-serve"), check=True)


def save_answers(port: int, root: Path) -> dict[str, tuple[int, int, float]]:
    """Each URL's answer as files nginx serves (plain + .gz); (plain, gzipped bytes, first
    answer's seconds) per URL."""
    sizes = {}
    for _, path, _ in URLS:
        status, _, plain, took = fetch(port, path, gzip_ok=False)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: the demo lake is incomplete")
        _, zheaders, zipped, _ = fetch(port, path)
        if zheaders.get("content-encoding") != "gzip":
            zipped = gzip.compress(plain, 6, mtime=0)
        name = root / file_name(path)
        name.write_bytes(plain)
        name.with_name(name.name + ".gz").write_bytes(zipped)
        sizes[path] = (len(plain), len(zipped), took)
    return sizes


def file_name(path: str) -> str:
    return "root.html" if path == "/" else path.strip("/").replace("/", "_")


def nginx_conf(root: Path, port: int, workers: int) -> str:
    locations = "\n".join(
        f'        location = {path} {{ default_type "{ctype}"; '
        f"try_files /{file_name(path)} =404; }}"
        for _, path, ctype in URLS
    )
    return f"""worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    gzip_static on;
    gzip_vary on;
    etag on;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /healthz {{ return 200 "ok"; }}
{locations}
    }}
}}
"""


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not m:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(m.group(1)) * _UNIT_MS[m.group(2)]


def wrk(port: int, path: str, seconds: int, connections: int) -> Load:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
           "-H", "Accept-Encoding: gzip", f"http://127.0.0.1:{port}{path}"]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Load(rps, p50, p99, total, errors)


def median_load(runs: list[Load]) -> Load:
    """Per metric, the median over the rounds (a shared machine's bursts hit single rounds);
    errors are summed."""
    return Load(
        rps=statistics.median(r.rps for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        requests=sum(r.requests for r in runs),
        errors=sum(r.errors for r in runs),
    )


def script_bytes(port: int, html: bytes) -> int:
    """The JavaScript a page loads: its <script src> files, uncompressed."""
    total = 0
    for src in re.findall(rb'<script[^>]*\bsrc="([^"]+)"', html):
        status, _, body, _ = fetch(port, src.decode(), gzip_ok=False)
        total += len(body) if status == 200 else 0
    total += sum(len(s) for s in re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>",
                                              html, re.S))  # fmt: skip
    return total


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data-dir", type=Path, default=Path("data/demo"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seconds", type=int, default=5, help="per round, URL and server")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians reported")
    p.add_argument("--connections", type=int, default=8)
    a = p.parse_args()
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None]
    if missing:
        print(f"bench_serve: {', '.join(missing)} not installed (Debian packages wrk and "
              "nginx-light; `make bench` installs them)", file=sys.stderr)  # fmt: skip
        return 2
    ensure_demo(a.data_dir)
    work = Path(tempfile.mkdtemp(prefix="nethealth-bench-serve-"))
    work.chmod(0o755)  # nginx's workers run as another user and read the saved answers
    (work / "tmp").mkdir()
    ours, theirs = free_port(), free_port()
    rows: list[tuple[str, str, Load, Load]] = []
    try:
        serve = nethealth_cmd(a.data_dir, "serve", "--port", str(ours), "--workers",
                              str(a.workers))  # fmt: skip
        with running(serve, "nethealth serve", work / "serve.log") as proc:
            wait_up(ours, proc, "nethealth serve")
            sizes = save_answers(ours, work)
            country_html = (work / file_name("/country/NL")).read_bytes()
            home_html = (work / file_name("/")).read_bytes()
            scripts = {"/country/NL": script_bytes(ours, country_html),
                       "/": script_bytes(ours, home_html)}  # fmt: skip
            (work / "nginx.conf").write_text(nginx_conf(work, theirs, a.workers))
            nginx = ["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"]
            with running(nginx, "nginx", work / "nginx.log") as nproc:
                wait_up(theirs, nproc, "nginx")
                for label, path, _ in URLS:
                    for port in (ours, theirs):
                        fetch(port, path)  # warm: computed once, then cached
                    mine_runs, peer_runs = [], []
                    for _ in range(a.rounds):  # alternating, so both meet the same neighbours
                        mine_runs.append(wrk(ours, path, a.seconds, a.connections))
                        peer_runs.append(wrk(theirs, path, a.seconds, a.connections))
                    mine, peer = median_load(mine_runs), median_load(peer_runs)
                    rows.append((label, path, mine, peer))
                    print(f"  {label}: {mine.rps:.0f} req/s vs nginx {peer.rps:.0f} (medians "
                          f"of {a.rounds}: {[round(m.rps) for m in mine_runs]} vs "
                          f"{[round(m.rps) for m in peer_runs]})", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(a, rows, sizes, scripts)
    return 0


def report(
    a: argparse.Namespace,
    rows: list[tuple[str, str, Load, Load]],
    sizes: dict[str, tuple[int, int, float]],
    scripts: dict[str, int],
) -> None:
    print(f"\nnethealth serve --workers {a.workers} vs nginx (worker_processes {a.workers}), "
          f"loopback, wrk -t2 -c{a.connections} -d{a.seconds}s, Accept-Encoding: gzip, medians of "
          f"{a.rounds} alternating rounds; "
          f"{os.cpu_count()} CPUs shared by servers and load generator\n")  # fmt: skip
    print("| answer | bytes (gzip) | first answer | nethealth req/s | p50 / p99 ms | errors "
          "| nginx req/s | p50 / p99 ms | errors | ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, path, mine, peer in rows:
        plain, zipped, took = sizes[path]
        print(f"| {label} `{path}` | {plain:,} ({zipped:,}) | {took * 1000:.0f} ms "
              f"| {mine.rps:,.0f} | {mine.p50_ms:.1f} / {mine.p99_ms:.1f} | {mine.errors} "
              f"| {peer.rps:,.0f} | {peer.p50_ms:.1f} / {peer.p99_ms:.1f} | {peer.errors} "
              f"| {mine.rps / peer.rps:.2f} |")  # fmt: skip
    print("\nGoals (issue 17):")
    for label, path, mine, _ in rows:
        if path in GOALS:
            rps, p99 = GOALS[path]
            met = mine.rps >= rps and mine.p99_ms < p99 and mine.errors == 0
            print(f"- {label}: ≥ {rps:,.0f} req/s, p99 < {p99:.0f} ms, zero errors: "
                  f"{'met' if met else 'NOT met'} ({mine.rps:,.0f} req/s, p99 "
                  f"{mine.p99_ms:.1f} ms, {mine.errors} errors)")  # fmt: skip
    for path in ("/country/NL", "/"):
        plain = sizes[path][0]
        ok = plain <= PAGE_BYTES and scripts[path] <= SCRIPT_BYTES
        print(f"- page `{path}`: {plain:,} B HTML (≤ {PAGE_BYTES:,}), {scripts[path]:,} B of "
              f"JavaScript (≤ {SCRIPT_BYTES:,}): {'met' if ok else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
