"""CAIDA AS relationships: the serial-2 fetcher against a loopback mirror, the simulator's
CAIDA-like file (format, error rates, determinism), and the leak detector's valley choice."""

from __future__ import annotations

import bz2
import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from nethealth.errors import FetchError, InputError
from nethealth.lake.raw import RawStore
from nethealth.routing import caida, relationships
from nethealth.routing.incidents.leaks import leakers
from nethealth.settings import load_settings
from nethealth.sim.asrel import MIRROR_DIR, AsRelErrors, perturb
from nethealth.sim.config import SimConfig
from nethealth.sim.run import run
from nethealth.sources import common
from tests.mirror import serve_directory

# CAIDA's serial-2 layout: header comments, then a|b|rel|source
SAMPLE = """# name: 20240501.as-rel2.txt
# source:topology|BGP|20240501|routeviews|route-views2
# <provider-as>|<customer-as>|-1|<source>
# <peer-as>|<peer-as>|0|<source>
1|11537|0|bgp
174|3356|0|bgp
3356|64496|-1|bgp
64496|4200000000|-1|mlp
"""


def test_fetch_serial2_from_a_loopback_mirror(tmp_path: Path) -> None:
    site = tmp_path / "site" / "datasets/as-relationships/serial-2"
    site.mkdir(parents=True)
    data = bz2.compress(SAMPLE.encode())
    (site / "20240501.as-rel2.txt.bz2").write_bytes(data)
    settings = load_settings(data_dir=tmp_path / "data")
    store = RawStore(settings.raw_dir)
    with serve_directory(tmp_path / "site") as (base, requests):
        local = settings.model_copy(
            update={"caida_asrel_base_url": f"{base}/datasets/as-relationships/serial-2"}
        )
        raw = caida.fetch(local, store, month=caida.parse_month("2024-05"))
        with pytest.raises(FetchError) as missing:
            caida.fetch(local, store, month=date(2024, 6, 1))
    assert requests[0] == "/datasets/as-relationships/serial-2/20240501.as-rel2.txt.bz2"
    assert missing.value.missing
    p = raw.provenance
    assert (p.source_id, p.snapshot, p.name) == ("caida-asrel", "2024-05-01",
                                                 "20240501.as-rel2.txt.bz2")  # fmt: skip
    assert p.sha256 == hashlib.sha256(data).hexdigest() and p.licence == caida.SOURCE.licence
    rows = relationships.read_caida(raw.path).to_pylist()
    assert [(r["asn1"], r["asn2"], r["rel"]) for r in rows] == [
        (1, 11537, 0), (174, 3356, 0), (3356, 64496, -1), (64496, 4200000000, -1)]  # fmt: skip
    # the file in force: latest on or before the day, within 62 days; never a later one
    files = store.files(caida.SOURCE_ID)
    early, why = common.file_in_force(caida.SOURCE_ID, files, date(2024, 4, 30))
    assert early is None and why.status == "not comparable"
    assert why.reason.endswith("the earliest, 2024-05-01, is 1 day newer")
    assert common.file_in_force(caida.SOURCE_ID, files, date(2024, 7, 2))[0] == raw
    late, why = common.file_in_force(caida.SOURCE_ID, files, date(2024, 7, 3))
    assert late is None and "is 63 days older than 2024-07-03" in why.reason
    with pytest.raises(InputError):
        caida.parse_month("2024-13")


def test_perturb_hits_the_configured_rates() -> None:
    rng = np.random.default_rng(0)
    p2c = rng.choice(10**6, size=(50_000, 2), replace=False).astype(np.int64)
    p2p = (rng.choice(10**6, size=(20_000, 2), replace=False) + 10**6).astype(np.int64)
    errors = AsRelErrors()
    got = perturb(p2c, p2p, seed=3, errors=errors)
    # wrong links: rate x links, rounded at random (never off by one whole link or more)
    assert abs(got.c2p_as_p2p + got.c2p_reversed - 0.004 * 50_000) < 1
    assert abs(got.p2p_as_c2p - 0.013 * 20_000) < 1
    assert 0.3 < got.c2p_as_p2p / (got.c2p_as_p2p + got.c2p_reversed) < 0.7
    # and the published rows really differ from the truth by exactly those links
    pub = {(a, b): r for a, b, r in got.rows.tolist()}
    fwd = sum(pub.get((a, b)) == -1 for a, b in p2c.tolist())
    rev = sum(pub.get((b, a)) == -1 for a, b in p2c.tolist())
    as_peer = sum(pub.get((min(a, b), max(a, b))) == 0 for a, b in p2c.tolist())
    assert (fwd, rev, as_peer) == (50_000 - 200, got.c2p_reversed, got.c2p_as_p2p)
    peer_ok = sum(pub.get((min(a, b), max(a, b))) == 0 for a, b in p2p.tolist())
    assert peer_ok == 20_000 - got.p2p_as_c2p
    assert perturb(p2c, p2p, seed=3).rows.tobytes() == got.rows.tobytes()
    assert perturb(p2c, p2p, seed=4).rows.tobytes() != got.rows.tobytes()


def test_simulator_publishes_a_caida_like_file(tmp_path: Path) -> None:
    for name in ("a", "b"):
        run(SimConfig(out=tmp_path / name, seed=2, scale="tiny", days=0))
    rel = f"{MIRROR_DIR}/20250601.as-rel2.txt.bz2"
    data = (tmp_path / "a" / rel).read_bytes()
    assert data == (tmp_path / "b" / rel).read_bytes()  # same seed, same bytes
    text = bz2.decompress(data).decode()
    head = [x for x in text.splitlines() if x.startswith("#")]
    body = [x.split("|") for x in text.splitlines() if not x.startswith("#")]
    assert any("SIMULATED" in h for h in head) and any("not CAIDA data" in h for h in head)
    assert all(len(f) == 4 and f[2] in ("-1", "0") and f[3] == "bgp" for f in body)
    truth = {}
    for line in (tmp_path / "a/labels/as-rel.txt").read_text().splitlines():
        if not line.startswith("#"):
            a, b, r = line.split("|")
            truth[frozenset((a, b))] = (a, b, r)
    assert {frozenset(f[:2]) for f in body} == set(truth)  # the same links, errors only in rel
    wrong = sum(
        (f[2], f[0]) != (truth[frozenset(f[:2])][2], truth[frozenset(f[:2])][0]) and
        not (f[2] == "0" == truth[frozenset(f[:2])][2]) for f in body
    )  # fmt: skip
    n_c2p = sum(v[2] == "-1" for v in truth.values())
    n_p2p = len(truth) - n_c2p
    assert wrong <= np.ceil(0.004 * n_c2p) + np.ceil(0.013 * n_p2p)
    assert relationships.read_caida(tmp_path / "a" / rel).num_rows == len(body)


def _rel(rows: list[tuple[int, int, int]]) -> relationships.Relations:
    a, b, r = zip(*rows, strict=True)
    return relationships.Relations.from_table(
        pa.table({"asn1": a, "asn2": b, "rel": r}, schema=relationships.REL_SCHEMA)
    )


def _paths(*paths: list[int]) -> pa.Array:
    return pa.array(list(paths), pa.list_(pa.uint32()))


def test_leak_over_a_link_no_baseline_path_showed() -> None:
    # 10 and 20 are 1's providers, but only 1-10 is in the relationships; 20 has more
    # neighbours than 1, so 20 is taken as 1's provider and 1 passing 10's routes up leaks
    rel = _rel([(100, 10, -1), (10, 1, -1), (20, 4, -1), (20, 5, -1), (100, 20, -1)])
    assert leakers(_paths([20, 1, 10, 100]), rel).tolist() == [1]
    # the same path with 1 a larger network than 20 (1 likely 20's provider): no leak
    big = _rel([(100, 10, -1), (10, 1, -1), (1, 7, -1), (1, 8, -1), (1, 9, -1), (20, 4, -1)])
    assert leakers(_paths([20, 1, 10, 100]), big).tolist() == [0]


def test_adjacent_valleys_blame_by_the_shared_link() -> None:
    # path T L F G (collector side first); L-F listed as a peering. Valleys at L (from F, to
    # its provider T) and at F (from its provider G, to L). F with more neighbours than L:
    # F is likely L's provider, so L leaked
    rows = [(50, 3, -1), (3, 2, 0), (4, 3, -1), (6, 3, -1), (7, 3, -1), (1, 2, -1)]
    assert leakers(_paths([1, 2, 3, 4]), _rel(rows)).tolist() == [2]
    # L with more neighbours than F: the valley nearest the origin (RFC 7908's first
    # violation) stays
    rows = [(50, 3, -1), (3, 2, 0), (4, 3, -1), (2, 8, -1), (2, 9, -1), (1, 2, -1)]
    assert leakers(_paths([1, 2, 3, 4]), _rel(rows)).tolist() == [3]
    # a valley whose links are both listed beats one resting on a guessed link
    rows = [(1, 2, -1), (3, 2, -1), (3, 9, -1), (3, 8, -1), (3, 7, -1), (6, 5, -1)]
    # valleys: at 2 (listed: from provider 3, to provider 1) and at 5 (5-3 unlisted)
    assert leakers(_paths([1, 2, 3, 5, 6]), _rel(rows)).tolist() == [2]
    # a valley the baseline already had is not new
    assert leakers(_paths([1, 2, 3]), _rel(rows), _paths([1, 2, 3])).tolist() == [0]


def test_fetch_asrel_is_an_alias_of_nethealth_fetch(tmp_path: Path) -> None:
    """`nethealth routing fetch-asrel --date YYYY-MM` stores what `nethealth fetch caida-asrel
    --date YYYY-MM-01` stores (the same fetcher); `--month` is its old spelling."""
    from typer.testing import CliRunner

    from nethealth.cli import app

    site = tmp_path / "site"
    site.mkdir()
    data = bz2.compress(SAMPLE.encode())
    (site / "20240501.as-rel2.txt.bz2").write_bytes(data)
    stored = "raw/caida-asrel/2024-05-01/20240501.as-rel2.txt.bz2"
    runs = (
        ["routing", "fetch-asrel", "--date", "2024-05"],
        ["routing", "fetch-asrel", "--month", "2024-05"],
        ["fetch", "caida-asrel", "--date", "2024-05-01"],
    )
    with serve_directory(site) as (base, requests):
        for i, args in enumerate(runs):
            data_dir = tmp_path / f"data{i}"
            got = CliRunner().invoke(app, ["--data-dir", str(data_dir), *args, "--base-url", base])
            assert got.exit_code == 0, (args, got.output)
            assert (data_dir / stored).read_bytes() == data, args
    assert requests == ["/20240501.as-rel2.txt.bz2"] * 3
    text = CliRunner().invoke(app, ["routing", "fetch-asrel", "--help"]).output
    assert "Alias of `nethealth fetch caida-asrel" in " ".join(text.split())
