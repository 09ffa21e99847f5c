"""Web checks: HTTPS, redirects, HSTS, TLS versions and suites, the certificate, HTTP/2, security
headers, security.txt and IPv6 (docs/standards.md lists what each tests and how it judges).

TLS checks judge what the server selects when offered only what the check controls (Python's ssl
over this machine's OpenSSL): a version, a set of suites. They never judge by what a default
client happens to negotiate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
import ssl
import warnings
from functools import partial
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from nethealth.standards.context import ScanContext
from nethealth.standards.hello import (
    NON_FS_SUITES,
    WEAK_SUITES,
    ServerAnswer,
    client_hello,
    header_length,
    parse_answer,
)
from nethealth.standards.model import Attempt, Check, declare, failed, passed
from nethealth.standards.net import HttpResponse, http_get, scan_context
from nethealth.standards.safety import normalize_name

ONE_YEAR = 31_536_000
REDIRECTS = (301, 302, 303, 307, 308)
MAX_HOPS = 5


def _where(ctx: ScanContext, address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{host}:{ctx.https_port}"


async def https_available(ctx: ScanContext) -> Attempt:
    try:
        shake = await ctx.main_handshake()
    except ssl.SSLError as exc:
        return failed(f"TLS handshake with {ctx.name} failed: {exc.reason or exc}")
    except ConnectionRefusedError:
        return failed(f"nothing accepts connections on {_where(ctx, await ctx.address())}")
    response = await ctx.https_get("/")
    return passed(
        f"{_where(ctx, shake.address)} answers over {shake.version} ({shake.cipher}); "
        f"GET / → {response.status}"
    )


async def https_redirect(ctx: ScanContext) -> Attempt:
    """The first answer over plain HTTP redirects to HTTPS on the same host (internet.nl's
    rule: HSTS can only be set for the host the user asked for). Every hop is followed through
    the safety policy, to its end, before judging."""
    response = await ctx.http_get("/")
    if response.status not in REDIRECTS:
        return failed(f"http://{ctx.name}/ answers {response.status}, not a redirect to HTTPS")
    location = response.header("location") or ""
    first = urlsplit(location)
    hops = [location]
    current = response
    for _ in range(MAX_HOPS):
        if current.status not in REDIRECTS:
            break
        url = current.header("location") or ""
        target = urlsplit(url)
        if target.scheme == "" and target.netloc == "":
            break  # a relative redirect stays on the host: the chain is judged by its first hop
        if target.scheme not in ("http", "https") or not target.hostname:
            return failed(f"redirect to {url!r}, which is not an http(s) URL")
        host = normalize_name(target.hostname)  # a name: IP literals are refused here too
        address = (await ctx.net.checked_addresses(host))[0]  # checked: no redirect to private
        https_port, http_port = ctx.net.resolver.ports(host)
        port = target.port or (https_port if target.scheme == "https" else http_port)
        tls = scan_context() if target.scheme == "https" else None
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        current = await http_get(ctx.net, host, address, port, path, tls=tls)
        if current.status in REDIRECTS:
            hops.append(current.header("location") or "")
    if current.status in REDIRECTS:
        return failed(f"more than {MAX_HOPS} redirects: {' → '.join(hops)}")
    chain = " → ".join(hops)
    if first.scheme != "https":
        return failed(f"http://{ctx.name}/ redirects to {location!r}, not to HTTPS ({chain})")
    if (first.hostname or "") != ctx.name:
        return failed(
            f"http://{ctx.name}/ redirects to another host first ({location!r}); redirect to "
            f"https://{ctx.name}/ first, then elsewhere"
        )
    return passed(f"http://{ctx.name}/ → {chain} (final answer {current.status})")


_MAX_AGE = re.compile(r"(?:^|;)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:;|$)", re.IGNORECASE)


async def hsts(ctx: ScanContext) -> Attempt:
    response = await ctx.https_get("/")
    value = response.header("strict-transport-security")
    if value is None:
        return failed(f"https://{ctx.name}/ sends no Strict-Transport-Security header")
    match = _MAX_AGE.search(value)
    if match is None:
        return failed(f"Strict-Transport-Security without a valid max-age: {value!r}")
    age = int(match.group(1))
    if age < ONE_YEAR:
        return failed(f"max-age={age} s ({age / 86400:.0f} days) is under one year: {value!r}")
    return passed(f"max-age={age} s ({age / 86400:.0f} days): {value!r}")


def _only(version: ssl.TLSVersion) -> ssl.SSLContext:
    ctx = scan_context()
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is what is tested
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = version
        ctx.maximum_version = version
    return ctx


async def _accepted(ctx: ScanContext, tls: ssl.SSLContext) -> str | None:
    """The suite the server selected when offered only what `tls` offers; None if refused."""
    try:
        shake = await ctx.handshake(tls)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return None
    return f"{shake.version} {shake.cipher}"


async def tls13(ctx: ScanContext) -> Attempt:
    got = await _accepted(ctx, _only(ssl.TLSVersion.TLSv1_3))
    if got is None:
        return failed("the server refuses a handshake offering only TLS 1.3")
    return passed(f"TLS 1.3 offered: {got}")


async def legacy_tls_refused(ctx: ScanContext) -> Attempt:
    accepted = []
    for version, label in ((ssl.TLSVersion.TLSv1, "TLS 1.0"), (ssl.TLSVersion.TLSv1_1, "TLS 1.1")):
        got = await _accepted(ctx, _only(version))
        if got is not None:
            accepted.append(f"{label} ({got})")
    if accepted:
        return failed(f"the server accepts {', '.join(accepted)}")
    return passed("the server refuses TLS 1.0 and TLS 1.1")


async def _offer(ctx: ScanContext, suites: list[int]) -> ServerAnswer:
    """What the server answers a ClientHello offering exactly `suites` (hello.py)."""
    address = await ctx.address()
    async with ctx.net.connect(address, ctx.https_port) as (reader, writer):
        writer.write(client_hello(ctx.name, suites))
        await asyncio.wait_for(writer.drain(), ctx.net.timeout)
        try:
            header = await asyncio.wait_for(reader.readexactly(5), ctx.net.timeout)
            body = await asyncio.wait_for(
                reader.readexactly(min(header_length(header), 1 << 14)), ctx.net.timeout
            )
        except (asyncio.IncompleteReadError, ConnectionResetError):
            return ServerAnswer(suite=None)  # closed without a word: refused
        return parse_answer(header, body)


async def _selected(ctx: ScanContext, suites: dict[int, str]) -> list[str]:
    """The suites of `suites` the server selects when offered only them (hello.py), re-offering
    without each selected one, up to 5; a suite selected that was not offered is named too."""
    offered = list(suites)
    accepted: list[str] = []
    for _ in range(5):
        answer = await _offer(ctx, offered)
        if answer.suite is None:
            break
        if answer.suite not in offered:
            accepted.append(f"0x{answer.suite:04X}, which was not offered (a broken TLS stack)")
            break
        accepted.append(suites[answer.suite])
        offered.remove(answer.suite)
    return accepted


async def weak_suites_refused(ctx: ScanContext) -> Attempt:
    """Offers every NULL, anonymous, RC4, 3DES, DES and export suite in a hand-built
    ClientHello (hello.py: this OpenSSL cannot offer most of them)."""
    accepted = await _selected(ctx, WEAK_SUITES)
    if accepted:
        return failed(f"the server accepts {', '.join(accepted)}")
    return passed(
        f"the server refuses all {len(WEAK_SUITES)} NULL, anonymous, RC4, 3DES, DES and export "
        "suites offered"
    )


async def forward_secrecy(ctx: ScanContext) -> Attempt:
    """Offers only suites without forward secrecy (RSA key exchange, static DH and ECDH) in a
    hand-built ClientHello; TLS 1.3 always has forward secrecy."""
    accepted = await _selected(ctx, NON_FS_SUITES)
    if accepted:
        return failed(f"the server accepts suites without forward secrecy: {', '.join(accepted)}")
    return passed(
        f"the server refuses all {len(NON_FS_SUITES)} suites without forward secrecy offered "
        "(RSA key exchange, static DH and ECDH)"
    )


async def _certificate(ctx: ScanContext) -> x509.Certificate:
    shake = await ctx.main_handshake()
    if shake.certificate is None:
        raise ConnectionError("the server sent no certificate")
    try:
        return x509.load_der_x509_certificate(shake.certificate)
    except ValueError as exc:  # the server's bytes, not our bug
        raise ConnectionError(f"the server's certificate cannot be parsed: {exc}") from None


async def cert_chain(ctx: ScanContext) -> Attempt:
    anchor = "the lab CA" if ctx.cafile else "the system trust store"
    try:
        await ctx.handshake(scan_context(verify=True, cafile=ctx.cafile))
    except ssl.SSLCertVerificationError as exc:
        return failed(f"the chain does not verify against {anchor}: {exc.verify_message}")
    return passed(f"the chain verifies against {anchor} (dates judged by the expiry check)")


def _names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [n.lower().rstrip(".") for n in san.get_values_for_type(x509.DNSName)]


def name_matches(pattern: str, name: str) -> bool:
    """RFC 6125 §6.4: exact, or one wildcard as the whole left-most label of ≥ 3 labels."""
    if pattern == name:
        return True
    if not pattern.startswith("*.") or pattern.count(".") < 2:
        return False
    head, _, rest = name.partition(".")
    return bool(head) and rest == pattern[2:]


async def cert_name(ctx: ScanContext) -> Attempt:
    names = _names(await _certificate(ctx))
    if not names:
        return failed(
            "the certificate has no DNS names (subjectAltName); the subject CN is not used"
        )
    if any(name_matches(p, ctx.name) for p in names):
        return passed(f"{ctx.name} matches the certificate's names: {', '.join(names)}")
    return failed(f"{ctx.name} matches none of the certificate's names: {', '.join(names)}")


async def cert_expiry(ctx: ScanContext) -> Attempt:
    cert = await _certificate(ctx)
    now = dt.datetime.now(dt.UTC)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if now < start:
        return failed(f"the certificate is not valid before {start:%Y-%m-%d %H:%M} UTC")
    if now > end:
        return failed(f"the certificate expired on {end:%Y-%m-%d %H:%M} UTC")
    return passed(f"valid until {end:%Y-%m-%d %H:%M} UTC ({(end - now).days} days left)")


async def cert_key(ctx: ScanContext) -> Attempt:
    key = (await _certificate(ctx)).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            return failed(f"RSA key of {key.key_size} bits, under 2048")
        return passed(f"RSA key of {key.key_size} bits")
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < 256:
            return failed(f"EC key on {key.curve.name} ({key.curve.key_size} bits), under 256")
        return passed(f"EC key on {key.curve.name} ({key.curve.key_size} bits)")
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return passed(f"{type(key).__name__.removesuffix('PublicKey')} key")
    if isinstance(key, dsa.DSAPublicKey):
        return failed(f"DSA key of {key.key_size} bits (DSA is not allowed for TLS certificates)")
    return failed(f"key of an unknown type: {type(key).__name__}")


async def cert_signature(ctx: ScanContext) -> Attempt:
    cert = await _certificate(ctx)
    algorithm = cert.signature_algorithm_oid._name
    digest = cert.signature_hash_algorithm
    if digest is None:  # Ed25519/Ed448 carry their own hash
        return passed(f"signed with {algorithm}")
    if digest.name in ("md5", "sha1", "sha224"):
        return failed(f"signed with {algorithm} ({digest.name} is broken or too weak)")
    return passed(f"signed with {algorithm}")


async def http2(ctx: ScanContext) -> Attempt:
    shake = await ctx.main_handshake()
    if shake.alpn == "h2":
        return passed("the server selects h2 when offered h2 and http/1.1 in ALPN")
    return failed(f"offered h2 and http/1.1 in ALPN, the server selected {shake.alpn or 'none'}")


def _directives(csp: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            out.setdefault(name.lower(), value.strip())
    return out


async def _headers(ctx: ScanContext) -> HttpResponse:
    return await ctx.https_get("/")


async def content_type_options(ctx: ScanContext) -> Attempt:
    value = (await _headers(ctx)).header("x-content-type-options")
    if value is None:
        return failed("no X-Content-Type-Options header")
    if value.strip().lower() != "nosniff":
        return failed(f"X-Content-Type-Options: {value!r} (expected nosniff)")
    return passed("X-Content-Type-Options: nosniff")


async def content_security_policy(ctx: ScanContext) -> Attempt:
    values = (await _headers(ctx)).all("content-security-policy")
    if not values:
        return failed("no Content-Security-Policy header")
    directives = _directives(";".join(values))
    if "default-src" not in directives:
        return failed(f"Content-Security-Policy without default-src: {'; '.join(values)!r}")
    return passed(f"Content-Security-Policy: {'; '.join(values)!r}")


async def frame_options(ctx: ScanContext) -> Attempt:
    response = await _headers(ctx)
    csp = _directives(";".join(response.all("content-security-policy")))
    if "frame-ancestors" in csp:
        return passed(f"CSP frame-ancestors {csp['frame-ancestors']!r}")
    xfo = response.header("x-frame-options")
    if xfo is not None and xfo.strip().upper() in ("DENY", "SAMEORIGIN"):
        return passed(f"X-Frame-Options: {xfo}")
    if xfo is not None:
        return failed(f"X-Frame-Options: {xfo!r} (expected DENY or SAMEORIGIN)")
    return failed("neither CSP frame-ancestors nor X-Frame-Options")


GOOD_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


async def referrer_policy(ctx: ScanContext) -> Attempt:
    value = (await _headers(ctx)).header("referrer-policy")
    if value is None:
        return failed("no Referrer-Policy header")
    # A list: browsers apply the last value they understand.
    last = [v.strip().lower() for v in value.split(",") if v.strip()][-1:]
    if last and last[0] in GOOD_REFERRER:
        return passed(f"Referrer-Policy: {value}")
    return failed(f"Referrer-Policy: {value!r} sends the full URL to other origins or over HTTP")


def _fields(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        if re.fullmatch(r"[A-Za-z-]+", name.strip()):
            out.append((name.strip().lower(), value.strip()))
    return out


async def security_txt(ctx: ScanContext) -> Attempt:
    path = "/.well-known/security.txt"
    response = await ctx.https_get(path, max_body=32 * 1024)
    url = f"https://{ctx.name}{path}"
    if response.status != 200:
        return failed(f"{url} answers {response.status}")
    ctype = (response.header("content-type") or "").lower()
    if not ctype.startswith("text/plain"):
        return failed(f"{url} is served as {ctype or 'no content type'!r}, not text/plain")
    fields = _fields(response.body.decode("utf-8", "replace"))
    contacts = [v for k, v in fields if k == "contact"]
    expires = [v for k, v in fields if k == "expires"]
    problems = []
    if not contacts:
        problems.append("no Contact field")
    if len(expires) != 1:
        problems.append(f"{len(expires)} Expires fields (exactly one is required)")
    else:
        try:
            when = dt.datetime.fromisoformat(expires[0].replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"Expires {expires[0]!r} is not an RFC 3339 date-time")
        else:
            if when.tzinfo is None:
                problems.append(f"Expires {expires[0]!r} has no time zone")
            elif when < dt.datetime.now(dt.UTC):
                problems.append(f"expired on {expires[0]}")
    if problems:
        return failed(f"{url}: {'; '.join(problems)}")
    return passed(f"{url}: Contact {', '.join(contacts)}; Expires {expires[0]}")


async def ipv6(ctx: ScanContext) -> Attempt:
    await ctx.addresses()  # refused when the name resolves only to refused addresses
    allowed, refused = await ctx.net.addresses(ctx.name)
    v6 = [a for a in allowed if ipaddress.ip_address(a).version == 6]
    refused_v6 = [r for r in refused if ":" in r.split(": ", 1)[0]]
    if not v6:
        extra = f" (refused: {'; '.join(refused_v6)})" if refused_v6 else ""
        return failed(f"{ctx.name} has no usable AAAA record{extra}: not reachable over IPv6")
    unreachable = []
    for address in v6:
        try:
            await ctx.handshake(scan_context(), address)
        except (OSError, ssl.SSLError) as exc:
            unreachable.append(f"{_where(ctx, address)} ({type(exc).__name__})")
    if unreachable:
        return failed(f"AAAA present but HTTPS unreachable at {', '.join(unreachable)}")
    return passed(f"HTTPS answers at {', '.join(_where(ctx, a) for a in v6)}")


_check = partial(declare, "web")  # the web checks


CHECKS: tuple[Check, ...] = (
    _check("web-ipv6", "Web server reachable over IPv6", ipv6, 10,
           "Publish an AAAA record for the site and make the web server listen on it.",
           "RFC 8200; internet.nl 'IPv6 addresses for web server'"),
    _check("web-https", "HTTPS available", https_available, 10,
           "Serve the site over HTTPS with a certificate from a public CA (e.g. Let's Encrypt).",
           "RFC 9110 §4.2.2, RFC 8446"),
    _check("web-https-redirect", "HTTP redirects to HTTPS on the same host", https_redirect, 10,
           "Answer every plain-HTTP request with a 301 to https:// on the same host name.",
           "NCSC-NL TLS guidelines; internet.nl 'HTTPS redirect'"),
    _check("web-hsts", "HSTS with max-age of at least one year", hsts, 10,
           "Send Strict-Transport-Security: max-age=31536000 (or more) on HTTPS answers.",
           "RFC 6797"),
    _check("web-tls13", "TLS 1.3 offered", tls13, 10,
           "Enable TLS 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3).", "RFC 8446"),
    _check("web-tls-legacy", "TLS 1.0 and TLS 1.1 refused", legacy_tls_refused, 10,
           "Disable TLS 1.0 and 1.1; offer TLS 1.2 and 1.3 only.", "RFC 8996"),
    _check("web-tls-suites", "No NULL, anonymous, RC4, 3DES, DES or export suites",
           weak_suites_refused, 10, "Allow only AEAD suites with ECDHE (Mozilla's 'intermediate' configuration).",
           "RFC 7465, RFC 9325; NCSC-NL TLS guidelines"),
    _check("web-tls-fs", "Forward secrecy (no RSA, static DH or ECDH key exchange)",
           forward_secrecy, 10,
           "Remove suites without forward secrecy (TLS_RSA_*, TLS_DH_*, TLS_ECDH_*); keep "
           "ECDHE/DHE ones.",
           "RFC 9325 §4.1"),
    _check("web-cert-chain", "Certificate chains to a trusted root", cert_chain, 10,
           "Serve the full chain (leaf and intermediates) from a CA in the public trust stores.",
           "RFC 5280"),
    _check("web-cert-name", "Certificate matches the domain", cert_name, 10,
           "Include the host name (or a wildcard for its parent) in the subjectAltName.",
           "RFC 6125"),
    _check("web-cert-expiry", "Certificate within its validity dates", cert_expiry, 10,
           "Renew the certificate before it expires; automate renewal (ACME, RFC 8555).",
           "RFC 5280 §4.1.2.5"),
    _check("web-cert-key", "Certificate key large enough", cert_key, 5,
           "Use an RSA key of 2048 bits or more, or an ECDSA P-256/P-384 key.",
           "NCSC-NL TLS guidelines; BSI TR-02102-2"),
    _check("web-cert-signature", "Certificate signed with SHA-2 or better", cert_signature, 5,
           "Have the certificate reissued with a SHA-256 (or stronger) signature.",
           "CA/Browser Forum Baseline Requirements §7.1.3"),
    _check("web-http2", "HTTP/2 offered (ALPN)", http2, 0,
           "Enable HTTP/2 (nginx: http2 on;).", "RFC 9113, RFC 7301"),
    _check("web-x-content-type-options", "X-Content-Type-Options: nosniff", content_type_options, 5,
           "Send X-Content-Type-Options: nosniff on every answer.", "WHATWG Fetch §3.5"),
    _check("web-csp", "Content-Security-Policy with default-src", content_security_policy, 0,
           "Send a Content-Security-Policy with at least default-src 'self'.", "W3C CSP Level 3"),
    _check("web-frame-ancestors", "Framing restricted (frame-ancestors or X-Frame-Options)",
           frame_options, 0,
           "Send CSP frame-ancestors 'self' (or X-Frame-Options: SAMEORIGIN).",
           "W3C CSP Level 3; RFC 7034"),
    _check("web-referrer-policy", "Referrer-Policy that keeps URLs private", referrer_policy, 0,
           "Send Referrer-Policy: strict-origin-when-cross-origin (or stricter).",
           "W3C Referrer Policy"),
    _check("web-security-txt", "security.txt (RFC 9116)", security_txt, 5,
           "Publish /.well-known/security.txt as text/plain with Contact and one future Expires.",
           "RFC 9116"),
)  # fmt: skip
