"""Every mail check against the lab's DNS server and MTA-STS policy host: the ideal domain
passes every check and scores 100 % on mail, each counterpart misses exactly the checks its one
mistake breaks and loses exactly their points, and every mail check has a failing counterpart."""

from __future__ import annotations

import asyncio

import pytest

from nethealth.standards.checks import mail, select
from nethealth.standards.checks.mail import SpfError, mx_matches, parse_spf, spf_records
from nethealth.standards.scan import Report, scan
from nethealth.standards.score import scores
from tests.standards.lab import MAIL_SPECS, Lab, MailSpec

BY_ID = {c.id: c for c in mail.CHECKS}
TOTAL = sum(c.points for c in mail.CHECKS)


def _scan(lab: Lab, name: str) -> Report:
    return asyncio.run(scan(name, lab.settings(), lab=True, checks=mail.CHECKS))


def _missed(report: Report) -> dict[str, str]:
    return {
        r.check.id: r.attempt.status
        for r in report.results
        if r.attempt.status not in ("pass", "not_applicable")
    }


def test_the_ideal_mail_domain_passes_every_mail_check_and_scores_100(lab: Lab) -> None:
    report = _scan(lab, "ideal.lab")
    assert {r.check.id: r.attempt.status for r in report.results} == dict.fromkeys(BY_ID, "pass")
    [score] = scores(report)
    assert (score.category, score.earned, score.possible, score.percent) == (
        "mail", TOTAL, TOTAL, 100.0
    )  # fmt: skip


@pytest.mark.parametrize("spec", MAIL_SPECS[1:], ids=lambda s: s.name)
def test_each_mail_counterpart_misses_exactly_its_checks(lab: Lab, spec: MailSpec) -> None:
    report = _scan(lab, spec.name)
    missed = _missed(report)
    assert set(missed) == spec.fails, {r.check.id: r.attempt.detail for r in report.results}
    for check_id, status in missed.items():
        assert status == spec.expected(check_id, BY_ID[check_id].mandatory), check_id
    [score] = scores(report)
    if spec.name == "null-mx.mail.lab":
        # refuses mail: MX, SPF and DMARC apply; the receiving checks do not
        applying = {"mail-mx", "mail-spf", "mail-dmarc"}
        assert score.possible == sum(BY_ID[c].points for c in applying)
        assert score.percent == 100.0
        return
    assert score.possible == TOTAL
    assert TOTAL - score.earned == sum(BY_ID[c].points for c in spec.fails)


def test_every_mail_check_has_a_failing_lab_domain() -> None:
    assert {c for s in MAIL_SPECS for c in s.fails} == set(BY_ID)
    assert MAIL_SPECS[0].fails == frozenset()


def test_details_print_the_data(lab: Lab) -> None:
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "spf-11-lookups.mail.lab").results}
    assert "needs 11 DNS lookups" in by["mail-spf"]
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "sts-mx-mismatch.mail.lab").results}
    assert "mx1.sts-mx-mismatch.mail.lab match no mx: line (*.elsewhere.lab)" in by["mail-mta-sts"]
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "smtp-tls10.mail.lab").results}
    assert "[127.0.0.3]: negotiated TLSv1: TLS 1.2 or better is required" in by["mail-starttls"]
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "ideal.lab").results}
    assert by["mail-starttls"].startswith("mx1.ideal.lab [127.0.0.1]: TLSv1.3 ")
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "null-mx.mail.lab").results}
    assert "RFC 7505" in by["mail-mx"]


def test_a_domain_outside_the_lab_zones_is_an_error_not_a_miss(lab: Lab) -> None:
    # the lab server answers REFUSED: nothing was verified, so no check may claim a miss
    report = _scan(lab, "unknown.test")
    assert {r.attempt.status for r in report.results} == {"error"}
    assert {r.attempt.reason for r in report.results} == {"connection"}
    assert scores(report)[0].earned == 0


def test_spf_parsing() -> None:
    assert spf_records(["v=spf1 -all", "v=spf10 x", "google-site-verification=x", "V=SPF1"]) == [
        "v=spf1 -all", "V=SPF1"
    ]  # fmt: skip
    mechanisms, modifiers = parse_spf(
        "v=spf1 ip4:192.0.2.0/24 ~mx:mail.example/24 redirect=_spf.example"
    )
    assert mechanisms == [("+", "ip4", "192.0.2.0/24"), ("~", "mx", "mail.example/24")]
    assert modifiers == {"redirect": "_spf.example"}
    for bad in ("v=spf1 ip4:2001:db8::/32 -all", "v=spf1 frob -all", "v=spf1 include -all",
                "v=spf1 all:x"):  # fmt: skip
        with pytest.raises(SpfError):
            parse_spf(bad)


def test_mta_sts_mx_patterns() -> None:
    assert mx_matches("mx1.example.org", "MX1.example.org.")
    assert mx_matches("*.example.org", "mx1.example.org")
    assert not mx_matches("*.example.org", "a.b.example.org")  # one label only (RFC 8461 §4.1)
    assert not mx_matches("*.example.org", "example.org")


def test_starttls_leaves_no_asyncio_warning(lab: Lab, caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(3):  # the server's close after QUIT races ours: give it chances to show
        report = asyncio.run(
            scan("ideal.lab", lab.settings(), lab=True, checks=select(["mail-starttls"]))
        )
        assert report.results[0].attempt.status == "pass"
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text
