"""Distinct events: the grouping rule on sheets built for each of its clauses, the status rule,
curators' merges and splits through the store (logged, kept across re-imports), the CLI and the
API, and the real STOP sheet's figures counted by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nethealth.errors import InputError
from nethealth.formats.stop_sheet import CANONICAL_COLUMNS
from nethealth.server.app import create_app
from nethealth.settings import Settings
from nethealth.shutdowns.cli import app as cli
from nethealth.shutdowns.curation import merge_records, retract_event, split_records
from nethealth.shutdowns.events import Clock, DistinctEvent, EventIndex, event_index
from nethealth.shutdowns.importer import import_file
from nethealth.shutdowns.store import ShutdownStore, StoreState
from tests.shutdowns.conftest import write_csv

SEVERAL = "It affected locations in more than one state, province, or region"
CITY = "It only affected one city, county, or village"
SNAPSHOT = "2026-05-20"
TODAY = date(2026, 6, 1)
TOKEN = "curator-token-0123456789abcdef"


def row(**values: str) -> dict[str, str]:
    out = dict.fromkeys(CANONICAL_COLUMNS, "")
    out.update(
        start_date_type="Actual",
        geo_scope=SEVERAL,
        area_name="Nationwide",
        shutdown_type="Shutdown",
        affected_network="Broadband, Mobile",
        shutdown_extent="Service-based",
        facebook_affected="Yes",
        info_source_link="https://news.example/1",
    )
    out.update(values)
    return out


ROWS = [
    # A: one block listed in three consecutive years, its area written three ways.
    row(country="Iran (Islamic Republic of)", start_date="2009-05-24", area_name="Nationwide",
        shutdown_status="Ongoing", count_year="2016"),
    row(country="Iran (Islamic Republic of)", start_date="2009-05-24", area_name="National",
        shutdown_status="Ongoing", count_year="2017"),
    row(country="Iran (Islamic Republic of)", start_date="2009-05-24",
        area_name="Entire country", shutdown_status="Ongoing", count_year="2018"),
    # B: the same block again, listed in 2024 and 2025 after a gap: another event, ongoing.
    row(country="Iran (Islamic Republic of)", start_date="2009-05-24", shutdown_status="Ongoing",
        count_year="2024"),
    row(country="Iran (Islamic Republic of)", start_date="2009-05-24", shutdown_status="Ongoing",
        count_year="2025"),
    # C: two local shutdowns with the same start and area in 2019 (two events), one of them
    # continued in 2020; the area is written with "&" once and "and" once.
    row(country="India", start_date="2019-12-20", geo_scope=CITY, area_name="Aligarh & Meerut",
        shutdown_extent="Full network", facebook_affected="", count_year="2019",
        shutdown_status="Ongoing"),
    row(country="India", start_date="2019-12-20", geo_scope=CITY, area_name="Aligarh and Meerut",
        shutdown_extent="Full network", facebook_affected="", count_year="2019",
        end_date="2019-12-21"),
    row(country="India", start_date="2019-12-20", geo_scope=CITY, area_name="Aligarh and Meerut",
        shutdown_extent="Full network", facebook_affected="", count_year="2020",
        end_date="2020-01-02"),
    # D: a different type on the same day and place: its own event.
    row(country="India", start_date="2019-12-20", geo_scope=CITY, area_name="Aligarh & Meerut",
        shutdown_type="Throttle", shutdown_extent="Full network", facebook_affected="",
        count_year="2019", end_date="2019-12-20"),
    # E: open-ended, status not written.
    row(country="Pakistan", start_date="2025-03-01", geo_scope=CITY, area_name="Quetta",
        shutdown_extent="Full network", facebook_affected="", count_year="2025"),
]  # fmt: skip


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return write_csv(tmp_path / f"stop_snapshot_{SNAPSHOT}.csv", list(CANONICAL_COLUMNS), ROWS)


def _state(settings: Settings) -> StoreState:
    return ShutdownStore.for_settings(settings).state()


def _by_first_year(index: EventIndex, cc: str) -> dict[tuple[str, int], list[DistinctEvent]]:
    out: dict[tuple[str, int], list[DistinctEvent]] = {}
    for e in index.events:
        if cc in e.countries:
            key = (str(e.start), e.years[0])
            out.setdefault(key, []).append(e)
    return out


def test_the_grouping_rule_clause_by_clause(settings: Settings, sheet: Path) -> None:
    report = import_file(settings, sheet)
    assert (report.records_total, report.events_total) == (10, 6)
    state = _state(settings)
    index = event_index(state)
    iran = _by_first_year(index, "IR")
    (a,) = iran[("2009-05-24", 2016)]
    (b,) = iran[("2009-05-24", 2024)]
    assert a.years == [2016, 2017, 2018] and b.years == [2024, 2025]
    india = sorted(
        (e for e in index.events if "IN" in e.countries), key=lambda e: (e.years, e.record_ids)
    )
    assert sorted(len(e.records) for e in india) == [1, 1, 2]  # C (two) and D
    continued = next(e for e in india if len(e.records) == 2)
    assert continued.years == [2019, 2020]
    # The 2020 record continues the first 2019 row of the sheet (sheet order).
    first_2019 = min(
        (
            r
            for e in india
            for r in e.records
            if r.fields["year"] == 2019 and "shutdown" in r.fields["types"]
        ),
        key=lambda r: (r.provenance or {})["line"],
    )
    assert continued.records[0].event_id == first_2019.event_id
    assert {tuple(e.latest.fields["types"]) for e in india} == {("shutdown",), ("throttling",)}
    # Every current record is in exactly one event.
    ids = [i for e in index.events for i in e.record_ids]
    assert sorted(ids) == sorted(state.events) and len(set(ids)) == len(ids)


def test_status_rule(settings: Settings, sheet: Path) -> None:
    import_file(settings, sheet)
    state = _state(settings)
    index = event_index(state)
    clock = Clock.of(state, TODAY)
    iran = _by_first_year(index, "IR")
    old, recent = iran[("2009-05-24", 2016)][0], iran[("2009-05-24", 2024)][0]
    assert old.status(clock).text == "status unknown since 2018 (last listed as ongoing in 2018)"
    assert not old.is_ongoing(clock) and old.period(clock) == (
        date(2009, 5, 24),
        date(2018, 12, 31),
    )
    assert recent.status(clock).text == "ongoing as of 2026-05-20"
    assert recent.period(clock) == (date(2009, 5, 24), date(2026, 5, 20))
    (quetta,) = [e for e in index.events if "PK" in e.countries]
    assert quetta.status(clock).text == "status unknown since 2025 (no end date recorded)"
    # Two years on, the 2025 record is no longer recent: a newer sheet would have listed it.
    later = Clock(today=date(2027, 3, 1), snapshot=date(2027, 2, 1))
    assert recent.status(later).text == "status unknown since 2025 (last listed as ongoing in 2025)"


def test_merge_and_split_are_logged_and_survive_a_reimport(settings: Settings, sheet: Path) -> None:
    import_file(settings, sheet)
    index = event_index(_state(settings))
    iran = _by_first_year(index, "IR")
    a, b = iran[("2009-05-24", 2016)][0], iran[("2009-05-24", 2024)][0]
    merged, entries = merge_records(
        settings, [a.event_id, b.records[0].event_id], actor="cli:alice", reason="one block"
    )
    assert merged.years == [2016, 2017, 2018, 2024, 2025] and merged.curated_grouping
    assert merged.event_id == a.event_id  # named after its earliest record, which stayed
    assert [(e.op, e.reason) for e in entries] == [("merge", "one block")] * 2
    with pytest.raises(InputError, match="already one event"):
        merge_records(settings, [a.records[0].event_id, b.latest.event_id], actor="x", reason="y")
    # Take 2017 out of the run: it stands alone, and 2016 and 2018 no longer follow each other.
    middle = a.records[1].event_id
    events, entries = split_records(settings, [middle], actor="cli:bob", reason="another block")
    assert sorted(len(e.records) for e in events) == [1, 1, 3]
    assert {e.op for e in entries} == {"split"}
    store = ShutdownStore.for_settings(settings)
    cut = store.get(middle).fields
    assert sorted(cut["event_cuts"]) == sorted([a.records[0].event_id, a.records[2].event_id])
    # History of the record names who and why.
    ops = [(e.op, e.actor, e.reason) for e in store.history(middle)]
    assert ops[-1] == ("split", "cli:bob", "another block")
    # A re-import of the same (or a revised) sheet keeps the curators' grouping.
    before = [sorted(e.record_ids) for e in event_index(store.state()).events]
    import_file(settings, sheet)
    assert [sorted(e.record_ids) for e in event_index(store.state()).events] == before
    with pytest.raises(InputError, match="all the records"):
        split_records(settings, [middle], actor="x", reason="y")
    with pytest.raises(InputError, match="needs a reason"):
        merge_records(settings, [middle, a.records[0].event_id], actor="x", reason=" ")


def test_split_keeps_the_chosen_records_together(settings: Settings, sheet: Path) -> None:
    import_file(settings, sheet)
    (a,) = _by_first_year(event_index(_state(settings)), "IR")[("2009-05-24", 2016)]
    ends = [a.records[0].event_id, a.records[2].event_id]
    events, _entries = split_records(settings, ends, actor="x", reason="the ends are one")
    groups = sorted(sorted(e.record_ids) for e in events)
    assert groups == sorted([sorted(ends), [a.records[1].event_id]])


def test_retracted_records_belong_to_no_event(settings: Settings, sheet: Path) -> None:
    import_file(settings, sheet)
    (a,) = _by_first_year(event_index(_state(settings)), "IR")[("2009-05-24", 2016)]
    retract_event(settings, a.records[1].event_id, actor="x", reason="duplicate")
    index = event_index(_state(settings))
    assert a.records[1].event_id not in index.by_record
    # 2016 and 2018 no longer follow each other: two events.
    assert {len(index.by_record[r.event_id].records) for r in (a.records[0], a.records[2])} == {1}
    with pytest.raises(InputError, match="retracted"):
        merge_records(
            settings, [a.records[1].event_id, a.records[0].event_id], actor="x", reason="y"
        )


def test_cli_events_merge_split(settings: Settings, sheet: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), obj=settings, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("import", str(sheet))
    events = json.loads(run("events", "--country", "IR", "--format", "json"))
    assert [(e["first_year"], e["last_year"], e["records"]) for e in events] == [
        (2024, 2025, 2),
        (2016, 2018, 3),
    ]
    assert json.loads(run("events", "--status", "ongoing", "--format", "json"))[0]["records"] == 2
    table = run("events")
    assert "6 distinct events (10 records)" in table
    out = run(
        "merge", events[0]["event_id"], events[1]["event_id"], "--reason", "one", "--curator", "al"
    )
    assert "5 records" in out
    shown = json.loads(run("show", events[1]["record_ids"][0], "--format", "json"))
    assert shown["event"]["records"] == 5 and shown["event"]["grouping"] == "curated"
    run("split", events[1]["record_ids"][0], "--reason", "not the same")
    log = json.loads(run("log", "--format", "json", "--limit", "20"))
    assert {e["op"] for e in log} >= {"merge", "split"}


@pytest.fixture
def client(settings: Settings, sheet: Path) -> Iterator[TestClient]:
    import_file(settings, sheet)
    app = create_app(settings.model_copy(update={"shutdowns_curators": f"alice={TOKEN}"}))
    with TestClient(app) as c:
        yield c


def test_api_counts_records_and_events(client: TestClient) -> None:
    records = client.get("/api/v1/shutdowns", params={"country": "IR"}).json()
    assert (records["unit"], records["total"], records["distinct_events"]) == ("record", 5, 2)
    assert {r["distinct_event_id"] for r in records["events"]} == {
        e["event_id"] for e in client.get("/api/v1/shutdowns/events?country=IR").json()["events"]
    }
    events = client.get("/api/v1/shutdowns/events", params={"country": "IR"}).json()
    assert (events["unit"], events["total"], events["records"]) == ("event", 2, 5)
    ongoing = client.get("/api/v1/shutdowns/events", params={"status": "ongoing"}).json()
    assert ongoing["total"] == ongoing["ongoing"] == 1
    assert ongoing["events"][0]["known_until"] == SNAPSHOT
    one = client.get(f"/api/v1/shutdowns/events/{ongoing['events'][0]['event_id']}").json()
    assert [r["year"] for r in one["records"]] == [2024, 2025]
    record = client.get(f"/api/v1/shutdowns/{one['records'][0]['event_id']}").json()
    assert record["event"]["status"] == "ongoing"  # what the 2024 row says for 2024
    assert record["distinct_event"]["event_id"] == one["event"]["event_id"]
    assert client.get("/api/v1/shutdowns/events/ev-nope").status_code == 404
    assert client.get("/api/v1/shutdowns/events", params={"status": "over"}).status_code == 400


def test_api_merge_needs_a_curator_and_is_logged(client: TestClient) -> None:
    events = client.get("/api/v1/shutdowns/events", params={"country": "IR"}).json()["events"]
    body = {"records": [e["event_id"] for e in events], "reason": "the same block"}
    assert client.post("/api/v1/shutdowns/events/merge", json=body).status_code == 401
    resp = client.post(
        "/api/v1/shutdowns/events/merge", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert resp.status_code == 200, resp.text
    merged = resp.json()
    assert merged["event"]["records"] == 5
    assert {c["op"] for c in merged["changes"]} == {"merge"}
    assert {c["actor"] for c in merged["changes"]} == {"api:alice"}
    resp = client.post(
        "/api/v1/shutdowns/events/merge",
        json={"records": ["an-nope", events[0]["event_id"]], "reason": "x"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert resp.status_code == 404


def test_feed_entries_are_records_naming_their_event(client: TestClient) -> None:
    text = client.get("/api/v1/shutdowns/feed.atom").text
    assert "nethealth: new Internet shutdown records" in text
    assert "One entry per record newly added" in text
    assert "record of 2025" in text and "Event ev-" in text
