"""Real-route replays (outages.replay): the rules pinned on small replays of the real 2010
RIS table (a few countries' prefixes, two full-feed peers, one day: seconds each).

* One peer's session reset, withdrawal bursts and collector gaps never make an event of
  nethealth's (the IODA baseline, as published, does alarm on them: the replay is hard
  enough to tell the two apart).
* A national outage is one public event, listing its networks with their drops, seen by
  both full-feed peers.
* Throttling (re-routed, nothing withdrawn) makes no event.
* The files are real MRT: Debian's bgpdump reads them, element for element as our decoder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest

from nethealth.formats.mrt import MRTReader
from nethealth.outages import seeds
from nethealth.outages.replay.base import read_base
from nethealth.outages.replay.run import generate
from nethealth.outages.replay.scenario import ChurnConfig, OutageSpec, ReplayConfig
from nethealth.outages.replay.score import ReplayEvaluation, evaluate_replay
from tests.conftest import ASSETS

RIB = Path("bgp/derived/rrc06-full-20100701.tdv2.mrt.gz")
TEXT = Path("bgp/ripe-bgpdump/test_expect/bview.20100701.0759.gz.bgp.gz")
COUNTRIES = ("NA", "AL", "NP", "KH", "JO")
SEED = seeds.REPLAY_TUNING_SEEDS[0]  # a tuning seed: these pin rules, they are no evaluation
# Per-prefix churn as on the full table; bursts of a fifth of this small table (~800
# prefixes) at one peer, so that they are as visible as a peer's burst on a full table;
# each peer lacks 5 % of the table, so that while one peer is down the other one's gaps show.
CHURN = ChurnConfig(bursts_per_peer_day=6, burst_min_share=0.15, burst_max_share=0.3,
                    resets_per_day=3, gaps_per_day=1, missing_share=0.05)  # fmt: skip


def _replay(root: Path, shared: Path, outages: tuple[OutageSpec, ...]) -> ReplayEvaluation:
    config = ReplayConfig(peers=2, days=1, seed=SEED, churn=CHURN, outages=outages)
    generate(shared / RIB, root, config, assets_dir=ASSETS, countries=COUNTRIES)
    return evaluate_replay(root, ASSETS)


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> ReplayEvaluation:
    from tests.conftest import SHARED

    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent: the real RIB lives there")
    return _replay(tmp_path_factory.mktemp("replay") / "quiet", SHARED, ())


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> ReplayEvaluation:
    from tests.conftest import SHARED

    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent: the real RIB lives there")
    outages = (OutageSpec("national", 60, 90), OutageSpec("throttling", 60, 90))
    return _replay(tmp_path_factory.mktemp("replay") / "national", SHARED, outages)


def _by(ev: ReplayEvaluation, detector: str) -> pa.Table:
    return ev.events[detector]


def test_one_peers_reset_bursts_and_gaps_make_no_event(quiet: ReplayEvaluation) -> None:
    counts = quiet.manifest["counts"]
    assert counts["session_resets"] == 3 and counts["withdrawal_bursts"] == 12
    assert counts["collector_gaps"] == 1 and counts["injected_outages"] == 0
    assert _by(quiet, "nethealth").num_rows == 0
    kinds = set(quiet.artefacts["kind"].to_pylist())
    assert {"session_down", "collector_gap", "withdrawal_burst"} <= kinds
    # while a peer was down, the other one's missing routes lowered a network's visibility:
    # a drop no two peers saw, recorded as an artefact instead of published
    single = [r for r in quiet.artefacts.to_pylist() if r["kind"] == "single_peer_drop"]
    assert single and all(r["entity"] for r in single)
    downs = [r for r in quiet.artefacts.to_pylist() if r["kind"] == "session_down"]
    assert len(downs) == 3  # each reset recognised, at its peer
    truth = json.loads((quiet.root / "labels" / "artefacts.json").read_text())["artefacts"]
    resets = {(a["peer"], a["start_ts"] // 300) for a in truth if a["type"] == "session_reset"}
    assert {(r["peer"], int(r["start"].timestamp()) // 300) for r in downs} == resets
    # the baseline reads IODA's count, in which one peer of two is half of the peers
    assert _by(quiet, "ioda").num_rows > 10


def test_a_national_outage_is_one_event_with_its_networks(national: ReplayEvaluation) -> None:
    (label,) = [lab for lab in national.labels if lab.type == "national_shutdown"]
    doc = next(e for e in json.loads((national.root / "labels" / "events.json").read_text())
               ["events"] if e["id"] == label.id)  # fmt: skip
    rows = _by(national, "nethealth").to_pylist()
    (event,) = rows  # one public event, nothing else in the day
    assert event["scope"] == "country" and event["country"] == doc["country"]
    assert abs(event["start"].timestamp() - label.start) <= 300
    assert (event["known_at"].timestamp() - label.start) <= 10 * 60
    networks = json.loads(event["networks"])
    assert {n["asn"] for n in networks} <= set(doc["asns"]) and len(networks) >= 2
    assert all(n["max_drop"] >= 0.5 for n in networks)
    assert event["networks_count"] == len(networks)
    assert event["peers_seen"] == event["peers_total"] == 2
    assert event["confidence_class"] == "high"
    assert event["summary"].startswith("BGP visibility of the networks of ")
    assert "seen by 2 of 2 full-feed peers (rrc00)" in event["summary"]
    assert event["share_of_country"] > 0.9
    # throttling: the country's routes re-announced with longer paths, nothing withdrawn
    ours = {s.detector: s for s in national.event_scores}["nethealth"]
    assert ours.on_throttling == 0 and ours.false_events == 0
    assert ours.recall() == 1.0


def test_the_files_are_mrt_bgpdump_reads_element_for_element(
    national: ReplayEvaluation,
) -> None:
    if shutil.which("bgpdump") is None:
        pytest.skip("Debian bgpdump is the reference")
    files = sorted((national.root / "ris").rglob("*.gz"))
    updates = sorted((f for f in files if f.name.startswith("updates.")),
                     key=lambda f: f.stat().st_size)  # fmt: skip
    rib = next(f for f in files if f.name.startswith("bview."))
    picked = [rib, *updates[-3:]]  # the RIB and the busiest update files (the outage's edges)
    for f in picked:
        text = subprocess.run(["bgpdump", "-m", str(f)], check=True, capture_output=True,
                              text=True).stdout  # fmt: skip
        lines = [ln for ln in text.splitlines() if ln]
        ours = sum(b.num_rows for b in MRTReader(f, strict=True))
        assert len(lines) == ours > 0, f


def test_the_base_table_is_the_same_from_mrt_and_from_bgpdump_text(shared_data: Path) -> None:
    a = read_base(shared_data / RIB)
    b = read_base(shared_data / TEXT)
    assert a.size == b.size == 323_486
    assert (a.net == b.net).all() and (a.origin == b.origin).all() and a.paths == b.paths
    assert a.peers == {"202.249.2.169|2497": 318_457, "202.249.2.20|4777": 323_485,
                       "202.249.2.184|3856": 1, "202.249.2.183|42": 13, "193.0.0.71|65520": 1}  # fmt: skip
