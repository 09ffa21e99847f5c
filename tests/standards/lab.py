"""The test lab: HTTPS servers on loopback, one configured the ideal way and counterparts each
with one mistake, a lab CA made with `cryptography`, and the hosts map the scanner resolves in
lab mode; for mail, an authoritative DNS server (dnspython) with a zone per mail domain and the
HTTPS server of their MTA-STS policy hosts. No Internet: every server listens on 127.0.0.1 and ::1 (one port for both).

    with Lab() as lab:                 # starts every server (HTTPS, DNS) in a background loop
        settings = lab.settings()      # standards_lab_hosts and standards_lab_ca for --lab
        lab.spec("ideal.lab").fails    # the checks that domain is built to fail ({} for ideal)

The demonstration lab of real servers (`nethealth lab up`, docs/lab.md) runs nginx, knot,
unbound, postfix and chrony with one counterpart per common mistake; this lab stays the fast
test bed with a counterpart for every check, in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import socket
import ssl
import subprocess
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from nethealth.settings import Settings, load_settings
from nethealth.standards.lab.pki import ca_certificate

IDEAL_HEADERS = (
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
MODERN = "ECDHE+AESGCM:ECDHE+CHACHA20:@SECLEVEL=0"


@dataclass(frozen=True)
class Spec:
    """One lab domain: how its servers are configured, and the checks it is built to fail."""

    name: str
    fails: frozenset[str] = frozenset()
    tls_min: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    tls_max: ssl.TLSVersion = ssl.TLSVersion.TLSv1_3
    ciphers: str = MODERN
    cert: str = "good"  # good, expired, wrong-name, self-signed, small-key, sha1
    headers: tuple[tuple[str, str], ...] = IDEAL_HEADERS
    alpn: tuple[str, ...] = ("h2", "http/1.1")
    redirect: bool = True
    security_txt: bool = True
    https: bool = True
    ipv6: bool = True


def _without(name: str) -> tuple[tuple[str, str], ...]:
    return tuple(h for h in IDEAL_HEADERS if h[0] != name)


SPECS: tuple[Spec, ...] = (
    Spec("ideal.lab"),
    Spec("tls12-only.lab", frozenset({"web-tls13"}), tls_max=ssl.TLSVersion.TLSv1_2),
    Spec("no-hsts.lab", frozenset({"web-hsts"}), headers=_without("Strict-Transport-Security")),
    Spec("short-hsts.lab", frozenset({"web-hsts"}),
         headers=(*_without("Strict-Transport-Security"),
                  ("Strict-Transport-Security", "max-age=86400"))),
    Spec("expired.lab", frozenset({"web-cert-expiry"}), cert="expired"),
    Spec("wrong-name.lab", frozenset({"web-cert-name"}), cert="wrong-name"),
    Spec("untrusted.lab", frozenset({"web-cert-chain"}), cert="self-signed"),
    Spec("small-key.lab", frozenset({"web-cert-key"}), cert="small-key"),
    Spec("sha1.lab", frozenset({"web-cert-signature"}), cert="sha1"),
    Spec("tls10.lab", frozenset({"web-tls-legacy"}), tls_min=ssl.TLSVersion.TLSv1,
         ciphers="ECDHE+AESGCM:ECDHE+AES:@SECLEVEL=0"),
    Spec("null-suite.lab", frozenset({"web-tls-suites"}), ciphers=MODERN + ":ECDHE-RSA-NULL-SHA"),
    Spec("rsa-kx.lab", frozenset({"web-tls-fs"}), ciphers=MODERN + ":AES128-GCM-SHA256"),
    Spec("no-h2.lab", frozenset({"web-http2"}), alpn=("http/1.1",)),
    Spec("missing-headers.lab",
         frozenset({"web-x-content-type-options", "web-csp", "web-frame-ancestors",
                    "web-referrer-policy"}),
         headers=(IDEAL_HEADERS[0],)),
    Spec("no-redirect.lab", frozenset({"web-https-redirect"}), redirect=False),
    Spec("no-security-txt.lab", frozenset({"web-security-txt"}), security_txt=False),
    Spec("no-ipv6.lab", frozenset({"web-ipv6"}), ipv6=False),
)  # fmt: skip
# Not in SPECS: without HTTPS every HTTPS check errs too, so it is tested on its own.
NO_HTTPS = Spec("no-https.lab", frozenset({"web-https"}), https=False)


MX_HOST = ("mx1 A 127.0.0.1", "mx1 AAAA ::1")
# The lab's SMTP servers, one port: the ideal one on 127.0.0.1 and ::1, the counterparts each on
# an address of their own (MX hosts point at them).
SMTP_SERVERS = (("127.0.0.2", "none"), ("127.0.0.3", "tls1.0"))


@dataclass(frozen=True)
class MailSpec:
    """One lab mail domain: its zone's records by part (an ideal domain's unless overridden), its
    MTA-STS policy file (None: the policy host answers 404), the checks it is built to miss and
    how (`status`: fail unless said otherwise)."""

    name: str
    fails: frozenset[str] = frozenset()
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    policy: str | None = "version: STSv1\nmode: enforce\nmx: mx1.{name}\nmax_age: 604800\n"
    status: tuple[tuple[str, str], ...] = ()
    dnssec: str = "signed"  # signed; unsigned (no DS, no signatures); bad-ds (a DS of another key)

    def records(self) -> list[str]:
        parts: dict[str, tuple[str, ...]] = {
            "soa": ("@ SOA ns1 hostmaster 1 3600 600 86400 300", "@ NS ns1", "@ NS ns2"),
            "ns": ("ns1 A 127.0.0.1", "ns1 AAAA ::1", "ns2 A 127.0.0.1", "ns2 AAAA ::1"),
            "web": ("@ A 127.0.0.1", "@ AAAA ::1", "www A 127.0.0.1", "www AAAA ::1"),
            "caa": ('@ CAA 0 issue "letsencrypt.org"',
                    f'@ CAA 0 iodef "mailto:security@{self.name}"'),
            "mx": ("@ MX 10 mx1",),
            "mxhost": MX_HOST,
            "spf": (f'@ TXT "v=spf1 mx include:_spf.{self.name} -all"',
                    '_spf TXT "v=spf1 ip4:127.0.0.0/8 ip6:::1 ~all"'),
            "dmarc": (f'_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{self.name}"',),
            "mta-sts": ('_mta-sts TXT "v=STSv1; id=20261207T1200"',),
            "tls-rpt": (f'_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{self.name}"',),
        }  # fmt: skip
        parts.update(dict(self.parts))
        return [line for lines in parts.values() for line in lines]

    def expected(self, check_id: str, mandatory: bool) -> str:
        default = "fail" if mandatory else "warning"
        return dict(self.status).get(check_id, default)


def _spf_chain(name: str) -> tuple[str, ...]:
    """11 DNS lookups: 4 in the record, 4 in its include, 3 in the next one."""
    return (
        f'@ TXT "v=spf1 a mx a:mx1.{name} include:_s1.{name} -all"',
        f'_s1 TXT "v=spf1 a mx exists:x.{name} include:_s2.{name} ~all"',
        f'_s2 TXT "v=spf1 a mx include:_s3.{name} ~all"',
        '_s3 TXT "v=spf1 -all"',
    )


MAIL_SPECS: tuple[MailSpec, ...] = (
    MailSpec("ideal.lab"),
    MailSpec("no-spf.mail.lab", frozenset({"mail-spf"}), (("spf", ()),)),
    MailSpec("spf-plus-all.mail.lab", frozenset({"mail-spf"}), (("spf", ('@ TXT "v=spf1 +all"',)),)),
    MailSpec("spf-11-lookups.mail.lab", frozenset({"mail-spf"}),
             (("spf", _spf_chain("spf-11-lookups.mail.lab")),)),
    MailSpec("two-spf.mail.lab", frozenset({"mail-spf"}),
             (("spf", ('@ TXT "v=spf1 mx -all"', '@ TXT "v=spf1 a -all"')),)),
    MailSpec("dmarc-none.mail.lab", frozenset({"mail-dmarc"}),
             (("dmarc", ('_dmarc TXT "v=DMARC1; p=none; rua=mailto:d@dmarc-none.mail.lab"',)),),
             status=(("mail-dmarc", "warning"),)),
    MailSpec("no-dmarc.mail.lab", frozenset({"mail-dmarc"}), (("dmarc", ()),)),
    MailSpec("sts-no-policy.mail.lab", frozenset({"mail-mta-sts"}), policy=None),
    MailSpec("sts-mx-mismatch.mail.lab", frozenset({"mail-mta-sts"}),
             policy="version: STSv1\nmode: enforce\nmx: *.elsewhere.lab\nmax_age: 604800\n"),
    MailSpec("sts-testing.mail.lab", frozenset({"mail-mta-sts"}),
             policy="version: STSv1\nmode: testing\nmx: mx1.{name}\nmax_age: 86400\n",
             status=(("mail-mta-sts", "warning"),)),
    MailSpec("no-tls-rpt.mail.lab", frozenset({"mail-tls-rpt"}), (("tls-rpt", ()),)),
    MailSpec("no-mx-ipv6.mail.lab", frozenset({"mail-ipv6"}), (("mxhost", (MX_HOST[0],)),)),
    MailSpec("no-starttls.mail.lab", frozenset({"mail-starttls"}),
             (("mxhost", ("mx1 A 127.0.0.2", "mx1 AAAA ::1")),)),
    MailSpec("smtp-tls10.mail.lab", frozenset({"mail-starttls"}),
             (("mxhost", ("mx1 A 127.0.0.3", "mx1 AAAA ::1")),)),
    MailSpec("no-mx.mail.lab",
             frozenset({"mail-mx", "mail-ipv6", "mail-mta-sts", "mail-starttls", "mail-tls-rpt"}),
             (("mx", ()),)),
    MailSpec("null-mx.mail.lab", frozenset(),
             (("mx", ("@ MX 0 .",)), ("mxhost", ()), ("spf", ('@ TXT "v=spf1 -all"',)),
              ("mta-sts", ()), ("tls-rpt", ()))),
)  # fmt: skip

# The DNS checks' counterparts (zones only; scanned with checks.domain).
DOMAIN_SPECS: tuple[MailSpec, ...] = (
    MailSpec("no-caa.lab", frozenset({"web-caa"}), (("caa", ()),)),
    MailSpec("caa-critical.lab", frozenset({"web-caa"}),
             (("caa", ('@ CAA 0 issue "letsencrypt.org"', '@ CAA 128 tbs "unknown"')),)),
    MailSpec("no-www-aaaa.lab", frozenset({"web-dns-www"}),
             (("web", ("@ A 127.0.0.1", "@ AAAA ::1", "www A 127.0.0.1")),)),
    MailSpec("ns-no-ipv6.lab", frozenset({"web-ns-ipv6"}),
             (("ns", ("ns1 A 127.0.0.1", "ns2 A 127.0.0.1")),)),
    MailSpec("unsigned.lab", frozenset({"web-dnssec"}), dnssec="unsigned"),
    MailSpec("bad-ds.lab", frozenset({"web-dnssec"}), dnssec="bad-ds"),
    MailSpec("one-ns-ipv6.lab", frozenset({"web-ns-ipv6"}),
             (("ns", ("ns1 A 127.0.0.1", "ns1 AAAA ::1", "ns2 A 127.0.0.1")),)),
)  # fmt: skip


@dataclass
class CA:
    """The lab CA and the leaf certificates it issues."""

    directory: Path
    key: rsa.RSAPrivateKey = field(init=False)
    cert: x509.Certificate = field(init=False)
    leaf_key: rsa.RSAPrivateKey = field(init=False)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert = ca_certificate(self.key, "nethealth test lab CA", dt.timedelta(days=1),
                                   dt.timedelta(days=3650))  # fmt: skip
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    @property
    def path(self) -> Path:
        return self.directory / "lab-ca.pem"

    def issue(self, spec: Spec) -> tuple[Path, Path]:
        """(certificate, key) files for the spec's HTTPS server."""
        now = dt.datetime.now(dt.UTC)
        key = self.leaf_key
        if spec.cert == "small-key":
            key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=90)
        if spec.cert == "expired":
            start, end = now - dt.timedelta(days=120), now - dt.timedelta(days=30)
        san = "elsewhere.lab" if spec.cert == "wrong-name" else spec.name
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, san)])
        issuer_key: rsa.RSAPrivateKey = self.key
        issuer = self.cert.subject
        if spec.cert == "self-signed":
            issuer_key, issuer = key, subject
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        )
        if spec.cert != "self-signed":
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        cert_path = self.directory / f"{spec.name}.pem"
        key_path = self.directory / f"{spec.name}.key"
        key_path.write_bytes(_pem_key(key))
        if spec.cert == "sha1":
            # cryptography refuses to sign with SHA-1; OpenSSL's command still does.
            ca_key = self.directory / "lab-ca.key"
            ca_key.write_bytes(_pem_key(self.key))
            subprocess.run(
                ["openssl", "req", "-x509", "-new", "-key", str(key_path), "-CA", str(self.path),
                 "-CAkey", str(ca_key), "-sha1", "-days", "90", "-subj", f"/CN={spec.name}",
                 "-addext", f"subjectAltName=DNS:{spec.name}", "-addext",
                 "basicConstraints=critical,CA:FALSE", "-out", str(cert_path)],
                check=True, capture_output=True,
            )  # fmt: skip
            return cert_path, key_path
        cert = builder.sign(issuer_key, hashes.SHA256())
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert_path, key_path

    def issue_names(self, stem: str, names: list[str]) -> tuple[Path, Path]:
        """(certificate, key) files valid for every name in `names`."""
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(self.leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_path, key_path = self.directory / f"{stem}.pem", self.directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(_pem_key(self.leaf_key))
        return cert_path, key_path


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _server_context(spec: Spec, ca: CA) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():  # TLS 1.0 for the counterpart that allows it
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = spec.tls_min
        ctx.maximum_version = spec.tls_max
    ctx.set_ciphers(spec.ciphers)  # before the key: @SECLEVEL=0 lets a weak key load
    cert, key = ca.issue(spec)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(list(spec.alpn))
    return ctx


def _sockets(ipv6: bool, listen: bool = True) -> list[socket.socket]:
    """Sockets on ::1 (when `ipv6`) and 127.0.0.1, on one free port; listening unless not
    `listen` (then connections are refused while the port stays ours)."""
    for _ in range(50):
        socks: list[socket.socket] = []
        try:
            port = 0
            families = ((socket.AF_INET6, "::1"),) if ipv6 else ()
            for family, host in (*families, (socket.AF_INET, "127.0.0.1")):
                s = socket.socket(family, socket.SOCK_STREAM)
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((host, port))
                port = s.getsockname()[1]
                if listen:
                    s.listen(64)
                s.setblocking(False)
            return socks
        except OSError as exc:
            for s in socks:
                s.close()
            if exc.errno != errno.EADDRINUSE:
                raise
    raise OSError("no free port on both ::1 and 127.0.0.1")


def _security_txt() -> bytes:
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=300)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"Contact: mailto:security@ideal.lab\nExpires: {expires}\nPreferred-Languages: en\n"
    ).encode()


class Lab:
    """Every lab domain's servers in one background event loop."""

    def __init__(
        self,
        specs: tuple[Spec, ...] = (*SPECS, NO_HTTPS),
        mail_specs: tuple[MailSpec, ...] = (*MAIL_SPECS, *DOMAIN_SPECS),
    ) -> None:
        self.specs = {s.name: s for s in specs}
        self.mail_specs = {s.name: s for s in mail_specs}
        for name in self.specs:  # every web domain's zone is the ideal one
            self.mail_specs.setdefault(name, MailSpec(name))
        self.dns_port = 0
        self.policy_port = 0
        self.smtp_port = 0
        self.anchor = ""  # the DS of the signed `lab.` zone: the lab's DNSSEC trust anchor
        self.ports: dict[str, tuple[int, int]] = {}  # name -> (https, http)
        self._dir = tempfile.TemporaryDirectory(prefix="nethealth-lab-")
        self.ca = CA(Path(self._dir.name))
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(lambda _loop, _context: None)  # refused probes
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.Server] = []
        self._idle: list[socket.socket] = []
        self._transports: list[asyncio.DatagramTransport] = []

    def spec(self, name: str) -> Spec:
        return self.specs[name]

    def __enter__(self) -> Lab:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(60)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()
        self._dir.cleanup()

    async def _start(self) -> None:
        for spec in self.specs.values():
            tls = _server_context(spec, self.ca)
            https_socks = _sockets(spec.ipv6, listen=spec.https)
            http_socks = _sockets(spec.ipv6)
            https_port = https_socks[0].getsockname()[1]
            http_port = http_socks[0].getsockname()[1]
            for s in https_socks:
                if spec.https:
                    handler = self._handler(spec, https=True, https_port=https_port)
                    self._servers.append(await asyncio.start_server(handler, sock=s, ssl=tls))
                else:
                    self._idle.append(s)  # bound, not listening: connections are refused
            for s in http_socks:
                handler = self._handler(spec, https=False, https_port=https_port)
                self._servers.append(await asyncio.start_server(handler, sock=s))
            self.ports[spec.name] = (https_port, http_port)
        await self._start_dns()
        await self._start_policies()
        await self._start_smtp()

    async def _start_smtp(self) -> None:
        """SMTP servers: STARTTLS with TLS 1.2-1.3 on 127.0.0.1 and ::1; on SMTP_SERVERS'
        addresses, the same port, one without STARTTLS and one with TLS 1.0 only."""
        cert = self.ca.issue_names("smtp", [f"mx1.{n}" for n in self.mail_specs])
        socks = _sockets(True)
        self.smtp_port = socks[0].getsockname()[1]
        servers: list[tuple[socket.socket, ssl.SSLContext | None]] = [
            (s, _smtp_context(cert, "modern")) for s in socks
        ]
        for address, kind in SMTP_SERVERS:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, self.smtp_port))
            s.listen(16)
            s.setblocking(False)
            servers.append((s, None if kind == "none" else _smtp_context(cert, kind)))
        for s, tls in servers:
            self._servers.append(await asyncio.start_server(_smtp_handler(tls), sock=s))

    async def _start_dns(self) -> None:
        """The lab's authoritative DNS server, UDP and TCP on 127.0.0.1 and ::1 (one port)."""
        zones, self.anchor = _signed_zones(list(self.mail_specs.values()))
        tcp = _sockets(True)
        self.dns_port = tcp[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        for s in tcp:
            self._servers.append(await asyncio.start_server(_dns_tcp(zones), sock=s))
        for family, host in ((socket.AF_INET6, "::1"), (socket.AF_INET, "127.0.0.1")):
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _DnsUdp(zones), local_addr=(host, self.dns_port), family=family
            )
            self._transports.append(transport)

    async def _start_policies(self) -> None:
        """One HTTPS server for every mta-sts.<domain> policy host (by Host header)."""
        names = [f"mta-sts.{n}" for n in self.mail_specs]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.ca.issue_names("mta-sts", names))
        socks = _sockets(True)
        self.policy_port = socks[0].getsockname()[1]
        for s in socks:
            handler = self._policy_handler()
            self._servers.append(await asyncio.start_server(handler, sock=s, ssl=ctx))

    def _policy_handler(self) -> Any:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                host = ""
                for line in head.decode("ascii", "replace").split("\r\n"):
                    if line.lower().startswith("host:"):
                        host = line[5:].strip().split(":")[0].lower()
                spec = self.mail_specs.get(host.removeprefix("mta-sts."))
                path = head.split(b" ", 2)[1]
                if spec is None or spec.policy is None or path != b"/.well-known/mta-sts.txt":
                    status, body = "404 Not Found", b"not found\n"
                else:
                    status, body = "200 OK", spec.policy.format(name=spec.name).encode()
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
            except (OSError, EOFError, asyncio.LimitOverrunError, TimeoutError, IndexError):
                pass
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

        return handle

    async def _stop(self) -> None:
        for transport in self._transports:
            transport.close()
        for s in self._idle:
            s.close()
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5)

    def _handler(self, spec: Spec, *, https: bool, https_port: int) -> Any:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                path = head.split(b" ", 2)[1].decode("ascii", "replace")
                writer.write(_answer(spec, https=https, https_port=https_port, path=path))
                await writer.drain()
            except (OSError, EOFError, asyncio.LimitOverrunError, TimeoutError, IndexError):
                pass  # a TLS probe that only shakes hands, or a client that went away
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

        return handle

    def hosts(self) -> dict[str, dict[str, Any]]:
        """The scanner's lab hosts map (settings `standards_lab_hosts`)."""
        hosts = {
            name: {"addresses": ["127.0.0.1", "::1"], "https_port": p[0], "http_port": p[1]}
            for name, p in self.ports.items()
        }
        for name in self.mail_specs:
            hosts[f"mta-sts.{name}"] = {
                "addresses": ["127.0.0.1", "::1"], "https_port": self.policy_port,
                "http_port": self.policy_port,
            }  # fmt: skip
        return hosts

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = dict(
            standards_lab_hosts=self.hosts(), standards_lab_ca=self.ca.path,
            standards_dns_resolvers=["127.0.0.1"], standards_dns_port=self.dns_port,
            standards_smtp_port=self.smtp_port, standards_dnssec_anchors=[self.anchor],
            standards_timeout=10.0,
        )  # fmt: skip
        return load_settings(**{**values, **overrides})


def _smtp_context(cert: tuple[Path, Path], kind: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():  # TLS 1.0 for the counterpart that allows only it
        warnings.simplefilter("ignore", DeprecationWarning)
        if kind == "tls1.0":
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1
            ctx.set_ciphers("ECDHE+AES:@SECLEVEL=0")
        else:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(*cert)
    return ctx


def _smtp_handler(tls: ssl.SSLContext | None) -> Any:
    """A minimal ESMTP server: greeting, EHLO (STARTTLS offered when `tls`), STARTTLS, QUIT."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"220 mx1.lab ESMTP nethealth lab\r\n")
            await writer.drain()
            while line := await asyncio.wait_for(reader.readline(), 10):
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    offer = b"250-STARTTLS\r\n" if tls is not None else b""
                    writer.write(b"250-mx1.lab\r\n" + offer + b"250 8BITMIME\r\n")
                elif command == b"STARTTLS" and tls is not None:
                    writer.write(b"220 2.0.0 Ready to start TLS\r\n")
                    await writer.drain()
                    await writer.start_tls(tls)
                    continue
                elif command == b"QUIT":
                    writer.write(b"221 2.0.0 Bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"502 5.5.2 Command not implemented\r\n")
                await writer.drain()
        except (OSError, EOFError, TimeoutError, ssl.SSLError):
            pass  # a client that went away or refused our TLS
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return handle


def _signed_zones(specs: list[MailSpec]) -> tuple[dict[dns.name.Name, dns.zone.Zone], str]:
    """Every spec's zone signed with its own key (ECDSA P-256) unless `unsigned`, and the parent
    zone `lab.` holding their delegations and DS records, signed too; its DS is the anchor."""
    lifetime = 30 * 86400
    zones: dict[dns.name.Name, dns.zone.Zone] = {}
    parent = ["@ SOA ns1 hostmaster 1 3600 600 86400 300", "@ NS ns1", "ns1 A 127.0.0.1"]
    for spec in specs:
        origin = dns.name.from_text(spec.name)
        zone = dns.zone.from_text(
            "\n".join(spec.records()), origin=origin, relativize=False, check_origin=False
        )
        zones[origin] = zone
        if not spec.name.endswith(".lab") or spec.name.count(".") != 1:
            continue  # only the direct children of lab. are delegated (and signed) from it
        parent.append(f"{spec.name}. NS ns1.{spec.name}.")
        if spec.dnssec == "unsigned":
            continue
        key, dnskey = _zone_key()
        dns.dnssec.sign_zone(zone, keys=[(key, dnskey)], lifetime=lifetime)
        shown = _zone_key()[1] if spec.dnssec == "bad-ds" else dnskey
        parent.append(f"{spec.name}. DS {dns.dnssec.make_ds(origin, shown, 'SHA256').to_text()}")
    lab = dns.name.from_text("lab.")
    root = dns.zone.from_text("\n".join(parent), origin=lab, relativize=False, check_origin=False)
    key, dnskey = _zone_key()
    dns.dnssec.sign_zone(root, keys=[(key, dnskey)], lifetime=lifetime)
    zones[lab] = root
    return zones, f"lab. {dns.dnssec.make_ds(lab, dnskey, 'SHA256').to_text()}"


def _zone_key() -> tuple[ec.EllipticCurvePrivateKey, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(key.public_key(), "ECDSAP256SHA256", flags=257)
    return key, dnskey


def _dns_answer(zones: dict[dns.name.Name, dns.zone.Zone], wire: bytes) -> bytes | None:
    """The authoritative answer to one query: REFUSED outside the lab's zones, NXDOMAIN for a
    name that has no records, else the records of the type asked (none: NODATA)."""
    try:
        query = dns.message.from_wire(wire)
    except Exception:
        return None  # not a DNS query: no answer, as a real server
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    question = query.question[0]
    # the closest enclosing zone; a DS lives in the parent's (RFC 4034 §5)
    above = [
        o for o in zones
        if question.name.is_subdomain(o)
        and not (question.rdtype == dns.rdatatype.DS and question.name == o)
    ]  # fmt: skip
    zone = zones[max(above, key=lambda o: len(o.labels))] if above else None
    if zone is None:
        response.set_rcode(dns.rcode.REFUSED)
        return response.to_wire()
    node = zone.get_node(question.name)
    if node is None:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()
    rdataset = node.get_rdataset(dns.rdataclass.IN, question.rdtype)
    if rdataset is not None:
        rrset = response.find_rrset(
            response.answer, question.name, dns.rdataclass.IN, question.rdtype, create=True
        )
        rrset.update(rdataset)
        sigs = node.get_rdataset(
            dns.rdataclass.IN, dns.rdatatype.RRSIG, covers=dns.rdatatype.RdataType(question.rdtype)
        )
        if sigs is not None and query.ednsflags & dns.flags.DO:
            rrsig = response.find_rrset(
                response.answer, question.name, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                dns.rdatatype.RdataType(question.rdtype), create=True,
            )  # fmt: skip
            rrsig.update(sigs)
    return response.to_wire()


class _DnsUdp(asyncio.DatagramProtocol):
    def __init__(self, zones: dict[dns.name.Name, dns.zone.Zone]) -> None:
        self.zones = zones
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        answer = _dns_answer(self.zones, data)
        if answer is not None and self.transport is not None:
            self.transport.sendto(answer, addr)


def _dns_tcp(zones: dict[dns.name.Name, dns.zone.Zone]) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(2), "big")
                answer = _dns_answer(zones, await reader.readexactly(size))
                if answer is None:
                    break
                writer.write(len(answer).to_bytes(2, "big") + answer)
                await writer.drain()
        except (OSError, EOFError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return handle


def _answer(spec: Spec, *, https: bool, https_port: int, path: str) -> bytes:
    headers: list[tuple[str, str]] = [("Content-Type", "text/html; charset=utf-8")]
    status, body = "200 OK", b"<!doctype html><title>lab</title><p>nethealth lab</p>\n"
    if not https and spec.redirect:
        status, body = "301 Moved Permanently", b""
        headers = [("Location", f"https://{spec.name}:{https_port}{path}")]
    elif https and path == "/.well-known/security.txt":
        if spec.security_txt:
            headers = [("Content-Type", "text/plain; charset=utf-8")]
            body = _security_txt()
        else:
            status, body = "404 Not Found", b"not found\n"
    if https:
        headers += list(spec.headers)
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("ascii") + body


def main() -> None:
    """`python -m tests.standards.lab`: run the lab until interrupted, printing the settings
    that point `nethealth scan --lab` at it."""
    with Lab() as lab:
        print(f"export NETHEALTH_STANDARDS_LAB_HOSTS='{json.dumps(lab.hosts())}'")
        print(f"export NETHEALTH_STANDARDS_LAB_CA='{lab.ca.path}'")
        print("export NETHEALTH_STANDARDS_DNS_RESOLVERS='[\"127.0.0.1\"]'")
        print(f"export NETHEALTH_STANDARDS_DNS_PORT={lab.dns_port}")
        print(f"export NETHEALTH_STANDARDS_SMTP_PORT={lab.smtp_port}")
        print(f"export NETHEALTH_STANDARDS_DNSSEC_ANCHORS='{json.dumps([lab.anchor])}'")
        for mail_spec in lab.mail_specs.values():
            missed = ", ".join(sorted(mail_spec.fails)) or "nothing"
            print(f"# {mail_spec.name} (mail): built to miss {missed}")
        for spec in lab.specs.values():
            print(f"# {spec.name}: built to fail {', '.join(sorted(spec.fails)) or 'nothing'}")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
