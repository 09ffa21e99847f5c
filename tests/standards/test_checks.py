"""Every web check against the loopback lab: the ideal domain passes every check and scores
100 %, each counterpart fails exactly the checks its one mistake breaks and loses exactly their
points, and every check in the registry has a counterpart that fails it."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.errors import ConfigError, InputError
from nethealth.standards.checks import REGISTRY, select, web
from nethealth.standards.scan import Report, scan
from nethealth.standards.score import report_json, scores
from tests.standards.lab import NO_HTTPS, SPECS, Lab

BY_ID = {c.id: c for c in web.CHECKS}
TOTAL = sum(c.points for c in web.CHECKS)


def _scan(lab: Lab, name: str, **kw: object) -> Report:
    kw.setdefault("checks", web.CHECKS)  # the mail checks: tests/standards/test_mail.py
    return asyncio.run(scan(name, lab.settings(), lab=True, **kw))  # type: ignore[arg-type]


def _not_passed(report: Report) -> dict[str, str]:
    return {r.check.id: r.attempt.status for r in report.results if r.attempt.status != "pass"}


def test_the_ideal_domain_passes_every_check_and_scores_100(lab: Lab) -> None:
    report = _scan(lab, "ideal.lab")
    assert _not_passed(report) == {}, [r.attempt for r in report.results]
    [web] = scores(report)
    assert (web.category, web.earned, web.possible, web.percent) == ("web", TOTAL, TOTAL, 100.0)


@pytest.mark.parametrize("spec", SPECS[1:], ids=lambda s: s.name)
def test_each_counterpart_fails_exactly_its_checks_and_loses_their_points(lab: Lab, spec) -> None:  # type: ignore[no-untyped-def]
    report = _scan(lab, spec.name)
    failed = _not_passed(report)
    assert set(failed) == spec.fails, {r.check.id: r.attempt.detail for r in report.results}
    for check_id, status in failed.items():
        assert status == ("fail" if BY_ID[check_id].mandatory else "warning"), check_id
    [web] = scores(report)
    assert web.possible == TOTAL
    assert TOTAL - web.earned == sum(BY_ID[c].points for c in spec.fails)


def test_every_check_has_a_passing_and_a_failing_lab_domain() -> None:
    failing = {c for s in (*SPECS, NO_HTTPS) for c in s.fails}
    assert failing == set(BY_ID), set(BY_ID) - failing
    assert SPECS[0].fails == frozenset()  # the ideal domain passes them all


def test_without_https_the_https_check_fails_and_the_checks_needing_it_err(lab: Lab) -> None:
    report = _scan(lab, "no-https.lab")
    by = {r.check.id: r.attempt for r in report.results}
    assert by["web-https"].status == "fail"
    assert "nothing accepts connections" in by["web-https"].detail
    https_only = set(BY_ID) - {"web-https", "web-ipv6"}
    for check_id in https_only:
        assert by[check_id].status == "error" and by[check_id].reason == "connection", check_id
    assert scores(report)[0].earned == 0  # an unverified property earns nothing


def test_details_print_the_data(lab: Lab) -> None:
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "short-hsts.lab").results}
    assert "max-age=86400" in by["web-hsts"]
    assert lab.spec("wrong-name.lab").fails == {"web-cert-name"}
    by = {r.check.id: r.attempt.detail for r in _scan(lab, "wrong-name.lab").results}
    assert "elsewhere.lab" in by["web-cert-name"]


def test_selected_checks_only(lab: Lab) -> None:
    report = _scan(lab, "no-hsts.lab", checks=select(["web-hsts", "web-tls13"]))
    assert [(r.check.id, r.attempt.status) for r in report.results] == [
        ("web-hsts", "fail"), ("web-tls13", "pass")
    ]  # fmt: skip
    [web] = scores(report)
    assert (web.earned, web.possible) == (10, 20)


def test_cli_scan_json(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETHEALTH_STANDARDS_LAB_HOSTS", json.dumps(lab.hosts()))
    monkeypatch.setenv("NETHEALTH_STANDARDS_LAB_CA", str(lab.ca.path))
    monkeypatch.setenv("NETHEALTH_STANDARDS_DNS_RESOLVERS", '["127.0.0.1"]')
    monkeypatch.setenv("NETHEALTH_STANDARDS_DNS_PORT", str(lab.dns_port))
    monkeypatch.setenv("NETHEALTH_STANDARDS_SMTP_PORT", str(lab.smtp_port))
    monkeypatch.setenv("NETHEALTH_STANDARDS_DNSSEC_ANCHORS", json.dumps([lab.anchor]))
    result = CliRunner().invoke(app, ["scan", "tls12-only.lab", "--lab", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    rows = {row["check"]: row for row in body["checks"]}
    assert set(rows) == {c.id for c in REGISTRY}
    assert rows["web-tls13"]["status"] == "fail" and rows["web-tls13"]["detail"]
    assert rows["web-tls13"]["explanation"] == BY_ID["web-tls13"].advice
    web_total = sum(c.points for c in REGISTRY if c.family == "web")  # the DNS checks too
    assert body["score"]["web"] == {"earned": web_total - 10, "possible": web_total,
                                    "percent": round(100 * (web_total - 10) / web_total, 1)}  # fmt: skip
    mail_total = sum(c.points for c in REGISTRY if c.family == "mail")
    assert body["score"]["mail"] == {"earned": mail_total, "possible": mail_total, "percent": 100.0}
    assert "points earned / points possible" in body["rules"]


def test_cli_scan_table_prints_score_and_rules(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETHEALTH_STANDARDS_LAB_HOSTS", json.dumps(lab.hosts()))
    monkeypatch.setenv("NETHEALTH_STANDARDS_LAB_CA", str(lab.ca.path))
    result = CliRunner().invoke(app, ["scan", "ideal.lab", "--lab", "--checks", "web-hsts"])
    assert result.exit_code == 0, result.output
    assert "score web: 100.0 % (10/10 points)" in result.stdout
    assert "rules: Score per category" in result.stdout
    assert "[1/1] web-hsts: pass" in result.stderr


def test_cli_rejects_unknown_checks_and_lab_without_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETHEALTH_STANDARDS_LAB_HOSTS", raising=False)
    # `nethealth` turns these into their message, hint and exit code (cli_common.run)
    result = CliRunner().invoke(app, ["scan", "example.org", "--checks", "web-nope"])
    assert isinstance(result.exception, InputError) and "web-nope" in result.exception.message
    result = CliRunner().invoke(app, ["scan", "ideal.lab", "--lab"])
    assert isinstance(result.exception, ConfigError)
    assert "NETHEALTH_STANDARDS_LAB_HOSTS" in (result.exception.hint or "")


def test_report_json_has_one_object_per_check(lab: Lab) -> None:
    body = report_json(_scan(lab, "missing-headers.lab"))
    statuses = {row["check"]: row["status"] for row in body["checks"]}  # type: ignore[index, union-attr, attr-defined]
    assert statuses["web-csp"] == "warning" and statuses["web-x-content-type-options"] == "fail"
