"""The outage step's as-of rule for RIBs and its data window (issue 10, item 4): a RIB older
than its tolerance is not the state of a window, and bins no file describes are missing."""

from __future__ import annotations

import calendar
import shutil
from pathlib import Path

import numpy as np
import pytest

from nethealth.outages.inputs import (
    BgpFiles,
    MrtFile,
    covered_bins,
    data_windows,
    select_mrt_checked,
)
from nethealth.outages.lake import detect, masked, signals_table
from nethealth.outages.series import Series
from nethealth.settings import Settings

T0 = calendar.timegm((2015, 4, 1, 0, 0, 0, 0, 0, 0))
DAY = 86400


def _files(*specs: tuple[str, str, int]) -> BgpFiles:
    out = BgpFiles()
    for collector, kind, t in specs:
        out.add(MrtFile(Path(f"{collector}.{kind}.{t}"), collector, kind, t))
    out.sort()
    return out


def test_a_rib_older_than_a_day_is_refused_with_the_dates() -> None:
    files = _files(("rrc06", "rib", T0 - 5 * 365 * DAY), ("rrc06", "updates", T0),
                   ("rrc00", "rib", T0 - 8 * 3600), ("rrc00", "updates", T0),
                   ("route-views2", "rib", T0 - DAY), ("rrc01", "updates", T0))  # fmt: skip
    chosen, refused = select_mrt_checked(files, T0, T0 + 3600)
    assert {(f.collector, f.kind) for f in chosen} == {
        ("rrc00", "rib"),
        ("rrc00", "updates"),
        ("route-views2", "rib"),
    }  # a day old: in force
    assert refused["rrc06"] == (
        "rrc06: newest RIB at or before the window start, 2010-04-02T00:00Z, is 5 years older "
        "than 2015-04-01T00:00Z (tolerance 1 day): not the state of the window, collector "
        "refused"
    )
    assert refused["rrc01"] == "rrc01: update dumps without any RIB, collector refused"
    # a first RIB after the start still starts the collector's data (later): not refused
    later = _files(("rrc06", "rib", T0 + 600), ("rrc06", "updates", T0 + 900))
    assert [f.kind for f in select_mrt_checked(later, T0, T0 + 3600)[0]] == ["rib", "updates"]


def test_bins_without_any_file_are_missing_not_flat() -> None:
    # a RIB, 15 minutes of updates, then nothing for the rest of the day
    files = [MrtFile(Path("r"), "rrc06", "rib", T0)] + [
        MrtFile(Path(f"u{i}"), "rrc06", "updates", T0 + 300 * i) for i in range(3)
    ]
    windows = data_windows(files)
    assert windows == {"rrc06": [(T0, T0 + 300), (T0, T0 + 300), (T0 + 300, T0 + 600),
                                 (T0 + 600, T0 + 900)]}  # fmt: skip
    mask = covered_bins(windows, T0, 300, 288)
    assert mask[:3].all() and not mask[3:].any()
    flat = Series("bgp", "country:NL", T0, 300, np.full(288, 42.0))
    (out,) = masked([flat], windows)
    assert np.isnan(out.values[3:]).all() and (out.values[:3] == 42.0).all()


@pytest.mark.shared
def test_a_2010_rib_is_not_the_state_of_a_2015_window(
    shared_data: Path, settings: Settings, tmp_path: Path
) -> None:
    """The real case of issue 10: rrc06's 2010 RIB and 15 minutes of its 2015 updates."""
    root = tmp_path / "ris" / "rrc06"
    root.mkdir(parents=True)
    shutil.copy(shared_data / "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz",
                root / "bview.20100701.0000.gz")  # fmt: skip
    shutil.copy(shared_data / "bgp/libbgpstream/ris.rrc06.updates.1427846400.gz",
                root / "updates.20150401.0000.gz")  # fmt: skip
    result = detect(settings, extra_bgp=[tmp_path / "ris"], start=T0, end=T0 + 3600)
    refused = [n for n in result.notes if n.startswith("rrc06: newest RIB")]
    # the window starts with its 24 h of history
    assert refused and "2010-07-01T07:59Z, is 4 years older than 2015-03-31T00:00Z" in refused[0]
    signals = signals_table(result)
    bgp = signals.filter(np.isin(signals["signal"].to_numpy(zero_copy_only=False),
                                 ["bgp", "bgp6"]))  # fmt: skip
    assert bgp.num_rows == 0  # no series drawn from a state the data do not have
