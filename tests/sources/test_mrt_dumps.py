"""`sources.mrt.mrt_dumps`: the one listing of MRT dumps the build steps use — kind, start and
collector from the files themselves, with the first-record headers indexed by SHA-256 so a
build reads each stored dump's start once."""

from __future__ import annotations

import bz2
import json
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import mrt


def _dump(path: Path, when: datetime, mrt_type: int) -> Path:
    path.write_bytes(bz2.compress(struct.pack(">IHHI", int(when.timestamp()), mrt_type, 4, 0)))
    return path


def test_kind_time_collector_from_content_and_index(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RawStore(settings.raw_dir)
    t1 = datetime(2015, 4, 1, 0, 0, 30, tzinfo=UTC)
    t2 = datetime(2015, 4, 1, 2, 0, 0, tzinfo=UTC)
    for name, when, kind in (("route-views.jinx.updates.20150401.0000.bz2", t1, 16),
                             ("route-views.jinx.rib.20150401.0000.bz2", t2, 13),  # says 00:00
                             ("notes.txt", t1, 0)):  # fmt: skip
        f = _dump(tmp_path / name, when, kind)
        if name == "notes.txt":
            f.write_text("not MRT")
        store.store_file("bgp-routeviews", "2015-04-01", name, f, url="file:///x", licence="t",
                         upstream_modified=None)  # fmt: skip
    files = store.files("bgp-routeviews")
    got = [(d.collector, d.kind, d.time, d.path.name) for d in mrt.mrt_dumps(files)]
    assert got == [
        ("route-views.jinx", "updates", int(t1.timestamp()), "route-views.jinx.updates.20150401.0000.bz2"),
        ("route-views.jinx", "rib", int(t2.timestamp()), "route-views.jinx.rib.20150401.0000.bz2"),
    ]  # fmt: skip
    index = json.loads((settings.raw_dir / ".index" / mrt.INDEX_NAME).read_text())
    assert {f.provenance.sha256: bool(index[f.provenance.sha256]) for f in files} == {
        f.provenance.sha256: f.provenance.name != "notes.txt" for f in files
    }  # the non-MRT file is indexed as such, so it is not opened again either

    # a second listing (a later build, another process) reads the index, not the files
    def no_reading(_path: Path) -> None:
        raise AssertionError("read a dump's start although it is indexed")

    mrt._head.cache_clear()
    monkeypatch.setattr(mrt, "read_head", no_reading)
    again = [(d.collector, d.kind, d.time) for d in mrt.mrt_dumps(store.files("bgp-routeviews"))]
    assert again == [g[:3] for g in got]


def test_collector_from_names_and_paths() -> None:
    cases = {
        "rrc06.bview.20100701.0759.gz": "rrc06",
        "route-views.linx.rib.20240501.0200.bz2": "route-views.linx",
        "my-router.updates.20240501.0000": "my-router",  # a stored name, any collector
        "archive/rrc00/2002.07/bview.20020722.2337.gz": "rrc00",
        "data/route-views.jinx/bgpdata/2015.04/UPDATES/updates.20150401.0000.bz2": "route-views.jinx",
        "derived/rrc06-full-20100701.tdv2.mrt.gz": "rrc06",
        "ris.rrc06.updates.1427846400.gz": "rrc06",
        "test_data/bview.20020722.2337.gz": None,
    }
    assert {p: mrt.collector_from_path(Path(p)) for p in cases} == cases
