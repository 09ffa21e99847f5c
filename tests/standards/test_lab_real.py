"""The real lab (`nethealth lab up`): Debian's nginx, knot, unbound, postfix and chrony in the
lab's network namespace, then on loopback (the fallback). The scanner gives the ideal domain
100 % in every category and each counterpart fails exactly the checks `lab status` lists; the
lab's resolver validates with the lab's anchor; NTS-KE answers where it should and only there;
`lab down` leaves no namespace, process or file.

Skipped, with the reason, when not root or when a Debian package is missing (`make lab`).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.settings import load_settings
from nethealth.standards.lab import control
from nethealth.standards.lab.plan import DOMAINS, NETNS, VETH_HOST, Plan
from nethealth.standards.scan import Report, scan
from nethealth.standards.score import report_json, scores

MODES = ("netns", "loopback")


@pytest.fixture(scope="module", params=MODES)
def real_lab(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """One lab per mode, up for the module; down afterwards even when a test failed."""
    mode = request.param
    if os.geteuid() != 0:
        pytest.skip("the real lab needs root (network namespaces, servers' ports)")
    missing = control.missing_programs()
    if missing:
        pytest.skip(f"the real lab needs {', '.join(sorted(set(missing.values())))}: `make lab`")
    if mode == "netns" and not control.netns_available():
        pytest.skip("network namespaces are not available here")
    if control.netns_exists():
        pytest.skip(f"a lab already runs here (namespace {NETNS}): `nethealth lab status`")
    # not under pytest's temporary directories: they are closed to other users (postfix)
    directory = Path(tempfile.mkdtemp(prefix=f"nethealth-lab-{mode}-", dir="/var/tmp")) / "lab"
    directory.parent.chmod(0o755)
    steps: list[str] = []
    try:
        state = control.up(directory, steps.append, mode=mode)
        yield state | {"steps": steps, "path": directory}
    finally:
        control.down(directory, lambda _m: None)
        directory.parent.rmdir()


def _scan(lab: dict[str, Any], name: str) -> Report:
    settings = control.lab_settings(load_settings(), lab["path"])
    return asyncio.run(scan(name, settings, lab=True))


def _fails(lab: dict[str, Any], name: str) -> list[str]:
    return next(d["fails"] for d in lab["domains"] if d["domain"] == name)


def test_up_starts_every_server_and_says_so(real_lab: dict[str, Any]) -> None:
    assert real_lab["running"]
    assert [s["state"] for s in real_lab["servers"]] == ["running"] * 7
    assert {s["server"] for s in real_lab["servers"]} == {
        "knot", "unbound", "nginx", "postfix-ideal", "postfix-plain", "chrony-nts",
        "chrony-plain",
    }  # fmt: skip
    assert sum(step.startswith("[") for step in real_lab["steps"]) == 7  # progress per server
    assert (real_lab["note"] is None) == (real_lab["mode"] == "netns")


def test_status_json_lists_each_domain_with_the_checks_it_fails(real_lab: dict[str, Any]) -> None:
    result = CliRunner().invoke(
        app, ["lab", "status", "--dir", str(real_lab["path"]), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["running"] and body["mode"] == real_lab["mode"]
    domains = {d["domain"]: d["fails"] for d in body["domains"]}
    assert set(domains) == {d.name for d in DOMAINS}
    ipv6 = [] if real_lab["mode"] == "netns" else ["mail-ipv6", "web-dns-www", "web-ipv6",
                                                    "web-ns-ipv6"]  # fmt: skip
    assert domains["ideal.lab"] == ipv6  # an ideal domain fails nothing the lab can give it
    assert domains["tls12.lab"] == sorted(["web-hsts", "web-tls13", *ipv6])


def test_second_up_reports_the_running_lab(real_lab: dict[str, Any]) -> None:
    said: list[str] = []
    again = control.up(real_lab["path"], said.append)
    assert said == [f"the lab already runs in {real_lab['path']} ({real_lab['mode']})"]
    assert [s["pid"] for s in again["servers"]] == [s["pid"] for s in real_lab["servers"]]


@pytest.mark.parametrize("name", [d.name for d in DOMAINS])
def test_each_domain_fails_exactly_its_checks(real_lab: dict[str, Any], name: str) -> None:
    report = _scan(real_lab, name)
    missed = {r.check.id: r.attempt.status for r in report.results if r.attempt.status != "pass"}
    assert missed == dict.fromkeys(_fails(real_lab, name), "fail"), [
        (r.check.id, r.attempt.detail) for r in report.results if r.check.id in missed
    ]
    lost = sum(r.check.points for r in report.results if r.check.id in missed)
    possible = sum(r.check.points for r in report.results)
    assert sum(s.earned for s in scores(report)) == possible - lost


def test_the_ideal_domain_scores_100_in_every_category(real_lab: dict[str, Any]) -> None:
    if real_lab["mode"] != "netns":
        pytest.skip("loopback has no IPv6 of the lab's own: the IPv6 checks fail there")
    report = _scan(real_lab, "ideal.lab")
    percents = {s.category: s.percent for s in scores(report)}
    assert percents == {"web": 100.0, "mail": 100.0}


def test_report_links_a_miss_to_the_configuration_that_does_it_right(
    real_lab: dict[str, Any],
) -> None:
    rows = {r["check"]: r for r in report_json(_scan(real_lab, "no-starttls.lab"))["checks"]}  # type: ignore[union-attr]
    assert rows["mail-starttls"]["status"] == "fail"
    assert str(rows["mail-starttls"]["lab_config"]).endswith("docs/lab.md#mail-server-postfix")


def test_the_resolver_validates_with_the_lab_anchor(real_lab: dict[str, Any]) -> None:
    if real_lab["mode"] != "netns":
        pytest.skip("loopback scans ask knot directly (docs/lab.md)")
    resolver = Plan("netns").v4("resolver")

    def ask(name: str) -> dns.message.Message:
        query = dns.message.make_query(name, "A", want_dnssec=True)  # CD clear: validate
        return dns.query.udp(query, resolver, timeout=5)

    good = ask("ideal.lab")
    assert good.rcode() == dns.rcode.NOERROR and good.flags & dns.flags.AD
    assert ask("broken-sig.lab").rcode() == dns.rcode.SERVFAIL  # expired RRSIGs: bogus
    insecure = ask("unsigned.lab")  # no DS in lab.: answered, not validated
    assert insecure.rcode() == dns.rcode.NOERROR and not insecure.flags & dns.flags.AD
    assert ask("example.com").rcode() == dns.rcode.REFUSED  # nothing outside lab. is asked


def _nts_ke(lab: dict[str, Any], server: str) -> str | None:
    """The ALPN protocol a TLS handshake with the server's NTS-KE port selects."""
    plan = Plan(lab["mode"])
    tls = ssl.create_default_context(cafile=str(lab["path"] / "certs" / "lab-ca.pem"))
    tls.minimum_version = ssl.TLSVersion.TLSv1_3  # RFC 8915 §3
    tls.set_alpn_protocols(["ntske/1"])
    address = (plan.v4(server), plan.port("nts-ke"))
    with (
        socket.create_connection(address, timeout=5) as raw,
        tls.wrap_socket(raw, server_hostname="nts.lab") as conn,
    ):
        return conn.selected_alpn_protocol()


def test_nts_ke_where_configured_and_only_there(real_lab: dict[str, Any]) -> None:
    assert _nts_ke(real_lab, "ntp-nts") == "ntske/1"
    with pytest.raises(ConnectionRefusedError):
        _nts_ke(real_lab, "ntp-plain")


def test_plain_ntp_answers_as_a_server(real_lab: dict[str, Any]) -> None:
    plan = Plan(real_lab["mode"])
    request = bytes([0x23]) + bytes(47)  # LI 0, version 4, mode 3 (client), RFC 5905 §7.3
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(request, (plan.v4("ntp-plain"), plan.port("ntp")))
        reply, _ = s.recvfrom(512)
    first, stratum = struct.unpack("!BB", reply[:2])
    assert first & 0x7 == 4  # mode 4: server
    assert stratum == 8  # `local stratum 8`: the lab's own clock


def test_down_leaves_no_namespace_process_or_file(real_lab: dict[str, Any]) -> None:
    directory: Path = real_lab["path"]
    pids = [s["pid"] for s in real_lab["servers"]]
    result = CliRunner().invoke(app, ["lab", "down", "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    assert not directory.exists()
    assert not control.netns_exists()
    assert not Path("/sys/class/net", VETH_HOST).exists()
    assert [p for p in pids if control.alive(p)] == []  # exited (a zombie until init reaps it)
    status = control.status(directory)
    assert status["mode"] is None and status["servers"] == []
