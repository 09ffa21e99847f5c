"""The lab's configuration files, one function per file (or per copyable part of one).

docs/lab.md quotes the parts an operator copies, rendered by these same functions for the lab
in its network namespace (`docs_context`); tests/standards/test_lab_docs.py keeps the two equal.
Every function is pure: the same `Site` gives the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nethealth.standards.lab.plan import DOMAINS, Domain, Plan

# Mozilla's "intermediate" TLS 1.2 suites (TLS 1.3's are always on and all good): forward
# secrecy and AEAD only.
TLS12_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
LEGACY_CIPHERS = "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"  # what TLS 1.0/1.1 can use
HSTS = "max-age=63072000; includeSubDomains"  # two years: above the one-year minimum
SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
MTA_STS_ID = "20261207T120000"


@dataclass(frozen=True)
class Site:
    """What the templates need: where the lab lives and the values made at `lab up`."""

    plan: Plan
    root: Path  # the lab's directory
    expires: str  # security.txt Expires (RFC 3339)
    tlsa: dict[str, str] = field(default_factory=dict)  # certificate stem -> SHA-256 of its SPKI
    ds: dict[str, list[str]] = field(default_factory=dict)  # zone -> its DS records (rdata)
    anchor: str = ""  # the lab. DS record, rdata: the trust anchor

    def path(self, *parts: str) -> str:
        return str(self.root.joinpath(*parts))


def docs_context() -> Site:
    """The lab as docs/lab.md shows it: network namespace mode, in /var/lib/nethealth/lab, with
    placeholder digests (the real ones are made by each `lab up`)."""
    digest = "<sha256 of the certificate's public key, hex>"
    return Site(
        plan=Plan("netns"),
        root=Path("/var/lib/nethealth/lab"),
        expires="2027-12-01T00:00:00Z",
        tlsa={"mx-ideal": digest, "web-ideal.lab": digest},
        ds={"ideal.lab": ["<key tag> 13 2 <digest: keymgr ideal.lab. ds>"]},
        anchor="<key tag> 13 2 <digest: keymgr lab. ds>",
    )


def _listen(site: Site, host: str, service: str, extra: str = "") -> list[str]:
    port = site.plan.port(service)
    out = [f"    listen {site.plan.v4(host)}:{port}{extra};"]
    v6 = site.plan.v6(host)
    if v6:
        out.append(f"    listen [{v6}]:{port}{extra};")
    return out


def _https_url(site: Site) -> str:
    port = site.plan.port("https")
    return "https://$host" + ("" if port == 443 else f":{port}") + "$request_uri"


def security_txt(domain: str, expires: str) -> str:
    return f"Contact: mailto:security@{domain}\nExpires: {expires}\nPreferred-Languages: en\n"


def mta_sts_policy(domain: Domain) -> str:
    return f"version: STSv1\nmode: enforce\nmx: mx1.{domain.name}\nmax_age: 604800\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def nginx_web(site: Site, domain: Domain) -> str:
    """The domain's server blocks: the redirect on port 80 and the HTTPS site. The ideal web
    server's settings, or a counterpart's: tls12 (TLS 1.2 only, no HSTS), tls10 (TLS 1.0 and
    1.1 allowed), no-redirect (the site over plain HTTP)."""
    profile = domain.web
    names = f"{domain.name} www.{domain.name}"
    cert = f"web-{domain.name}"
    if profile == "web-no-redirect":
        lines = [
            "# the mistake: the site over plain HTTP, no redirect to HTTPS",
            "server {",
            *_listen(site, domain.web, "http"),
            f"    server_name {names};",
            "    default_type text/html;",
            f'    return 200 "<!doctype html><title>{domain.name}</title><p>nethealth lab\\n";',
            "}",
        ]
    else:
        lines = [
            "# HTTP: nothing but a permanent redirect to HTTPS on the same host",
            "server {",
            *_listen(site, domain.web, "http"),
            f"    server_name {names};",
            f"    return 301 {_https_url(site)};",
            "}",
        ]
    lines += [
        "",
        "server {",
        *_listen(site, domain.web, "https", " ssl http2"),
        f"    server_name {names};",
        f"    ssl_certificate     {site.path('certs', cert + '.pem')};",
        f"    ssl_certificate_key {site.path('certs', cert + '.key')};",
    ]
    if profile == "web-tls12":
        lines += [
            "    # the mistake: TLS 1.2 only (no TLS 1.3) and no Strict-Transport-Security",
            "    ssl_protocols TLSv1.2;",
            f"    ssl_ciphers {TLS12_CIPHERS};",
        ]
    elif profile == "web-tls10":
        lines += [
            "    # the mistake: TLS 1.0 and 1.1 still allowed (OpenSSL 3 needs security level 0",
            "    # and CBC suites for them)",
            "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;",
            f"    ssl_ciphers {TLS12_CIPHERS}:{LEGACY_CIPHERS}:@SECLEVEL=0;",
            f'    add_header Strict-Transport-Security "{HSTS}" always;',
        ]
    else:
        lines += [
            "    ssl_protocols TLSv1.2 TLSv1.3;",
            f"    ssl_ciphers {TLS12_CIPHERS};",
            "    ssl_prefer_server_ciphers off;",
            "    ssl_session_tickets off;",
            f'    add_header Strict-Transport-Security "{HSTS}" always;',
        ]
    lines += [f'    add_header {name} "{value}" always;' for name, value in SECURITY_HEADERS]
    lines += [
        "",
        "    location = /.well-known/security.txt {",
        "        default_type text/plain;",
        f"        return 200 {_quoted(security_txt(domain.name, site.expires))};",
        "    }",
        "    location / {",
        "        default_type text/html;",
        f'        return 200 "<!doctype html><title>{domain.name}</title><p>nethealth lab\\n";',
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def nginx_mta_sts(site: Site, domain: Domain) -> str:
    """The MTA-STS policy host mta-sts.<domain> (RFC 8461 §3.3: HTTPS, a valid certificate,
    text/plain), on the ideal web server."""
    cert = f"mta-sts.{domain.name}"
    lines = [
        "server {",
        *_listen(site, "web-ideal", "https", " ssl http2"),
        f"    server_name mta-sts.{domain.name};",
        f"    ssl_certificate     {site.path('certs', cert + '.pem')};",
        f"    ssl_certificate_key {site.path('certs', cert + '.key')};",
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        f"    ssl_ciphers {TLS12_CIPHERS};",
        "    location = /.well-known/mta-sts.txt {",
        "        default_type text/plain;",
        f"        return 200 {_quoted(mta_sts_policy(domain))};",
        "    }",
        "    location / {",
        "        return 404;",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def nginx_conf(site: Site) -> str:
    """The whole nginx.conf: one master process for the ideal and the counterpart sites."""
    head = [
        "# nethealth lab: generated by `nethealth lab up`",
        "worker_processes 1;",
        f"pid {site.path('run', 'nginx.pid')};",
        f"error_log {site.path('log', 'nginx.log')} warn;",
        "events { worker_connections 512; }",
        "http {",
        f"    access_log {site.path('log', 'nginx-access.log')};",
        "    server_tokens off;",
        f"    client_body_temp_path {site.path('nginx', 'body')};",
        f"    proxy_temp_path {site.path('nginx', 'proxy')};",
        f"    fastcgi_temp_path {site.path('nginx', 'fastcgi')};",
        f"    uwsgi_temp_path {site.path('nginx', 'uwsgi')};",
        f"    scgi_temp_path {site.path('nginx', 'scgi')};",
        "",
    ]
    body = [nginx_web(site, d) for d in DOMAINS] + [nginx_mta_sts(site, d) for d in DOMAINS]
    indented = "\n".join(
        "\n".join(("    " + line) if line else "" for line in block.splitlines()) for block in body
    )
    return "\n".join(head) + "\n" + indented + "\n}\n"


# DNS


def zone(site: Site, domain: Domain) -> str:
    """The domain's zone as written (unsigned: knot signs it, or ldns-signzone for the
    expired counterpart)."""
    p = site.plan
    lines = [
        "$TTL 300",
        f"@ SOA ns1.{domain.name}. hostmaster.{domain.name}. 1 3600 600 86400 300",
        "@ NS ns1",
        "@ NS ns2",
    ]
    for label, host in (("ns1", "ns1"), ("ns2", "ns2"), ("@", domain.web), ("www", domain.web),
                        ("mta-sts", "web-ideal"), ("mx1", domain.mx)):  # fmt: skip
        lines.append(f"{label} A {p.v4(host)}")
        v6 = p.v6(host)
        if v6:
            lines.append(f"{label} AAAA {v6}")
    parts = {
        "caa": ['@ CAA 0 issue "letsencrypt.org"',
                f'@ CAA 0 iodef "mailto:security@{domain.name}"'],
        "mx": ["@ MX 10 mx1"],
        "spf": ['@ TXT "v=spf1 mx -all"'],
        "dmarc": [f'_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{domain.name}"'],
        "mta-sts": [f'_mta-sts TXT "v=STSv1; id={MTA_STS_ID}"'],
        "tls-rpt": [f'_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{domain.name}"'],
    }  # fmt: skip
    for part, records in parts.items():
        if part not in domain.missing:  # a counterpart's mistake: the records it lacks
            lines += records
    # DANE (RFC 7672, RFC 6698): 3 1 1 = the server's own key (SPKI), SHA-256
    if domain.mx == "mx-ideal" and "mx-ideal" in site.tlsa:
        lines.append(f"_25._tcp.mx1 TLSA 3 1 1 {site.tlsa['mx-ideal']}")
    web_cert = f"web-{domain.name}"
    if web_cert in site.tlsa:
        lines.append(f"_443._tcp TLSA 3 1 1 {site.tlsa[web_cert]}")
        lines.append(f"_443._tcp.www TLSA 3 1 1 {site.tlsa[web_cert]}")
    return "\n".join(lines) + "\n"


def parent_zone(site: Site) -> str:
    """The lab.'s zone: the delegations of the lab domains with their glue and DS, and the
    lab's time servers."""
    p = site.plan
    lines = [
        "$TTL 300",
        "@ SOA ns1.lab. hostmaster.lab. 1 3600 600 86400 300",
        "@ NS ns1",
        f"ns1 A {p.v4('ns1')}",
    ]
    if p.v6("ns1"):
        lines.append(f"ns1 AAAA {p.v6('ns1')}")
    for label, host in (("nts", "ntp-nts"), ("ntp", "ntp-plain")):
        lines.append(f"{label} A {p.v4(host)}")
        if p.v6(host):
            lines.append(f"{label} AAAA {p.v6(host)}")
    for d in DOMAINS:
        lines += [f"{d.name}. NS ns1.{d.name}.", f"{d.name}. NS ns2.{d.name}."]
        for ns in ("ns1", "ns2"):
            lines.append(f"{ns}.{d.name}. A {p.v4(ns)}")
            if p.v6(ns):
                lines.append(f"{ns}.{d.name}. AAAA {p.v6(ns)}")
        lines += [f"{d.name}. DS {ds}" for ds in site.ds.get(d.name, [])]
    return "\n".join(lines) + "\n"


def knot_zones(site: Site) -> str:
    """knot.conf's policy and zone sections: automatic signing (ECDSA P-256, one combined
    key, NSEC) for every zone but the presigned, expired counterpart."""
    lines = [
        "policy:",
        "  - id: lab",
        "    algorithm: ecdsap256sha256",
        "    single-type-signing: on",
        "    rrsig-lifetime: 14d",
        "    rrsig-refresh: 7d",
        "",
        "zone:",
        "  - domain: lab.",
        "    dnssec-signing: on",
        "    dnssec-policy: lab",
    ]
    for d in DOMAINS:
        lines.append(f"  - domain: {d.name}.")
        if d.signing == "knot":
            lines += ["    dnssec-signing: on", "    dnssec-policy: lab"]
        elif d.signing == "none":
            lines.append("    # the mistake: not signed (and no DS in lab.)")
        else:
            lines += [
                "    # the mistake: signed once by hand (ldns-signzone), never re-signed",
                f"    file: {d.name}.signed",
            ]
    return "\n".join(lines) + "\n"


def knot_conf(site: Site) -> str:
    p = site.plan
    port = p.port("dns")
    listen = [f"{a}@{port}" for host in ("ns1", "ns2") for a in p.addresses(host)]
    lines = [
        "# nethealth lab: generated by `nethealth lab up`",
        "server:",
        f"    rundir: {site.path('run')}",
        f"    pidfile: {site.path('run', 'knot.pid')}",
        f"    listen: [ {', '.join(listen)} ]",
        "",
        "log:",
        f"  - target: {site.path('log', 'knot.log')}",
        "    any: info",
        "",
        "database:",
        f"    storage: {site.path('knot')}",
        "",
        "template:",
        "  - id: default",
        f"    storage: {site.path('zones')}",
        "    file: %s.zone",
        "    zonefile-sync: -1",
        "",
    ]
    return "\n".join(lines) + knot_zones(site)


def trust_anchor(site: Site) -> str:
    """The lab's trust anchor file: the DS of `lab.`, whose key signs the lab's parent zone."""
    return f"lab. IN DS {site.anchor}\n"


def unbound_conf(site: Site) -> str:
    """A validating resolver whose only trust anchor is the lab's; it asks knot for lab. and
    refuses every other name (nothing leaves the lab)."""
    p = site.plan
    port = p.port("dns")
    lines = [
        "# nethealth lab: generated by `nethealth lab up`",
        "server:",
        *(f"    interface: {a}@{port}" for a in p.addresses("resolver")),
        *(f"    access-control: {net} allow" for net in p.networks()),
        f"    directory: {site.path('unbound')}",
        f"    pidfile: {site.path('run', 'unbound.pid')}",
        f"    logfile: {site.path('log', 'unbound.log')}",
        '    username: ""',
        '    chroot: ""',
        "    use-syslog: no",
        "    verbosity: 1",
        f"    do-ip6: {'yes' if p.ipv6 else 'no'}",
        "    do-not-query-localhost: no",
        '    module-config: "validator iterator"',
        f"    trust-anchor-file: {site.path('lab.anchor')}",
        "    val-log-level: 2",
        "    harden-dnssec-stripped: yes",
        "    harden-below-nxdomain: yes",
        "    qname-minimisation: yes",
        "    aggressive-nsec: yes",
        '    local-zone: "." refuse',
        '    local-zone: "lab." transparent',
        "",
        "stub-zone:",
        '    name: "lab."',
        *(f"    stub-addr: {a}@{port}" for host in ("ns1", "ns2") for a in p.addresses(host)),
        "",
        "remote-control:",
        "    control-enable: no",
    ]
    return "\n".join(lines) + "\n"


# Mail


def postfix_tls(site: Site) -> str:
    """The TLS part of main.cf of the ideal MX: STARTTLS offered with TLS 1.2 or better, DANE
    when it sends."""
    lines = [
        f"smtpd_tls_chain_files = {site.path('certs', 'mx-ideal.key')}, "
        f"{site.path('certs', 'mx-ideal.pem')}",
        "smtpd_tls_security_level = may",
        "smtpd_tls_protocols = >=TLSv1.2",
        "smtpd_tls_mandatory_protocols = >=TLSv1.2",
        "smtpd_tls_mandatory_ciphers = high",
        "tls_high_cipherlist = " + TLS12_CIPHERS,
        "smtpd_tls_loglevel = 1",
        "smtp_dns_support_level = dnssec",
        "smtp_tls_security_level = dane",
    ]
    return "\n".join(lines) + "\n"


def postfix_main(site: Site, server: str) -> str:
    """main.cf of the `mx-ideal` or `mx-plain` instance (the plain one: no TLS at all)."""
    p = site.plan
    home = site.path(f"postfix-{server.removeprefix('mx-')}")
    # Loopback mode: 127.77.0.N is no interface's address, which inet_interfaces refuses;
    # master.cf binds the address itself there (postfix_master).
    interfaces = ", ".join(f"[{a}]" if ":" in a else a for a in p.addresses(server))
    if p.mode == "loopback":
        interfaces = "loopback-only"
    lines = [
        "# nethealth lab: generated by `nethealth lab up`",
        "compatibility_level = 3.6",
        f"queue_directory = {home}/queue",
        f"data_directory = {home}/data",
        "mail_owner = postfix",
        f"myhostname = mx1.{next(d.name for d in DOMAINS if d.mx == server)}",
        "mydestination =",
        "mynetworks =",
        "relay_domains =",
        "local_recipient_maps =",
        "smtpd_relay_restrictions = reject_unauth_destination",
        "smtpd_peername_lookup = no",  # the lab asks no DNS about its clients
        f"inet_interfaces = {interfaces}",
        f"inet_protocols = {'all' if p.ipv6 else 'ipv4'}",
        f"maillog_file_prefixes = {site.path('log')}",
        f"maillog_file = {site.path('log', f'postfix-{server}.log')}",
        "biff = no",
    ]
    text = "\n".join(lines) + "\n"
    if server == "mx-ideal":
        return text + postfix_tls(site)
    return text + "# the mistake: no smtpd_tls_* settings, so no STARTTLS\n"


def postfix_master(site: Site, server: str) -> str:
    """master.cf: the SMTP server and the daemons it needs, none chrooted."""
    port = site.plan.port("smtp")
    listen = "smtp" if port == 25 else f"{site.plan.v4(server)}:{port}"
    services = [
        (listen, "inet", "-", "smtpd"),
        ("pickup", "unix", "60", "pickup"),
        ("cleanup", "unix", "-", "cleanup"),
        ("qmgr", "unix", "300", "qmgr"),
        ("tlsmgr", "unix", "1000?", "tlsmgr"),
        ("rewrite", "unix", "-", "trivial-rewrite"),
        ("bounce", "unix", "-", "bounce"),
        ("defer", "unix", "-", "bounce"),
        ("trace", "unix", "-", "bounce"),
        ("verify", "unix", "-", "verify"),
        ("flush", "unix", "1000?", "flush"),
        ("proxymap", "unix", "-", "proxymap"),
        ("smtp", "unix", "-", "smtp"),
        ("showq", "unix", "-", "showq"),
        ("error", "unix", "-", "error"),
        ("retry", "unix", "-", "error"),
        ("discard", "unix", "-", "discard"),
        ("local", "unix", "-", "local"),
        ("anvil", "unix", "-", "anvil"),
        ("scache", "unix", "-", "scache"),
    ]
    lines = ["# service type private unpriv chroot wakeup maxproc command"]
    for name, kind, wakeup, command in services:
        private = "n" if kind == "inet" or name in ("pickup", "cleanup", "qmgr", "showq") else "-"
        maxproc = "1" if name in ("pickup", "qmgr", "tlsmgr", "anvil", "scache") else "-"
        maxproc = "0" if name == "cleanup" else maxproc
        lines.append(f"{name} {kind} {private} - n {wakeup} {maxproc} {command}")
    lines.append("postlog unix-dgram n - n - 1 postlogd")
    return "\n".join(lines) + "\n"


# Time


def chrony_conf(site: Site, server: str) -> str:
    """chronyd as a server of its own clock (the lab has no upstream); `ntp-nts` with NTS."""
    p = site.plan
    name = server.removeprefix("ntp-")
    lines = [
        "# nethealth lab: generated by `nethealth lab up` (chronyd -x: never sets the clock)",
        "local stratum 8",
        *(f"bindaddress {a}" for a in p.addresses(server)),
        f"port {p.port('ntp')}",
        "cmdport 0",
        *(f"allow {net}" for net in p.networks()),
        f"pidfile {site.path('run', f'chrony-{name}.pid')}",
        f"logdir {site.path('log')}",
    ]
    if server == "ntp-nts":
        lines += [
            f"ntsserverkey {site.path('certs', 'nts.lab.key')}",
            f"ntsservercert {site.path('certs', 'nts.lab.pem')}",
            f"ntsport {p.port('nts-ke')}",
            f"ntsdumpdir {site.path('chrony-nts')}",
        ]
    else:
        lines.append("# the mistake: no ntsserverkey/ntsservercert, so no NTS")
    return "\n".join(lines) + "\n"


def doc_blocks() -> dict[str, str]:
    """The configuration docs/lab.md quotes, by the name of its `<!-- lab:NAME -->` marker."""
    site = docs_context()
    ideal = DOMAINS[0]
    web = {d.web: d for d in reversed(DOMAINS)}  # each web server's first domain
    return {
        "nginx-ideal": nginx_web(site, ideal),
        "nginx-tls12": nginx_web(site, web["web-tls12"]),
        "nginx-tls10": nginx_web(site, web["web-tls10"]),
        "nginx-no-redirect": nginx_web(site, web["web-no-redirect"]),
        "nginx-mta-sts": nginx_mta_sts(site, ideal),
        "zone-ideal": zone(site, ideal),
        "knot-zones": knot_zones(site),
        "unbound": unbound_conf(site),
        "anchor": trust_anchor(site),
        "postfix-tls": postfix_tls(site),
        "postfix-plain": postfix_main(site, "mx-plain"),
        "chrony-nts": chrony_conf(site, "ntp-nts"),
    }
