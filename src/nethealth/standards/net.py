"""The scanner's only way out: resolution, policy-checked connections under limits, and a small
HTTP/1.1 client that talks to a checked address (never to a name it would resolve again).

Everything here is injectable: a `Resolver` (the system's, or the lab's hosts map) and a
`Connector` (asyncio's, or a test's recorder), so tests run without the Internet and the SSRF
tests can watch every address the scanner tries.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

from nethealth.settings import LabHost
from nethealth.standards.safety import AddressPolicy, PolicyRefusal, is_opted_out

MAX_HEADER_BYTES = 64 * 1024


class Resolver(Protocol):
    async def resolve(self, name: str) -> list[str]:
        """The name's addresses (A and AAAA), in the resolver's order; [] when it has none."""
        ...

    def ports(self, name: str) -> tuple[int, int]:
        """(https, http) ports of the name's web servers."""
        ...


class SystemResolver:
    """The operating system's resolver (getaddrinfo): what a browser on this machine sees."""

    async def resolve(self, name: str) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
                return []  # the name has no address: an answer, not a failure
            raise ConnectionError(f"resolving {name} failed: {exc.strerror or exc}") from None
        out: list[str] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            address = str(sockaddr[0])
            if address not in out:
                out.append(address)
        return out

    def ports(self, name: str) -> tuple[int, int]:
        return 443, 80


@dataclass(frozen=True)
class LabResolver:
    """Lab mode: names from the settings' hosts map (`standards_lab_hosts`), nothing else."""

    hosts: Mapping[str, LabHost]

    async def resolve(self, name: str) -> list[str]:
        host = self.hosts.get(name)
        return list(host.addresses) if host is not None else []

    def ports(self, name: str) -> tuple[int, int]:
        host = self.hosts.get(name)
        return (host.https_port, host.http_port) if host is not None else (443, 80)


Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Connector = Callable[[str, int, ssl.SSLContext | None, str | None, float], Awaitable[Streams]]


async def open_streams(
    address: str, port: int, tls: ssl.SSLContext | None, server_name: str | None, timeout: float
) -> Streams:
    """asyncio's connection to an address (the TLS handshake included, SNI `server_name`)."""
    return await asyncio.wait_for(
        asyncio.open_connection(
            address,
            port,
            ssl=tls,
            server_hostname=server_name if tls is not None else None,
            ssl_handshake_timeout=timeout if tls is not None else None,
        ),
        timeout,
    )


@dataclass
class Network:
    """One scan's way out: the policy, the resolver, the connector and the limits.

    Each name is resolved once per scan and its addresses checked then; connections go to those
    addresses. `limit` caps the scan's connections in total (shared between scans when given),
    `per_host` the connections to one address."""

    policy: AddressPolicy
    resolver: Resolver
    user_agent: str
    timeout: float
    limit: asyncio.Semaphore
    per_host: int
    connector: Connector = open_streams
    opt_out: tuple[str, ...] = ()  # domains never connected to, redirects included
    _resolved: dict[str, asyncio.Task[list[str]]] = field(default_factory=dict)
    _hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    async def addresses(self, name: str) -> tuple[list[str], list[str]]:
        """(allowed, refused-with-why) addresses of `name`, resolved once per scan."""
        task = self._resolved.get(name)
        if task is None:
            task = asyncio.ensure_future(self._resolve(name))
            self._resolved[name] = task
        found = await asyncio.shield(task)
        allowed = [a for a in found if self.policy.refusal(a) is None]
        refused = [f"{a}: {self.policy.refusal(a)}" for a in found if a not in allowed]
        return allowed, refused

    async def _resolve(self, name: str) -> list[str]:
        return await asyncio.wait_for(self.resolver.resolve(name), self.timeout)

    async def checked_addresses(self, name: str) -> list[str]:
        """The addresses the scanner may connect to for `name`; PolicyRefusal when it resolves
        only to refused ones, ConnectionError when it does not resolve."""
        if is_opted_out(name, self.opt_out):
            raise PolicyRefusal(f"{name}'s operator asked not to be scanned (standards_opt_out)")
        allowed, refused = await self.addresses(name)
        if not allowed and refused:
            raise PolicyRefusal(f"{name} resolves only to refused addresses: {'; '.join(refused)}")
        if not allowed:
            raise ConnectionError(f"{name} has no A or AAAA record (per the scanner's resolver)")
        return allowed

    @asynccontextmanager
    async def connect(
        self,
        address: str,
        port: int,
        tls: ssl.SSLContext | None = None,
        server_name: str | None = None,
    ) -> AsyncIterator[Streams]:
        """A connection to a checked address, within the limits; closed on exit."""
        self.policy.check(address)  # every connection, whatever the caller checked before
        host = self._hosts.setdefault(address, asyncio.Semaphore(self.per_host))
        async with host, self.limit:  # a slot of the address first: no global slot held idle
            reader, writer = await self.connector(address, port, tls, server_name, self.timeout)
            try:
                yield reader, writer
            finally:
                writer.close()
                # The peer may have gone away first: nothing is left to close then.
                with suppress(TimeoutError, OSError, ssl.SSLError):
                    await asyncio.wait_for(writer.wait_closed(), self.timeout)


def scan_context(*, verify: bool = False, cafile: str | None = None) -> ssl.SSLContext:
    """A client context that talks to weak servers too (security level 0, TLS 1.0 and up) so
    the checks can judge what the server does instead of failing to connect. `verify` checks
    the chain (against `cafile`, else the system trust store) but neither the name nor the
    dates: the name, expiry, key and signature are separate checks, each judged alone."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    with warnings.catch_warnings():  # deprecated, and offered on purpose: weak servers answer
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    if verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        if cafile is not None:
            ctx.load_verify_locations(cafile=cafile)
        else:
            ctx.load_default_certs()
        ctx.verify_flags |= ssl.VerifyFlags(0x200000)  # X509_V_FLAG_NO_CHECK_TIME
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]  # names in lower case, in the order received
    body: bytes
    truncated: bool

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]


async def http_get(
    net: Network,
    host: str,
    address: str,
    port: int,
    path: str,
    *,
    tls: ssl.SSLContext | None,
    max_body: int = 64 * 1024,
) -> HttpResponse:
    """GET `path` from `address`:`port` with `Host: host` (and SNI `host` over TLS)."""
    path = quote(path, safe="/?=&%:@!$'()*+,;~-._")  # no space or control byte in the request
    async with net.connect(address, port, tls, host) as (reader, writer):
        authority = host if port in (80, 443) else f"{host}:{port}"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {net.user_agent}\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode("ascii"))
        await asyncio.wait_for(writer.drain(), net.timeout)
        return await asyncio.wait_for(_read_response(reader, max_body), net.timeout)


async def _read_response(reader: asyncio.StreamReader, max_body: int) -> HttpResponse:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise ConnectionError("the response's header is larger than 64 KiB") from None
    except asyncio.IncompleteReadError:
        raise ConnectionError("the server closed the connection before a complete header") from None
    if len(head) > MAX_HEADER_BYTES:
        raise ConnectionError("the response's header is larger than 64 KiB")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ConnectionError(f"not an HTTP response: {lines[0][:80]!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip().lower(), value.strip()))
    response = HttpResponse(int(parts[1]), tuple(headers), b"", False)
    body, truncated = await _read_body(reader, response, max_body)
    return HttpResponse(response.status, response.headers, body, truncated)


async def _read_body(
    reader: asyncio.StreamReader, response: HttpResponse, max_body: int
) -> tuple[bytes, bool]:
    if response.status in (204, 304) or 100 <= response.status < 200:
        return b"", False
    if (response.header("transfer-encoding") or "").lower().endswith("chunked"):
        out = bytearray()
        while len(out) <= max_body:
            size_line = await reader.readline()
            try:
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            except ValueError:
                raise ConnectionError(f"a malformed chunk size: {size_line[:40]!r}") from None
            if size == 0:
                return bytes(out), False
            out += await reader.readexactly(size)
            await reader.readline()
        return bytes(out[:max_body]), True
    length = response.header("content-length")
    if length is not None and length.isdigit():
        wanted = int(length)
        data = await reader.readexactly(min(wanted, max_body))
        return data, wanted > max_body
    data = await reader.read(max_body + 1)
    while data and len(data) <= max_body:
        more = await reader.read(max_body + 1 - len(data))
        if not more:
            break
        data += more
    return data[:max_body], len(data) > max_body
