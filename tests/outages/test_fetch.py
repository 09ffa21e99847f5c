"""Detection inputs come through the sources' own fetchers: MRT dumps into bgp-ris /
bgp-routeviews (nethealth.sources.collectors.fetch_dumps), Atlas into `atlas`; served by a
loopback mirror in the publishers' layouts (the simulator writes them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from nethealth.bgp.ingest import guess_collector
from nethealth.errors import ConfigError
from nethealth.lake.raw import RawStore
from nethealth.outages.fetch import fetch_inputs
from nethealth.outages.inputs import collector_of, find_atlas, find_mrt
from nethealth.settings import Settings
from tests.mirror import serve_directory

D = dt.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("route-views2.rib.20260601.0000.bz2", "route-views2"),
        ("route-views.sydney.updates.20260601.0015.bz2", "route-views.sydney"),
        ("/d/raw/bgp-routeviews/2026-06-01/route-views.linx.rib.20260601.0000.bz2", "route-views.linx"),
        ("/m/route-views.sydney/bgpdata/2026.06/UPDATES/updates.20260601.0015.bz2", "route-views.sydney"),
        ("/m/bgpdata/2026.06/RIBS/rib.20260601.0000.bz2", None),
        ("/d/raw/bgp-ris/2026-06-01/rrc00.bview.20260601.0000.gz", "rrc00"),
    ],
)  # fmt: skip
def test_guess_collector_reads_routeviews_dump_names(path: str, want: str | None) -> None:
    # Before the fix the directory pattern swallowed whole file names
    # ("route-views2.rib.20260601.0000.bz2" came back as the collector).
    assert guess_collector(Path(path)) == want


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_inputs_from_a_loopback_mirror(settings: Settings, tiny_sim: Path) -> None:
    mirror = tiny_sim / "mirror"
    store = RawStore(settings.raw_dir)
    with serve_directory(mirror) as (base, requests):
        local = settings.model_copy(update={
            "ris_base_url": f"{base}/ris",
            # the simulator keeps route-views2 in a directory; the real archive at its root
            "routeviews_base_url": f"{base}/routeviews/route-views2",
            "atlas_dumps_base_url": f"{base}/atlas/atlas-daily-dumps",
            "atlas_probes_base_url": f"{base}/atlas/probes/archive",
        })  # fmt: skip
        report = fetch_inputs(local, store, collectors=["rrc00", "route-views2"], first=D, last=D)
        assert report.missing == []
        n_requests = len(requests)
        again = fetch_inputs(local, store, collectors=["rrc00", "route-views2"], first=D, last=D)
        assert len(requests) == n_requests  # stored files are not fetched again
        assert len(again.stored) == len(report.stored)
    ris = store.files("bgp-ris")
    rv = store.files("bgp-routeviews")
    at = store.files("atlas")
    # one RIB + 288 five-minute update files (RIS); one RIB + 96 quarter-hour ones (RouteViews)
    assert len(ris) == 1 + 288 and len(rv) == 1 + 96
    assert len(at) == 2 * 24 + 1  # ping + traceroute every hour, and the day's probe archive
    assert not store.files("mrt")
    names = {f.provenance.name for f in (*ris, *rv)}
    assert {"rrc00.bview.20250601.0000.gz", "route-views2.rib.20250601.0000.bz2"} <= names
    for f in (*ris[:3], *rv[:3], *at[:3]):
        rel = f.provenance.url.split("/", 3)[3]
        assert f.provenance.sha256 == _sha(mirror / rel) == _sha(f.path)
        assert f.provenance.licence and f.provenance.url.startswith("http://127.0.0.1")
    found = find_mrt([settings.raw_dir])
    assert sorted(found.ribs) == ["route-views2", "rrc00"] == sorted(found.updates)
    assert {collector_of(f.path) for f in rv} == {"route-views2"}
    atlas = find_atlas([settings.raw_dir / "atlas"])
    assert len(atlas.results) == 48 and [d for d, _ in atlas.probes] == [D]


def test_gaps_in_an_archive_are_reported_not_fatal(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "ris" / "rrc00" / "2025.06"
    src.mkdir(parents=True)
    (src / "bview.20250601.0000.gz").write_bytes(b"x")
    shutil.copy(src / "bview.20250601.0000.gz", src / "updates.20250601.0005.gz")
    with serve_directory(tmp_path) as (base, _):
        local = settings.model_copy(update={"ris_base_url": f"{base}/ris"})
        report = fetch_inputs(
            local, RawStore(settings.raw_dir), collectors=["rrc00"], first=D, last=D,
            with_atlas=False,
        )  # fmt: skip
        assert len(report.stored) == 2 and len(report.missing) == 287
        assert f"{base}/ris/rrc00/2025.06/updates.20250601.0000.gz" in report.missing
        assert {f.path.name for f in report.stored} == {
            "rrc00.bview.20250601.0000.gz",
            "rrc00.updates.20250601.0005.gz",
        }
        with pytest.raises(ConfigError):
            fetch_inputs(local, RawStore(settings.raw_dir), collectors=["nowhere"], first=D, last=D)
        with pytest.raises(ConfigError):
            fetch_inputs(
                local, RawStore(settings.raw_dir), collectors=["rrc00"], first=D,
                last=D - dt.timedelta(days=1),
            )  # fmt: skip
