"""Who provides a target's building blocks: the attribution rules over the evidence the scanner
records (`standards.checks.providers`), versioned (`VERSION`) and documented in
docs/methodology/concentration.md.

Blocks: hosting (origin AS of the web address), dns (operator of the name servers), ca (issuer
organisation of the leaf certificate), cdn (the rule table `CDN_RULES`), mail (operator of the MX
hosts), tld (the target's top-level domain). An attribution is a provider key, or unknown with
the reason; unknown is counted, never a provider called "".

Registrable domain: no public-suffix library is installed, so `registrable_domain` applies a
documented rule instead of the Public Suffix List — the last two labels, or the last three when
the last label is a two-letter country code and the one before it is a common second-level
label (`SECOND_LEVEL`: co.uk, com.br, ac.jp, …). Its limits: private suffixes (github.io,
herokuapp.com) and the many other country second levels (e.g. `pvt.k12.ma.us`, `kyoto.jp`)
are not known, so such hosts group under the suffix's owner or under a longer name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

VERSION = 1  # bump when a rule or the rule table changes what is attributed

Block = Literal["hosting", "dns", "ca", "cdn", "mail", "tld"]
BLOCKS: tuple[Block, ...] = ("hosting", "dns", "ca", "cdn", "mail", "tld")
# The evidence check of each block (tld needs none: it is read from the target's name).
EVIDENCE_CHECKS: dict[str, Block] = {
    "provider-hosting": "hosting", "provider-dns": "dns", "provider-ca": "ca",
    "provider-cdn": "cdn", "provider-mail": "mail",
}  # fmt: skip

SECOND_LEVEL = frozenset({
    "ac", "co", "com", "edu", "go", "gob", "gov", "gouv", "govt", "ltd", "mil", "ne", "net",
    "nic", "nom", "or", "org", "plc", "sch",
})  # fmt: skip


def registrable_domain(host: str) -> str | None:
    """The registrable domain of `host` under the rule of the module docstring; None for a
    name with fewer than two labels (or an address)."""
    labels = [x for x in host.strip().rstrip(".").lower().split(".") if x]
    if len(labels) < 2 or all(x.isdigit() for x in labels) or ":" in host:
        return None
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def tld(host: str) -> str | None:
    labels = [x for x in host.strip().rstrip(".").lower().split(".") if x]
    return labels[-1] if len(labels) >= 2 else None


@dataclass(frozen=True)
class OperatorRule:
    """A registrable-domain pattern that names one operator (a provider spread over many
    domains, e.g. Amazon Route 53's awsdns-NN.com/.net/.org/.co.uk)."""

    operator: str
    pattern: str  # a regular expression over the registrable domain, anchored
    source: str


OPERATOR_RULES: tuple[OperatorRule, ...] = (
    OperatorRule("Amazon Route 53", r"awsdns-\d+\.(com|net|org|co\.uk)",
                 "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/SOA-NSrecords.html"),
    OperatorRule("Azure DNS", r"azure-dns\.(com|net|org|info)",
                 "https://learn.microsoft.com/azure/dns/dns-delegate-domain-azure-dns"),
    OperatorRule("Google Cloud DNS", r"googledomains\.com",
                 "https://cloud.google.com/dns/docs/update-name-servers"),
)  # fmt: skip


def operator_of(domain: str) -> str:
    """The operator a registrable domain belongs to: an OPERATOR_RULES name, else the domain."""
    for rule in OPERATOR_RULES:
        if re.fullmatch(rule.pattern, domain):
            return rule.operator
    return domain


CdnKind = Literal["cname", "header", "header_value", "asn"]


@dataclass(frozen=True)
class CdnRule:
    """One documented sign of a CDN: a CNAME ending in `pattern`, a response header named
    `pattern` being present, a header `name: value` matching the regular expression, or the web
    address announced by AS `pattern`."""

    id: str
    cdn: str
    kind: CdnKind
    pattern: str
    source: str  # where the sign is documented


CDN_RULES: tuple[CdnRule, ...] = (
    CdnRule("cloudflare-header", "Cloudflare", "header", "cf-ray",
            "https://developers.cloudflare.com/fundamentals/reference/http-headers/"),
    CdnRule("cloudflare-asn", "Cloudflare", "asn", "13335",
            "https://www.peeringdb.com/net/4224 (AS13335, Cloudflare)"),
    CdnRule("akamai-cname", "Akamai", "cname", ".akamaiedge.net",
            "https://techdocs.akamai.com/property-mgr/docs/edge-hostnames"),
    CdnRule("akamai-cname-edgekey", "Akamai", "cname", ".edgekey.net",
            "https://techdocs.akamai.com/property-mgr/docs/edge-hostnames"),
    CdnRule("akamai-cname-edgesuite", "Akamai", "cname", ".edgesuite.net",
            "https://techdocs.akamai.com/property-mgr/docs/edge-hostnames"),
    CdnRule("cloudfront-cname", "Amazon CloudFront", "cname", ".cloudfront.net",
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html"),
    CdnRule("cloudfront-header", "Amazon CloudFront", "header", "x-amz-cf-id",
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
            "RequestAndResponseBehaviorCustomOrigin.html"),
    CdnRule("fastly-cname", "Fastly", "cname", ".fastly.net",
            "https://docs.fastly.com/en/guides/working-with-cname-records-and-your-dns-provider"),
    CdnRule("fastly-asn", "Fastly", "asn", "54113",
            "https://www.peeringdb.com/net/11000 (AS54113, Fastly)"),
    CdnRule("azure-front-door-cname", "Azure Front Door", "cname", ".azurefd.net",
            "https://learn.microsoft.com/azure/frontdoor/front-door-custom-domain"),
    CdnRule("azure-front-door-header", "Azure Front Door", "header", "x-azure-ref",
            "https://learn.microsoft.com/azure/frontdoor/front-door-http-headers-protocol"),
    CdnRule("imperva-cname", "Imperva", "cname", ".incapdns.net",
            "https://docs.imperva.com/bundle/cloud-application-security/page/onboarding/"
            "dns-changes.htm"),
    CdnRule("google-cdn-via", "Google Cloud CDN", "header_value", r"via:.*\bgoogle\b",
            "https://cloud.google.com/load-balancing/docs/https#target-proxies"),
    CdnRule("vercel-header", "Vercel", "header", "x-vercel-id",
            "https://vercel.com/docs/headers/response-headers"),
    CdnRule("netlify-header", "Netlify", "header", "x-nf-request-id",
            "https://docs.netlify.com/routing/headers/"),
)  # fmt: skip
# The response headers the scanner keeps for the rules (every header a rule names).
CDN_HEADERS = tuple(sorted(
    {r.pattern for r in CDN_RULES if r.kind == "header"}
    | {r.pattern.split(":", 1)[0] for r in CDN_RULES if r.kind == "header_value"}
))  # fmt: skip


@dataclass(frozen=True)
class Attribution:
    """One target's provider of one block: `provider` None is unknown (`why` says why);
    `rule` names what decided it."""

    block: Block
    provider: str | None
    name: str | None  # a readable name (the AS name of an ASN where loaded)
    asns: tuple[int, ...]  # the ASNs seen (hosting: the web addresses'; dns: the NS hosts')
    rule: str
    why: str


AsnOf = Callable[[str], int | None]  # an address's origin AS (None: no route known)


def _unknown(block: Block, why: str, asns: Sequence[int] = ()) -> Attribution:
    return Attribution(block, None, None, tuple(asns), "unknown", why)


def _origins(evidence: Mapping[str, Any], asn_of: AsnOf | None) -> tuple[list[int], str]:
    """The origin ASNs of the evidence's addresses in order (the recorder's `asns` when it
    gave them: the simulator does), and why there are none."""
    given = [int(a) for a in evidence.get("asns") or []]
    if given:
        return given, ""
    addresses = [str(a) for a in evidence.get("addresses") or []]
    if not addresses:
        return [], "no address recorded"
    if asn_of is None:
        return [], "no prefix-to-origin data (bgp_prefix_origins) on or before the scan date"
    found = [a for a in (asn_of(x) for x in addresses) if a is not None]
    return found, "" if found else f"no routed prefix covers {', '.join(addresses[:3])}"


def _most_common(keys: Sequence[str]) -> str:
    """The key seen most often; ties go to the alphabetically first (a stable choice)."""
    counts = Counter(keys)
    return min(counts, key=lambda k: (-counts[k], k))


def _by_domain(block: Block, hosts: Sequence[str], asns: Sequence[int], what: str) -> Attribution:
    operators = [operator_of(d) for d in (registrable_domain(h) for h in hosts) if d]
    if not operators:
        return _unknown(block, f"no registrable domain in the {what} {', '.join(hosts)}", asns)
    chosen = _most_common(operators)
    note = f"{what} {', '.join(sorted(set(hosts)))}"
    if len(set(operators)) > 1:
        note += f" (also {', '.join(sorted(set(operators) - {chosen}))}: the most common counts)"
    return Attribution(block, chosen, None, tuple(asns), "registrable-domain", note)


def _cdn(evidence: Mapping[str, Any], asns: Sequence[int]) -> Attribution:
    cnames = [str(c).lower().rstrip(".") for c in evidence.get("cnames") or []]
    headers = {str(k).lower(): str(v) for k, v in (evidence.get("headers") or {}).items()}
    for rule in CDN_RULES:
        hit: str | None = None
        if rule.kind == "cname":
            hit = next((c for c in cnames if c.endswith(rule.pattern)), None)
        elif rule.kind == "header" and rule.pattern in headers:
            hit = f"{rule.pattern}: {headers[rule.pattern]}"
        elif rule.kind == "header_value":
            name = rule.pattern.split(":", 1)[0]
            line = f"{name}: {headers[name]}" if name in headers else ""
            hit = line if line and re.search(rule.pattern, line, re.IGNORECASE) else None
        elif rule.kind == "asn" and int(rule.pattern) in asns:
            hit = f"AS{rule.pattern}"
        if hit:
            return Attribution("cdn", rule.cdn, None, tuple(asns), rule.id, hit)
    return _unknown("cdn", "no rule of CDN_RULES matched (no CDN detected, or one the rules "
                    "do not know)", asns)  # fmt: skip


def attribute(
    block: Block,
    target: str,
    evidence: Mapping[str, Any] | None,
    asn_of: AsnOf | None = None,
    as_name: Callable[[int], str | None] | None = None,
) -> Attribution:
    """The provider of `block` for `target` from the scanner's `evidence` (the JSON detail of
    the block's check; None for tld, which reads the name)."""
    if block == "tld":
        found = tld(target)
        return (Attribution("tld", found, None, (), "last-label", target) if found
                else _unknown("tld", f"{target!r} has no top-level domain"))  # fmt: skip
    ev = evidence or {}
    if block == "ca":
        org, cn = ev.get("issuer_o"), ev.get("issuer_cn")
        if org:
            return Attribution("ca", str(org), None, (), "issuer-organisation", f"O={org}")
        if cn:
            return Attribution("ca", str(cn), None, (), "issuer-common-name",
                               f"CN={cn} (the issuer names no organisation)")  # fmt: skip
        return _unknown("ca", "the issuer names neither an organisation nor a common name")
    asns, why = _origins(ev, asn_of)
    if block == "hosting":
        if not asns:
            return _unknown("hosting", why)
        name = as_name(asns[0]) if as_name else None
        return Attribution("hosting", f"AS{asns[0]}", name, tuple(asns), "origin-asn",
                           f"{(ev.get('addresses') or ['?'])[0]} originated by AS{asns[0]}")  # fmt: skip
    if block == "cdn":
        return _cdn(ev, asns)
    if block == "dns":
        return _by_domain("dns", [str(h) for h in ev.get("ns") or []], asns, "name servers")
    if block == "mail":
        return _by_domain("mail", [str(h) for h in ev.get("mx") or []], asns, "MX hosts")
    raise ValueError(f"unknown building block {block!r}; one of {', '.join(BLOCKS)}")
