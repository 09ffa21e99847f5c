"""A hand-built world for the communities: one PeeringDB snapshot (2025-06-01) whose `net`
records mark AS1103 and AS766 Educational/Research (organisations in NL and ES) and AS64500 NSP;
one IXP, Alpha IX (Kenya), with members AS1103, AS64500 and AS64501; a CAIDA AS-relationship file
(2025-06-01) where AS20965 and AS3356 provide transit to AS1103, AS64500 to AS64501, and AS1103
peers with AS64502. Loaded and built through the real commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nethealth.settings import Settings, load_settings
from tests.api.fixture_lake import build_fixture_lake
from tests.conftest import ASSETS
from tests.infrastructure.ixp_fixture import build, cli

SNAP = date(2025, 6, 1)
NETS = [(1103, "SURF", "Educational/Research", 1), (766, "RedIRIS", "Educational/Research", 2),
        (64500, "Example Transit", "NSP", 3), (64501, "Example Access", "NSP", 3)]  # fmt: skip
ORGS = [(1, "SURF B.V.", "NL"), (2, "RedIRIS", "ES"), (3, "Example Ltd", "KE")]
MEMBERS = (1103, 64500, 64501)
ASREL = "# serial-2\n20965|1103|-1|bgp\n3356|1103|-1|bgp\n64500|64501|-1|bgp\n1103|64502|0|bgp\n"
CURATOR = "alice"
TOKEN = "a" * 24


def _doc(records: list[dict[str, Any]]) -> str:
    return json.dumps({"data": records, "meta": {}})


def write_snapshot(root: Path) -> Path:
    out = root / SNAP.isoformat()
    out.mkdir(parents=True)
    stamp = f"{SNAP}T00:00:00Z"
    files = {
        "org": [{"id": i, "name": n, "website": "", "country": c, "status": "ok"}
                for i, n, c in ORGS],
        "net": [{"id": a, "org_id": o, "asn": a, "name": n, "info_type": t, "status": "ok"}
                for a, n, t, o in NETS],
        "ix": [{"id": 10, "org_id": 3, "name": "Alpha IX", "city": "Nairobi", "country": "KE",
                "media": "Ethernet", "updated": stamp, "status": "ok"}],
        "ixlan": [{"id": 10, "ix_id": 10, "rs_asn": 64510, "status": "ok"}],
        "ixpfx": [{"id": 100, "ixlan_id": 10, "protocol": "IPv4", "prefix": "196.10.0.0/24",
                   "status": "ok"}],
        "netixlan": [{"id": k + 1, "net_id": a, "ix_id": 10, "ixlan_id": 10, "asn": a,
                      "speed": 10000, "is_rs_peer": True, "status": "ok"}
                     for k, a in enumerate(MEMBERS)],
    }  # fmt: skip
    for name, recs in files.items():
        (out / f"{name}.json").write_text(_doc(recs))
    return out


@dataclass(frozen=True)
class CommunityWorld:
    settings: Settings
    files: Path


def build_world(tmp: Path) -> CommunityWorld:
    settings = load_settings(data_dir=tmp / "data", assets_dir=ASSETS,
                             shutdowns_curators=f"{CURATOR}={TOKEN}")  # fmt: skip
    files = tmp / "files"
    cli(settings, "load", "peeringdb", str(write_snapshot(files)), "--date", SNAP.isoformat())
    asrel = files / "20250601.as-rel2.txt"
    asrel.write_text(ASREL)
    cli(settings, "load", "caida-asrel", str(asrel), "--date", SNAP.isoformat())
    build(
        settings,
        "countries",
        "peeringdb",
        "atlas_anchors",
        "manrs_ixps",
        "ixp_tracker",
        "as_customer_links",
    )
    build_fixture_lake(settings)  # indicator values, so that the country page renders
    return CommunityWorld(settings, files)
