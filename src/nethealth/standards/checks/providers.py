"""The provider evidence checks: what the scanner records about who serves a target, for the
concentration measures (docs/methodology/concentration.md).

Each check is informative (no points, not in `REGISTRY`, so test-your-domain reports and scores
are unchanged) and returns `info` with its evidence as a JSON object in `detail` — the raw
observations, not the attribution: the rules of `standards.attribution` (versioned apart) turn
them into providers in the build step `concentration`, where the lake's prefix-to-origin data
of the scan date gives the addresses' ASNs. `scan-list` runs them with the registry's checks, so
the scan store and `scan_results` carry them like any other result (one row per target × check
× scan date, with the check's version).

- provider-hosting: the target's web addresses (A, then AAAA), as the checks test them;
- provider-dns: the name servers of the target's zone (NS of the name, else of its registrable
  domain) and up to MAX_NS_ADDRESSES of their addresses;
- provider-ca: the issuer organisation and common name of the leaf certificate;
- provider-cdn: the CNAME chain of the name (up to MAX_CNAMES hops), the response headers of
  `GET /` that a CDN rule names, and the web addresses;
- provider-mail: the MX hosts (not applicable with a null MX or none).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from nethealth.standards.attribution import CDN_HEADERS, registrable_domain
from nethealth.standards.context import ScanContext
from nethealth.standards.model import Attempt, Check, declare

MAX_CNAMES = 8
MAX_NS_ADDRESSES = 4
ADVICE = "Nothing to fix: this records who provides the service, for the concentration measures."
REFERENCE = "docs/methodology/concentration.md"


def _info(evidence: dict[str, Any]) -> Attempt:
    return Attempt("info", json.dumps(evidence, sort_keys=True, separators=(",", ":")))


async def hosting(ctx: ScanContext) -> Attempt:
    return _info({"addresses": await ctx.addresses()})


async def _ns_hosts(ctx: ScanContext) -> tuple[str, list[str]]:
    """(zone asked, NS hosts): the name's NS, else its registrable domain's."""
    names = [ctx.name]
    parent = registrable_domain(ctx.name)
    if parent and parent != ctx.name:
        names.append(parent)
    for name in names:
        hosts = sorted(h for h in (await ctx.resolver().query(name, "NS")).hosts() if h)
        if hosts:
            return name, hosts
    return names[-1], []


async def dns_operator(ctx: ScanContext) -> Attempt:
    zone, hosts = await _ns_hosts(ctx)
    if not hosts:
        return Attempt("not_applicable", f"no NS record for {ctx.name} or its parent {zone}")
    addresses: list[str] = []
    for host in hosts[:MAX_NS_ADDRESSES]:
        try:
            found = (await ctx.resolver().query(host, "A")).hosts()
        except (TimeoutError, ConnectionError):
            continue  # the operator is still known by the host's name
        addresses.extend(found[:1])
    return _info({"zone": zone, "ns": hosts, "addresses": addresses})


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


async def certificate_authority(ctx: ScanContext) -> Attempt:
    shake = await ctx.main_handshake()
    if shake.certificate is None:
        raise ConnectionError("the server sent no certificate")
    try:
        cert = x509.load_der_x509_certificate(shake.certificate)
    except ValueError as exc:  # the server's bytes, not our bug
        raise ConnectionError(f"the server's certificate cannot be parsed: {exc}") from None
    return _info({
        "issuer_o": _attribute(cert.issuer, NameOID.ORGANIZATION_NAME),
        "issuer_cn": _attribute(cert.issuer, NameOID.COMMON_NAME),
    })  # fmt: skip


async def _cname_chain(ctx: ScanContext) -> list[str]:
    chain: list[str] = []
    name = ctx.name
    for _ in range(MAX_CNAMES):
        hosts = [h for h in (await ctx.resolver().query(name, "CNAME")).hosts() if h]
        if not hosts or hosts[0] in chain:
            break
        chain.append(hosts[0])
        name = hosts[0]
    return chain


async def cdn(ctx: ScanContext) -> Attempt:
    cnames = await _cname_chain(ctx)
    addresses = await ctx.addresses()
    try:
        response = await ctx.https_get("/")
        headers = {h: v for h in CDN_HEADERS if (v := response.header(h)) is not None}
    except (TimeoutError, OSError) as exc:  # no HTTPS: the CNAMEs and addresses still tell
        return _info({"cnames": cnames, "headers": {}, "addresses": addresses,
                      "https": f"{type(exc).__name__}: {exc}"})  # fmt: skip
    return _info({"cnames": cnames, "headers": headers, "addresses": addresses})


async def mail(ctx: ScanContext) -> Attempt:
    answer = await ctx.resolver().query(ctx.name, "MX")
    hosts = [h for h in answer.hosts() if h]
    if not hosts:
        return Attempt("not_applicable", f"no MX host for {ctx.name} (none, or a null MX)")
    return _info({"mx": sorted(set(hosts))})


def _declare(family: Any, id: str, title: str, run: Any) -> Check:
    return declare(family, id, title, run, 0, ADVICE, REFERENCE)


PROVIDERS: tuple[Check, ...] = (
    _declare("web", "provider-hosting", "Hosting network (web addresses)", hosting),
    _declare("web", "provider-dns", "DNS operator (name servers)", dns_operator),
    _declare("web", "provider-ca", "Certificate authority (issuer)", certificate_authority),
    _declare("web", "provider-cdn", "CDN (CNAMEs, headers, addresses)", cdn),
    _declare("mail", "provider-mail", "Mail provider (MX hosts)", mail),
)
