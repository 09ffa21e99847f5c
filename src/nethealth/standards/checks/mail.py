"""Mail checks: MX (or null MX), the MX hosts on IPv6, SPF, DMARC, MTA-STS and TLS-RPT
(docs/standards.md lists what each tests and how it judges).

A domain with a null MX (RFC 7505) refuses mail: the checks of receiving mail (MX on IPv6,
MTA-STS, TLS-RPT) do not apply to it, while SPF and DMARC still do, because a domain that sends
no mail can still be forged in a From: line.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import ssl
from functools import partial

from nethealth.standards.context import ScanContext
from nethealth.standards.dns import DnsAnswer
from nethealth.standards.model import Attempt, Check, declare, failed, passed
from nethealth.standards.net import http_get, scan_context
from nethealth.standards.safety import PolicyRefusal, normalize_name

SPF_MAX_LOOKUPS = 10  # RFC 7208 §4.6.4
MTA_STS_MAX_AGE = 31_557_600  # RFC 8461 §3.2
NOT_RECEIVING = Attempt("not_applicable", "the domain refuses mail (null MX, RFC 7505)")


async def _mx(ctx: ScanContext) -> DnsAnswer:
    return await ctx.resolver().query(ctx.name, "MX")


def _is_null_mx(answer: DnsAnswer) -> bool:
    return len(answer.records) == 1 and answer.hosts() == [""] and _pref(answer, 0) == 0


def _pref(answer: DnsAnswer, index: int) -> int:
    return int(getattr(answer.records[index], "preference", -1))


async def mx_present(ctx: ScanContext) -> Attempt:
    answer = await _mx(ctx)
    if _is_null_mx(answer):
        return passed("null MX (0 .): the domain states that it accepts no mail (RFC 7505)")
    hosts = answer.hosts()
    if "" in hosts:
        return failed(
            f"a null MX (.) mixed with other MX records ({', '.join(r.to_text() for r in answer.records)}): "
            "RFC 7505 §3 allows it only alone"
        )
    if not hosts:
        return failed(f"no MX record for {ctx.name} ({answer.rcode})")
    return passed(f"MX: {', '.join(r.to_text() for r in answer.records)}")


async def _receiving_hosts(ctx: ScanContext) -> list[str] | Attempt:
    """The MX hosts, or the attempt to return when the domain receives no mail."""
    answer = await _mx(ctx)
    if _is_null_mx(answer):
        return NOT_RECEIVING
    hosts = [h for h in answer.hosts() if h]
    if not hosts:
        return failed(f"no MX record for {ctx.name}")
    return hosts


async def mx_ipv6(ctx: ScanContext) -> Attempt:
    hosts = await _receiving_hosts(ctx)
    if isinstance(hosts, Attempt):
        return hosts
    missing, seen = [], []
    for host in hosts:
        answer = await ctx.resolver().query(host, "AAAA")
        usable = [a for a in answer.hosts() if ctx.net.policy.refusal(a) is None]
        refused = [f"{a}: {ctx.net.policy.refusal(a)}" for a in answer.hosts() if a not in usable]
        if usable:
            seen.append(f"{host} {', '.join(usable)}")
        else:
            extra = f" (refused: {'; '.join(refused)})" if refused else ""
            missing.append(f"{host}{extra}")
    if missing:
        return failed(f"no usable AAAA for MX host(s) {', '.join(missing)}")
    return passed(f"every MX host has an IPv6 address: {'; '.join(seen)}")


# SPF (RFC 7208)

_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_LOOKUP_TERMS = {"include", "a", "mx", "ptr", "exists"}
_DOMAIN_SPEC = re.compile(r"^[A-Za-z0-9_.%{}+=\-/]+$")


def spf_records(texts: list[str]) -> list[str]:
    """The SPF records among TXT strings: `v=spf1` alone or followed by a space (§4.5)."""
    return [t for t in texts if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 ")]


class SpfError(Exception):
    """A permerror: the record cannot be evaluated (RFC 7208 §2.6.7)."""


def parse_spf(record: str) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """([(qualifier, mechanism, argument)], {modifier: value}) of one record, or SpfError."""
    mechanisms: list[tuple[str, str, str]] = []
    modifiers: dict[str, str] = {}
    for term in record.split()[1:]:
        name, eq, value = term.partition("=")
        if eq and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*", name):
            if name.lower() in modifiers and name.lower() in ("redirect", "exp"):
                raise SpfError(f"{name}= appears twice")
            modifiers[name.lower()] = value
            continue
        qualifier = term[0] if term[0] in "+-~?" else "+"
        body = term[1:] if term[0] in "+-~?" else term
        mech = re.split(r"[:/]", body, maxsplit=1)[0]
        rest = body[len(mech) :]
        arg = rest[1:] if rest.startswith(":") else rest
        mech = mech.lower()
        if mech not in _MECHANISMS:
            raise SpfError(f"unknown mechanism {term!r}")
        if mech in ("include", "exists", "ip4", "ip6") and not rest.startswith(":"):
            raise SpfError(f"{term!r} needs an argument")
        if mech == "all" and rest:
            raise SpfError(f"{term!r}: all takes no argument")
        if mech == "ip4" or mech == "ip6":
            try:
                network = ipaddress.ip_network(arg, strict=False)
            except ValueError:
                raise SpfError(f"{term!r} is not a valid {mech} network") from None
            if network.version != int(mech[-1]):
                raise SpfError(f"{term!r} is not an IPv{mech[-1]} network")
        elif arg and not _DOMAIN_SPEC.match(arg.split("/", 1)[0] or "x"):
            raise SpfError(f"{term!r} has an invalid domain")
        mechanisms.append((qualifier, mech, arg))
    return mechanisms, modifiers


async def _spf_of(ctx: ScanContext, domain: str) -> str:
    answer = await ctx.resolver().query(domain, "TXT")
    records = spf_records(answer.texts())
    if not records:
        raise SpfError(f"{domain} has no SPF record")
    if len(records) > 1:
        raise SpfError(f"{domain} has {len(records)} SPF records (exactly one is allowed)")
    return records[0]


async def _count_lookups(ctx: ScanContext, domain: str, record: str, seen: set[str]) -> int:
    """DNS-querying terms of `record` and of every record it includes or redirects to."""
    mechanisms, modifiers = parse_spf(record)
    count = 0
    targets = []
    for _q, mech, arg in mechanisms:
        if mech in _LOOKUP_TERMS:
            count += 1
            if mech == "include":
                targets.append(arg)
    if "redirect" in modifiers and not any(m == "all" for _q, m, _a in mechanisms):
        count += 1  # a redirect after an `all` is never reached (RFC 7208 §6.1)
        targets.append(modifiers["redirect"])
    for target in targets:
        if count > SPF_MAX_LOOKUPS:
            break
        if "%" in target:
            continue  # a macro expands per message: counted, not followed
        target = target.lower().rstrip(".")
        if target in seen:
            raise SpfError(f"{target} is included twice (a loop)")
        seen.add(target)
        count += await _count_lookups(ctx, target, await _spf_of(ctx, target), seen)
    return count


async def _final_all(ctx: ScanContext, record: str, hops: int = 0) -> str | None:
    """The qualifier of the `all` that ends evaluation (following redirect=), None if none."""
    mechanisms, modifiers = parse_spf(record)
    for qualifier, mech, _arg in mechanisms:
        if mech == "all":
            return qualifier
    if "redirect" in modifiers and "%" not in modifiers["redirect"] and hops < SPF_MAX_LOOKUPS:
        target = modifiers["redirect"].lower().rstrip(".")
        return await _final_all(ctx, await _spf_of(ctx, target), hops + 1)
    return None


async def spf(ctx: ScanContext) -> Attempt:
    try:
        record = await _spf_of(ctx, ctx.name)
        lookups = await _count_lookups(ctx, ctx.name, record, {ctx.name})
        if lookups > SPF_MAX_LOOKUPS:
            return failed(
                f"{record!r} needs {lookups} DNS lookups (include, a, mx, ptr, exists, redirect, "
                f"counted recursively); RFC 7208 allows {SPF_MAX_LOOKUPS}: receivers give a permerror"
            )
        final = await _final_all(ctx, record)
    except SpfError as exc:
        return failed(f"SPF permerror: {exc}")
    if final is None:
        return failed(f"{record!r} ends without all: the default result is neutral (?all)")
    if final in "+?":
        return failed(f"{record!r} ends with {final}all: anyone may send as {ctx.name}")
    return passed(f"{record!r} ({lookups} DNS lookups, ends with {final}all)")


# DMARC (RFC 7489)

_DMARC_URI = re.compile(r"^(mailto:[^@\s,!]+@[A-Za-z0-9.\-]+|https?://\S+)(![0-9]+[kmgt]?)?$", re.I)


def parse_tags(record: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in record.split(";"):
        key, eq, value = part.partition("=")
        if eq:
            tags.setdefault(key.strip().lower(), value.strip())
    return tags


async def dmarc(ctx: ScanContext) -> Attempt:
    name = f"_dmarc.{ctx.name}"
    answer = await ctx.resolver().query(name, "TXT")
    records = [t for t in answer.texts() if re.match(r"^v\s*=\s*DMARC1\s*(;|$)", t)]
    if not records:
        return failed(f"no DMARC record at {name} ({answer.rcode})")
    if len(records) > 1:
        return failed(f"{len(records)} DMARC records at {name}: receivers ignore them all")
    tags = parse_tags(records[0])
    policy = tags.get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        return failed(f"{records[0]!r}: p= must be none, quarantine or reject")
    bad = [
        u for u in tags.get("rua", "").split(",") if u.strip() and not _DMARC_URI.match(u.strip())
    ]
    if bad:
        return failed(f"{records[0]!r}: rua has invalid URI(s) {', '.join(bad)}")
    if policy == "none":
        return Attempt(
            "warning", f"{records[0]!r}: p=none only monitors; forged mail is still delivered"
        )
    return passed(f"{records[0]!r}")


# MTA-STS (RFC 8461)


def mx_matches(pattern: str, host: str) -> bool:
    """RFC 8461 §4.1: a pattern matches the host, `*.` one leftmost label only."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        label, _, rest = host.partition(".")
        return bool(label) and rest == pattern[2:]
    return pattern == host


def parse_policy(text: str) -> tuple[dict[str, str], list[str]]:
    fields: dict[str, str] = {}
    mx: list[str] = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "mx":
            mx.append(value)
        else:
            fields.setdefault(key, value)
    return fields, mx


async def mta_sts(ctx: ScanContext) -> Attempt:
    hosts = await _receiving_hosts(ctx)
    if isinstance(hosts, Attempt):
        return hosts
    name = f"_mta-sts.{ctx.name}"
    records = [
        t for t in (await ctx.resolver().query(name, "TXT")).texts() if t.startswith("v=STSv1")
    ]
    if len(records) != 1:
        return failed(f"{len(records)} MTA-STS records at {name} (exactly one is required)")
    policy_id = parse_tags(records[0]).get("id", "")
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", policy_id):
        return failed(f"{records[0]!r}: id must be 1 to 32 letters or digits")
    host = normalize_name(f"mta-sts.{ctx.name}")
    address = (await ctx.net.checked_addresses(host))[0]  # the policy, never a private address
    port = ctx.net.resolver.ports(host)[0]
    tls = ssl.create_default_context(cafile=ctx.cafile)  # RFC 8461 §3.3: a valid certificate
    url = f"https://{host}/.well-known/mta-sts.txt"
    try:
        response = await http_get(ctx.net, host, address, port, "/.well-known/mta-sts.txt", tls=tls)
    except ssl.SSLCertVerificationError as exc:
        return failed(f"{url}: the certificate is not valid for {host} ({exc.verify_message})")
    except (ConnectionRefusedError, PolicyRefusal) as exc:
        return failed(f"{url}: no policy server ({exc})")
    if response.status != 200:
        return failed(f"{url} answers {response.status}: no policy behind id={policy_id}")
    fields, patterns = parse_policy(response.body.decode("utf-8", "replace"))
    problems = []
    ctype = (response.header("content-type") or "").split(";")[0].strip().lower()
    if ctype != "text/plain":
        problems.append(f"served as {ctype or 'no content type'!r}, not text/plain (§3.2)")
    if fields.get("version") != "STSv1":
        problems.append(f"version {fields.get('version')!r} is not STSv1")
    mode = fields.get("mode", "")
    if mode not in ("enforce", "testing", "none"):
        problems.append(f"mode {mode!r} is not enforce, testing or none")
    max_age = fields.get("max_age", "")
    if not max_age.isdigit() or int(max_age) > MTA_STS_MAX_AGE:
        problems.append(f"max_age {max_age!r} is not 0 to {MTA_STS_MAX_AGE} seconds")
    unmatched = [h for h in hosts if not any(mx_matches(p, h) for p in patterns)]
    if mode != "none" and unmatched:
        problems.append(
            f"MX host(s) {', '.join(unmatched)} match no mx: line ({', '.join(patterns) or 'none'})"
        )
    if problems:
        return failed(f"{url}: {'; '.join(problems)}")
    if mode != "enforce":
        return Attempt("warning", f"{url}: mode {mode}: senders do not enforce TLS yet")
    return passed(
        f"{url}: mode enforce, mx {', '.join(patterns)}, max_age {max_age}; id={policy_id}"
    )


async def tls_rpt(ctx: ScanContext) -> Attempt:
    hosts = await _receiving_hosts(ctx)
    if isinstance(hosts, Attempt):
        return hosts
    name = f"_smtp._tls.{ctx.name}"
    records = [
        t for t in (await ctx.resolver().query(name, "TXT")).texts() if t.startswith("v=TLSRPTv1")
    ]
    if len(records) != 1:
        return failed(f"{len(records)} TLS-RPT records at {name} (exactly one is required)")
    rua = [u.strip() for u in parse_tags(records[0]).get("rua", "").split(",") if u.strip()]
    bad = [u for u in rua if not re.match(r"^(mailto:[^@\s]+@[A-Za-z0-9.\-]+|https://\S+)$", u)]
    if not rua or bad:
        return failed(
            f"{records[0]!r}: rua needs mailto: or https: URIs{' (bad: ' + ', '.join(bad) + ')' if bad else ''}"
        )
    return passed(f"{records[0]!r}")


# STARTTLS (RFC 3207)


async def _smtp_reply(reader: asyncio.StreamReader, timeout: float) -> tuple[int, list[str]]:
    """One SMTP reply: (code, its lines' text); multi-line replies (code-dash) read whole."""
    lines = []
    while True:
        raw = await asyncio.wait_for(reader.readline(), timeout)
        if not raw:
            raise ConnectionError("the SMTP server closed the connection")
        line = raw.decode("ascii", "replace").rstrip("\r\n")
        if len(line) < 3 or not line[:3].isdigit():
            raise ConnectionError(f"not an SMTP reply: {line[:80]!r}")
        lines.append(line[4:])
        if len(line) == 3 or line[3] != "-":
            return int(line[:3]), lines
        if len(lines) > 100:
            raise ConnectionError("an SMTP reply of more than 100 lines")


async def _starttls(ctx: ScanContext, host: str, address: str) -> tuple[bool, str]:
    """(True, what was negotiated) when the MX at `address` offers STARTTLS and negotiates TLS
    1.2 or better; else (False, why not). Connection failures raise (an error, not a miss)."""
    timeout = ctx.net.timeout
    async with ctx.net.connect(address, ctx.smtp_port) as (reader, writer):
        code, _ = await _smtp_reply(reader, timeout)
        if code != 220:
            return False, f"greeted with {code}, not 220"
        writer.write(b"EHLO nethealth-standards.invalid\r\n")
        await asyncio.wait_for(writer.drain(), timeout)
        code, lines = await _smtp_reply(reader, timeout)
        if code != 250:
            return False, f"EHLO answered {code}"
        if not any(line.upper().split(" ", 1)[0] == "STARTTLS" for line in lines[1:]):
            return False, "STARTTLS not offered in the EHLO reply"
        writer.write(b"STARTTLS\r\n")
        await asyncio.wait_for(writer.drain(), timeout)
        code, lines = await _smtp_reply(reader, timeout)
        if code != 220:
            return False, f"STARTTLS answered {code} {' '.join(lines)}"
        try:
            await asyncio.wait_for(writer.start_tls(scan_context(), server_hostname=host), timeout)
        except ssl.SSLError as exc:
            return False, f"TLS handshake failed after STARTTLS: {exc.reason or exc}"
        tls_object = writer.get_extra_info("ssl_object")
        version = tls_object.version() if tls_object is not None else None
        if version not in ("TLSv1.2", "TLSv1.3"):
            return False, f"negotiated {version or 'no TLS'}: TLS 1.2 or better is required"
        cipher = tls_object.cipher() if tls_object is not None else None
        writer.write(b"QUIT\r\n")
        return True, f"{version} {cipher[0] if cipher else '?'}"


async def starttls(ctx: ScanContext) -> Attempt:
    """Each MX host's first allowed IPv4 address (else IPv6) must offer STARTTLS with TLS 1.2+."""
    hosts = await _receiving_hosts(ctx)
    if isinstance(hosts, Attempt):
        return hosts
    problems: list[str] = []
    good: list[str] = []
    for host in sorted(hosts):
        address = await _mx_address(ctx, host)
        if address is None:
            problems.append(f"{host} has no A or AAAA record")
            continue
        try:
            ok, what = await _starttls(ctx, host, address)
        except ConnectionRefusedError:
            ok, what = False, f"nothing accepts connections on port {ctx.smtp_port}"
        (good if ok else problems).append(f"{host} [{address}]: {what}")
    if problems:
        return failed("; ".join(problems))
    return passed("; ".join(good))


async def _mx_address(ctx: ScanContext, host: str) -> str | None:
    """The MX host's first IPv4 address the policy allows, else its first IPv6 one; None when
    it has none; PolicyRefusal when it has only refused ones."""
    found = []
    for rdtype in ("A", "AAAA"):
        found += (await ctx.resolver().query(host, rdtype)).hosts()
    allowed = [a for a in found if ctx.net.policy.refusal(a) is None]
    if not allowed and found:
        why = "; ".join(f"{a}: {ctx.net.policy.refusal(a)}" for a in found)
        raise PolicyRefusal(f"MX host {host} resolves only to refused addresses: {why}")
    return allowed[0] if allowed else None


_check = partial(declare, "mail")  # the mail checks


CHECKS: tuple[Check, ...] = (
    _check("mail-mx", "Receives mail (MX) or refuses it explicitly (null MX)", mx_present, 10,
           "Publish MX records for your mail servers, or a single '0 .' MX if the domain takes no mail.",
           "RFC 5321 §5.1, RFC 7505"),
    _check("mail-ipv6", "Mail servers (MX) reachable over IPv6", mx_ipv6, 10,
           "Give every MX host an AAAA record and make the mail server listen on it.",
           "RFC 8200; internet.nl 'IPv6 addresses for mail server(s)'"),
    _check("mail-spf", "SPF: one valid record ending in ~all or -all", spf, 10,
           "Publish one TXT 'v=spf1 … -all' listing your senders, within 10 DNS lookups.",
           "RFC 7208"),
    _check("mail-dmarc", "DMARC policy quarantine or reject", dmarc, 10,
           "Publish TXT at _dmarc: 'v=DMARC1; p=reject; rua=mailto:…' (p=none only monitors).",
           "RFC 7489"),
    _check("mail-mta-sts", "MTA-STS policy in enforce mode", mta_sts, 10,
           "Publish _mta-sts TXT 'v=STSv1; id=…' and https://mta-sts.<domain>/.well-known/"
           "mta-sts.txt with mode: enforce and an mx: line per MX host.",
           "RFC 8461"),
    _check("mail-starttls", "STARTTLS with TLS 1.2 or better on every MX", starttls, 10,
           "Offer STARTTLS on every MX (postfix: smtpd_tls_security_level = may) with TLS 1.2+.",
           "RFC 3207, RFC 8996; NCSC-NL TLS guidelines"),
    _check("mail-tls-rpt", "TLS-RPT reporting address", tls_rpt, 0,
           "Publish TXT at _smtp._tls: 'v=TLSRPTv1; rua=mailto:…'.", "RFC 8460"),
)  # fmt: skip
