"""The `shutdowns` build steps and the fetch from the publisher's CSV export (local mirror)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nethealth.errors import FetchError
from nethealth.lake.build import run_build
from nethealth.settings import Settings
from nethealth.shutdowns.curation import add_event, retract_event
from nethealth.shutdowns.fetch import fetch_and_import
from nethealth.shutdowns.importer import import_file
from nethealth.shutdowns.step import STEPS
from nethealth.shutdowns.store import ShutdownStore
from tests.mirror import serve_directory
from tests.shutdowns.test_store import EVENT

SHEET_PATH = "spreadsheets/d/1DvPAuHNLp5BXGb0nnZDGNoiIwEeu2ogdXEIDvT4Hyfk/export"


def test_steps_write_the_dataset_and_rebuild_only_on_change(
    settings: Settings, small_sheet: Path
) -> None:
    import_file(settings, small_sheet)
    added = add_event(settings, EVENT, actor="cli:a")
    retract_event(settings, added.event_id, actor="cli:a", reason="test")
    outcomes = run_build(STEPS, settings)
    assert [o.status for o in outcomes] == ["built", "built"]
    table = pq.read_table(settings.lake_dir / "shutdowns.parquet")
    assert table.num_rows == 41
    rows = {r["event_id"]: r for r in table.to_pylist()}
    assert rows[added.event_id]["retracted"] is True
    assert rows[added.event_id]["source"] == "curated"
    assert sum(1 for r in rows.values() if r["source"] == "access-now") == 40
    first = next(r for r in rows.values() if r["country_text"] == "Pakistan")
    assert first["cc"] == "PK" and first["countries"] == ["PK"]
    assert str(table.schema.field("start_date").type) == "date32[day]"
    # No World Bank data fetched: the cost dataset exists, empty.
    assert pq.read_table(settings.lake_dir / "shutdown_costs.parquet").num_rows == 0
    assert [o.status for o in run_build(STEPS, settings)] == ["skipped", "skipped"]
    add_event(settings, EVENT, actor="cli:a")
    assert [o.status for o in run_build(STEPS, settings)] == ["built", "built"]
    assert pq.read_table(settings.lake_dir / "shutdowns.parquet").num_rows == 42


def test_fetch_from_the_publishers_export(
    settings: Settings, small_sheet: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / SHEET_PATH).parent.mkdir(parents=True)
    shutil.copyfile(small_sheet, site / SHEET_PATH)
    with serve_directory(site) as (base, requests):
        url = f"{base}/{SHEET_PATH}?format=csv&gid=0"
        raw, report = fetch_and_import(settings, url=url)
        assert report.created == 40 and raw.path.is_file()
        _raw, again = fetch_and_import(settings, url=url)
        assert not again.changed
        with pytest.raises(FetchError, match="404"):
            fetch_and_import(settings, url=f"{base}/nothing/here")
    assert requests[0] == f"/{SHEET_PATH}?format=csv&gid=0"
    ev = next(iter(ShutdownStore.for_settings(settings).state().events.values()))
    assert ev.provenance is not None and ev.provenance["url"] == url
    assert str(ev.provenance["raw"]).endswith("/keepiton-stop.csv")
