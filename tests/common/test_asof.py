"""The as-of rule and the value statuses (nethealth.common.asof, nethealth.common.status)."""

from __future__ import annotations

from datetime import date

import pytest

from nethealth.common.asof import TOLERANCES, gap_text, pick, pick_group, pick_item, tolerance
from nethealth.common.status import MEASURED, Judgement, Status, combine, has_value, of_value

D = date(2024, 5, 10)


def test_nearest_on_or_before_within_the_tolerance() -> None:
    snaps = [date(2024, 5, 1), date(2024, 5, 9), date(2024, 5, 11)]
    got = pick("rpki", D, snaps)
    assert got.snapshot == date(2024, 5, 9) and got.status is Status.MEASURED
    assert got.reason == "VRP snapshot 2024-05-09"  # never the nearer later one (05-11)


@pytest.mark.parametrize(("age", "ok"), [(0, True), (3, True), (4, False)])
def test_the_tolerance_boundary_is_inclusive(age: int, ok: bool) -> None:
    snap = date.fromordinal(D.toordinal() - age)
    got = pick("rpki", D, [snap])  # VRPs: 3 days
    assert got.ok is ok
    if not ok:
        assert got.status is Status.NOT_COMPARABLE
        assert (
            got.reason == "VRP snapshot 2024-05-06 is 4 days older than 2024-05-10 "
            "(tolerance 3 days)"
        )


def test_tolerance_is_per_source() -> None:
    snap = [date(2024, 4, 20)]  # 20 days old
    assert not pick("rpki", D, snap).ok
    assert not pick("irr", D, snap).ok  # 7 days
    assert pick("rir", D, snap).ok and pick("ipdb", D, snap).ok  # 31 days
    assert pick("caida-asrel", D, snap).ok
    assert pick("irr", D, snap, tolerance_days=30).ok
    assert not pick("rir", D, snap, tolerance_days=19).ok
    with pytest.raises(ValueError, match="no as-of tolerance declared for source 'nope'"):
        tolerance("nope")
    assert {"bgp-ris", "rir", "ipdb", "rpki", "peeringdb", "caida-asrel"} <= set(TOLERANCES)


def test_no_snapshot_is_not_measured_and_only_later_ones_are_not_comparable() -> None:
    none = pick("ipdb", D, [])
    assert (none.snapshot, none.status, none.reason) == (
        None, Status.NOT_MEASURED, "no ip-location-db snapshot stored")  # fmt: skip
    later = pick("ipdb", date(2010, 7, 1), [date(2026, 6, 17), date(2027, 1, 1)])
    assert later.snapshot is None and later.status is Status.NOT_COMPARABLE
    assert later.reason == (
        "no ip-location-db snapshot on or before 2010-07-01; the earliest, 2026-06-17, "
        "is 15 years newer"
    )


def test_pick_item_takes_the_last_name_of_the_chosen_snapshot() -> None:
    items = [(date(2024, 5, 1), "a", "A"), (date(2024, 5, 9), "b", "B"),
             (date(2024, 5, 9), "c", "C"), (date(2024, 5, 11), "d", "D")]  # fmt: skip
    item, got = pick_item("rir", D, items)
    assert item == "C" and got.snapshot == date(2024, 5, 9)
    assert pick_item("rir", date(2024, 4, 1), items)[0] is None


def test_a_group_needs_every_part_in_force() -> None:
    files = {"arin": [date(2024, 5, 9)], "ripencc": [date(2024, 5, 8)]}
    ok = pick_group("rir", D, files)
    assert ok.ok and ok.snapshots == {"arin": date(2024, 5, 9), "ripencc": date(2024, 5, 8)}
    assert ok.judgement.reason == "RIR delegation files 2024-05-08 to 2024-05-09"
    files["afrinic"] = [date(2024, 5, 12)]  # published after the day only
    bad = pick_group("rir", D, files)
    assert not bad.ok and bad.judgement.status is Status.NOT_COMPARABLE
    assert bad.judgement.reason == (
        "no RIR delegation file of afrinic on or before 2024-05-10; the earliest, 2024-05-12, "
        "is 2 days newer"
    )
    all_later = pick_group("rir", date(2010, 7, 1), files)
    assert all_later.judgement.reason == (
        "no RIR delegation files on or before 2010-07-01; the earliest, 2024-05-08 to "
        "2024-05-12, are 13 years newer"
    )
    assert pick_group("rir", D, {}).judgement.status is Status.NOT_MEASURED


def test_gap_text() -> None:
    assert [gap_text(d) for d in (1, 2, 63, 120, 200, 365 * 9 + 2)] == [
        "1 day", "2 days", "63 days", "120 days", "6 months", "9 years"]  # fmt: skip


def test_statuses() -> None:
    assert of_value(0.0) is Status.ZERO_MEASURED and of_value(2.5) is Status.MEASURED
    assert has_value("zero measured") and not has_value("not comparable")
    stale = Judgement(Status.NOT_COMPARABLE, "VRPs old")
    missing = Judgement(Status.NOT_MEASURED, "no RIB")
    # the worst status wins; reasons of the inputs that are not ok
    assert combine([MEASURED, stale]) == stale
    assert combine([stale, missing]) == Judgement(Status.NOT_MEASURED, "VRPs old; no RIB")
    assert combine([Judgement(Status.MEASURED, "a"), Judgement(Status.MEASURED, "b")]) == (
        Judgement(Status.MEASURED, "a; b"))  # fmt: skip
    # a number from inputs that are not ok is dropped; a zero from complete inputs is kept
    assert stale.value(12.0) == (None, Status.NOT_COMPARABLE, "VRPs old")
    assert MEASURED.value(0.0) == (0.0, Status.ZERO_MEASURED, "")
    assert MEASURED.value(None) == (None, Status.NOT_MEASURED, "")
