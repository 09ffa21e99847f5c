"""What the lab is made of: its addresses, its servers and its domains, each domain with the
checks it is built to fail.

Addresses come from documentation ranges that are never routed (RFC 5737 198.51.100.0/24, RFC 3849
2001:db8::/32): the host keeps .1 and ::1 on its end of a veth pair, the lab's namespace holds
one address per server on the other end and has no default route, so nothing the lab serves or
asks can leave it. Without network namespaces the servers listen on 127.77.0.0/24 (loopback),
on ports 10000 above the standard ones, without IPv6 (loopback has one IPv6 address, ::1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["netns", "loopback"]

NETNS = "nethealth-lab"
VETH_HOST, VETH_LAB = "nhlab0", "nhlab1"
NET4, NET6 = "198.51.100.0/24", "2001:db8:6c61:62::/64"
HOST4, HOST6 = "198.51.100.1", "2001:db8:6c61:62::1"
LOOPBACK4 = "127.77.0.0/24"
LOOPBACK_PORT_OFFSET = 10000

# The last part of each server's address (198.51.100.N, 2001:db8:6c61:62::N, 127.77.0.N).
HOSTS: dict[str, int] = {
    "web-ideal": 10, "web-tls12": 11, "web-tls10": 12, "web-no-redirect": 13, "ns1": 53, "ns2": 54, "resolver": 55,
    "mx-ideal": 25, "mx-plain": 26, "ntp-nts": 123, "ntp-plain": 124,
}  # fmt: skip
STANDARD_PORTS = {"https": 443, "http": 80, "dns": 53, "smtp": 25, "ntp": 123, "nts-ke": 4460}


@dataclass(frozen=True)
class Plan:
    """Where everything listens in one mode."""

    mode: Mode

    @property
    def ipv6(self) -> bool:
        return self.mode == "netns"

    def v4(self, host: str) -> str:
        n = HOSTS[host]
        return f"198.51.100.{n}" if self.mode == "netns" else f"127.77.0.{n}"

    def v6(self, host: str) -> str | None:
        return f"2001:db8:6c61:62::{HOSTS[host]}" if self.ipv6 else None

    def addresses(self, host: str) -> list[str]:
        v6 = self.v6(host)
        return [self.v4(host), *([v6] if v6 else [])]

    def port(self, service: str) -> int:
        base = STANDARD_PORTS[service]
        return base if self.mode == "netns" else base + LOOPBACK_PORT_OFFSET

    def networks(self) -> list[str]:
        """Where the lab's clients are: the lab's ranges, or all of loopback (a client on
        loopback sends from 127.0.0.1, not from 127.77.0.0/24)."""
        return [NET4, NET6] if self.mode == "netns" else ["127.0.0.0/8"]


@dataclass(frozen=True)
class Domain:
    """One lab domain: which web server and MX serve it, how its zone is signed, and the checks
    it is built to fail (empty for the ideal ones)."""

    name: str
    web: str = "web-ideal"
    mx: str = "mx-ideal"
    # knot signs it; presigned with expired RRSIGs; or not signed at all (no DS either)
    signing: Literal["knot", "expired", "none"] = "knot"
    fails: frozenset[str] = frozenset()
    mistake: str = ""  # what the counterpart gets wrong, in one sentence (docs/lab.md)
    missing: frozenset[str] = frozenset()  # records its zone leaves out: caa, spf, dmarc


DOMAINS: tuple[Domain, ...] = (
    Domain("ideal.lab"),
    Domain("tls12.lab", web="web-tls12", fails=frozenset({"web-tls13", "web-hsts"}),
           mistake="nginx allows TLS 1.2 only and sends no Strict-Transport-Security header"),
    Domain("broken-sig.lab", signing="expired", fails=frozenset({"web-dnssec"}),
           mistake="the zone's RRSIGs expired: DNSSEC validation fails (validating resolvers "
           "answer SERVFAIL)"),
    Domain("no-starttls.lab", mx="mx-plain", fails=frozenset({"mail-starttls"}),
           mistake="postfix does not offer STARTTLS: mail reaches it in clear text"),
    Domain("tls10.lab", web="web-tls10", fails=frozenset({"web-tls-legacy"}),
           mistake="nginx still allows TLS 1.0 and 1.1 (and the CBC suites they need)"),
    Domain("no-redirect.lab", web="web-no-redirect", fails=frozenset({"web-https-redirect"}),
           mistake="nginx serves the site over plain HTTP instead of redirecting to HTTPS"),
    Domain("unsigned.lab", signing="none", fails=frozenset({"web-dnssec"}),
           mistake="the zone is not signed and its parent has no DS: no DNSSEC at all"),
    Domain("no-caa.lab", missing=frozenset({"caa"}), fails=frozenset({"web-caa"}),
           mistake="no CAA record: any CA may issue certificates for the domain"),
    Domain("no-spf.lab", missing=frozenset({"spf"}), fails=frozenset({"mail-spf"}),
           mistake="no SPF record: anyone may send mail in the domain's name"),
    Domain("no-dmarc.lab", missing=frozenset({"dmarc"}), fails=frozenset({"mail-dmarc"}),
           mistake="no DMARC record: receivers are not told to reject forged mail"),
)  # fmt: skip

# Checks every domain fails in loopback mode: loopback has no IPv6 address of the lab's own.
NO_IPV6_FAILS = frozenset({"web-ipv6", "web-dns-www", "web-ns-ipv6", "mail-ipv6"})


def fails(domain: Domain, plan: Plan) -> list[str]:
    """The checks `domain` is built to fail in `plan`'s mode, sorted."""
    return sorted(domain.fails | (frozenset() if plan.ipv6 else NO_IPV6_FAILS))


@dataclass(frozen=True)
class Server:
    """One server process of the lab; `host` names its address in HOSTS."""

    name: str
    program: str  # the Debian program it runs
    package: str  # the Debian package that installs it
    what: str


SERVERS: tuple[Server, ...] = (
    Server("knot", "knotd", "knot", "authoritative DNS (ns1, ns2): the lab. parent and the "
           "domains' zones, signed by knot; broken-sig.lab presigned with expired signatures, "
           "unsigned.lab not signed"),
    Server("unbound", "unbound", "unbound", "validating resolver with the lab trust anchor"),
    Server("nginx", "nginx", "nginx-light", "web: ideal (TLS 1.3+1.2, HSTS, HTTP/2, headers, "
           "security.txt, MTA-STS policies); tls12 (TLS 1.2 only, no HSTS), tls10 (TLS 1.0 and "
           "1.1 allowed), no-redirect (HTTP not redirected)"),
    Server("postfix-ideal", "postfix", "postfix", "MX with STARTTLS (TLS 1.2+) and DANE TLSA"),
    Server("postfix-plain", "postfix", "postfix", "MX without STARTTLS"),
    Server("chrony-nts", "chronyd", "chrony", "NTP with NTS (NTS-KE on 4460)"),
    Server("chrony-plain", "chronyd", "chrony", "plain NTP, no NTS"),
)  # fmt: skip
# The tools `lab up` runs besides the servers: key generation and signing, namespaces.
TOOLS = {"keymgr": "knot", "ldns-keygen": "ldnsutils", "ldns-signzone": "ldnsutils",
         "ldns-key2ds": "ldnsutils", "ip": "iproute2"}  # fmt: skip

# The section of docs/lab.md whose configuration does right what each check tests: the scan
# report's link from a check's advice (score.report_json's `lab_config`).
LAB_DOCS = "https://github.com/nethealth/nethealth/blob/main/docs/lab.md"
_DNS_CHECKS = ("web-dns-www", "web-ns-ipv6", "web-dnssec", "web-caa", "mail-mx", "mail-spf",
               "mail-dmarc", "mail-tls-rpt")  # fmt: skip
CONFIG_SECTIONS: dict[str, str] = {
    **dict.fromkeys(_DNS_CHECKS, "dns-knot-and-a-signed-zone"),
    "mail-mta-sts": "mta-sts-policy-nginx",
    "mail-starttls": "mail-server-postfix",
    "mail-ipv6": "mail-server-postfix",
}


def config_link(check_id: str) -> str:
    """The docs/lab.md section showing the configuration that passes `check_id`."""
    section = CONFIG_SECTIONS.get(check_id, "web-server-nginx")  # every other check: web
    return f"{LAB_DOCS}#{section}"
