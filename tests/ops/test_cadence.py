"""Cadences and what follows from them: staleness, implausible size jumps (on real files: a RIR
delegation file cut to 1 % of its records next to the complete one of the day before)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from nethealth.areas import all_sources
from nethealth.common.cadence import (
    PACKAGED,
    Cadence,
    Freshness,
    SizedFile,
    judge_freshness,
    series_of,
    size_jumps,
)
from nethealth.formats.delegated import parse_delegated

DAILY = Cadence("daily", 1, lag_days=1, fetch_by="latest")
D = date(2025, 6, 10)


def test_every_source_declares_a_cadence() -> None:
    for s in all_sources():
        assert isinstance(s.cadence, Cadence), s.id
        if s.fetch is None:
            assert s.cadence.packaged and s.cadence.fetch_by is None, s.id
        else:
            assert s.cadence.every_days and s.cadence.fetch_by, s.id
            assert s.cadence.label and s.cadence.retention.daily >= 1, s.id


@pytest.mark.parametrize(
    ("age", "status"),
    [(0, Freshness.FRESH), (2, Freshness.FRESH), (3, Freshness.STALE), (400, Freshness.STALE)],
)
def test_freshness_of_a_daily_source(age: int, status: Freshness) -> None:
    j = judge_freshness("rir", DAILY, D - timedelta(days=age), D)
    assert j.status is status and j.age_days == age and j.stale_after_days == 2
    if status is Freshness.STALE:
        assert j.reason.startswith(f"newest snapshot {D - timedelta(days=age)} is ")
        assert "published daily, stale after 2 days" in j.reason


def test_freshness_without_data_packaged_and_future() -> None:
    assert judge_freshness("rir", DAILY, None, D).status is Freshness.NO_DATA
    assert judge_freshness("countries", PACKAGED, None, D).status is Freshness.PACKAGED
    later = judge_freshness("rir", DAILY, D + timedelta(days=3), D)
    assert later.status is Freshness.FRESH and "dated after" in later.reason
    monthly = Cadence("monthly", 31, lag_days=31)
    assert (
        judge_freshness("caida-asrel", monthly, D - timedelta(days=62), D).status is Freshness.FRESH
    )
    assert judge_freshness("caida-asrel", monthly, D - timedelta(days=63), D).stale


def test_series_mask_dates_and_keep_compression() -> None:
    assert series_of("rrc06.bview.20100701.0759.gz") == "rrc06.bview.#.#.gz"
    assert (
        series_of("route-views2.rib.20250601.0000.bz2", "bzip2")
        == "route-views2.rib.#.#.bz2 [bzip2]"
    )
    assert series_of("ping-2025-06-01T0300.bz2") == "ping-#.bz2"
    assert series_of("probes-20250601.json.bz2") == "probes-#.json.bz2"
    assert series_of("delegated-ripencc-extended") == "delegated-ripencc-extended"


def test_a_delegated_file_with_one_percent_of_the_records_is_flagged(
    shared_data: Path, tmp_path: Path
) -> None:
    real = shared_data / "rir/delegated-extended-truncated/ripencc"
    lines = real.read_text().splitlines(keepends=True)
    # records, not the comments, the version line (`2|ripencc|…`) or the summaries (`|*|`)
    records = [ln for ln in lines if not ln.startswith("#") and ln.count("|") >= 6
               and not ln[0].isdigit() and ln.split("|")[1] != "*"]  # fmt: skip
    cut = tmp_path / "cut"
    keep = max(1, len(records) // 100)
    cut.write_text("".join(lines[: lines.index(records[0])] + records[:keep]))
    with cut.open() as fh:  # still a well-formed delegated file: only its size tells
        assert len(parse_delegated(fh, str(cut)).records) == keep
    name = "delegated-ripencc-extended"
    files = [
        SizedFile(date(2025, 6, 8), name, real.stat().st_size, "plain"),
        SizedFile(date(2025, 6, 9), name, real.stat().st_size + 120, "plain"),  # a normal day
        SizedFile(date(2025, 6, 10), name, cut.stat().st_size, "plain"),
    ]
    (jump,) = size_jumps("rir", DAILY, files)
    assert (jump.snapshot, jump.previous_snapshot) == (date(2025, 6, 10), date(2025, 6, 9))
    assert jump.ratio < 0.05
    assert jump.sentence().startswith(f"rir/2025-06-10/{name} is {cut.stat().st_size:,} bytes")
    assert "of the previous 2025-06-09/" in jump.sentence()


def test_sizes_not_compared_across_compression_long_gaps_or_volatile_names() -> None:
    name = "delegated-apnic-extended"
    assert not size_jumps("rir", DAILY, [
        SizedFile(date(2025, 6, 9), name, 40_000_000, "plain"),
        SizedFile(date(2025, 6, 10), name, 4_000_000, "gzip"),  # the same data, compressed
        SizedFile(date(2026, 6, 10), name, 400_000, "gzip"),  # a year later
    ])  # fmt: skip
    ris = next(s.cadence for s in all_sources() if s.id == "bgp-ris")
    quiet = "rrc00.updates.20250601.0000.gz"
    busy = "rrc00.updates.20250601.0005.gz"
    assert not size_jumps("bgp-ris", ris, [SizedFile(D, quiet, 1_000, "gzip"),
                                           SizedFile(D, busy, 90_000, "gzip")])  # fmt: skip
    ribs = [SizedFile(D, "rrc00.bview.20250610.0000.gz", 90_000_000, "gzip"),
            SizedFile(D, "rrc00.bview.20250610.0800.gz", 9_000_000, "gzip")]  # fmt: skip
    assert [j.name for j in size_jumps("bgp-ris", ris, ribs)] == ["rrc00.bview.20250610.0800.gz"]
