"""Region (ISO 3166-2) series from the simulated DB-IP city file, computed from the simulator's
real-format MRT and Atlas files exactly as from real data; events absorb regions."""

from __future__ import annotations

import calendar
import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from nethealth.formats.atlas import read_probes
from nethealth.formats.dbip_city import CityReport, parse_city_csv
from nethealth.outages import geo
from nethealth.outages.evaluate import label_entities
from nethealth.outages.events import events_table
from nethealth.outages.fusion import Detection
from nethealth.outages.series import Series
from nethealth.outages.simeval import series_from_tree

from .conftest import TINY_START


@pytest.fixture(scope="module")
def tree_series(tiny_sim: Path) -> dict[tuple[str, str], Series]:
    start = calendar.timegm(TINY_START.timetuple())
    ts = series_from_tree(tiny_sim, start, start + 3 * 86400)
    return {(s.signal, s.entity): s for s in ts.bgp + ts.atlas}


def _regionals(tiny_sim: Path) -> list[dict[str, object]]:
    doc = json.loads((tiny_sim / "labels" / "events.json").read_text())
    return [e for e in doc["events"] if e["type"] == "regional_shutdown" and e.get("region")]


def _mean(s: Series, lo: int, hi: int) -> float:
    i0, i1 = (lo - s.start) // s.step, (hi - s.start) // s.step
    return float(np.nanmean(s.values[max(0, i0) : max(i0 + 1, i1)]))


def test_simulated_dbip_file_maps_every_name_and_every_probe(tiny_sim: Path) -> None:
    path = next((tiny_sim / "mirror" / "dbip").glob("dbip-city-lite-2025-06.csv.gz"))
    rep = CityReport(str(path))
    city = parse_city_csv(gzip.decompress(path.read_bytes()), path, report=rep)
    assert rep.unmapped_rows == 0 and rep.rows == city.num_rows > 0
    # DB-IP's ranges are disjoint: so must the twin's be.
    for af in (4, 6):
        t = city.filter(np.asarray(city["af"]) == af)
        starts, ends = np.asarray(t["start"]), np.asarray(t["end"])
        assert (starts[1:] > ends[:-1]).all()
    regions = geo.region_ranges(city)
    probes = read_probes(next((tiny_sim / "mirror" / "atlas").rglob("*.json.bz2")))
    fam, num = geo.address_numbers(probes["address_v4"].to_pylist())
    found = geo.lookup(regions, 4, num[fam == 4], "region")
    ccs = np.asarray(probes["country"].to_pylist(), dtype=object)[fam == 4]
    placed = [(r, c) for r, c in zip(found, ccs, strict=True) if r is not None]
    assert placed and all(r.startswith(f"{c}-") for r, c in placed)


def test_regional_shutdown_drops_its_region_not_the_others(
    tiny_sim: Path, tree_series: dict[tuple[str, str], Series]
) -> None:
    labels = _regionals(tiny_sim)
    assert labels, "the tiny world should hold regional shutdowns with an ISO 3166-2 region"
    for lab in labels:
        lo, hi = int(lab["start_ts"]), int(lab["end_ts"])  # type: ignore[call-overload]
        mine = tree_series[("bgp", f"region:{lab['region']}")]
        before, during = _mean(mine, lo - 2 * 3600, lo), _mean(mine, lo + 900, hi - 900)
        assert during < 0.9 * before, lab
        others = [s for (sig, e), s in tree_series.items()
                  if sig == "bgp" and e.startswith(f"region:{lab['country']}-")
                  and e != f"region:{lab['region']}"]  # fmt: skip
        for s in others:
            assert _mean(s, lo + 900, hi - 900) >= 0.95 * _mean(s, lo - 2 * 3600, lo), s.entity
        assert f"region:{lab['region']}" in label_entities(lab)


def _det(entity: str, start: int, end: int) -> Detection:
    return Detection("nethealth", entity, start, end, start + 300, "critical", ("bgp",), 0.9,
                     0.8, 1.0, ())  # fmt: skip


def test_country_event_absorbs_overlapping_regions_only() -> None:
    dets = [
        _det("country:IR", 1000, 5000),
        _det("region:IR-07", 1500, 4000),  # overlaps: part of the country event
        _det("region:IR-10", 9000, 9900),  # later: an event of its own
        _det("region:IQ-BG", 1500, 4000),  # another country: an event of its own
    ]
    t = events_table(dets, method_version="x", asn_country={}, data_end=20_000).to_pylist()
    assert [(e["scope"], e["country"], e["region"]) for e in t] == [
        ("country", "IR", None), ("region", "IQ", "IQ-BG"), ("region", "IR", "IR-10"),
    ]  # fmt: skip
    assert t[0]["entities"] == ["country:IR", "region:IR-07"]
