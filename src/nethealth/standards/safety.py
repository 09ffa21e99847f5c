"""What the scanner may connect to (docs/standards.md, Safety).

Outside lab mode the scanner connects only to globally routable unicast addresses: never to
private, loopback, link-local, multicast, reserved, documentation, CGNAT, IPv4-mapped, NAT64,
6to4/Teredo, unspecified or benchmarking ones. Every address is checked after every resolution
and on every redirect, and the scanner then connects to the checked address itself, never to the
name again, so a resolver cannot answer differently between check and connect (DNS rebinding).
Lab mode allows loopback and the lab's configured networks, and nothing else.

A target is a domain name: IP literals in any spelling (dotted, decimal, octal, hex, short forms,
IPv6, bracketed) are refused, so no spelling of 127.0.0.1 slips past a textual test.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Named ranges, most specific reason first; `is_global` below catches the rest of IANA's
# special-purpose registries.
_REFUSED: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "this-network (unspecified)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space / CGNAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.88.99.0/24", "6to4 relay anycast (deprecated)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "limited broadcast"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("64:ff9b::/96", "NAT64 (RFC 6052)"),
    ("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
    ("100::/64", "discard-only (RFC 6666)"),
    ("2001::/32", "Teredo"),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("fc00::/7", "unique local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
)
REFUSED_NETWORKS: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(n), why) for n, why in _REFUSED
)
LAB_LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class PolicyRefusal(Exception):
    """The safety policy refused a name or an address; the scan records it as an `error`
    attempt with reason `refused_by_policy`."""


def normalize_name(text: str) -> str:
    """A domain name in ASCII lower case without the final dot, or PolicyRefusal: IP literals
    in any spelling and anything that is not a host name are refused."""
    name = text.strip().rstrip(".").lower()
    if not name:
        raise PolicyRefusal("empty domain name")
    if name.startswith("[") or ":" in name or "/" in name or "@" in name:
        raise PolicyRefusal(
            f"{text!r} is not a domain name (IP literals, ports and URLs are refused)"
        )
    for label in name.split("."):  # the reasons IDNA would give, said plainly
        if not label:
            raise PolicyRefusal(f"{text!r} is not a domain name: it has an empty label (..)")
        if len(label) > 63 and label.isascii():
            raise PolicyRefusal(
                f"{text!r} is not a domain name: the label {label[:20]}… is longer than 63 "
                "characters"
            )
    try:
        name = name.encode("idna").decode("ascii")
        name.encode("ascii").decode("idna")  # an xn-- label must decode (valid Punycode)
    except UnicodeError as exc:
        raise PolicyRefusal(
            f"{text!r} is not a valid internationalised domain name (IDNA: {exc})"
        ) from None
    labels = name.split(".")
    if len(name) > 253:
        raise PolicyRefusal(f"{text!r} is not a domain name: {len(name)} characters, more than 253")
    for label in labels:
        if not _LABEL.match(label):
            raise PolicyRefusal(
                f"{text!r} is not a domain name: the label {label!r} "
                + (
                    "starts or ends with a hyphen"
                    if label.startswith("-") or label.endswith("-")
                    else "has a character other than a-z, 0-9 and hyphen"
                    if len(label) <= 63
                    else "is longer than 63 characters"
                )
            )
    # 2130706433, 0177.0.0.1, 0x7f.1, 127.1: a resolver's inet_aton would read these as
    # addresses. No top-level domain is numeric, so a numeric last label is never a name.
    if _NUMERIC.match(labels[-1]):
        raise PolicyRefusal(f"{text!r} is an IP address literal; give a domain name")
    return name


def is_opted_out(name: str, opt_out: Iterable[str]) -> bool:
    for entry in opt_out:
        domain = entry.strip().rstrip(".").lower()
        if domain and (name == domain or name.endswith("." + domain)):
            return True
    return False


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses the scanner may connect to: public unicast outside lab mode; in lab mode
    loopback and the lab's networks only."""

    lab: bool = False
    lab_networks: Sequence[Network] = ()

    def refusal(self, address: str) -> str | None:
        """Why `address` is refused, or None when the scanner may connect to it."""
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
        if "%" in address:
            return f"{address} carries a zone index (link-local scope)"
        if self.lab:
            if any(ip in n for n in (*LAB_LOOPBACK, *self.lab_networks) if n.version == ip.version):
                return None
            return f"{ip} is outside the lab (lab mode connects to loopback and the lab's networks only)"
        for network, why in REFUSED_NETWORKS:
            if network.version == ip.version and ip in network:
                return f"{ip} is {why}"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return f"{ip} is IPv4-mapped"
        if not ip.is_global or ip.is_multicast:
            return f"{ip} is not a global unicast address"
        return None

    def check(self, address: str) -> str:
        """`address` if allowed, else PolicyRefusal."""
        why = self.refusal(address)
        if why is not None:
            raise PolicyRefusal(why)
        return address


def lab_networks_of(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)
