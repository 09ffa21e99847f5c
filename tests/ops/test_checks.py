"""What a build checks and warns about, where it is kept and shown: stale sources, implausible
size jumps, inputs of one computation from different periods (the as-of rule's judgements),
and the steps' own notes — as log records, in the catalog (`_build_notes`), on the about page
and its JSON twin."""

from __future__ import annotations

import logging
from datetime import date

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from nethealth import pipeline
from nethealth.common.logs import fields_of
from nethealth.lake.build import Step, StepContext, load_state, run_build, step_notes
from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import RawStore
from nethealth.lake.reader import LakeReader
from nethealth.server.app import create_app
from nethealth.settings import Settings

RIPE = "delegated-ripencc-extended"


def test_build_warns_and_keeps_its_checks(lake: Settings, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="nethealth.build"):
        result = pipeline.build_checked(lake, today=date(2025, 3, 15))
    checks = result.checks
    rir = next(f for f in checks.freshness if f.source_id == "rir")
    assert rir.status.value == "fresh" and rir.newest == date(2025, 3, 14)
    assert not checks.stale  # every other source has no data: absent, not stale
    (jump,) = checks.size_jumps
    assert (jump.source_id, jump.name, jump.snapshot) == ("rir", RIPE, date(2025, 3, 14))
    assert jump.ratio < 0.05
    (mixed,) = [m for m in checks.mixed if m.dataset == "indicator_values"]
    assert mixed.latest == "2025-03-14" and mixed.rows_at_latest > 0
    assert (
        "afrinic 2025-02-10 is 32 days older than 2025-03-14 (tolerance 31 days)"
        in mixed.reasons[0][0]
    )
    events = {fields_of(r).get("event") for r in caplog.records}
    assert {"size_jump", "mixed_periods"} <= events
    assert any(jump.sentence() == r.getMessage() for r in caplog.records)

    # a later build day: the same data are now stale, and say why
    later = pipeline.build_checked(lake, today=date(2025, 3, 20))
    (stale,) = later.checks.stale
    assert stale.source_id == "rir" and stale.age_days == 6
    assert stale.reason == ("newest snapshot 2025-03-14 is 6 days old (published daily, stale "
                            "after 2 days)")  # fmt: skip

    notes = LakeReader(lake).build_notes()
    kinds = {(n.kind, n.subject) for n in notes}
    assert ("size_jump", "rir") in kinds and ("mixed_periods", "indicator_values") in kinds
    # the rir step's own note on the cut file (its header announces more records than it holds)
    (cut,) = [n for n in notes if n.kind == "note" and n.subject == "rir"]
    assert cut.subject == "rir" and cut.level == "warning"
    assert cut.message.startswith("ripencc 2025-03-14: ")
    assert cut.message.endswith("; nothing is counted from this file")
    assert next(n for n in notes if n.kind == "size_jump").message == jump.sentence()


def test_about_page_and_twin_show_freshness_and_warnings(lake: Settings) -> None:
    pipeline.build(lake)
    with TestClient(create_app(lake)) as client:
        twin = client.get("/about.json").json()
        page = client.get("/about").text
        fr = client.get("/about?lang=fr").text
    fresh = {f["source_id"]: f for f in twin["freshness"]}
    # judged on today's date: data of March 2025 are stale for a daily publisher
    assert fresh["rir"]["freshness"] == "stale" and fresh["rir"]["data_date"] == "2025-03-14"
    assert fresh["countries"]["freshness"] == "packaged"
    assert fresh["peeringdb"]["freshness"] == "no data"
    assert twin["stale_sources"] == ["rir"]
    kinds = {n["kind"] for n in twin["build_notes"]}
    assert {"size_jump", "mixed_periods"} <= kinds
    jump = next(n for n in twin["build_notes"] if n["kind"] == "size_jump")
    assert "Freshness of the sources" in page and "1 source is stale" in page
    assert jump["message"].replace("'", "&#39;") in page
    assert "Implausible size changes" in page and "Inputs from different periods" in page
    assert "What each build step noted about the data it was built from" in page
    assert "Fraîcheur des sources" in fr and "Changements de taille invraisemblables" in fr


def _noting(ctx: StepContext) -> None:
    ctx.note("covered 2025-03-01 to 2025-03-14")
    ctx.note("no RIB on 2025-03-07: that day skipped", level="warning")
    ctx.write_dataset("noted", pa.table({"x": [1]}))


def test_step_notes_are_kept_logged_and_listed(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    step = Step("noting", "1", "a step with notes", _noting, outputs=("noted",))
    with caplog.at_level(logging.INFO, logger="nethealth.build"):
        (built,) = run_build([step], settings)
    assert [(n.level, n.message) for n in built.notes] == [
        ("info", "covered 2025-03-01 to 2025-03-14"),
        ("warning", "no RIB on 2025-03-07: that day skipped")]  # fmt: skip
    records = [r for r in caplog.records if fields_of(r).get("event") == "build_note"]
    assert [(r.levelno, fields_of(r)["step"]) for r in records] == [
        (logging.INFO, "noting"), (logging.WARNING, "noting")]  # fmt: skip
    # a rebuild that skips the step still reports the notes of the outputs it keeps
    (skipped,) = run_build([step], settings)
    assert skipped.status == "skipped" and skipped.notes == built.notes
    state = load_state(settings)
    assert step_notes(state) == list(built.notes)
    write_catalog(settings, [], state, pipeline.catalog_notes(state, pipeline.BuildChecks()))
    listed = LakeReader(settings).build_notes()
    assert [(n.kind, n.level, n.subject, n.message) for n in listed] == [
        ("note", "info", "noting", "covered 2025-03-01 to 2025-03-14"),
        ("note", "warning", "noting", "no RIB on 2025-03-07: that day skipped")]  # fmt: skip
    with pytest.raises(ValueError, match="note level"):
        StepContext(settings, "x", RawStore(settings.raw_dir), settings.lake_dir,
                    lambda *_: None).note("?", level="error")  # fmt: skip
