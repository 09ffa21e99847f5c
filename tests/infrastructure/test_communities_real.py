"""The research-network rule (PeeringDB `net.info_type` = Educational/Research) on the real files
of ../shared/data/peeringdb: the complete 2020-09 dumps hold ix, ixlan and ixpfx only, so the
rule is not measured there (never "no NREN"); the synthetic current-schema set has `net` records,
all of type NSP, so the rule measures zero; the same set with one record changed to
Educational/Research finds that network."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.infrastructure import query
from nethealth.lake.reader import LakeReader
from nethealth.settings import Settings, load_settings
from tests.conftest import ASSETS

pytestmark = pytest.mark.shared


def _run(settings: Settings, *args: str) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), *args])
    assert result.exit_code == 0, result.output


def _world(tmp: Path, *loads: tuple[Path, str]) -> LakeReader:
    settings = load_settings(data_dir=tmp / "data", assets_dir=ASSETS)
    for path, day in loads:
        _run(settings, "load", "peeringdb", str(path), "--date", day)
    _run(settings, "build", "--only", "peeringdb")
    return LakeReader(settings)


def test_the_real_2020_09_dumps_leave_the_rule_not_measured(
    shared_data: Path, tmp_path: Path
) -> None:
    real = shared_data / "peeringdb" / "real-2020-09"
    assert sorted(p.name for p in real.iterdir()) == ["ix.json", "ixlan.json", "ixpfx.json"]
    lake = _world(tmp_path, (real, "2020-09-10"))
    found = query.peeringdb_nrens(lake)
    assert found.status == "not measured" and found.networks == []
    assert str(found.as_of) == "2020-09-10" and "no net records" in found.reason


def test_the_synthetic_current_schema_measures_zero_then_one(
    shared_data: Path, tmp_path: Path
) -> None:
    synthetic = shared_data / "peeringdb" / "synthetic-current-schema"
    nets = json.loads((synthetic / "net-0.json").read_text())["data"]
    assert {n["info_type"] for n in nets} == {"NSP"}  # the reference: no research network
    changed = tmp_path / "changed"
    shutil.copytree(synthetic, changed)
    doc = json.loads((changed / "net-0.json").read_text())
    doc["data"][0]["info_type"] = "Educational/Research"
    (changed / "net-0.json").write_text(json.dumps(doc))
    lake = _world(tmp_path, (synthetic, "2025-01-01"), (changed, "2025-02-01"))
    zero = query.peeringdb_nrens(lake, date(2025, 1, 15))
    assert zero.status == "zero measured" and zero.networks == []
    one = query.peeringdb_nrens(lake)
    assert str(one.as_of) == "2025-02-01" and one.status == "measured"
    assert [(n.asn, n.name) for n in one.networks] == [(nets[0]["asn"], nets[0]["name"])]
