"""DNS checks of the domain: A and AAAA of the domain and of `www`, name servers reachable over
IPv6, CAA (docs/standards.md lists what each tests and how it judges).

They are scored in the `web` category, where internet.nl puts them (name servers over IPv6
under the website's IPv6 test, CAA beside the certificate).
"""

from __future__ import annotations

import re

from nethealth.standards.context import ScanContext
from nethealth.standards.model import Attempt, Check, CheckFn, failed, passed
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


def _check(
    id: str, title: str, run: CheckFn, points: int, advice: str, reference: str, version: int = 1
) -> Check:
    """A DNS check scored with the web checks; points > 0 makes it mandatory, 0 informative."""
    return Check(
        id=id, family="web", title=title, version=version, mandatory=points > 0, points=points,
        run=run, advice=advice, reference=reference,
    )  # fmt: skip


CHECKS: tuple[Check, ...] = (
    _check("web-dns-www", "Domain and www have A and AAAA records", www_records, 5,
           "Publish A and AAAA records for the domain and for www (both names reach the site).",
           "RFC 1034, RFC 3596; internet.nl 'IPv6 addresses for web server'"),
    _check("web-ns-ipv6", "Name servers reachable over IPv6", ns_ipv6, 10,
           "Have at least two of the domain's name servers answer on IPv6 addresses (AAAA).",
           "RFC 3596; internet.nl 'IPv6 addresses for name servers'"),
    _check("web-caa", "CAA names the CAs allowed to issue", caa, 5,
           'Publish CAA records, e.g. 0 issue "letsencrypt.org" and 0 iodef "mailto:…".',
           "RFC 8659"),
)  # fmt: skip
