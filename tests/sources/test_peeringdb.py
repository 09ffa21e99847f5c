"""PeeringDB: real 2020-09 dumps served in the API layout and in CAIDA's archive layout."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from nethealth import pipeline
from nethealth.errors import InputError
from nethealth.lake.raw import RawStore
from nethealth.lake.storage import sha256_file
from nethealth.settings import Settings
from nethealth.sources import peeringdb
from tests.mirror import serve_directory

REAL = ("ix", "ixlan", "ixpfx")


def _api_mirror(shared: Path, root: Path) -> Path:
    api = root / "api"
    api.mkdir(parents=True)
    for obj in REAL:
        shutil.copyfile(shared / "peeringdb" / "real-2020-09" / f"{obj}.json", api / obj)
    return root


def _counts(settings: Settings) -> dict[str, int]:
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    return {o: con.execute(f"SELECT count(*) FROM peeringdb_{o}").fetchall()[0][0] for o in REAL}


@pytest.mark.shared
def test_api_fetch_and_build_counts_real_objects(
    shared_data: Path, settings: Settings, tmp_path: Path, assets: Path
) -> None:
    with serve_directory(_api_mirror(shared_data, tmp_path / "mirror")) as (base, requests):
        settings = settings.model_copy(update={"peeringdb_base_url": base})
        files = peeringdb.fetch(settings, RawStore(settings.raw_dir), objects=REAL)
    assert sorted(requests) == ["/api/ix", "/api/ixlan", "/api/ixpfx"]
    assert all(f.provenance.url.startswith(base) and len(f.provenance.sha256) == 64 for f in files)
    assert all(f.provenance.upstream_modified for f in files)  # from Last-Modified
    pipeline.build(settings)
    assert _counts(settings) == {"ix": 845, "ixlan": 843, "ixpfx": 1602}


@pytest.mark.shared
def test_archive_dump_layout(
    shared_data: Path, settings: Settings, tmp_path: Path, assets: Path
) -> None:
    day = date(2020, 9, 1)
    dump = {
        o: json.loads((shared_data / "peeringdb/real-2020-09" / f"{o}.json").read_text())
        for o in REAL
    }
    target = tmp_path / "caida" / peeringdb.archive_path(day)
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(dump))
    with serve_directory(tmp_path / "caida") as (base, requests):
        settings = settings.model_copy(update={"peeringdb_archive_base_url": base})
        peeringdb.fetch(settings, RawStore(settings.raw_dir), day=day)
    assert requests == ["/2020/09/peeringdb_2_dump_2020_09_01.json"]
    pipeline.build(settings)
    assert _counts(settings) == {"ix": 845, "ixlan": 843, "ixpfx": 1602}
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    nl = con.sql(
        "SELECT value FROM indicator_values WHERE indicator_id = 'ixps' AND country = 'NL'"
    ).fetchall()
    expected = sum(1 for r in dump["ix"]["data"] if r["country"] == "NL" and r["status"] == "ok")
    assert nl == [(float(expected),)] and expected > 5


@pytest.mark.shared
def test_truncated_json_names_file_and_line_and_keeps_lake(
    shared_data: Path, settings: Settings, tmp_path: Path, assets: Path
) -> None:
    mirror = _api_mirror(shared_data, tmp_path / "mirror")
    with serve_directory(mirror) as (base, _):
        settings = settings.model_copy(update={"peeringdb_base_url": base})
        peeringdb.fetch(settings, RawStore(settings.raw_dir), objects=REAL)
        pipeline.build(settings)
        before = sha256_file(settings.lake_dir / "peeringdb_ix.parquet")
        text = (mirror / "api" / "ix").read_text()
        (mirror / "api" / "ix").write_text(text[: len(text) // 2])  # cut mid-document
        shutil.rmtree(settings.raw_dir / "peeringdb")
        peeringdb.fetch(settings, RawStore(settings.raw_dir), objects=("ix",))
    with pytest.raises(InputError) as info:
        pipeline.build(settings)
    assert "ix.json" in str(info.value) and info.value.line is not None
    assert "invalid JSON" in str(info.value)
    assert sha256_file(settings.lake_dir / "peeringdb_ix.parquet") == before


def test_wrong_type_names_record_and_field(tmp_path: Path) -> None:
    from nethealth.formats.peeringdb import parse_object_list

    doc = {
        "data": [
            {"id": 1, "name": "A", "country": "NL"},
            {"id": "two", "name": "B", "country": "BE"},
        ]
    }
    with pytest.raises(InputError) as info:
        parse_object_list(doc, "ix", tmp_path / "ix.json")
    assert "ix[1]" in str(info.value) and "'id'" in str(info.value)
    with pytest.raises(InputError, match="required field is missing"):
        parse_object_list({"data": [{"id": 1, "name": "A"}]}, "ix", "ix.json")
