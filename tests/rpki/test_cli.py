"""`nethealth rpki …` commands, run through typer's test runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nethealth.errors import InputError
from nethealth.rpki.cli import app
from tests.mirror import serve_directory
from tests.rpki.reference import rov_reference

STAYRTR = "rpki/stayrtr/test.rpki.json"
ROUTES = [
    ("1.0.0.0/24", "13335"),
    ("1.0.0.0/25", "AS13335"),
    ("1.0.4.0/23", "38803"),
    ("1.0.4.0/24", "38803"),
    ("1.0.6.0/24", "38803"),
    ("2001:610::/32", "1103"),
    ("2001:610:240::/42", "1103"),
    ("2001:610:240::/48", "3333"),
    ("2800:38:1::/48", "27808"),
    ("2800:40::/40", "16814"),
    ("192.0.2.0/24", ""),
    ("8.8.8.0/24", "15169"),
    ("2001:200:900::/40", "7660"),
]


@pytest.fixture
def routes_file(tmp_path: Path) -> Path:
    path = tmp_path / "routes.csv"
    path.write_text("prefix,origin_asn\n" + "".join(f"{p},{o}\n" for p, o in ROUTES))
    return path


def test_every_command_has_help() -> None:
    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    for command in ("validate", "summary", "fetch"):
        got = runner.invoke(app, [command, "--help"])
        assert got.exit_code == 0 and "Usage" in got.output, command
        assert command in top.output


def test_validate_writes_states_and_reasons(
    tmp_path: Path, shared_data: Path, routes_file: Path
) -> None:
    vrps_path = shared_data / STAYRTR
    out = tmp_path / "result.csv"
    got = CliRunner().invoke(
        app, ["validate", "--vrps", str(vrps_path), "--routes", str(routes_file), "--out", str(out)]
    )
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["prefix"] for r in rows] == [p for p, _ in ROUTES]
    raw = json.loads(vrps_path.read_text())["roas"]
    want = rov_reference(
        [(r["prefix"], r["maxLength"], r["asn"]) for r in raw],
        [(p, int(o.removeprefix("AS")) if o else None) for p, o in ROUTES],
    )
    assert [(r["state"], r["reason"]) for r in rows] == want
    assert {s for s, _ in want} == {"valid", "invalid", "not-found"}
    assert rows[0]["reason"] == "matched AS13335 1.0.0.0/24-24"
    assert rows[10]["origin_asn"] == ""  # no origin stays empty


def test_validate_with_slurm(tmp_path: Path, shared_data: Path, routes_file: Path) -> None:
    slurm = tmp_path / "local.json"
    slurm.write_text(
        json.dumps(
            {
                "slurmVersion": 1,
                "validationOutputFilters": {"prefixFilters": [{"asn": 13335}], "bgpsecFilters": []},
                "locallyAddedAssertions": {
                    "prefixAssertions": [{"asn": 15169, "prefix": "8.8.8.0/24"}],
                    "bgpsecAssertions": [],
                },
            }
        )
    )
    got = CliRunner().invoke(
        app,
        [
            "validate",
            "--vrps",
            str(shared_data / STAYRTR),
            "--routes",
            str(routes_file),
            "--slurm",
            str(slurm),
        ],
    )
    assert got.exit_code == 0, got.output
    rows = {r["prefix"]: r["state"] for r in csv.DictReader(io.StringIO(got.stdout))}
    assert rows["1.0.0.0/24"] == "not-found"  # its only VRP was filtered
    assert rows["8.8.8.0/24"] == "valid"  # asserted locally


def test_bad_routes_name_the_line_and_write_nothing(tmp_path: Path, shared_data: Path) -> None:
    routes = tmp_path / "routes.csv"
    routes.write_text("prefix,origin_asn\n1.0.0.0/24,13335\n\n1.0.0.0/33,13335\n")
    out = tmp_path / "result.csv"
    got = CliRunner().invoke(
        app,
        [
            "validate",
            "--vrps",
            str(shared_data / STAYRTR),
            "--routes",
            str(routes),
            "--out",
            str(out),
        ],
    )
    assert isinstance(got.exception, InputError)
    assert (got.exception.line, got.exception.field) == (4, "prefix")
    assert not out.exists()
    routes.write_text("10.0.0.0/8,AS1\n10.0.0.0/8,64500x\n")
    got = CliRunner().invoke(
        app, ["validate", "--vrps", str(shared_data / STAYRTR), "--routes", str(routes)]
    )
    assert isinstance(got.exception, InputError)
    assert (got.exception.line, got.exception.field) == (2, "origin_asn")


def test_summary(shared_data: Path) -> None:
    got = CliRunner().invoke(app, ["summary", "--vrps", str(shared_data / STAYRTR)])
    assert got.exit_code == 0, got.output
    assert "rpki-client-json" in got.stdout and "2023-07-27" in got.stdout
    assert "apnic" in got.stdout and "router keys 3" in got.stdout


def test_fetch_from_a_mirror(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "vrps.json").write_bytes((shared_data / STAYRTR).read_bytes())
    monkeypatch.setenv("NETHEALTH_DATA_DIR", str(tmp_path / "data"))
    with serve_directory(site) as (base, requests):
        monkeypatch.setenv("NETHEALTH_RPKI_VRP_URL", f"{base}/vrps.json")
        got = CliRunner().invoke(app, ["fetch"])
    assert got.exit_code == 0, got.output
    assert requests == ["/vrps.json"]
    stored = tmp_path / "data/raw/rpki/2023-07-27/vrps.json"
    assert stored.read_bytes() == (site / "vrps.json").read_bytes()
    assert "rpki 2023-07-27 vrps.json" in got.stdout
