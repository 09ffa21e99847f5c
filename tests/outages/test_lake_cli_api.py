"""Detection over the lake end to end: fetch the simulator's publisher-layout files into the
raw store, detect, list and show events through the CLI and the API."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nethealth.lake.build import run_build
from nethealth.lake.raw import RawStore
from nethealth.outages import lake
from nethealth.outages.api import router
from nethealth.outages.cli import app as outages_app
from nethealth.outages.cli import events_app
from nethealth.settings import Settings, load_settings
from nethealth.sources import rir
from tests.apps import router_app

runner = CliRunner()
DataDir = Annotated[Path, typer.Option("--data-dir")]


def root_app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _cb(ctx: typer.Context, data_dir: DataDir) -> None:
        ctx.obj = load_settings(data_dir=data_dir)

    root.add_typer(outages_app, name="outages")
    root.add_typer(events_app, name="events")
    return root


@pytest.fixture(scope="module")
def detected(tiny_sim: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("data")
    settings = load_settings(data_dir=data)
    mirror = tiny_sim / "mirror"
    local = settings.model_copy(
        update={"rir_base_urls": {r: (mirror / "rir" / r).as_uri() for r in rir.RIRS}}
    )
    rir.fetch(local, RawStore(settings.raw_dir), day=dt.date(2025, 6, 1))
    run_build([rir.STEP], settings)
    args = [
        "--data-dir",
        str(data),
        "outages",
        "fetch",
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-03",
        "--collector",
        "rrc00",
        "--collector",
        "route-views2",
        "--ris-base-url",
        (mirror / "ris").as_uri(),
        "--routeviews-base-url",  # the simulator keeps route-views2 in a directory of its own
        (mirror / "routeviews" / "route-views2").as_uri(),
        "--atlas-dumps-base-url",
        (mirror / "atlas" / "atlas-daily-dumps").as_uri(),
        "--atlas-probes-base-url",
        (mirror / "atlas" / "probes" / "archive").as_uri(),
    ]
    res = runner.invoke(root_app(), args)
    assert res.exit_code == 0, res.output
    assert "0 not published" in res.output
    store = RawStore(settings.raw_dir)
    assert store.files("bgp-ris") and store.files("bgp-routeviews") and store.files("atlas")
    res = runner.invoke(root_app(), ["--data-dir", str(data), "outages", "detect"])
    assert res.exit_code == 0, res.output
    return settings


def _labels(tiny_sim: Path) -> list[dict[str, object]]:
    """The labelled outages big enough for a public alert: a network outage that took a
    small part of its prefixes (by count; robust.EFFECTS wants a quarter of its space) may
    rightly stay below the network effect size, so those are not required."""
    doc = json.loads((tiny_sim / "labels" / "events.json").read_text())
    return [
        e
        for e in doc["events"]
        if e["type"].endswith(("shutdown", "outage"))
        and float(e.get("share_of_prefixes", 1.0)) >= 0.5
    ]  # type: ignore[arg-type]


def test_detect_writes_both_datasets_matching_the_labels(
    detected: Settings, tiny_sim: Path
) -> None:
    events = pq.read_table(lake.dataset_path(detected, lake.EVENTS)).to_pylist()
    signals = pq.read_table(lake.dataset_path(detected, lake.SIGNALS))
    assert signals.num_rows > 0 and all(e["simulated"] for e in events)
    for lab in _labels(tiny_sim):
        start = dt.datetime.fromisoformat(str(lab["start"]).replace("Z", "+00:00"))
        hit = [
            e
            for e in events
            if e["country"] == lab["country"]
            and e["start"] <= start + dt.timedelta(minutes=10)
            and (e["end"] is None or e["end"] > start)
        ]
        assert hit, lab["id"]
        assert set(lab["asns"]) <= set(hit[0]["asns"])  # type: ignore[call-overload]
    assert {e["status"] for e in events} == {"ended"}
    assert all(e["scope"] in ("country", "asn") and e["signals"] for e in events)


def test_events_list_formats_and_show(detected: Settings, tiny_sim: Path) -> None:
    d = str(detected.data_dir)
    national = next(e for e in _labels(tiny_sim) if e["type"] == "national_shutdown")
    cc = str(national["country"])
    res = runner.invoke(
        root_app(), ["--data-dir", d, "events", "list", "--format", "json", "--country", cc]
    )
    rows = json.loads(res.output)
    assert any(r["country"] == national["country"] for r in rows)
    res = runner.invoke(root_app(), ["--data-dir", d, "events", "list", "--format", "csv"])
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("event_id,detector,") and len(lines) >= 2
    res = runner.invoke(root_app(), ["--data-dir", d, "events", "list"])
    assert res.exit_code == 0 and "SIMULATED" in res.output
    row = next(r for r in rows if r["scope"] == "country")
    res = runner.invoke(
        root_app(), ["--data-dir", d, "events", "show", row["event_id"], "--series"]
    )
    shown = json.loads(res.output)
    assert shown["event_id"] == row["event_id"] and shown["series"]
    assert any(s["entity"] == f"country:{row['country']}" for s in shown["series"])
    res = runner.invoke(root_app(), ["--data-dir", d, "events", "list", "--format", "xml"])
    assert res.exit_code != 0


def test_api_lists_shows_and_refuses(detected: Settings) -> None:
    app = router_app(router)
    app.state.settings = detected
    c = TestClient(app)
    r = c.get("/api/v1/events", params={"country": "ET", "from": "2025-06-01", "to": "2025-06-05"})
    assert r.status_code == 200 and r.json()["count"] >= 1 and r.json()["simulated"]
    one = r.json()["events"][0]
    r = c.get(f"/api/v1/events/{one['event_id']}")
    assert r.status_code == 200 and r.json()["series"] and r.json()["evidence"]
    r = c.get("/api/v1/events", params={"format": "csv"})
    assert r.headers["content-type"].startswith("text/csv") and "event_id" in r.text
    for params, status in (
        ({"from": "soon"}, 400),
        ({"country": "ETH"}, 400),
        ({"from": "2000-01-01", "to": "2025-01-01"}, 400),
        ({"limit": "0"}, 400),
        ({"format": "xml"}, 400),
    ):
        r = c.get("/api/v1/events", params=params)
        assert r.status_code == status
        assert set(r.json()["error"]) == {"status", "code", "message", "hint"}
    r = c.get("/api/v1/events/out-000000000000")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_api_before_any_detection_is_503(tmp_path: Path) -> None:
    app = router_app(router)
    app.state.settings = load_settings(data_dir=tmp_path)
    r = TestClient(app).get("/api/v1/events")
    assert r.status_code == 503 and r.json()["error"]["status"] == 503


def test_a_failed_write_leaves_the_previous_pair(
    detected: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {n: lake.dataset_path(detected, n).read_bytes() for n in (lake.EVENTS, lake.SIGNALS)}
    result = lake.detect(detected)
    calls = []

    def failing(dest: Path, table: pa.Table) -> None:
        calls.append(dest)
        if len(calls) == 2:
            raise OSError("disk full")
        from nethealth.lake.storage import write_parquet_atomic as real

        real(dest, table)

    monkeypatch.setattr(lake, "write_parquet_atomic", failing)
    with pytest.raises(OSError):
        lake.write(detected, result)
    after = {n: lake.dataset_path(detected, n).read_bytes() for n in (lake.EVENTS, lake.SIGNALS)}
    assert after == before
    assert not list(detected.lake_dir.glob(".*staged*"))


def test_every_command_has_help() -> None:
    for path in (["outages", "--help"], ["events", "--help"]):
        assert runner.invoke(root_app(), ["--data-dir", "x", *path]).exit_code == 0
    for cmd in ("detect", "evaluate", "load-signal", "fetch"):
        res = runner.invoke(root_app(), ["--data-dir", "x", "outages", cmd, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output
    for cmd in ("list", "show"):
        assert (
            runner.invoke(root_app(), ["--data-dir", "x", "events", cmd, "--help"]).exit_code == 0
        )


def test_evaluate_command_prints_the_table(tiny_sim: Path) -> None:
    res = runner.invoke(
        outages_app,
        [
            "evaluate",
            "--seed",
            "1",
            "--scale",
            "tiny",
            "--days",
            "3",
            "--keep",
            str(tiny_sim.parent),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "| ioda |" in res.output and "| nethealth |" in res.output


def test_a_loaded_series_alone_yields_a_regional_event(tmp_path: Path) -> None:
    rows = ["time,requests"]
    for i in range(3 * 288):
        value = 1000 + (i % 7)
        if 2 * 288 + 100 <= i < 2 * 288 + 130:
            value = 200  # the region goes dark for 2.5 hours
        rows.append(f"{1_748_736_000 + 300 * i},{value}")
    csv = tmp_path / "traffic.csv"
    csv.write_text("\n".join(rows) + "\n")
    d = str(tmp_path / "data")
    res = runner.invoke(
        root_app(),
        [
            "--data-dir",
            d,
            "outages",
            "load-signal",
            str(csv),
            "--name",
            "traffic",
            "--entity",
            "region:ET-AM",
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(root_app(), ["--data-dir", d, "outages", "detect"])
    assert res.exit_code == 0, res.output
    rows_out = json.loads(
        runner.invoke(root_app(), ["--data-dir", d, "events", "list", "--format", "json"]).output
    )
    (event,) = rows_out
    assert (event["scope"], event["region"], event["country"]) == ("region", "ET-AM", "ET")
    assert event["signals"] == ["user:traffic"]
    assert event["start"] == "2025-06-03T08:20:00Z" and event["end"] == "2025-06-03T10:50:00Z"


def test_a_window_gives_the_events_of_the_full_run(detected: Settings) -> None:
    """--from/--to replays from the stored RIB with history: same events in that window."""
    full = lake.detect(detected).events.to_pylist()
    lo, hi = lake.check_window("2025-06-03", "from"), lake.check_window("2025-06-04", "to")
    assert lo is not None and hi is not None
    part = lake.detect(detected, start=lo, end=hi)
    assert part.history_start == lo - 24 * 3600
    window = dt.datetime(2025, 6, 3, tzinfo=dt.UTC)

    def key(e: dict[str, object]) -> tuple[object, ...]:
        return (e["scope"], e["country"], e["start"], e["end"])

    want = sorted(key(e) for e in full if e["start"] >= window)
    assert want and sorted(key(e) for e in part.events.to_pylist()) == want


ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(settings: Settings) -> ET.Element:
    app = router_app(router)
    app.state.settings = settings
    r = TestClient(app).get("/api/v1/events/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    return ET.fromstring(r.content)


def test_atom_feed_has_one_valid_entry_per_event_and_stable_ids(
    detected: Settings, tmp_path: Path
) -> None:
    rows = json.loads(
        runner.invoke(
            root_app(), ["--data-dir", str(detected.data_dir), "events", "list", "-f", "json"]
        ).output
    )
    root = _feed(detected)
    assert root.tag == f"{ATOM}feed"
    # RFC 4287 4.1.1: a feed has exactly one id, title and updated, and an author
    for tag in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{ATOM}{tag}")) == 1, tag
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(rows) >= 1
    by_id = {e.findtext(f"{ATOM}id"): e for e in entries}
    for row in rows:
        e = by_id[f"urn:nethealth:outage:{row['event_id']}"]
        for tag in ("title", "updated", "summary"):  # 4.1.2: id, title, updated required
            assert len(e.findall(f"{ATOM}{tag}")) == 1, tag
        assert e.findtext(f"{ATOM}updated") == (row["end"] or row["data_end"])
        summary = e.findtext(f"{ATOM}summary") or ""
        assert row["start"] in summary and ", ".join(row["signals"]) in summary
        assert f"country: {row['country']}" in summary and row["severity"] in summary
        assert f"{row['confidence']:.2f}" in summary
        link = e.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None and link.get("href", "").endswith(f"/outages/{row['event_id']}")
    # a rebuild over the same inputs (a fresh lake) keeps every entry id
    again = load_settings(data_dir=tmp_path / "again")
    shutil.copytree(detected.raw_dir, again.raw_dir)
    shutil.copytree(detected.lake_dir, again.lake_dir)
    for name in (lake.EVENTS, lake.SIGNALS):
        lake.dataset_path(again, name).unlink()
    lake.write(again, lake.detect(again))
    ids_again = {e.findtext(f"{ATOM}id") for e in _feed(again).findall(f"{ATOM}entry")}
    assert ids_again == set(by_id)


def test_feedparser_reads_the_feed_without_complaint(detected: Settings) -> None:
    feedparser = pytest.importorskip("feedparser", reason="feedparser (dev extra) not installed")
    app = router_app(router)
    app.state.settings = detected
    parsed = feedparser.parse(TestClient(app).get("/api/v1/events/feed.atom").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and parsed.entries
    assert all(e.id.startswith("urn:nethealth:outage:out-") for e in parsed.entries)


def test_api_events_carry_the_cost_estimate(detected: Settings, tmp_path: Path) -> None:
    from nethealth.economics.wdi import WdiPanel
    from nethealth.formats.wdi import GDP, INTERNET, POPULATION, Observation
    from nethealth.outages.cost import with_costs

    events = pq.read_table(lake.dataset_path(detected, lake.EVENTS))
    countries = {c for c in events["country"].to_pylist() if c}
    import pycountry

    obs = []
    for cc in countries:
        iso3 = pycountry.countries.get(alpha_2=cc).alpha_3
        # 2025 has 365 days: GDP 3.65e11 is 1e9 a day; half the people online
        obs += [Observation(iso3, GDP, 2025, 3.65e11), Observation(iso3, INTERNET, 2025, 50.0),
                Observation(iso3, POPULATION, 2025, 1e8)]  # fmt: skip
    costed = with_costs(events, WdiPanel(obs), None)
    served = load_settings(data_dir=tmp_path)
    lake.write(served, lake.DetectResult(costed, lake.SIGNAL_SCHEMA.empty_table(), 0, 0, 0,
                                         "nethealth", "rir", True, 0))  # fmt: skip
    app = router_app(router)
    app.state.settings = served
    c = TestClient(app)
    rows = c.get("/api/v1/events").json()["events"]
    country = next(r for r in rows if r["scope"] == "country")
    cost = country["cost"]
    days = country["duration_seconds"] / 86400
    # the documented formula: GDP/day x intensity (0.03/0.05/0.08) x online share x area x days
    assert cost["low_usd"] == pytest.approx(1e9 * 0.03 * 0.5 * days)
    assert cost["central_usd"] == pytest.approx(1e9 * 0.05 * 0.5 * days)
    assert cost["high_usd"] == pytest.approx(1e9 * 0.08 * 0.5 * days)
    assert cost["basis"] == "detected" and cost["model_version"]
    assert cost["inputs"]["gdp_usd"] == 3.65e11 and cost["inputs"]["scope_as"] == "national"
    one = c.get(f"/api/v1/events/{country['event_id']}").json()
    assert one["cost"] == cost
    assert "cost_central_usd" in c.get("/api/v1/events", params={"format": "csv"}).text


def test_outages_is_a_build_step_of_the_pipeline() -> None:
    from nethealth import pipeline
    from nethealth.areas import raw_source_ids

    step = next(s for s in pipeline.steps() if s.id == "outages")
    assert set(step.sources) >= {"bgp-ris", "bgp-routeviews", "atlas"}
    assert "atlas" in raw_source_ids() and "mrt" not in step.sources
