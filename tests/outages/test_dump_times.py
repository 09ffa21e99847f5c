"""When an update dump's interval begins. Files are known by their first MRT record, but the
gap between files is what tells a missing file (no data) from a quiet one, so:

* an update dump without any record (a quiet five minutes of a small table) is data, not a
  gap: `find_mrt` knows it by its publisher name, since it has no first record to read;
* a dump whose first record comes some seconds into its interval stays on the publisher's
  5-minute grid (its name's time), else every file would seem a little late or early."""

from __future__ import annotations

import calendar
import gzip
from pathlib import Path

from nethealth.outages.inputs import find_mrt, interval_start, update_gaps


def test_an_empty_update_dump_is_a_quiet_interval(tmp_path: Path) -> None:
    root = tmp_path / "rrc00" / "2025.06"
    root.mkdir(parents=True)
    for hm in ("0000", "0005", "0010"):
        with gzip.open(root / f"updates.20250601.{hm}.gz", "wb"):
            pass  # a valid gzip member holding nothing
    with gzip.open(root / "notes.20250601.0000.gz", "wb") as fh:
        fh.write(b"")  # empty, but no dump's name: not a dump
    (root / "updates.20250601.0015.gz").write_bytes(b"not gzip")  # damaged: not counted here
    files = find_mrt([tmp_path])
    assert not files.ribs
    got = [(f.collector, f.time) for f in files.updates["rrc00"]]
    t0 = calendar.timegm((2025, 6, 1, 0, 0, 0))
    assert got == [("rrc00", t0), ("rrc00", t0 + 300), ("rrc00", t0 + 600)]
    assert update_gaps(files.updates["rrc00"]) == {}


def test_a_dump_keeps_its_publisher_interval() -> None:
    t0 = calendar.timegm((2025, 6, 1, 0, 5, 0))
    name = Path("rrc00/2025.06/updates.20250601.0005.gz")
    assert interval_start(name, t0 + 41) == t0  # first message 41 s into the interval
    assert interval_start(name, t0 + 900) == t0 + 900  # not this file's interval: the record
    assert interval_start(name, t0 - 1) == t0 - 1
    assert interval_start(Path("dump.mrt"), t0 + 41) == t0 + 41  # no publisher name
