"""Test your domain: scans as jobs of the server's event loop, shared by the API and the page.

One board per app. A request for a domain joins the scan of it that is running, or reuses its
report when it is more recent than `standards_cache_minutes`, or starts a new scan. New scans
are bounded twice: `standards_max_jobs` at once on the server, and `standards_scans_per_hour`
per client (a token bucket in memory, per IP address). Every job shares the scanner's global
connection limit (`standards_max_connections`), so concurrent jobs never exceed it together.
Jobs live in memory: a restart forgets them (a poll then answers 404, and the reader scans again).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from nethealth.errors import InputError, NotFoundError, TooManyRequestsError
from nethealth.settings import Settings
from nethealth.standards.checks import REGISTRY
from nethealth.standards.safety import PolicyRefusal, is_opted_out, normalize_name
from nethealth.standards.scan import Report, Result, network_for, scan
from nethealth.standards.score import report_json
from nethealth.ui.context import AppContext, get_context

log = logging.getLogger(__name__)

State = Literal["running", "finished", "failed"]
KEEP_SECONDS = 3600.0  # finished jobs stay pollable this long (or the cache time, if longer)
MAX_KEPT = 1000  # and at most this many jobs in memory
JOB_ID = r"^[0-9a-f]{32}$"  # a job id: uuid4 in hex


@dataclass
class Job:
    id: str
    domain: str
    lab: bool
    total: int
    done: int = 0
    state: State = "running"
    report: Report | None = None
    failure: str | None = None
    ended: float | None = None  # monotonic clock
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        """What a poll answers while running, and around the report when finished."""
        return {
            "id": self.id,
            "domain": self.domain,
            "lab": self.lab,
            "state": self.state,
            "progress": {"done": self.done, "total": self.total},
            "failure": self.failure,
        }


@dataclass
class Bucket:
    tokens: float
    stamp: float


class ScanJobs:
    """The board of one server: jobs by id, the latest job per domain, the clients' buckets."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.lab = settings.standards_api_lab
        self.clock = clock
        self.jobs: dict[str, Job] = {}
        self.latest: dict[str, Job] = {}
        self.buckets: dict[str, Bucket] = {}
        self._limit: asyncio.Semaphore | None = None

    def running(self) -> int:
        return sum(1 for j in self.jobs.values() if j.state == "running")

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"no scan job {job_id!r}",
                hint="jobs live in the server's memory for an hour after they end; "
                "start the scan again with GET /api/v1/scan/{domain}",
            )
        return job

    async def submit(self, domain: str, client: str) -> Job:
        """The job answering `domain` for `client`: joined, reused or new (InputError for a
        name or a target the API refuses, TooManyRequestsError over a bound)."""
        name = target_name(domain, self.settings)
        self._expire()
        job = self._reusable(name)
        if job is not None:
            return job
        self._check_slots()
        # A new scan costs a token before its name is resolved: a client over its limit makes
        # the server resolve nothing, a refused target too is an attempt.
        self._take_token(client)
        await check_target(name, self.settings, lab=self.lab)
        job = self._reusable(name)  # another request may have started it meanwhile
        if job is not None:
            return job
        self._check_slots()  # and others may have taken the free slots
        job = Job(uuid.uuid4().hex, name, self.lab, total=len(REGISTRY))
        self.jobs[job.id] = job
        self.latest[name] = job
        job.task = asyncio.get_running_loop().create_task(self._run(job))
        return job

    def _check_slots(self) -> None:
        running = self.running()
        if running >= self.settings.standards_max_jobs:
            raise TooManyRequestsError(
                f"the server is running {running} scans, its limit (standards_max_jobs)",
                retry_after=math.ceil(self.settings.standards_timeout),
                hint="try again after the Retry-After seconds",
            )

    def _reusable(self, name: str) -> Job | None:
        job = self.latest.get(name)
        if job is not None and (job.state == "running" or self._fresh(job)):
            return job
        return None

    def _fresh(self, job: Job) -> bool:
        if job.state != "finished" or job.ended is None:
            return False
        return self.clock() - job.ended <= self.settings.standards_cache_minutes * 60

    def _take_token(self, client: str) -> None:
        per_hour = self.settings.standards_scans_per_hour
        rate = per_hour / 3600.0
        now = self.clock()
        bucket = self.buckets.get(client)
        if bucket is None:
            bucket = self.buckets[client] = Bucket(float(per_hour), now)
        bucket.tokens = min(float(per_hour), bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            raise TooManyRequestsError(
                f"this client started its {per_hour} scans of the hour (standards_scans_per_hour)",
                retry_after=math.ceil((1 - bucket.tokens) / rate),
                hint="reports of domains scanned recently are still served; new scans after "
                "the Retry-After seconds",
            )
        bucket.tokens -= 1

    def _expire(self) -> None:
        now = self.clock()
        keep = max(KEEP_SECONDS, self.settings.standards_cache_minutes * 60)
        ended = sorted((j.ended, j.id) for j in self.jobs.values() if j.ended is not None)
        old = {job_id for at, job_id in ended if now - at > keep}
        excess = len(self.jobs) - len(old) - MAX_KEPT
        if excess > 0:
            old |= {job_id for _at, job_id in ended[:excess]}
        for job_id in old:
            job = self.jobs.pop(job_id)
            if self.latest.get(job.domain) is job:
                del self.latest[job.domain]
        # A full bucket is the same as no bucket: forget it, so memory follows active clients.
        per_hour = self.settings.standards_scans_per_hour
        rate = per_hour / 3600.0
        for client in [
            c for c, b in self.buckets.items() if b.tokens + (now - b.stamp) * rate >= per_hour
        ]:
            del self.buckets[client]

    async def _run(self, job: Job) -> None:
        if self._limit is None:  # created in the loop that runs the jobs
            self._limit = asyncio.Semaphore(self.settings.standards_max_connections)

        def progress(_result: Result) -> None:
            job.done += 1

        try:
            job.report = await scan(
                job.domain, self.settings, lab=job.lab, progress=progress,
                network=network_for(self.settings, lab=job.lab, limit=self._limit),
            )  # fmt: skip
            job.state = "finished"
        except Exception as exc:  # a bug: the job says so rather than running forever
            log.exception("scan job %s of %s failed", job.id, job.domain)
            job.state = "failed"
            job.failure = f"the scan failed ({type(exc).__name__}); this is our bug"
        finally:
            job.ended = self.clock()


def target_name(domain: str, settings: Settings) -> str:
    """The domain in ASCII lower case, or InputError naming the field `domain`."""
    try:
        name = normalize_name(domain)
    except PolicyRefusal as exc:
        raise InputError(
            str(exc),
            field="domain",
            hint="give a domain name such as example.org (no IP address, port, path or URL)",
        ) from None
    if is_opted_out(name, settings.standards_opt_out):
        raise InputError(
            f"{name}'s operator asked not to be scanned", field="domain",
            hint="standards_opt_out lists the domains the scanner never tests",
        )  # fmt: skip
    return name


async def check_target(name: str, settings: Settings, *, lab: bool) -> None:
    """InputError when `name` resolves only to addresses the safety policy refuses (private,
    loopback, …, or outside the lab): no job starts for a target the scan could not reach. A
    name without addresses may still have mail, so it goes on to the scan."""
    net = network_for(settings, lab=lab)
    try:
        allowed, refused = await net.addresses(name)
    except (OSError, TimeoutError):
        return  # the scan reports the resolution failure per check
    if refused and not allowed:
        raise InputError(
            f"{name} resolves only to addresses the scanner refuses: {'; '.join(refused)}",
            field="domain",
            hint="the scanner tests public Internet hosts only (docs/standards.md, Safety)",
        )


def job_json(job: Job) -> dict[str, Any]:
    """A job as the poll answers it: the summary and, when finished, the report `nethealth
    scan --format json` prints."""
    out = job.summary()
    out["report"] = report_json(job.report) if job.report is not None else None
    return out


_BOARDS: weakref.WeakKeyDictionary[Any, ScanJobs] = weakref.WeakKeyDictionary()


def board_of(app: Any, settings: Settings) -> ScanJobs:
    """The app's board, made on first use (one per app: tests run several apps)."""
    board = _BOARDS.get(app)
    if board is None:
        board = _BOARDS[app] = ScanJobs(settings)
    return board


def get_board(request: Request, ctx: Annotated[AppContext, Depends(get_context)]) -> ScanJobs:
    """FastAPI dependency: the app's scan jobs (the API and the page share them)."""
    return board_of(request.app, ctx.settings)


Board = Annotated[ScanJobs, Depends(get_board)]


def client_of(request: Request) -> str:
    """The client a rate limit counts: its IP address as the server sees it (behind a reverse
    proxy, the proxy's, unless the server is told to trust the proxy's forwarded headers)."""
    return request.client.host if request.client is not None else "unknown"


def job_location(job_id: str) -> str:
    return f"/api/v1/scan/jobs/{job_id}"
