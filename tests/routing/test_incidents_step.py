"""The `routing_incidents` and `routing_scorecards` lake steps on a tiny simulated world (two
days, two collectors) plus one constructed collector whose MRT files we write here: a MOAS
hijack and a route for unallocated space that both run past midnight. References: the
simulator's labels, the delegation files read with `ipaddress`, hand-written expectations."""

from __future__ import annotations

import bz2
import gzip
import ipaddress
import json
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nethealth.common.prefixes import parse_prefixes, range_columns
from nethealth.lake.build import run_build
from nethealth.lake.raw import RawStore
from nethealth.routing import bogons, caida
from nethealth.routing import incidents_step as inc_step
from nethealth.routing import step as routing_step
from nethealth.routing.incidents import bogon
from nethealth.routing.routes import read_routes
from nethealth.rpki import source as rpki_source
from nethealth.rpki import step as rpki_step
from nethealth.rpki.config import rpki_config
from nethealth.settings import Settings, load_settings
from nethealth.sim import SimConfig, mrt
from nethealth.sim import run as run_sim
from nethealth.sources import countries, peeringdb, rir
from nethealth.sources.collectors import Collector, fetch_dumps
from tests.conftest import ASSETS

DAY = date(2025, 6, 1)
T0 = datetime(2025, 6, 1, tzinfo=UTC)
PEER_IP, PEER_AS = "198.51.100.7", 3333
STEPS = [countries.STEP, rir.STEP, peeringdb.STEP, rpki_step.RPKI, routing_step.ROUTING,
         routing_step.INCIDENTS, routing_step.SCORECARDS]  # fmt: skip


def _text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    elif data[:3] == b"BZh":
        data = bz2.decompress(data)
    return data.decode()


def _allocated(mirror: Path) -> list[ipaddress.IPv4Network]:
    """Allocated/assigned IPv4 space of the simulator's delegation files, with ipaddress."""
    nets: list[ipaddress.IPv4Network] = []
    for f in sorted(mirror.glob("rir/*/delegated-*-extended-latest")):
        for line in _text(f).splitlines():
            x = line.split("|")
            if len(x) > 6 and x[2] == "ipv4" and x[6] in ("allocated", "assigned"):
                first = ipaddress.IPv4Address(x[3])
                last = first + int(x[4]) - 1
                nets += ipaddress.summarize_address_range(first, last)
    return nets


def _unallocated_24(mirror: Path) -> str:
    allocated = _allocated(mirror)
    for first in range(1, 224):
        net = ipaddress.IPv4Network(f"{first}.77.0.0/24")
        if bogons.bogon_prefix_reason(str(net)) is None and not any(
            net.subnet_of(a) for a in allocated
        ):
            return str(net)
    raise AssertionError("no unallocated /24 found")


def _rib(ts: datetime, routes: list[tuple[str, list[int]]]) -> bytes:
    t = int(ts.timestamp())
    ip = int(ipaddress.IPv4Address(PEER_IP))
    out = mrt.record(t, mrt.TABLE_DUMP_V2, mrt.PEER_INDEX_TABLE,
                     mrt.peer_index_table(1, "", [(ip, 4, ip, PEER_AS)]))  # fmt: skip
    for seq, (prefix, path) in enumerate(sorted(routes)):
        net = ipaddress.IPv4Network(prefix)
        entry = mrt.rib_entry(0, t, mrt.path_attributes(path, 4, ip, rib=True))
        body = mrt.rib_body(seq, mrt.prefix_bytes(4, int(net.network_address), net.prefixlen),
                            1, entry)  # fmt: skip
        out += mrt.record(t, mrt.TABLE_DUMP_V2, mrt.RIB_IPV4_UNICAST, body)
    return out


def _update(ts: datetime, prefix: str, path: list[int] | None) -> bytes:
    ip = int(ipaddress.IPv4Address(PEER_IP))
    net = ipaddress.IPv4Network(prefix)
    nlri = mrt.prefix_bytes(4, int(net.network_address), net.prefixlen)
    msg = (mrt.bgp_update(nlri, b"", b"") if path is None
           else mrt.bgp_update(b"", mrt.path_attributes(path, 4, ip), nlri))  # fmt: skip
    body = mrt.bgp4mp_prefix(PEER_AS, 6447, 4, ip, ip + 1) + msg
    return mrt.record(int(ts.timestamp()), mrt.BGP4MP, mrt.BGP4MP_MESSAGE_AS4, body)


def _constructed(
    root: Path, victim: tuple[str, int], hijacker: int, unalloc: str
) -> list[datetime]:
    """RIS-layout dumps of collector rrc98 (one peer): X hijacks the victim's prefix at 22:00
    and announces unallocated space; the next day's RIB still has both; the hijack ends at
    03:00, the unallocated route is withdrawn at 04:00. Returns the update dump times."""
    prefix, origin = victim
    d = root / "rrc98" / "2025.06"
    d.mkdir(parents=True)
    day2 = T0 + timedelta(days=1)
    events = {
        T0 + timedelta(hours=22): [(prefix, [PEER_AS, hijacker]), (unalloc, [PEER_AS, hijacker])],
        day2 + timedelta(hours=3): [(prefix, [PEER_AS, origin])],
        day2 + timedelta(hours=4): [(unalloc, None)],
    }
    for ts, ups in events.items():
        data = b"".join(_update(ts, p, path) for p, path in ups)
        (d / f"updates.{ts:%Y%m%d.%H%M}.gz").write_bytes(gzip.compress(data))
    (d / "bview.20250601.0000.gz").write_bytes(
        gzip.compress(_rib(T0, [(prefix, [PEER_AS, origin])]))
    )
    state2 = [(prefix, [PEER_AS, hijacker]), (unalloc, [PEER_AS, hijacker])]
    (d / "bview.20250602.0000.gz").write_bytes(gzip.compress(_rib(day2, state2)))
    return list(events)


def _fill(settings: Settings, mirror: Path, extra: Path, times: list[datetime]) -> None:
    store = RawStore(settings.raw_dir)
    local = settings.model_copy(update={
        "rir_base_urls": {r: (mirror / "rir" / r).as_uri() for r in rir.RIRS},
        "peeringdb_archive_base_url": (mirror / "peeringdb").as_uri(),
    })  # fmt: skip
    rir.fetch(local, store, day=DAY)
    peeringdb.fetch(local, store, day=DAY)
    cfg = rpki_config(settings, vrp_archive_url=mirror.as_uri() + "/rpki/{ymd}/vrps.json")
    rpki_source.fetch(settings, store, cfg, day=DAY)
    # the production path: CAIDA's (here the simulator's CAIDA-like) relationships file
    serial2 = (mirror / "caida/as-relationships/serial-2").as_uri()
    caida.fetch(settings.model_copy(update={"caida_asrel_base_url": serial2}), store, month=DAY)
    t1 = T0 + timedelta(days=2)
    for c, base in ((Collector("routeviews", "route-views2"), mirror / "routeviews" / "route-views2"),
                    (Collector("ris", "rrc00"), mirror / "ris")):  # fmt: skip
        for day in (T0, T0 + timedelta(days=1)):
            fetch_dumps(settings, store, [c], "rib", day, day + timedelta(hours=1),
                        base_url=base.as_uri())  # fmt: skip
        fetch_dumps(settings, store, [c], "updates", T0, t1, base_url=base.as_uri())
    c = Collector("ris", "rrc98")
    for day in (T0, T0 + timedelta(days=1)):
        fetch_dumps(settings, store, [c], "rib", day, day + timedelta(hours=1),
                    base_url=extra.as_uri())  # fmt: skip
    for ts in times:
        fetch_dumps(settings, store, [c], "updates", ts, ts + timedelta(minutes=5),
                    base_url=extra.as_uri())  # fmt: skip


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    world = tmp_path_factory.mktemp("sim")
    run_sim(SimConfig(out=world, seed=1, scale="tiny", days=2, start=DAY))
    mirror = world / "mirror"
    rib = next(mirror.glob("ris/rrc00/2025.06/bview.20250601.0000.gz"))
    routes = read_routes([(rib, "rrc00")], DAY)
    v4 = [r for r in routes.select(["af", "prefix", "origin_asn"]).to_pylist() if r["af"] == 4]
    victim = (v4[0]["prefix"], v4[0]["origin_asn"])
    hijacker = next(r["origin_asn"] for r in v4 if r["origin_asn"] != victim[1])
    unalloc = _unallocated_24(mirror)
    extra = tmp_path_factory.mktemp("rrc98")
    times = _constructed(extra, victim, hijacker, unalloc)
    settings = load_settings(data_dir=tmp_path_factory.mktemp("data"), assets_dir=ASSETS)
    _fill(settings, mirror, extra, times)
    outcomes = run_build(STEPS, settings)
    assert [o.status for o in outcomes] == ["built"] * len(STEPS)
    return {"settings": settings, "world": world, "victim": victim, "hijacker": hijacker,
            "unalloc": unalloc}  # fmt: skip


def _incidents(lake: dict[str, object]) -> list[dict[str, object]]:
    settings = lake["settings"]
    assert isinstance(settings, Settings)
    rows: list[dict[str, object]] = pq.read_table(
        settings.lake_dir / "routing_incidents.parquet"
    ).to_pylist()
    return rows


def _observable_labels(world: Path, kind: str) -> list[dict[str, object]]:
    """Labels of `kind` whose changed routes reached a peer of the two collectors the lake
    stores (route-views2, rrc00), over the whole two days: the recall denominator (as in
    `routing.evaluate`)."""
    from nethealth.routing.detect import Window, intervals_of
    from nethealth.routing.evaluate import _observable

    mirror = world / "mirror"
    rv = mirror / "routeviews" / "route-views2" / "bgpdata"
    ribs = [(sorted(rv.glob("*/RIBS/rib.*"))[0], "route-views2"),
            (sorted((mirror / "ris" / "rrc00").glob("*/bview.*"))[0], "rrc00")]  # fmt: skip
    updates = [(p, "route-views2") for p in sorted(rv.glob("*/UPDATES/updates.*"))]
    updates += [(p, "rrc00") for p in sorted((mirror / "ris" / "rrc00").glob("*/updates.*"))]
    iv = intervals_of(Window(ribs, updates, T0, T0 + timedelta(days=2)))
    labels = json.loads((world / "labels" / "events.json").read_text())["events"]
    return [e for e in labels if e["type"] == kind and _observable(iv, e)]


def test_hijacks_match_the_simulator_labels(lake: dict[str, object]) -> None:
    world = lake["world"]
    assert isinstance(world, Path)
    labels = json.loads((world / "labels" / "events.json").read_text())["events"]
    kinds = {"exact_prefix_hijack": "moas", "subprefix_hijack": "subprefix_hijack"}
    found = [r for r in _incidents(lake) if r["type"] in kinds.values()
             and r["prefix"] != lake["victim"][0]]  # type: ignore[index]  # fmt: skip
    matched = 0
    for r in found:  # every detection is a labelled event, seen just after it began
        lab = [e for e in labels if kinds.get(e["type"]) == r["type"]
               and e["hijacked_prefix"] == r["prefix"] and e["hijacker_asn"] == r["culprit_asn"]]  # fmt: skip
        assert len(lab) == 1, r
        start = datetime.fromisoformat(lab[0]["start"])
        assert start <= r["start"] <= start + timedelta(minutes=10)  # type: ignore[operator]
        end = datetime.fromisoformat(lab[0]["end"])
        assert end <= r["end"] <= end + timedelta(minutes=10)  # type: ignore[operator]
        matched += 1
    # recall: every hijack the two collectors' peers could see was found
    seen = [e for k in kinds for e in _observable_labels(world, k)]
    assert seen and matched == len(seen)
    assert all(r["simulated"] for r in _incidents(lake))


def test_incidents_past_midnight_are_one_row(lake: dict[str, object]) -> None:
    rows = _incidents(lake)
    assert len({r["id"] for r in rows}) == len(rows)
    prefix, _origin = lake["victim"]  # type: ignore[misc]
    hijack = [r for r in rows if r["type"] == "moas" and r["prefix"] == prefix]
    assert len(hijack) == 1
    h = hijack[0]
    day2 = T0 + timedelta(days=1)
    assert h["start"] == T0 + timedelta(hours=22)
    assert h["end"] == day2 + timedelta(hours=3) and h["ongoing"] is False
    assert h["culprit_asn"] == lake["hijacker"]
    mine = [s for s in h["sightings"] if s["collector"] == "rrc98"]  # type: ignore[attr-defined]
    assert mine == [{"collector": "rrc98", "peer": PEER_IP, "peer_asn": PEER_AS,
                     "path": f"{PEER_AS} {lake['hijacker']}", "first_seen": h["start"],
                     "last_seen": h["end"]}]  # fmt: skip
    assert f"rrc98|{PEER_IP}" in h["peers"]  # type: ignore[operator]


def test_unallocated_space_is_a_bogon_without_false_positives(lake: dict[str, object]) -> None:
    rows = [r for r in _incidents(lake) if r["type"] == "bogon_prefix"
            and str(r["detail"]).startswith("unallocated")]  # fmt: skip
    # the simulator's own routes all lie in allocated space: only the injected route alarms
    assert [r["prefix"] for r in rows] == [lake["unalloc"]]
    r = rows[0]
    assert r["start"] == T0 + timedelta(hours=22)
    assert r["end"] == T0 + timedelta(days=1, hours=4) and r["ongoing"] is False
    assert r["culprit_asn"] == lake["hijacker"]


def test_scorecards_and_country_rollup(lake: dict[str, object]) -> None:
    settings = lake["settings"]
    assert isinstance(settings, Settings)
    cards = pq.read_table(settings.lake_dir / "routing_scorecards.parquet").to_pylist()
    assert cards and all(c["filtering"] is not None for c in cards)  # incidents are loaded
    x = next(c for c in cards if c["asn"] == lake["hijacker"])
    # two incidents of its own, 5 h and 6 h: weight 1 each (customers' incidents may add)
    assert x["filtering_incidents"] >= 2 and x["filtering"] <= 80.0
    roll = pq.read_table(settings.lake_dir / "routing_scorecard_countries.parquet").to_pylist()
    cc = pq.read_table(settings.lake_dir / "routing_asn_country.parquet").to_pylist()
    country = {r["asn"]: r["cc"] for r in cc}
    some = roll[0]["cc"]
    mine = [c["rpki"] for c in cards if country.get(c["asn"]) == some]
    got = next(r for r in roll if r["cc"] == some and r["action"] == "rpki")
    assert got["median"] == pytest.approx(statistics.median(mine))
    assert got["share_ready"] == pytest.approx(sum(v >= 90 for v in mine) / len(mine))
    # a rerun with unchanged inputs does nothing
    assert [o.status for o in run_build(STEPS, settings)] == ["skipped"] * len(STEPS)


def test_merge_keeps_an_incident_ongoing_only_when_the_next_day_is_unknown() -> None:
    t = datetime(2025, 6, 1, 23, tzinfo=UTC)
    row = {"id": "moas-x", "type": "moas", "prefix": "192.0.2.0/24", "origin_asn": 1,
           "culprit_asn": 1, "victim_asns": [2], "prefixes": ["192.0.2.0/24"], "start": t,
           "end": None, "ongoing": True, "peers": ["c|p"], "peer_count": 1, "paths": ["5 1"],
           "rpki_state": None, "confidence": 0.8, "detail": "", "sightings": []}  # fmt: skip
    end_of_day = datetime(2025, 6, 2, tzinfo=UTC)
    piece = inc_step.Piece(row, date(2025, 6, 1), end_of_day)
    assert inc_step.merge_pieces([piece], next_day_processed=False)["end"] is None
    closed = inc_step.merge_pieces([piece], next_day_processed=True)
    assert closed["end"] == end_of_day and closed["ongoing"] is False


def _real_files(shared: Path) -> list[tuple[str, rir.DelegatedFile]]:
    root = shared / "rir" / "delegated-extended-truncated"
    return [(r, rir.read_file(root / r)) for r in bogons.RIR_REGISTRIES]


def test_truncated_real_delegation_files_are_refused(shared_data: Path) -> None:
    files = []
    for registry, parsed in _real_files(shared_data):
        present: dict[str, int] = {}
        for rec in parsed.records:
            present[rec.type] = present.get(rec.type, 0) + 1
        files.append(bogons.DelegationFile(registry, date(2019, 9, 8), parsed.header.records,
                                           parsed.summaries, present))  # fmt: skip
    for af in (4, 6):
        reason = bogons.completeness_problem(files, af)
        # AFRINIC's header counts 100 records where 300 are present
        assert reason == (
            "afrinic file of 2019-09-08 is incomplete: its header says 100 records, 300 are present"
        )
    # Even taken at face value (four of the headers match the truncated records), the data
    # cannot be complete: well-known routed prefixes would be unallocated, and the check
    # refuses itself rather than raise false alarms.
    starts = [r.start for _r, p in _real_files(shared_data) for r in p.records
              if r.type == "ipv4" and r.status in ("allocated", "assigned")]  # fmt: skip
    values = [r.value for _r, p in _real_files(shared_data) for r in p.records
              if r.type == "ipv4" and r.status in ("allocated", "assigned")]  # fmt: skip
    space = bogons.allocated_space(4, starts, values)
    prefixes = ["8.8.8.0/24", "1.1.1.0/24", "193.0.0.0/21", "140.82.112.0/20", "151.101.0.0/16"]
    p = parse_prefixes(prefixes)
    cols = range_columns(p.af, p.hi, p.lo, p.length)
    n = len(prefixes)
    ts = pa.array([T0] * n, pa.timestamp("us", tz="UTC"))
    iv = pa.table({
        "peer": ["c|p"] * n, "peer_asn": pa.array([1] * n, pa.uint32()),
        "af": pa.array(p.af.astype("int8")), "prefix": prefixes,
        "prefix_length": pa.array(p.length), **{k: pa.array(v) for k, v in cols.items()},
        "origin_asn": pa.array([15169] * n, pa.uint32()),
        "as_path": pa.array([[1, 15169]] * n, pa.list_(pa.uint32())), "path_text": ["1 15169"] * n,
        "baseline": [True] * n, "t0": ts, "t1": ts, "open_end": [True] * n,
    })  # fmt: skip
    found, reasons = bogon.detect_unallocated(iv, [space])
    assert found.num_rows == 0
    assert len(reasons) == 1 and "cannot be complete" in reasons[0]


def test_leaks_match_the_labels_with_the_caida_file(lake: dict[str, object]) -> None:
    world = lake["world"]
    assert isinstance(world, Path)
    labels = [e for e in json.loads((world / "labels" / "events.json").read_text())["events"]
              if e["type"] == "route_leak"]  # fmt: skip
    leaks = [r for r in _incidents(lake) if r["type"] == "route_leak"]
    seen = _observable_labels(world, "route_leak")  # recall over what the collectors saw
    assert seen and {e["leaker_asn"] for e in seen} <= {r["culprit_asn"] for r in leaks}
    for r in leaks:  # each is a labelled leak: same leaker, overlapping time
        lab = [e for e in labels if e["leaker_asn"] == r["culprit_asn"]]
        assert len(lab) == 1, r
        assert r["start"] <= datetime.fromisoformat(lab[0]["end"])  # type: ignore[operator]
        assert "relationships: caida-asrel:2025-06-01" in str(r["detail"])
