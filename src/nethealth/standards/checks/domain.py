"""DNS checks of the domain: A and AAAA of the domain and of `www`, name servers reachable over
IPv6, CAA (docs/standards.md lists what each tests and how it judges).

They are scored in the `web` category, where internet.nl puts them (name servers over IPv6
under the website's IPv6 test, CAA beside the certificate).
"""

from __future__ import annotations

import re
from functools import partial

import dns.dnssec
import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
from dns.rdtypes.ANY.DS import DS

from nethealth.standards.context import ScanContext
from nethealth.standards.model import Attempt, Check, declare, failed, passed
from nethealth.standards.safety import PolicyRefusal

MIN_NS_IPV6 = 2  # internet.nl: at least two name servers reachable over IPv6


async def _usable(ctx: ScanContext, name: str, rdtype: str) -> tuple[list[str], list[str]]:
    """(allowed, refused-with-why) addresses of `name` `rdtype` in DNS."""
    found = (await ctx.resolver().query(name, rdtype)).hosts()
    allowed = [a for a in found if ctx.net.policy.refusal(a) is None]
    refused = [f"{a}: {ctx.net.policy.refusal(a)}" for a in found if a not in allowed]
    return allowed, refused


async def www_records(ctx: ScanContext) -> Attempt:
    seen, missing = [], []
    for name in (ctx.name, f"www.{ctx.name}"):
        for rdtype in ("A", "AAAA"):
            allowed, refused = await _usable(ctx, name, rdtype)
            if allowed:
                seen.append(f"{name} {rdtype} {', '.join(allowed)}")
            else:
                extra = f" (refused: {'; '.join(refused)})" if refused else ""
                missing.append(f"{name} {rdtype}{extra}")
    if missing:
        return failed(f"no usable record: {'; '.join(missing)}")
    return passed("; ".join(seen))


async def ns_ipv6(ctx: ScanContext) -> Attempt:
    hosts = sorted((await ctx.resolver().query(ctx.name, "NS")).hosts())
    if not hosts:
        return failed(f"no NS record for {ctx.name} (ask the zone's apex)")
    reachable, problems = [], []
    for host in hosts:
        allowed, refused = await _usable(ctx, host, "AAAA")
        if not allowed:
            extra = f" (refused: {'; '.join(refused)})" if refused else ""
            problems.append(f"{host} has no usable AAAA{extra}")
            continue
        answered = []
        for address in allowed:
            try:
                answer = await ctx.resolver().query_server(address, ctx.name, "SOA")
            except (TimeoutError, ConnectionError, PolicyRefusal) as exc:
                problems.append(f"{host} [{address}]: {exc or type(exc).__name__}")
                continue
            if answer.records:
                answered.append(address)
            else:
                problems.append(f"{host} [{address}] has no SOA for {ctx.name} ({answer.rcode})")
        if answered:
            reachable.append(f"{host} [{', '.join(answered)}]")
    if len(reachable) < MIN_NS_IPV6:
        found = ", ".join(reachable) or "none"
        return failed(
            f"{len(reachable)} of {len(hosts)} name servers answer over IPv6 ({found}); "
            f"{MIN_NS_IPV6} are needed: {'; '.join(problems)}"
        )
    return passed(f"answer over IPv6: {', '.join(reachable)}")


_ISSUER = re.compile(r"^\s*([A-Za-z0-9.\-]*)\s*(;.*)?$")
_PARAMETER = re.compile(r"^\s*[A-Za-z0-9]+\s*=\s*[\x21-\x3a\x3c-\x7e]*\s*$")


def caa_problems(records: list[tuple[int, str, str]]) -> list[str]:
    """What RFC 8659 §4 makes wrong in a CAA RRset of (flags, tag, value)."""
    problems = []
    for flags, tag, value in records:
        lower = tag.lower()
        if lower in ("issue", "issuewild"):
            match = _ISSUER.match(value)
            params = (match.group(2) or ";")[1:] if match else ""
            if match is None or not all(
                _PARAMETER.match(p) for p in params.split(";") if p.strip()
            ):
                problems.append(f'{tag} "{value}" is not issuer-domain-name [; parameters]')
        elif lower == "iodef":
            if not re.match(r"^(mailto:\S+@\S+|https?://\S+)$", value):
                problems.append(f'iodef "{value}" is not a mailto: or http(s): URL')
        elif flags & 128:
            problems.append(f"critical unknown tag {tag!r}: every CA must refuse to issue")
    if not any(tag.lower() == "issue" for _f, tag, _v in records):
        problems.append("no issue property (only issuewild or iodef)")
    return problems


async def caa(ctx: ScanContext) -> Attempt:
    """The relevant RRset (RFC 8659 §3): the domain's, else its closest ancestor's, below the
    top-level domain."""
    labels = ctx.name.split(".")
    for start in range(len(labels) - 1):
        name = ".".join(labels[start:])
        answer = await ctx.resolver().query(name, "CAA")
        records = sorted(
            (int(getattr(r, "flags", 0)), bytes(getattr(r, "tag", b"")).decode("ascii", "replace"),
             bytes(getattr(r, "value", b"")).decode("utf-8", "replace"))
            for r in answer.records
        )  # fmt: skip
        if not records:
            continue
        shown = "; ".join(f'{f} {t} "{v}"' for f, t, v in records)
        problems = caa_problems(records)
        if problems:
            return failed(f"CAA at {name} ({shown}): {'; '.join(problems)}")
        return passed(f"CAA at {name}: {shown}")
    return failed(f"no CAA record at {ctx.name} or its parents: any CA may issue for it")


# DNSSEC (RFC 4033-4035): the chain DS -> DNSKEY -> RRSIG from a trust anchor down


class Insecure(Exception):
    """The chain of trust is broken or absent; the message says where."""


def parse_anchor(text: str) -> tuple[dns.name.Name, DS]:
    zone, _, ds = text.strip().partition(" ")
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, ds)
    if not isinstance(rdata, DS):
        raise ValueError(f"{text!r} is not a DS record")
    return dns.name.from_text(zone), rdata


def _validate(rrset: dns.rrset.RRset, rrsig: dns.rrset.RRset | None, zone: dns.name.Name,
              keys: dns.rdataset.Rdataset, what: str) -> None:  # fmt: skip
    if rrsig is None:
        raise Insecure(f"{what} has no RRSIG")
    try:
        dns.dnssec.validate(rrset, rrsig, {zone: keys})
    except dns.exception.ValidationFailure as exc:
        raise Insecure(f"{what}: signature does not validate with {zone}'s keys ({exc})") from None


async def _zone_keys(
    ctx: ScanContext, zone: dns.name.Name, ds_set: list[DS]
) -> dns.rdataset.Rdataset:
    """The zone's DNSKEY set, validated: a key matches a trusted DS and signs the set."""
    answer = await ctx.resolver().query(zone.to_text(), "DNSKEY")
    if answer.rrset is None:
        raise Insecure(f"{zone} has a DS at its parent but no DNSKEY")
    matched = [
        key for key in answer.rrset
        for ds in ds_set
        if dns.dnssec.make_ds(zone, key, ds.digest_type, validating=True) == ds
    ]  # fmt: skip
    if not matched:
        tags = ", ".join(str(ds.key_tag) for ds in ds_set)
        raise Insecure(f"no DNSKEY of {zone} matches its DS (key tag {tags})")
    trusted = dns.rdataset.from_rdata_list(answer.rrset.ttl, matched)
    _validate(answer.rrset, answer.rrsig, zone, trusted, f"{zone} DNSKEY")
    return dns.rdataset.from_rdata_list(answer.rrset.ttl, list(answer.rrset))


async def dnssec(ctx: ScanContext) -> Attempt:
    domain = dns.name.from_text(ctx.name)
    anchors = [parse_anchor(a) for a in ctx.anchors]
    covering = [a for a in anchors if domain.is_subdomain(a[0])]
    if not covering:
        raise ConnectionError(
            f"no DNSSEC trust anchor covers {ctx.name} (standards_dnssec_anchors)"
        )
    zone = max(covering, key=lambda a: len(a[0].labels))[0]
    chain = [zone.to_text()]
    try:
        keys = await _zone_keys(ctx, zone, [ds for z, ds in covering if z == zone])
        for depth in range(len(zone.labels) + 1, len(domain.labels) + 1):
            name = domain.split(depth)[1]
            ds = await ctx.resolver().query(name.to_text(), "DS")
            if ds.rrset is not None:
                _validate(ds.rrset, ds.rrsig, zone, keys, f"{name} DS")
                keys = await _zone_keys(ctx, name, [r for r in ds.rrset if isinstance(r, DS)])
                zone = name
                chain.append(zone.to_text())
                continue
            soa = await ctx.resolver().query(name.to_text(), "SOA")
            if soa.rrset is not None and soa.rrset.name == name:
                raise Insecure(f"{name} is a zone without a DS record at {zone}: it is not signed")
        for rdtype in ("SOA", "A", "AAAA"):
            target = await ctx.resolver().query(ctx.name, rdtype)
            if target.rrset is not None:
                _validate(target.rrset, target.rrsig, zone, keys, f"{ctx.name} {rdtype}")
                break
        else:
            raise Insecure(f"{ctx.name} has no SOA, A or AAAA record to validate")
    except Insecure as exc:
        return failed(f"chain {' -> '.join(chain)}: {exc}")
    return passed(f"chain of trust {' -> '.join(chain)} validates {ctx.name} {rdtype}")


_check = partial(declare, "web")  # the DNS checks, scored with the web checks


CHECKS: tuple[Check, ...] = (
    _check("web-dns-www", "Domain and www have A and AAAA records", www_records, 5,
           "Publish A and AAAA records for the domain and for www (both names reach the site).",
           "RFC 1034, RFC 3596; internet.nl 'IPv6 addresses for web server'"),
    _check("web-ns-ipv6", "Name servers reachable over IPv6", ns_ipv6, 10,
           "Have at least two of the domain's name servers answer on IPv6 addresses (AAAA).",
           "RFC 3596; internet.nl 'IPv6 addresses for name servers'"),
    _check("web-dnssec", "DNSSEC: signed, with a chain of trust to the anchor", dnssec, 10,
           "Sign the zone (most DNS hosts do it in one setting) and publish its DS at the "
           "registrar.", "RFC 4033, RFC 4034, RFC 4035"),
    _check("web-caa", "CAA names the CAs allowed to issue", caa, 5,
           'Publish CAA records, e.g. 0 issue "letsencrypt.org" and 0 iodef "mailto:…".',
           "RFC 8659"),
)  # fmt: skip
