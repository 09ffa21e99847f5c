"""The DNS checks (scored with the web ones) against the lab's DNS server, and the whole
registry against the ideal domain: every check passes, every category scores 100 %."""

from __future__ import annotations

import asyncio

import pytest

from nethealth.settings import load_settings
from nethealth.standards.checks import REGISTRY, domain
from nethealth.standards.checks.domain import caa_problems, parse_anchor
from nethealth.standards.scan import Report, scan
from nethealth.standards.score import scores
from tests.standards.lab import DOMAIN_SPECS, MAIL_SPECS, NO_HTTPS, SPECS, Lab, MailSpec

BY_ID = {c.id: c for c in domain.CHECKS}
TOTAL = sum(c.points for c in domain.CHECKS)


def _scan(lab: Lab, name: str) -> Report:
    return asyncio.run(scan(name, lab.settings(), lab=True, checks=domain.CHECKS))


def test_the_ideal_domain_passes_every_check_of_the_registry(lab: Lab) -> None:
    report = asyncio.run(scan("ideal.lab", lab.settings(), lab=True))
    assert {r.check.id: r.attempt.status for r in report.results} == {
        c.id: "pass" for c in REGISTRY
    }, [r.attempt for r in report.results if r.attempt.status != "pass"]
    by = {s.category: s for s in scores(report)}
    assert set(by) == {"web", "mail"}
    assert by["web"].percent == by["mail"].percent == 100.0


@pytest.mark.parametrize("spec", DOMAIN_SPECS, ids=lambda s: s.name)
def test_each_dns_counterpart_fails_exactly_its_check(lab: Lab, spec: MailSpec) -> None:
    report = _scan(lab, spec.name)
    missed = {r.check.id: r.attempt.status for r in report.results if r.attempt.status != "pass"}
    assert missed == dict.fromkeys(spec.fails, "fail"), [r.attempt for r in report.results]
    [score] = scores(report)
    assert (score.possible, TOTAL - score.earned) == (
        TOTAL, sum(BY_ID[c].points for c in spec.fails)
    )  # fmt: skip


def test_every_dns_check_has_a_failing_lab_domain() -> None:
    assert {c for s in DOMAIN_SPECS for c in s.fails} == set(BY_ID)


def test_details_print_the_data(lab: Lab) -> None:
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "one-ns-ipv6.lab").results}
    assert "1 of 2 name servers answer over IPv6 (ns1.one-ns-ipv6.lab [::1])" in by["web-ns-ipv6"]
    assert 'CAA at one-ns-ipv6.lab: 0 iodef "mailto:' in by["web-caa"]


def test_dnssec_details_name_the_chain_and_the_break(lab: Lab) -> None:
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "ideal.lab").results}
    assert by["web-dnssec"] == "chain of trust lab. -> ideal.lab. validates ideal.lab SOA"
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "bad-ds.lab").results}
    assert "no DNSKEY of bad-ds.lab. matches its DS" in by["web-dnssec"]
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "unsigned.lab").results}
    assert (
        "unsigned.lab. is a zone without a DS record at lab.: it is not signed" in by["web-dnssec"]
    )


def test_dnssec_with_another_anchor_fails(lab: Lab) -> None:
    # the root's anchor cannot validate the lab's chain: the lab zone's key is not the root's
    settings = lab.settings(
        standards_dnssec_anchors=[lab.anchor.replace(lab.anchor.split()[4], "00" * 32)]
    )
    report = asyncio.run(scan("ideal.lab", settings, lab=True, checks=domain.CHECKS))
    by = {r.check.id: r.attempt for r in report.results}
    assert (
        by["web-dnssec"].status == "fail" and "no DNSKEY of lab. matches" in by["web-dnssec"].detail
    )


def test_caa_syntax() -> None:
    assert caa_problems([(0, "issue", "letsencrypt.org; validationmethods=dns-01")]) == []
    assert caa_problems([(0, "issue", ";")]) == []  # no CA may issue: valid and strict
    assert caa_problems([(0, "issuewild", "letsencrypt.org")]) == [
        "no issue property (only issuewild or iodef)"
    ]
    assert caa_problems([(0, "issue", "ca.example"), (0, "iodef", "ftp://x")]) == [
        'iodef "ftp://x" is not a mailto: or http(s): URL'
    ]
    assert caa_problems([(0, "issue", "ca.example"), (0, "contactemail", "a@b")]) == []
    assert caa_problems([(0, "issue", "bad domain!")]) != []


def test_every_check_of_the_registry_has_a_failing_lab_domain() -> None:
    failing = {c for s in (*SPECS, NO_HTTPS, *MAIL_SPECS, *DOMAIN_SPECS) for c in s.fails}
    assert failing == {c.id for c in REGISTRY}


def test_the_default_anchors_are_the_roots_published_keys() -> None:
    anchors = [parse_anchor(a) for a in load_settings().standards_dnssec_anchors]
    assert [(z.to_text(), ds.key_tag, ds.algorithm, ds.digest_type) for z, ds in anchors] == [
        (".", 20326, 8, 2), (".", 38696, 8, 2)
    ]  # fmt: skip
