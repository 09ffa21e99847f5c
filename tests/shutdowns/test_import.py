"""Importing STOP sheets into the store: the acceptance figures, idempotence, revisions."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from nethealth.errors import InputError
from nethealth.formats.stop_sheet import read_stop_sheet
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.shutdowns.curation import edit_event, retract_event
from nethealth.shutdowns.importer import import_file
from nethealth.shutdowns.normalise import normalise_rows
from nethealth.shutdowns.store import ShutdownStore
from tests.shutdowns.conftest import read_rows, write_csv


def test_real_sheet_import_and_reimport(settings: Settings, stop_sheet: Path) -> None:
    report = import_file(settings, stop_sheet)
    assert (report.rows, report.created, report.updated) == (2102, 2102, 0)
    assert report.events_with_iso == 2099
    assert dict(report.unmapped) == {"Somaliland": 3}
    assert report.layout == "stop-combined-2016-2025"
    store = ShutdownStore.for_settings(settings)
    state = store.state()
    assert len(state.events) == 2102 and state.as_of() == "2026-05-20"
    _header, raw = read_rows(stop_sheet)
    assert Counter(ev.fields["year"] for ev in state.events.values()) == Counter(
        int(r["count_year"]) for r in raw
    )
    # The raw copy is the very file, with provenance.
    (copy,) = RawStore(settings.raw_dir).files("access-now")
    assert copy.provenance.sha256 == hashlib.sha256(stop_sheet.read_bytes()).hexdigest()
    assert copy.provenance.snapshot == "2026-05-20"
    log_before = store.path.read_bytes()
    again = import_file(settings, stop_sheet)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2102)
    assert not again.changed and "nothing changed" in "\n".join(again.lines())
    assert store.path.read_bytes() == log_before


def test_revised_snapshot_updates_and_keeps_curated_values(
    settings: Settings, stop_sheet: Path, tmp_path: Path
) -> None:
    header, rows = read_rows(stop_sheet)
    rows = rows[:40]
    first = write_csv(tmp_path / "a" / "stop_snapshot_2026-05-20.csv", header, rows)
    import_file(settings, first)
    ids = [r.event_id for r in normalise_rows(read_stop_sheet(first).rows)]
    # A curator corrects event 5's area and retracts event 7.
    edit_event(
        settings,
        ids[5],
        {"area_name": "Corrected area", "justification": "Other"},
        actor="cli:alice",
    )
    retract_event(settings, ids[7], actor="cli:alice", reason="duplicate of another record")
    # The publisher then revises events 3 and 5 and drops the last row.
    revised = [dict(r) for r in rows[:-1]]
    revised[3]["end_date"] = "2019-12-31"
    revised[3]["shutdown_status"] = "Ended"
    revised[5]["area_name"] = rows[5]["area_name"]  # identity unchanged
    revised[5]["gov_justification"] = "Precautionary measure"
    revised[5]["event"] = "Revised description"
    second = write_csv(tmp_path / "b" / "stop_snapshot_2026-06-01.csv", header, revised)
    report = import_file(settings, second)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 37)
    assert report.absent == 1
    assert report.kept_curated == [(ids[5], "justification")]
    state = ShutdownStore.for_settings(settings).state()
    ev3, ev5, ev7 = (state.events[ids[i]] for i in (3, 5, 7))
    assert ev3.fields["end_date"] == "2019-12-31" and ev3.fields["status"] == "ended"
    assert ev5.fields["area_name"] == "Corrected area"  # the curator's values stand
    assert ev5.fields["justification"] == "Other"
    assert ev5.upstream["justification"] == "Precautionary measure"  # … and upstream's is logged
    assert ev5.fields["description"] == "Revised description"
    assert ev7.retracted  # a re-import does not undo a retraction
    assert state.as_of() == "2026-06-01"
    assert len(state.events) == 40  # the dropped row's event is kept
    log = ShutdownStore.for_settings(settings).history(ids[3])
    assert [e.op for e in log] == ["create", "update"]
    assert log[-1].changes["end_date"] == [rows[3]["end_date"] or None, "2019-12-31"]
    assert log[-1].provenance is not None and log[-1].provenance["snapshot"] == "2026-06-01"
    # Importing the older sheet again rolls nothing back.
    store = ShutdownStore.for_settings(settings)
    before = store.path.read_bytes()
    stale = import_file(settings, first)
    assert (stale.updated, stale.older, stale.unchanged) == (0, 2, 38)
    assert "older than the newest" in "\n".join(stale.lines())
    assert store.path.read_bytes() == before


def test_snapshot_date_given_by_hand(settings: Settings, small_sheet: Path, tmp_path: Path) -> None:
    plain = tmp_path / "stop.csv"
    plain.write_bytes(small_sheet.read_bytes())
    import_file(settings, plain, snapshot="2026-04-01")
    (raw,) = RawStore(settings.raw_dir).files("access-now")
    assert raw.provenance.snapshot == "2026-04-01"
    assert ShutdownStore.for_settings(settings).state().as_of() == "2026-04-01"
    with pytest.raises(InputError, match="not a date"):
        import_file(settings, plain, snapshot="April")


def test_a_bad_sheet_stores_nothing(settings: Settings, stop_sheet: Path, tmp_path: Path) -> None:
    header, rows = read_rows(stop_sheet)
    rows = [dict(r) for r in rows[:5]]
    rows[2]["start_date"] = "31/31/2019"
    bad = write_csv(tmp_path / "bad.csv", header, rows)
    with pytest.raises(InputError, match="not a date"):
        import_file(settings, bad)
    assert not ShutdownStore.for_settings(settings).path.exists()
    assert RawStore(settings.raw_dir).files("access-now") == []
    lenient = import_file(settings, bad, lenient=True)
    assert lenient.created == 4 and len(lenient.skipped) == 1


def test_log_lines_are_json_with_old_and_new(settings: Settings, small_sheet: Path) -> None:
    import_file(settings, small_sheet)
    path = ShutdownStore.for_settings(settings).path
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["seq"] for e in entries] == list(range(1, 41))
    assert {e["op"] for e in entries} == {"create"}
    assert all(v[0] is None for e in entries for v in e["changes"].values())
    assert all(e["provenance"]["line"] >= 2 for e in entries)
