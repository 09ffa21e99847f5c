"""The SSRF matrix: outside lab mode the scanner never connects to a private, loopback,
link-local or otherwise special address — not when the name resolves there, not when a redirect
points there, not when a resolver answers differently the second time (DNS rebinding), not for
any spelling of an IP literal. Every address the scanner tries goes through a recording
connector, so these tests watch the scanner's every connection without any network."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nethealth.settings import load_settings
from nethealth.standards.checks import REGISTRY, domain, mail, select, web
from nethealth.standards.context import ScanContext
from nethealth.standards.model import Attempt, Check
from nethealth.standards.net import LabResolver, Network
from nethealth.standards.safety import AddressPolicy, PolicyRefusal, normalize_name
from nethealth.standards.scan import network_for, scan, user_agent
from tests.standards.lab import Lab

PUBLIC = "93.184.215.14"  # a global unicast address; never really connected to here


@dataclass
class FakeResolver:
    """Answers from a script: name -> successive answers (the last one repeats)."""

    answers: dict[str, list[list[str]]]
    calls: list[str] = field(default_factory=list)

    async def resolve(self, name: str) -> list[str]:
        self.calls.append(name)
        script = self.answers.get(name, [[]])
        return script[min(self.calls.count(name), len(script)) - 1]

    def ports(self, name: str) -> tuple[int, int]:
        return 443, 80


class FakeWriter:
    def __init__(self, sent: bytearray) -> None:
        self.sent = sent

    def write(self, data: bytes) -> None:
        self.sent += data

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        return None

    async def wait_closed(self) -> None:
        return None

    def get_extra_info(self, name: str) -> Any:
        return None


@dataclass
class Recorder:
    """A connector that records every (address, port) and answers plain HTTP from a script;
    TLS connections are refused (there is no server)."""

    http: dict[str, bytes] = field(default_factory=dict)  # address -> raw HTTP response
    tried: list[tuple[str, int]] = field(default_factory=list)
    sent: bytearray = field(default_factory=bytearray)
    active: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    hold: asyncio.Event | None = None

    async def __call__(
        self, address: str, port: int, tls: ssl.SSLContext | None, sni: str | None, timeout: float
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.tried.append((address, port))
        self.active[address] = self.active.get(address, 0) + 1
        self.peak[address] = max(self.peak.get(address, 0), self.active[address])
        try:
            if self.hold is not None:
                await asyncio.wait_for(self.hold.wait(), timeout)
            if tls is not None or address not in self.http:
                raise ConnectionRefusedError(111, f"refused by the test recorder: {address}")
            reader = asyncio.StreamReader()
            reader.feed_data(self.http[address])
            reader.feed_eof()
            return reader, cast(asyncio.StreamWriter, FakeWriter(self.sent))
        finally:
            self.active[address] -= 1


def _network(resolver: Any, recorder: Recorder, *, lab: bool = False, **settings: Any) -> Network:
    return network_for(load_settings(**settings), lab=lab, resolver=resolver, connector=recorder)


def _run(domain: str, net: Network | None, checks: tuple[Check, ...] = web.CHECKS, **kw: Any):  # type: ignore[no-untyped-def]
    settings = load_settings(**kw.pop("settings", {}))
    return asyncio.run(scan(domain, settings, checks=checks, network=net, **kw))


REFUSED = [
    "10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "127.255.255.254", "::1",
    "fe80::1", "fe80::1%eth0", "169.254.169.254", "100.64.0.1", "100.127.255.254",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:8.8.8.8", "64:ff9b::7f00:1", "64:ff9b:1::1",
    "224.0.0.1", "239.255.255.250", "ff02::1", "0.0.0.0", "::", "198.18.0.1", "198.19.255.1",
    "2001:2::1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1", "3fff::1",
    "240.0.0.1", "255.255.255.255", "fc00::1", "fd12:3456::1", "2002:7f00:1::1", "2001:0:4136::1",
    "192.0.0.8", "100::1",
]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED)
def test_special_addresses_are_refused_outside_lab_mode(address: str) -> None:
    assert AddressPolicy().refusal(address) is not None
    with pytest.raises(PolicyRefusal):
        AddressPolicy().check(address)


@pytest.mark.parametrize("address", ["8.8.8.8", PUBLIC, "2606:4700:4700::1111", "1.1.1.1"])
def test_global_unicast_is_allowed_outside_lab_mode_only(address: str) -> None:
    assert AddressPolicy().refusal(address) is None
    assert "outside the lab" in (AddressPolicy(lab=True).refusal(address) or "")


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address),
        st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address),
        st.integers(0, 2**32 - 1).map(lambda n: ipaddress.IPv6Address((0xFFFF << 32) | n)),
    )
)
def test_at_least_as_strict_as_ipaddress(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    # The outside reference: Python's copy of IANA's special-purpose registries. Whatever it
    # does not call global is refused (the policy refuses more: NAT64, 6to4, Teredo, mapped).
    if not ip.is_global or ip.is_multicast:
        assert AddressPolicy().refusal(str(ip)) is not None, ip


def test_lab_mode_allows_loopback_and_the_lab_networks_only() -> None:
    policy = AddressPolicy(lab=True, lab_networks=(ipaddress.ip_network("10.77.0.0/16"),))
    assert policy.refusal("127.0.0.1") is None and policy.refusal("::1") is None
    assert policy.refusal("10.77.1.2") is None
    assert policy.refusal("10.78.1.2") is not None and policy.refusal("192.168.1.1") is not None


LITERALS = [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "127.1", "0x7f.1",
    "017700000001", "[::1]", "::1", "[::ffff:127.0.0.1]", "http://127.0.0.1/", "example.org:8080",
    "user@example.org", "10.0.0.1.", "", "exa mple.org", "-bad.example",
]  # fmt: skip


@pytest.mark.parametrize("literal", LITERALS)
def test_ip_literals_in_every_spelling_are_refused_before_any_resolution(literal: str) -> None:
    with pytest.raises(PolicyRefusal):
        normalize_name(literal)
    resolver, recorder = FakeResolver({}), Recorder()
    report = _run(literal, _network(resolver, recorder))
    assert report.refused is not None
    assert {(r.attempt.status, r.attempt.reason) for r in report.results} == {
        ("error", "refused_by_policy")
    }
    assert resolver.calls == [] and recorder.tried == []


def test_names_are_normalised() -> None:
    assert normalize_name("Example.ORG.") == "example.org"
    assert normalize_name("bücher.example") == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    "answer",
    [["127.0.0.1"], ["10.0.0.5"], ["fe80::1"], ["::1", "127.0.0.1"], ["169.254.169.254"],
     ["::ffff:127.0.0.1"], ["64:ff9b::a00:1"], ["100.64.1.1"]],
    ids=lambda a: ",".join(a),
)  # fmt: skip
def test_a_name_resolving_to_special_addresses_is_refused(answer: list[str]) -> None:
    resolver, recorder = FakeResolver({"evil.example": [answer]}), Recorder()
    report = _run("evil.example", _network(resolver, recorder))
    by = {r.check.id: r.attempt for r in report.results}
    assert recorder.tried == []  # not one connection
    for check_id, attempt in by.items():
        assert (attempt.status, attempt.reason) == ("error", "refused_by_policy"), check_id


def test_a_redirect_to_a_private_address_is_refused() -> None:
    resolver = FakeResolver({"public.example": [[PUBLIC]], "internal.example": [["10.0.0.1"]]})
    redirect = b"HTTP/1.1 301 Moved\r\nLocation: http://internal.example/admin\r\nContent-Length: 0\r\n\r\n"
    recorder = Recorder(http={PUBLIC: redirect})
    report = _run("public.example", _network(resolver, recorder), select(["web-https-redirect"]))
    [result] = report.results
    assert (result.attempt.status, result.attempt.reason) == ("error", "refused_by_policy")
    assert "10.0.0.1" in result.attempt.detail
    assert recorder.tried == [(PUBLIC, 80)]


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/", "http://[::1]/", "http://2130706433/",
     "https://www.quiet.example/"],
)  # fmt: skip
def test_a_redirect_to_an_ip_literal_or_an_opted_out_name_is_refused(location: str) -> None:
    resolver = FakeResolver({"public.example": [[PUBLIC]], "www.quiet.example": [[PUBLIC]]})
    redirect = f"HTTP/1.1 302 Found\r\nLocation: {location}\r\n\r\n".encode()
    recorder = Recorder(http={PUBLIC: redirect})
    net = _network(resolver, recorder, standards_opt_out=["quiet.example"])
    report = _run("public.example", net, select(["web-https-redirect"]))
    [result] = report.results
    assert (result.attempt.status, result.attempt.reason) == ("error", "refused_by_policy")
    assert recorder.tried == [(PUBLIC, 80)] and resolver.calls == ["public.example"]


def test_redirect_paths_are_sent_without_spaces_or_control_bytes() -> None:
    resolver = FakeResolver({"public.example": [[PUBLIC]], "www.public.example": [[PUBLIC]]})
    redirect = b"HTTP/1.1 301 Moved\r\nLocation: http://www.public.example/a b\x01?q=1 2\r\n\r\n"
    recorder = Recorder(http={PUBLIC: redirect})
    _run("public.example", _network(resolver, recorder), select(["web-https-redirect"]))
    assert b"GET /a%20b%01?q=1%202 HTTP/1.1\r\n" in recorder.sent


def test_dns_rebinding_never_reaches_the_second_answer() -> None:
    # First answer public, every later one loopback: the scanner resolves each name once per
    # scan and connects to the address it checked, so the second answer is never used.
    resolver = FakeResolver({"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
    recorder = Recorder()
    _run("rebind.example", _network(resolver, recorder))
    assert resolver.calls == ["rebind.example"]
    assert recorder.tried and {a for a, _ in recorder.tried} == {PUBLIC}


def test_every_connection_is_checked_even_if_a_caller_skips_the_resolution() -> None:
    net = _network(FakeResolver({}), Recorder())

    async def go() -> None:
        async with net.connect("127.0.0.1", 443):
            pass

    with pytest.raises(PolicyRefusal):
        asyncio.run(go())


def test_lab_mode_refuses_public_addresses_and_names_outside_the_lab() -> None:
    hosts = {"outside.lab": {"addresses": [PUBLIC]}}
    settings = load_settings(standards_lab_hosts=hosts)
    recorder = Recorder()
    net = network_for(settings, lab=True, connector=recorder)
    assert isinstance(net.resolver, LabResolver)
    report = asyncio.run(scan("outside.lab", settings, lab=True, network=net,
                              checks=select(["web-https"])))  # fmt: skip
    assert report.results[0].attempt.reason == "refused_by_policy"
    assert recorder.tried == []


def test_opted_out_domains_and_their_subdomains_are_not_scanned() -> None:
    resolver, recorder = FakeResolver({"www.quiet.example": [[PUBLIC]]}), Recorder()
    report = _run("www.quiet.example", _network(resolver, recorder),
                  settings={"standards_opt_out": ["quiet.example"]})  # fmt: skip
    assert report.refused is not None and "asked not to be scanned" in report.refused
    assert resolver.calls == [] and recorder.tried == []


def test_the_user_agent_names_the_scanner_and_its_contact_url() -> None:
    resolver = FakeResolver({"public.example": [[PUBLIC]]})
    recorder = Recorder(http={PUBLIC: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"})
    settings = {"standards_contact_url": "https://observatory.example/scanner"}
    _run("public.example", _network(resolver, recorder, **settings),
         select(["web-https-redirect"]), settings=settings)  # fmt: skip
    sent = recorder.sent.decode()
    ua = user_agent(load_settings(**settings))
    assert f"User-Agent: {ua}\r\n" in sent and "+https://observatory.example/scanner" in ua


def test_per_host_and_global_connection_limits_hold() -> None:
    resolver = FakeResolver({"public.example": [[PUBLIC]]})
    recorder = Recorder()
    net = _network(resolver, recorder, standards_per_host=2, standards_max_connections=3)

    async def go() -> None:
        recorder.hold = asyncio.Event()
        task = asyncio.ensure_future(
            scan("public.example", load_settings(), network=net, checks=web.CHECKS)
        )
        for _ in range(10_000):  # until the first connections are waiting in the connector
            if recorder.active.get(PUBLIC, 0) >= 2:
                break
            await asyncio.sleep(0)
        for _ in range(200):  # the other checks get every chance to open more
            await asyncio.sleep(0)
        assert recorder.active.get(PUBLIC, 0) == 2  # the rest wait for a slot
        recorder.hold.set()
        await task

    asyncio.run(go())
    assert recorder.peak[PUBLIC] == 2
    assert len(recorder.tried) > 2


def test_a_timeout_is_an_error_with_reason_timeout() -> None:
    resolver = FakeResolver({"slow.example": [[PUBLIC]]})
    recorder = Recorder(hold=asyncio.Event())  # never set: the connection never completes
    net = _network(resolver, recorder, standards_timeout=0.05)
    [result] = _run("slow.example", net, select(["web-hsts"])).results
    assert (result.attempt.status, result.attempt.reason) == ("error", "timeout")


def test_a_bug_in_one_check_is_an_error_and_the_others_still_run() -> None:
    async def broken(ctx: ScanContext) -> Attempt:
        raise KeyError("oops")

    bad = Check("web-broken", "web", "broken", 1, True, 1, broken, "-", "-")
    resolver = FakeResolver({"public.example": [[PUBLIC]]})
    recorder = Recorder(http={PUBLIC: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"})
    report = _run("public.example", _network(resolver, recorder),
                  (bad, *select(["web-https-redirect"])))  # fmt: skip
    first, second = report.results
    assert (first.attempt.status, first.attempt.reason) == ("error", "bug")
    assert second.attempt.status == "fail" and "answers 200" in second.attempt.detail


def test_attempts_and_checks_are_typed() -> None:
    with pytest.raises(ValueError):
        Attempt("error", "no reason")
    with pytest.raises(ValueError):
        Attempt("pass", "x", "timeout")
    with pytest.raises(ValueError):
        Check("x", "web", "x", 1, True, 0, REGISTRY[0].run, "-", "-")


def test_a_malformed_answer_is_a_connection_error_not_a_bug() -> None:
    resolver = FakeResolver({"public.example": [[PUBLIC]]})
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    for answer in (chunked, b"SSH-2.0-OpenSSH\r\n\r\n"):
        recorder = Recorder(http={PUBLIC: answer})
        [result] = _run("public.example", _network(resolver, recorder),
                        select(["web-https-redirect"])).results  # fmt: skip
        assert (result.attempt.status, result.attempt.reason) == ("error", "connection"), answer


def test_dns_answers_pointing_at_private_addresses_are_refused_outside_lab_mode(lab: Lab) -> None:
    """The lab's zones answer with loopback addresses (MX hosts, name servers, www) and the
    MTA-STS policy host resolves to a private one: outside lab mode nothing of it is connected
    to (no SOA query to a name server's ::1) or counted."""
    resolver = FakeResolver({"mta-sts.ideal.lab": [["10.0.0.1"]]})
    recorder = Recorder()
    dns_settings = {"standards_dns_resolvers": ["127.0.0.1"], "standards_dns_port": lab.dns_port}
    checks = (*domain.CHECKS, *mail.CHECKS)
    report = _run("ideal.lab", _network(resolver, recorder), checks, settings=dns_settings)
    by = {r.check.id: r.attempt for r in report.results}
    assert (by["mail-mta-sts"].status, by["mail-mta-sts"].reason) == ("error", "refused_by_policy")
    assert "10.0.0.1" in by["mail-mta-sts"].detail
    assert by["mail-ipv6"].status == "fail" and "::1 is loopback" in by["mail-ipv6"].detail
    starttls = by["mail-starttls"]  # no SMTP dialogue with the MX host's loopback address
    assert (starttls.status, starttls.reason) == ("error", "refused_by_policy")
    assert "MX host mx1.ideal.lab resolves only to refused addresses" in starttls.detail
    assert by["web-ns-ipv6"].status == "fail"
    assert (
        "ns1.ideal.lab has no usable AAAA (refused: ::1: ::1 is loopback)"
        in by["web-ns-ipv6"].detail
    )
    assert (
        by["web-dns-www"].status == "fail" and "127.0.0.1 is loopback" in by["web-dns-www"].detail
    )
    assert by["mail-spf"].status == "pass"  # the answers themselves are read, only not followed
    assert recorder.tried == []
