"""Routing security: detectors vs simulator labels, ROV on the real 2010 RIB via CLI and API."""

from __future__ import annotations

import ipaddress
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nethealth.errors import InputError
from nethealth.routing import relationships
from nethealth.routing.api import router
from nethealth.routing.bogons import bogon_asn_reason, bogon_prefix_reason
from nethealth.routing.cli import app
from nethealth.routing.evaluate import Evaluation, evaluate, evaluate_run
from nethealth.sim.config import SimConfig
from nethealth.sim.run import run
from tests.api.fixture_lake import make_settings
from tests.apps import router_app
from tests.conftest import ASSETS

RIB = "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz"


def test_detectors_against_simulator_labels() -> None:
    # production path: the simulator's CAIDA-like file (truth with CAIDA's error rates),
    # fetched through routing.caida; seeds 1, 2, 4: five leaks, one a leak over a link no
    # baseline path shows, and hijacks of both kinds
    ev = Evaluation(seeds=[1, 2, 4], sources=("caida", "gao"))
    for seed in ev.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            run(SimConfig(out=Path(tmp), seed=seed, scale="tiny", days=2))
            evaluate_run(Path(tmp), ev)
    for kind in ("exact_prefix_hijack", "subprefix_hijack", "route_leak", "rpki_invalid"):
        t = ev.tally(kind, "caida")
        assert t.labels > 0 and t.observable > 0, (kind, ev.table())
        assert t.precision >= 0.9 and t.recall >= 0.9, (kind, ev.table())
    assert ev.tally("route_leak").observable >= 4
    # the hijack and invalid detectors do not depend on the relationships
    for kind in ("exact_prefix_hijack", "subprefix_hijack", "rpki_invalid"):
        g, c = ev.tally(kind, "gao"), ev.tally(kind, "caida")
        assert (g.detections, g.matched_labels) == (c.detections, c.matched_labels)
    assert "CAIDA-like file (production path)" in ev.table()
    assert "Gao 2001 (inferred) vs labels/as-rel.txt" in ev.table()
    assert all("leaker AS" in m for m in ev.misses)
    with pytest.raises(InputError):
        evaluate(1, runs=1, methods=("magic",))


def test_caida_reader_rejects_bad_line(tmp_path: Path) -> None:
    f = tmp_path / "as-rel.txt"
    f.write_text("# c\n1|2|-1\n3|4|7\n")
    with pytest.raises(InputError) as e:
        relationships.read_caida(f)
    assert e.value.line == 3 and e.value.field == "relationship"


def test_bogon_tables_follow_iana() -> None:
    assert bogon_prefix_reason("10.1.0.0/16") is not None  # RFC 1918
    assert bogon_prefix_reason("192.0.2.0/24") is not None  # RFC 5737
    assert bogon_prefix_reason("8.8.8.0/24") is None
    assert bogon_prefix_reason("2001:db8:1::/48") is not None  # RFC 3849
    assert bogon_prefix_reason("2a00::/12") is None
    assert bogon_asn_reason(64512) and bogon_asn_reason(23456) and bogon_asn_reason(0)
    assert bogon_asn_reason(3333) is None


def _vrps_from_rib(shared: Path, out: Path) -> dict[str, list[str]]:
    """Our constructed VRP set: every prefix of AS3333 and AS2914 authorised for its origin
    (maxLength = prefix length), and every prefix of AS4788 authorised for AS64500 instead."""
    lines = shared / "bgp/ripe-bgpdump/test_expect/bview.20100701.0759.gz.bgp.gz"
    import gzip

    by_asn: dict[str, set[str]] = {"3333": set(), "2914": set(), "4788": set()}
    with gzip.open(lines, "rt") as fh:
        for line in fh:
            f = line.split("|")
            origin = f[6].split(" ")[-1]
            if origin in by_asn:
                by_asn[origin].add(f[5])
    roas = []
    for asn, pfx in by_asn.items():
        for p in sorted(pfx):
            n = ipaddress.ip_network(p, strict=False)
            roas.append({"asn": f"AS{64500 if asn == '4788' else asn}", "prefix": str(n),
                         "maxLength": n.prefixlen, "ta": "test"})  # fmt: skip
    out.write_text(json.dumps({"roas": roas}))
    return {k: sorted(v) for k, v in by_asn.items()}


def test_real_rib_coverage_cli_and_api(shared_data: Path, tmp_path: Path) -> None:
    vrp_file = tmp_path / "vrps.json"
    truth = _vrps_from_rib(shared_data, vrp_file)
    settings = make_settings(tmp_path / "data", ASSETS)
    out = settings.lake_dir  # the CLI writes the lake's routing datasets; the API serves them
    r = CliRunner().invoke(
        app, ["coverage", str(shared_data / RIB), "--vrps", str(vrp_file), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    asn = pq.read_table(out / "routing_rov_asn.parquet").to_pylist()
    row = {(x["asn"], x["af"]): x for x in asn}
    # every prefix of AS3333 is valid; AS4788's are covered but for another AS: invalid
    v4_3333 = [p for p in truth["3333"] if ":" not in p]
    assert row[(3333, 4)]["prefix_coverage"] == 1.0 and row[(3333, 4)]["share_valid"] == 1.0
    assert row[(3333, 4)]["prefixes"] == len(v4_3333)
    assert row[(4788, 4)]["share_invalid"] == 1.0
    # an AS we gave no VRP: nothing covered
    assert row[(1299, 4)]["prefix_coverage"] == 0.0
    # the five rrc06 peers all accept those invalids: no ROV filtering in 2010
    peers = pq.read_table(out / "routing_peer_filtering.parquet").to_pylist()
    assert all(p["rov_filtering"] in (None, "none") for p in peers)
    client = TestClient(router_app(router, settings=settings))
    got = client.get("/api/v1/routing/asns/3333").json()
    fam = {x["af"]: x for x in got["rov"]}
    assert fam[4]["prefix_coverage"] == 1.0
    assert {p["state"] for p in got["prefixes"]} == {"valid"}
    csv_text = client.get("/api/v1/routing/asns/4788?format=csv").text
    assert csv_text.splitlines()[0].startswith("snapshot,prefix,state")
    missing = client.get("/api/v1/routing/asns/4294967295")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/routing/incidents?from=2024-01-01&to=2020-01-01")
    assert bad.status_code == 400
