"""What a check sees of its scan: the target, the way out, and results shared between checks
(one HTTPS GET of `/` serves the HSTS and header checks; one handshake serves the certificate
checks)."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nethealth.standards.dns import DnsClient
from nethealth.standards.net import HttpResponse, Network, http_get, scan_context

T = TypeVar("T")


@dataclass(frozen=True)
class Handshake:
    """What a TLS handshake negotiated."""

    address: str
    version: str
    cipher: str
    alpn: str | None
    certificate: bytes | None  # the leaf, DER


@dataclass
class ScanContext:
    name: str
    net: Network
    https_port: int
    http_port: int
    cafile: str | None = None  # the lab CA in lab mode; None: the system trust store
    dns: DnsClient | None = None  # the DNS and mail checks' resolver client
    smtp_port: int = 25
    anchors: tuple[str, ...] = ()  # DNSSEC trust anchors, DS records in text
    _once: dict[str, asyncio.Task[Any]] = field(default_factory=dict)

    async def once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """`make()` run once per scan; every check asking for `key` shares its result (or
        its exception)."""
        task = self._once.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._once[key] = task
        result: T = await asyncio.shield(task)
        return result

    def resolver(self) -> DnsClient:
        if self.dns is None:
            raise ConnectionError("this scan has no DNS client")
        return self.dns

    async def addresses(self) -> list[str]:
        """The target's addresses the policy allows (PolicyRefusal or ConnectionError else)."""
        return await self.net.checked_addresses(self.name)

    async def address(self) -> str:
        """The address most checks test: the first IPv4 address, else the first IPv6 one."""
        found = await self.addresses()
        v4 = [a for a in found if ipaddress.ip_address(a).version == 4]
        return (v4 or found)[0]

    async def https_get(self, path: str, max_body: int = 64 * 1024) -> HttpResponse:
        async def get() -> HttpResponse:
            address = await self.address()
            return await http_get(
                self.net, self.name, address, self.https_port, path, tls=scan_context(),
                max_body=max_body,
            )  # fmt: skip

        return await self.once(f"https {path}", get)

    async def http_get(self, path: str) -> HttpResponse:
        async def get() -> HttpResponse:
            address = await self.address()
            return await http_get(self.net, self.name, address, self.http_port, path, tls=None)

        return await self.once(f"http {path}", get)

    async def handshake(self, tls: ssl.SSLContext, address: str | None = None) -> Handshake:
        """A TLS handshake with the target (its main address unless given); ssl.SSLError when
        the server refuses what `tls` offers."""
        where = address or await self.address()
        async with self.net.connect(where, self.https_port, tls, self.name) as (_reader, writer):
            tls_object = writer.get_extra_info("ssl_object")
            if not isinstance(tls_object, ssl.SSLObject):
                raise ConnectionError("no TLS session after the handshake")
            cipher = tls_object.cipher()
            return Handshake(
                address=where,
                version=tls_object.version() or "?",
                cipher=cipher[0] if cipher else "?",
                alpn=tls_object.selected_alpn_protocol(),
                certificate=tls_object.getpeercert(binary_form=True),
            )

    async def main_handshake(self) -> Handshake:
        """The handshake a default client makes (all versions and suites, h2 and http/1.1)."""

        async def shake() -> Handshake:
            ctx = scan_context()
            ctx.set_alpn_protocols(["h2", "http/1.1"])
            return await self.handshake(ctx)

        return await self.once("handshake", shake)
