"""Hand-built PeeringDB snapshots with known members, joins, departures and route-server
peering, loaded and built through the real commands (`nethealth load …`, `nethealth build`).

Three IXPs in Kenya, three snapshots:

- S0 2024-06-01: Alpha (10, Nairobi) AS100-103; Beta (11, Mombasa) AS200-201.
- S1 2025-06-01 (12 months later): Alpha AS100,101,104-110 (9: 7 joined, 2 left, ×2.25,
  fast-growing), route-server peers AS100 (one of its two memberships), 101, 104 → 3/9; Beta
  AS200-202 (3: active, 1 joined); Gamma (12, new) AS300.
- S2 2025-07-15: Alpha AS100,101, memberships without the `is_rs_peer` field; the snapshot 12
  months earlier would be 2024-07-15, and S0 is 44 days older (tolerance 31): not comparable.

RIPE Atlas anchors (2025-06-01, complete list of 2): anchor 1 in AS104, Kenya; anchor 2 in AS200,
but in Tanzania. MANRS list (2025-05-01): Alpha only. AS names (RIPE NCC asn.txt): AS100 only.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.settings import Settings, load_settings
from tests.api.fixture_lake import build_fixture_lake
from tests.conftest import ASSETS

S0, S1, S2 = date(2024, 6, 1), date(2025, 6, 1), date(2025, 7, 15)
STEPS = ("countries", "peeringdb", "atlas_anchors", "manrs_ixps", "ixp_tracker", "as-names")
IXPS = {10: ("Alpha IX", "Nairobi"), 11: ("Beta IX", "Mombasa"), 12: ("Gamma IX", "Nairobi")}
# snapshot -> ix -> [(asn, is_rs_peer or None: field left out)]
MEMBERS: dict[date, dict[int, list[tuple[int, bool | None]]]] = {
    S0: {10: [(100, True), (101, False), (102, True), (103, False)],
         11: [(200, False), (201, False)]},
    S1: {10: [(100, False), (100, True), (101, True), (104, True)]
         + [(a, False) for a in range(105, 111)],
         11: [(200, True), (201, False), (202, False)], 12: [(300, False)]},
    S2: {10: [(100, None), (101, None)]},
}  # fmt: skip


def _doc(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": records, "meta": {}}


def write_snapshot(root: Path, day: date) -> Path:
    """The per-object API files of one snapshot (ix, ixlan, ixpfx, net, netixlan)."""
    out = root / day.isoformat()
    out.mkdir(parents=True)
    members = MEMBERS[day]
    stamp = f"{day}T00:00:00Z"
    ixs = [
        {
            "id": ix,
            "org_id": 1,
            "name": IXPS[ix][0],
            "city": IXPS[ix][1],
            "country": "KE",
            "media": "Ethernet",
            "updated": stamp,
            "status": "ok",
        }
        for ix in sorted(members)
    ]
    ixlans = [
        {"id": ix, "ix_id": ix, "rs_asn": 64500 + ix, "status": "ok"} for ix in sorted(members)
    ]
    pfx = [
        {"id": ix * 10 + k, "ixlan_id": ix, "protocol": p, "prefix": f"{net}/{ln}", "status": "ok"}
        for ix in sorted(members)
        for k, (p, net, ln) in enumerate(
            (("IPv4", f"196.{ix}.0.0", 24), ("IPv6", f"2001:db8:{ix}::", 64))
        )
    ]
    asns = sorted({a for ms in members.values() for a, _rs in ms})
    nets = [
        {"id": a, "asn": a, "name": f"Net {a}", "info_type": "NSP", "status": "ok"} for a in asns
    ]
    netixlan = []
    for ix, ms in sorted(members.items()):
        for a, rs in ms:
            rec: dict[str, Any] = {
                "id": len(netixlan) + 1,
                "net_id": a,
                "ix_id": ix,
                "ixlan_id": ix,
                "asn": a,
                "speed": 10000,
                "status": "ok",
            }
            if rs is not None:
                rec["is_rs_peer"] = rs
            netixlan.append(rec)
    for name, recs in (
        ("ix", ixs),
        ("ixlan", ixlans),
        ("ixpfx", pfx),
        ("net", nets),
        ("netixlan", netixlan),
    ):
        (out / f"{name}.json").write_text(json.dumps(_doc(recs)))
    return out  # fmt: skip


ANCHORS = {"count": 2, "next": None, "previous": None, "results": [
    {"id": 1, "probe": 6001, "fqdn": "ke-nbo-as104.anchors.atlas.ripe.net", "as_v4": 104,
     "as_v6": None, "city": "Nairobi", "country": "KE", "is_disabled": False},
    {"id": 2, "probe": 6002, "fqdn": "tz-dar-as200.anchors.atlas.ripe.net", "as_v4": 200,
     "as_v6": 200, "city": "Dar es Salaam", "country": "TZ", "is_disabled": False},
]}  # fmt: skip
MANRS_CSV = "peeringdb_ix_id,name,country\n10,Alpha IX,KE\n"
# RIPE NCC asn.txt lines: AS100 gets its registry name; the other members keep PeeringDB's
AS_NAMES = "100 EXAMPLE-100 Example Networks Ltd, KE\n64999 OTHER - Other, FR\n"


def cli(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), *args])
    assert result.exit_code == 0, result.output
    return result.output


def build(settings: Settings, *steps: str) -> str:
    return cli(settings, "build", *(x for s in steps for x in ("--only", s)))


@dataclass(frozen=True)
class IxpWorld:
    settings: Settings
    files: Path


def build_world(tmp: Path) -> IxpWorld:
    settings = load_settings(data_dir=tmp / "data", assets_dir=ASSETS)
    files = tmp / "files"
    for day in (S0, S1, S2):
        cli(settings, "load", "peeringdb", str(write_snapshot(files, day)), "--date",
            day.isoformat())  # fmt: skip
    anchors = files / "anchors.json"
    anchors.write_text(json.dumps(ANCHORS))
    cli(settings, "load", "atlas-anchors", str(anchors), "--date", S1.isoformat())
    manrs = files / "manrs.csv"
    manrs.write_text(MANRS_CSV)
    cli(settings, "load", "manrs-ixps", str(manrs), "--date", "2025-05-01")
    names = files / "asn.txt"
    names.write_text(AS_NAMES)
    cli(settings, "load", "as-names", str(names), "--date", S1.isoformat())
    build(settings, *STEPS)
    # the API fixture's indicator values beside them, so that the country page renders
    build_fixture_lake(settings)
    return IxpWorld(settings, files)


def add_ixps(work: Path, settings: Settings) -> None:
    """The IXP tracker's datasets of this world in another lake (then its catalog again)."""
    world = build_world(work)
    for name in ("ixp_snapshots", "ixp_members"):
        shutil.copy(world.settings.lake_dir / f"{name}.parquet", settings.lake_dir)
    build_fixture_lake(settings)
