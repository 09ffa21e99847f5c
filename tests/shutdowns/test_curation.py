"""Curation: inclusion criteria, validation, audit trail with old and new values."""

from __future__ import annotations

from pathlib import Path

import pytest

from nethealth.errors import InputError, NotFoundError
from nethealth.settings import Settings
from nethealth.shutdowns.curation import add_event, edit_event, retract_event
from nethealth.shutdowns.importer import import_file
from nethealth.shutdowns.query import EventFilter, select
from nethealth.shutdowns.store import ShutdownStore
from tests.shutdowns.conftest import read_rows, write_csv
from tests.shutdowns.test_store import EVENT


@pytest.mark.parametrize("criterion", ["artificially_induced", "removes_access", "affects_group"])
def test_an_event_must_meet_every_criterion(settings: Settings, criterion: str) -> None:
    with pytest.raises(InputError) as info:
        add_event(settings, {**EVENT, criterion: False}, actor="cli:a")
    assert info.value.field == criterion and "inclusion criteria" in str(info.value)
    assert not ShutdownStore.for_settings(settings).path.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sources": []}, "sources"),
        ({"sources": ["not a url"]}, "sources"),
        ({"countries": ["Atlantis"]}, "countries"),
        ({"start_date": "2024-13-01"}, "start_date"),
        ({"end_date": "2024-01-01"}, "end_date"),  # before the start
        ({"type": "outage"}, "type"),
        ({"scope": "planetary"}, "scope"),
        ({"retracted": True}, "retracted"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_name_the_field(
    settings: Settings, change: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as info:
        add_event(settings, {**EVENT, **change}, actor="cli:a")
    assert info.value.field == field and info.value.hint


def test_add_edit_retract_trail(settings: Settings) -> None:
    ev = add_event(settings, {**EVENT, "countries": "Iran, Islamic Republic of"}, actor="cli:a")
    assert ev.source == "curated" and ev.event_id.startswith("cu-")
    assert ev.fields["countries"] == ["IR"] and ev.fields["year"] == 2024
    assert ev.fields["types"] == ["shutdown"] and ev.fields["status"] == "ongoing"
    ev, entry = edit_event(
        settings,
        ev.event_id,
        {"type": "throttling", "end_date": "2024-02-05"},
        actor="api:bob",
        reason="measurements show throttling, not a cut",
    )
    assert entry is not None and entry.actor == "api:bob"
    assert entry.changes == {
        "type": ["shutdown", "throttling"],
        "types": [["shutdown"], ["throttling", "shutdown"]],
        "end_date": [None, "2024-02-05"],
    }
    same, nothing = edit_event(settings, ev.event_id, {"end_date": "2024-02-05"}, actor="cli:a")
    assert nothing is None and same.fields == ev.fields
    with pytest.raises(InputError, match="reason"):
        retract_event(settings, ev.event_id, actor="cli:a", reason="  ")
    retract_event(settings, ev.event_id, actor="cli:c", reason="not artificially induced")
    with pytest.raises(InputError, match="already retracted"):
        retract_event(settings, ev.event_id, actor="cli:c", reason="again")
    with pytest.raises(InputError, match="retracted"):
        edit_event(settings, ev.event_id, {"scope": "national"}, actor="cli:a")
    store = ShutdownStore.for_settings(settings)
    history = store.history(ev.event_id)
    assert [(e.op, e.actor) for e in history] == [
        ("create", "cli:a"),
        ("update", "api:bob"),
        ("retract", "cli:c"),
    ]
    assert history[-1].changes["retracted"] == [False, True]
    state = store.state()
    assert select(state, EventFilter()) == []
    assert [e.event_id for e in select(state, EventFilter(retracted=True))] == [ev.event_id]


def test_unknown_event(settings: Settings) -> None:
    with pytest.raises(NotFoundError):
        edit_event(settings, "an-0000", {"scope": "local"}, actor="cli:a")
    with pytest.raises(InputError, match="nothing to change"):
        edit_event(settings, "an-0000", {}, actor="cli:a")


def test_editing_an_imported_event_without_links(
    settings: Settings, stop_sheet: Path, tmp_path: Path
) -> None:
    """Imported records may lack a source link; fixing another field is still allowed, and
    the rule still holds for the field being edited."""
    header, rows = read_rows(stop_sheet)
    row = {**rows[0], "info_source_link": "", "an_link": "", "gov_ack_source": ""}
    import_file(settings, write_csv(tmp_path / "one.csv", header, [row]))
    (event_id,) = ShutdownStore.for_settings(settings).state().events
    ev, entry = edit_event(settings, event_id, {"scope": "regional"}, actor="cli:a")
    assert entry is not None and ev.fields["scope"] == "regional" and ev.fields["sources"] == []
    ev, _ = edit_event(settings, event_id, {"sources": "https://example.org/a"}, actor="cli:a")
    assert ev.fields["sources"] == ["https://example.org/a"]
    with pytest.raises(InputError, match="source link"):  # once given, links cannot be emptied
        edit_event(settings, event_id, {"sources": ""}, actor="cli:a")
