"""`nethealth rpki …` commands, run through typer's test runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nethealth.errors import ConfigError, InputError
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


def _slurm(path: Path, filtered: int | None, asserted: tuple[int, str] | None) -> Path:
    doc = {
        "slurmVersion": 1,
        "validationOutputFilters": {
            "prefixFilters": [{"asn": filtered}] if filtered else [], "bgpsecFilters": []},
        "locallyAddedAssertions": {
            "prefixAssertions": [{"asn": asserted[0], "prefix": asserted[1]}] if asserted else [],
            "bgpsecAssertions": []},
    }  # fmt: skip
    path.write_text(json.dumps(doc))
    return path


def test_validate_output_formats_and_slurm_files_as_a_shell_gives_them(
    tmp_path: Path, shared_data: Path, routes_file: Path
) -> None:
    vrps = str(shared_data / STAYRTR)
    folder = tmp_path / "slurm"
    folder.mkdir()
    a = _slurm(folder / "a.json", 13335, None)
    b = _slurm(folder / "b.json", None, (15169, "8.8.8.0/24"))
    base = ["validate", "--vrps", vrps, "--routes", str(routes_file)]
    outputs = {}
    for name, args in {
        "repeated": ["--slurm", str(a), "--slurm", str(b)],
        "expanded": ["--slurm", str(a), str(b)],  # `--slurm slurm/*.json` after the shell
        "glob": ["--slurm", str(folder / "*.json")],
        "directory": ["--slurm", str(folder)],
    }.items():
        got = CliRunner().invoke(app, [*base, *args])
        assert got.exit_code == 0, (name, got.output)
        outputs[name] = got.stdout
    assert len(set(outputs.values())) == 1
    rows = list(csv.DictReader(io.StringIO(outputs["repeated"])))
    states = {r["prefix"]: r["state"] for r in rows}
    assert states["1.0.0.0/24"] == "not-found" and states["8.8.8.0/24"] == "valid"
    # the same rows as JSON objects, origins as numbers (null: no single origin)
    got = CliRunner().invoke(app, [*base, "--slurm", str(folder), "--format", "json"])
    assert got.exit_code == 0, got.output
    doc = json.loads(got.stdout)
    assert [(d["prefix"], d["state"], d["reason"]) for d in doc] == [
        (r["prefix"], r["state"], r["reason"]) for r in rows]  # fmt: skip
    assert [d["origin_asn"] for d in doc] == [int(r["origin_asn"]) if r["origin_asn"] else None
                                              for r in rows]  # fmt: skip


def test_summary_json_and_the_old_format_option(shared_data: Path) -> None:
    vrps = str(shared_data / STAYRTR)
    table = CliRunner().invoke(app, ["summary", "--vrps", vrps])
    doc = json.loads(
        CliRunner().invoke(app, ["summary", "--vrps", vrps, "--format", "json"]).stdout
    )
    assert doc["format"] == "rpki-client-json" and doc["generated"].startswith("2023-07-27")
    raw = json.loads((shared_data / STAYRTR).read_text())["roas"]
    assert doc["vrps"] == len(raw) and doc["router_keys"] == 3
    assert sum(t["ipv4"] + t["ipv6"] for t in doc["trust_anchors"]) == len(raw)
    for t in doc["trust_anchors"]:
        assert t["ipv4"] == sum(r["ta"] == t["ta"] and ":" not in r["prefix"] for r in raw)
        assert t["ta"] in table.stdout
    # `--format auto` meant the VRP file's format before --format meant the output's
    old = CliRunner().invoke(app, ["summary", "--vrps", vrps, "--format", "auto"])
    assert old.exit_code == 0 and old.stdout == table.stdout
    wrong = CliRunner().invoke(app, ["summary", "--vrps", vrps, "--vrps-format", "csv"])
    assert isinstance(wrong.exception, InputError)  # a JSON export read as CSV
    bad = CliRunner().invoke(app, ["summary", "--vrps", vrps, "--format", "xml"])
    assert isinstance(bad.exception, ConfigError) and "--vrps-format" in (bad.exception.hint or "")


def test_fetch_is_an_alias_of_nethealth_fetch_rpki(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nethealth.cli import app as nethealth

    site = tmp_path / "site"
    site.mkdir()
    (site / "vrps.json").write_bytes((shared_data / STAYRTR).read_bytes())
    stored = "raw/rpki/2023-07-27/vrps.json"
    with serve_directory(site) as (base, requests):
        for i, args in enumerate((["rpki", "fetch", "--base-url"], ["rpki", "fetch", "--url"],
                                  ["fetch", "rpki", "--base-url"])):  # fmt: skip
            data = tmp_path / f"data{i}"
            got = CliRunner().invoke(nethealth, ["--data-dir", str(data), *args,
                                                 f"{base}/vrps.json"])  # fmt: skip
            assert got.exit_code == 0, (args, got.output)
            assert (data / stored).read_bytes() == (site / "vrps.json").read_bytes()
    assert requests == ["/vrps.json"] * 3
    text = " ".join(CliRunner().invoke(app, ["fetch", "--help"]).output.split())
    assert "Alias of `nethealth fetch rpki`" in text and "--url" not in text
