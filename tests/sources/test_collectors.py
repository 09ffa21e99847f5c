"""Collector lists, archive URL layouts and resumable fetching against a local mirror."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nethealth.errors import FetchError, InputError
from nethealth.formats.mrt import read_table
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources.collectors import (
    Collector,
    archive_url,
    dump_times,
    fetch_dumps,
    full_feed_peers,
    load_ris_collectors,
    load_routeviews_collectors,
)
from tests.mirror import serve_directory

RRC06 = Collector("ris", "rrc06")
JINX = Collector("routeviews", "route-views.jinx")
RV2 = Collector("routeviews", "route-views2")
T0 = datetime(2015, 4, 1, 0, 0, tzinfo=UTC)


def test_archive_layouts() -> None:
    ris = "https://data.ris.ripe.net"
    rv = "https://archive.routeviews.org"
    assert archive_url(ris, RRC06, "updates", T0) == (
        "https://data.ris.ripe.net/rrc06/2015.04/updates.20150401.0000.gz"
    )
    assert archive_url(ris, RRC06, "rib", T0.replace(hour=8)) == (
        "https://data.ris.ripe.net/rrc06/2015.04/bview.20150401.0800.gz"
    )
    assert archive_url(rv, JINX, "updates", T0.replace(minute=15)) == (
        "https://archive.routeviews.org/route-views.jinx/bgpdata/2015.04/UPDATES/"
        "updates.20150401.0015.bz2"
    )
    assert archive_url(rv, RV2, "rib", T0.replace(hour=2)) == (
        "https://archive.routeviews.org/bgpdata/2015.04/RIBS/rib.20150401.0200.bz2"
    )


def test_dump_times_align_on_the_archive_interval() -> None:
    start = datetime(2015, 4, 1, 0, 3, tzinfo=UTC)
    end = datetime(2015, 4, 1, 0, 31, tzinfo=UTC)
    assert [t.minute for t in dump_times("ris", "updates", start, end)] == [5, 10, 15, 20, 25, 30]
    assert [t.minute for t in dump_times("routeviews", "updates", start, end)] == [15, 30]
    day = datetime(2015, 4, 2, tzinfo=UTC)
    assert [t.hour for t in dump_times("ris", "rib", T0, day)] == [0, 8, 16]
    assert len(dump_times("routeviews", "rib", T0, day)) == 12
    with pytest.raises(InputError):
        dump_times("ris", "updates", T0, datetime(2016, 4, 1, tzinfo=UTC))
    with pytest.raises(InputError):
        dump_times("ris", "rib", datetime(2015, 4, 1), day)  # naive datetimes are refused


@pytest.mark.shared
def test_collector_lists_and_full_feed_peers(shared_data: Path) -> None:
    ris = load_ris_collectors(shared_data / "bgp/collectors/RIPE_RIS_collectors_20230801.json")
    rv = load_routeviews_collectors(shared_data / "bgp/collectors/RouteViews_20230801.txt")
    names = {c.name for c in ris}
    assert {"rrc00", "rrc06", "rrc25"} <= names and all(c.project == "ris" for c in ris)
    assert "route-views.linx" in {c.name for c in rv}
    rrc00 = next(c for c in ris if c.name == "rrc00")
    assert any(p.asn == 131477 and p.v4_prefixes == 926379 for p in rrc00.peers)
    full = full_feed_peers(ris)
    assert full and all(p.v4_prefixes >= 700_000 or p.v6_prefixes >= 150_000 for _, p in full)
    # a partial peer (AS 11708 sends 6 routes) is not full-feed
    assert ("rrc00", next(p for p in rrc00.peers if p.asn == 11708)) not in full


def _mirror(shared_data: Path, root: Path) -> None:
    """Lay real files out like the publishers' archives."""
    ris = root / "ris" / "rrc06" / "2015.04"
    ris.mkdir(parents=True)
    shutil.copy(
        shared_data / "bgp/libbgpstream/ris.rrc06.updates.1427846400.gz",
        ris / "updates.20150401.0000.gz",
    )
    rv = root / "rv" / "route-views.jinx" / "bgpdata" / "2015.04" / "UPDATES"
    rv.mkdir(parents=True)
    shutil.copy(
        shared_data / "bgp/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2",
        rv / "updates.20150401.0000.bz2",
    )


@pytest.mark.shared
def test_fetch_from_mirror_resumes_and_verifies(
    shared_data: Path, tmp_path: Path, settings: Settings
) -> None:
    _mirror(shared_data, tmp_path / "mirror")
    store = RawStore(settings.raw_dir)
    end = T0.replace(minute=1)
    with serve_directory(tmp_path / "mirror") as (base, requests):
        # an interrupted earlier download left a partial file: the fetch resumes it
        src = tmp_path / "mirror/ris/rrc06/2015.04/updates.20150401.0000.gz"
        url = f"{base}/ris/rrc06/2015.04/updates.20150401.0000.gz"
        part_dir = settings.raw_dir / ".incoming" / "bgp-ris"
        part_dir.mkdir(parents=True)
        part = part_dir / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
        part.write_bytes(src.read_bytes()[:1000])
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        files = fetch_dumps(
            settings,
            store,
            [RRC06],
            "updates",
            T0,
            end,
            base_url=f"{base}/ris",
            checksums={url: digest},
        )
        assert requests.ranges == ["bytes=1000-"]
        assert len(files) == 1 and files[0].provenance.sha256 == digest
        assert files[0].path.name == "rrc06.updates.20150401.0000.gz"
        assert read_table(files[0].path).num_rows == 1561
        # already stored: no second download
        n = len(requests)
        again = fetch_dumps(settings, store, [RRC06], "updates", T0, end, base_url=f"{base}/ris")
        assert again[0].path == files[0].path and len(requests) == n
        rv = fetch_dumps(settings, store, [JINX], "updates", T0, end, base_url=f"{base}/rv")
        assert rv[0].provenance.source_id == "bgp-routeviews"
        assert read_table(rv[0].path).num_rows == 8611
        # a wrong published digest is refused and nothing is kept
        with pytest.raises(FetchError, match="differs from the published"):
            fetch_dumps(
                settings,
                RawStore(tmp_path / "other"),
                [RRC06],
                "updates",
                T0,
                end,
                base_url=f"{base}/ris",
                checksums={url: "0" * 64},
            )
        assert not list((tmp_path / "other" / "bgp-ris").rglob("*.gz"))
        # missing dumps (collector outage): an error, or skipped on request
        later = T0.replace(hour=1)
        with pytest.raises(FetchError, match="404"):
            fetch_dumps(
                settings,
                store,
                [RRC06],
                "updates",
                later,
                later.replace(minute=1),
                base_url=f"{base}/ris",
            )
        assert (
            fetch_dumps(
                settings,
                store,
                [RRC06],
                "updates",
                later,
                later.replace(minute=1),
                base_url=f"{base}/ris",
                skip_missing=True,
            )
            == []
        )
        # the same from a file:// mirror: an absent file is missing, not a failure
        mirror = tmp_path / "empty-mirror"
        mirror.mkdir()
        assert (
            fetch_dumps(settings, store, [RRC06], "updates", later, later.replace(minute=1),
                        base_url=mirror.as_uri(), skip_missing=True)
            == []
        )  # fmt: skip
