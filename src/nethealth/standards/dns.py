"""The scanner's DNS client: queries to the configured resolvers (the system's by default, the
lab's server in lab mode) with dnspython, one answer per (name, type) per scan.

An answer keeps what the checks judge: the rcode, the AD bit (the resolver validated DNSSEC) and
the records. NOERROR and NXDOMAIN are answers; a timeout is TimeoutError and any other failure
(SERVFAIL, REFUSED, a malformed reply, no route) is ConnectionError, which the scan records as an
`error` attempt with its reason. A query sent to an address a DNS answer gave (a name server) goes
through the safety policy first, like every connection of the scanner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.rrset

from nethealth.settings import Settings
from nethealth.standards.safety import AddressPolicy

TRIES = 3  # UDP tries per query and server, sharing the timeout


@dataclass(frozen=True)
class DnsAnswer:
    name: str
    rdtype: str
    rcode: str  # NOERROR or NXDOMAIN (other rcodes raise)
    authenticated: bool  # the AD bit: the resolver validated the answer with DNSSEC
    records: tuple[dns.rdata.Rdata, ...]
    rrset: dns.rrset.RRset | None = None  # the records with their owner, for DNSSEC validation
    rrsig: dns.rrset.RRset | None = None  # the RRSIGs covering them, when the answer had any

    def texts(self) -> list[str]:
        """TXT records as strings (a record's character-strings joined, RFC 7208 §3.3)."""
        out = []
        for r in self.records:
            strings = getattr(r, "strings", None)
            if strings is not None:
                out.append(b"".join(strings).decode("utf-8", "replace"))
        return out

    def hosts(self) -> list[str]:
        """Names and addresses in the records (MX exchange, NS target, A/AAAA address)."""
        out = []
        for r in self.records:
            for attr in ("exchange", "target", "address"):
                value = getattr(r, attr, None)
                if value is not None:
                    out.append(str(value).rstrip(".").lower() if attr != "address" else value)
        return out


@dataclass
class DnsClient:
    """Queries `resolvers` (tried in order on failure) on `port`, with `timeout` per try."""

    resolvers: Sequence[str]
    port: int
    timeout: float
    policy: AddressPolicy
    _cache: dict[tuple[str, str], asyncio.Task[DnsAnswer]] = field(default_factory=dict)

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        """The resolvers' answer for `name` `rdtype`, asked once per scan."""
        key = (name.lower().rstrip("."), rdtype)
        task = self._cache.get(key)
        if task is None:
            task = asyncio.ensure_future(self._ask(key[0], rdtype))
            self._cache[key] = task
        return await asyncio.shield(task)

    async def query_server(self, server: str, name: str, rdtype: str) -> DnsAnswer:
        """Ask one server (an address a DNS answer gave) directly, after the policy allows it."""
        self.policy.check(server)
        return await self._one(server, name, rdtype, recursion=False)

    async def _ask(self, name: str, rdtype: str) -> DnsAnswer:
        if not self.resolvers:
            raise ConnectionError(
                "no DNS resolver configured: set NETHEALTH_STANDARDS_DNS_RESOLVERS (lab mode "
                "asks the lab's DNS server only)"
            )
        failures = []
        for server in self.resolvers:
            try:
                return await self._one(server, name, rdtype, recursion=True)
            except (TimeoutError, ConnectionError) as exc:
                failures.append(exc)
        if all(isinstance(f, TimeoutError) for f in failures):
            raise TimeoutError(f"no resolver answered {name} {rdtype}")
        raise ConnectionError("; ".join(str(f) for f in failures))

    async def _one(self, server: str, name: str, rdtype: str, *, recursion: bool) -> DnsAnswer:
        query = dns.message.make_query(name, rdtype, want_dnssec=True)
        query.flags |= dns.flags.AD  # ask for the AD bit (RFC 6840 §5.7)
        # Checking Disabled: the scanner validates DNSSEC itself (checks.domain.dnssec), so a
        # validating resolver must hand over bogus answers rather than SERVFAIL (RFC 6840
        # §5.9); otherwise a broken signature would turn every DNS check into an error.
        query.flags |= dns.flags.CD
        if not recursion:
            query.flags &= ~dns.flags.RD
        response = await self._exchange(query, server, name, rdtype)
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise ConnectionError(
                f"{server} answered {dns.rcode.to_text(rcode)} for {name} {rdtype}"
            )
        wanted = dns.rdatatype.from_text(rdtype)
        records = tuple(r for rrset in response.answer if rrset.rdtype == wanted for r in rrset)
        owned = [s for s in response.answer if s.rdtype == wanted]
        sigs = [
            s for s in response.answer
            if s.rdtype == dns.rdatatype.RRSIG and s.covers == wanted
        ]  # fmt: skip
        return DnsAnswer(
            name=name,
            rdtype=rdtype,
            rcode=dns.rcode.to_text(rcode),
            authenticated=bool(response.flags & dns.flags.AD),
            records=records,
            rrset=owned[-1] if owned else None,  # after any CNAME: the records asked for
            rrsig=sigs[-1] if sigs else None,
        )

    async def _exchange(
        self, query: dns.message.Message, server: str, name: str, rdtype: str
    ) -> dns.message.Message:
        """The server's reply. A UDP datagram may be lost, so the query is sent up to TRIES
        times within the timeout, as stub resolvers do."""
        for _ in range(TRIES):
            try:
                response, _tcp = await dns.asyncquery.udp_with_fallback(
                    query, server, timeout=self.timeout / TRIES, port=self.port
                )
                return response
            except dns.exception.Timeout:
                continue
            except (dns.exception.DNSException, OSError) as exc:
                raise ConnectionError(
                    f"{server}: {name} {rdtype}: {type(exc).__name__}: {exc}"
                ) from None
        raise TimeoutError(f"{server} did not answer {name} {rdtype} in time")


def system_resolvers() -> list[str]:
    """The system's resolvers (/etc/resolv.conf); [] when it names none."""
    try:
        return list(dns.resolver.Resolver().nameservers)  # type: ignore[arg-type]
    except dns.resolver.NoResolverConfiguration:
        return []


def dns_client_for(settings: Settings, policy: AddressPolicy) -> DnsClient:
    """The configured resolvers; the system's when none are, except in lab mode, which asks the
    lab's server only (lab names never leak to the system's resolver)."""
    configured = list(settings.standards_dns_resolvers)
    return DnsClient(
        resolvers=configured or ([] if policy.lab else system_resolvers()),
        port=settings.standards_dns_port,
        timeout=settings.standards_timeout,
        policy=policy,
    )
