"""Run a scan: the target through the safety policy, every selected check as one attempt.

A check's exception becomes an `error` attempt with its reason (the policy's refusal, a timeout,
a connection failure, or a bug, which is logged with its traceback); one failing check never
stops the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nethealth import __version__
from nethealth.settings import Settings
from nethealth.standards.checks import REGISTRY
from nethealth.standards.context import ScanContext
from nethealth.standards.dns import DnsClient, dns_client_for
from nethealth.standards.model import Attempt, Check, error
from nethealth.standards.net import (
    Connector,
    LabResolver,
    Network,
    Resolver,
    SystemResolver,
    open_streams,
)
from nethealth.standards.safety import (
    AddressPolicy,
    PolicyRefusal,
    is_opted_out,
    lab_networks_of,
    normalize_name,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    check: Check
    attempt: Attempt


@dataclass(frozen=True)
class Report:
    domain: str
    lab: bool
    started: dt.datetime
    finished: dt.datetime
    results: tuple[Result, ...]
    refused: str | None = None  # why the whole target was refused, if it was


def user_agent(settings: Settings) -> str:
    return (
        f"nethealth-standards/{__version__} (open-standards check; "
        f"+{settings.standards_contact_url})"
    )


def network_for(
    settings: Settings,
    *,
    lab: bool,
    resolver: Resolver | None = None,
    connector: Connector = open_streams,
    limit: asyncio.Semaphore | None = None,
) -> Network:
    """The scan's way out under the settings' limits; lab mode resolves from the lab's map."""
    return Network(
        policy=AddressPolicy(
            lab=lab, lab_networks=lab_networks_of(settings.standards_lab_networks)
        ),
        resolver=resolver
        or (LabResolver(settings.standards_lab_hosts) if lab else SystemResolver()),
        user_agent=user_agent(settings),
        timeout=settings.standards_timeout,
        limit=limit or asyncio.Semaphore(settings.standards_max_connections),
        per_host=settings.standards_per_host,
        connector=connector,
        opt_out=tuple(settings.standards_opt_out),
    )


class _StartTlsEof(logging.Filter):
    """Drops asyncio's 'returning true from eof_received() has no effect when using ssl': after
    StreamWriter.start_tls (STARTTLS) the stream protocol still believes it is plain TCP, so an
    SMTP server closing after QUIT logs it on every MX. Nothing is wrong; the line would only
    alarm the reader of a scan."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "eof_received() has no effect when using ssl" not in record.getMessage()


def _quiet_start_tls() -> None:
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, _StartTlsEof) for f in asyncio_log.filters):
        asyncio_log.addFilter(_StartTlsEof())


async def run_check(check: Check, ctx: ScanContext) -> Attempt:
    try:
        attempt = await check.run(ctx)
    except PolicyRefusal as exc:
        return error("refused_by_policy", f"refused by the safety policy: {exc}")
    except TimeoutError:
        return error("timeout", f"no answer within {ctx.net.timeout:g} s")
    except (OSError, EOFError, ssl.SSLError) as exc:
        return error("connection", f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        log.exception("check %s failed on %s", check.id, ctx.name)
        return error("bug", f"the check failed ({type(exc).__name__}: {exc}); this is our bug")
    if attempt.status == "fail" and not check.mandatory:
        return Attempt("warning", attempt.detail)  # informative: a miss warns, never fails
    return attempt


async def scan(
    domain: str,
    settings: Settings,
    *,
    lab: bool = False,
    checks: Sequence[Check] = REGISTRY,
    network: Network | None = None,
    dns: DnsClient | None = None,
    progress: Callable[[Result], None] | None = None,
) -> Report:
    """Scan `domain` with `checks`; every check yields one result, whatever happens."""
    started = dt.datetime.now(dt.UTC)
    _quiet_start_tls()
    try:
        name = normalize_name(domain)
        if is_opted_out(name, settings.standards_opt_out):
            raise PolicyRefusal(f"{name}'s operator asked not to be scanned (standards_opt_out)")
    except PolicyRefusal as exc:
        refused = tuple(
            Result(c, error("refused_by_policy", f"refused by the safety policy: {exc}"))
            for c in checks
        )
        for r in refused:
            if progress:
                progress(r)
        return Report(domain, lab, started, dt.datetime.now(dt.UTC), refused, refused=str(exc))
    net = network or network_for(settings, lab=lab)
    https_port, http_port = net.resolver.ports(name)
    cafile = str(settings.standards_lab_ca) if lab and settings.standards_lab_ca else None
    ctx = ScanContext(
        name, net, https_port, http_port, cafile=cafile,
        dns=dns or dns_client_for(settings, net.policy),
        smtp_port=settings.standards_smtp_port,
        anchors=tuple(settings.standards_dnssec_anchors),
    )  # fmt: skip

    async def one(check: Check) -> Result:
        result = Result(check, await run_check(check, ctx))
        if progress:
            progress(result)
        return result

    results = await asyncio.gather(*(one(c) for c in checks))
    return Report(name, lab, started, dt.datetime.now(dt.UTC), tuple(results))
