"""The IXP tracker on real and publisher-shaped files, through `nethealth load` and `build`:

- the real PeeringDB API dumps of September 2020 (ix, ixlan, ixpfx: no memberships), whose
  IXPs and prefixes are counted again here straight from the JSON;
- the synthetic files in today's schema (all 13 objects, `<obj>-0.json`), with memberships;
- the real RIPE Atlas anchors page (500 of 851 anchors).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nethealth.settings import load_settings
from tests.conftest import ASSETS
from tests.infrastructure.ixp_fixture import STEPS, build, cli

pytestmark = pytest.mark.shared


def _records(path: Path) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(path.read_text())["data"]
    return data


def test_real_2020_09_dumps_have_ixps_and_prefixes_but_members_not_measured(
    shared_data: Path, tmp_path: Path
) -> None:
    real = shared_data / "peeringdb" / "real-2020-09"
    settings = load_settings(data_dir=tmp_path / "data", assets_dir=ASSETS)
    cli(settings, "load", "peeringdb", str(real))
    build(settings, *STEPS)
    rows = pq.read_table(settings.lake_dir / "ixp_snapshots.parquet").to_pylist()
    ix = [r for r in _records(real / "ix.json") if r["status"] == "ok"]
    assert len(_records(real / "ix.json")) == 845
    assert len(rows) == len(ix) == 814
    assert all(r["members"] is None and r["members_status"] == "not measured" for r in rows)
    assert all("no memberships (netixlan)" in r["members_reason"] for r in rows)
    assert all(r["active"] is None and r["joined"] is None for r in rows)
    # prefixes per IXP, counted from the files: ixpfx (ok) → ixlan (ok) → ix
    lan_ix = {lan["id"]: lan["ix_id"] for lan in _records(real / "ixlan.json")
              if lan["status"] == "ok"}  # fmt: skip
    v4: dict[object, int] = {}
    v6: dict[object, int] = {}
    for p in _records(real / "ixpfx.json"):
        if p["status"] == "ok" and p["ixlan_id"] in lan_ix:
            side = v4 if p["protocol"] == "IPv4" else v6
            side[lan_ix[p["ixlan_id"]]] = side.get(lan_ix[p["ixlan_id"]], 0) + 1
    for r in rows:
        assert (r["prefixes4"], r["prefixes6"]) == (v4.get(r["ix_id"], 0), v6.get(r["ix_id"], 0))
    assert sum(r["prefixes4"] + r["prefixes6"] for r in rows) > 1000


def test_synthetic_current_schema_with_memberships_and_real_anchors(
    shared_data: Path, tmp_path: Path
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", assets_dir=ASSETS)
    cli(settings, "load", "peeringdb", str(shared_data / "peeringdb" / "synthetic-current-schema"),
        "--date", "2023-05-01")  # fmt: skip
    out = cli(settings, "load", "atlas-anchors", str(shared_data / "atlas" / "anchors.json"),
              "--date", "2023-05-01")  # fmt: skip
    assert "500 anchors (the API counts 851 in all)" in out
    build(settings, *STEPS)
    rows = {r["ix_id"]: r for r in pq.read_table(settings.lake_dir / "ixp_snapshots.parquet")
            .to_pylist()}  # fmt: skip
    netixlan = _records(shared_data / "peeringdb" / "synthetic-current-schema" / "netixlan-0.json")
    for ix_id, r in rows.items():
        mine = [n for n in netixlan if n["ixlan_id"] == ix_id]  # ixlan i belongs to ix i here
        assert r["members"] == len({n["asn"] for n in mine})
        assert r["active"] is False  # at most one member each
    assert rows[1]["rs_peer_rate"] == 1.0 and rows[3]["rs_peer_rate"] is None
    # 500 of 851 anchors, none in these US members' networks: "none found" is not a "no"
    assert rows[1]["anchor_hosted"] is None and "500 of the 851" in rows[1]["anchor_reason"]
    assert rows[1]["manrs"] is None and rows[1]["manrs_status"] == "not measured"
    anchors = pq.read_table(settings.lake_dir / "atlas_anchors.parquet").to_pylist()
    assert len(anchors) == 500 and {a["declared"] for a in anchors} == {851}
