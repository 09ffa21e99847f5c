"""Fetching VRP exports (with provenance) and the lake step `rpki` -> dataset `rpki_vrps`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nethealth.lake.build import run_build
from nethealth.lake.raw import RawStore
from nethealth.rpki import build as rpki_build
from nethealth.rpki import step as rpki_step
from nethealth.rpki.config import rpki_config
from nethealth.rpki.source import fetch, snapshot_of
from nethealth.settings import Settings, load_settings
from tests.mirror import serve_directory

STAYRTR = "rpki/stayrtr/test.rpki.json"
CSV = "rpki/routinator-output-formats/output/111.csv"


def test_config_comes_from_settings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETHEALTH_RPKI_VRP_URL", "http://mirror/vrps.csv")
    monkeypatch.setenv("NETHEALTH_RPKI_SLURM", "/a.json:/b.json")
    cfg = rpki_config(load_settings())
    assert cfg.vrp_url == "http://mirror/vrps.csv"
    assert [str(p) for p in cfg.slurm_files] == ["/a.json", "/b.json"]
    monkeypatch.delenv("NETHEALTH_RPKI_VRP_URL")
    assert rpki_config(load_settings()).vrp_url.startswith("https://")
    assert rpki_config(load_settings(), vrp_url="file:///x.json").vrp_url == "file:///x.json"


def test_snapshot_comes_from_the_document(tmp_path: Path, shared_data: Path) -> None:
    assert snapshot_of(shared_data / STAYRTR) == "2023-07-27"
    routinator = tmp_path / "r.json"
    routinator.write_text(
        '{"metadata": {"generated": 1700000000, "generatedTime": '
        '"2023-11-14T22:13:20Z"}, "roas": []}'
    )
    assert snapshot_of(routinator) == "2023-11-14"
    cloudflare = tmp_path / "c.json"
    cloudflare.write_text('{"metadata": {"generated": 1700000000}, "roas": []}')
    assert snapshot_of(cloudflare) == "2023-11-14"


def test_fetch_over_http_then_build(
    settings: Settings, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NETHEALTH_RPKI_SLURM", raising=False)
    site = tmp_path / "site" / "json"
    site.mkdir(parents=True)
    body = (shared_data / STAYRTR).read_bytes()
    (site / "vrps.json").write_bytes(body)
    store = RawStore(settings.raw_dir)
    with serve_directory(tmp_path / "site") as (base, _requests):
        cfg = rpki_config(settings, vrp_url=f"{base}/json/vrps.json")
        got = fetch(settings, store, cfg)
    prov = got.provenance
    assert (prov.source_id, prov.snapshot, prov.name) == ("rpki", "2023-07-27", "vrps.json")
    assert prov.sha256 == hashlib.sha256(body).hexdigest() and prov.size == len(body)
    assert prov.url == f"{base}/json/vrps.json" and not prov.simulated
    assert prov.upstream_modified is not None

    outcomes = run_build([rpki_step.RPKI], settings)
    assert [o.status for o in outcomes] == ["built"]
    table = pq.read_table(settings.lake_dir / "rpki_vrps.parquet")
    assert table.schema.equals(rpki_build.SCHEMA)
    raw = json.loads(body)["roas"]
    assert sorted(
        (r["prefix"], r["max_length"], r["asn"], r["ta"]) for r in table.to_pylist()
    ) == sorted((r["prefix"], r["maxLength"], r["asn"], r["ta"]) for r in raw)
    assert {str(d) for d in table["snapshot"].to_pylist()} == {"2023-07-27"}
    assert set(table["simulated"].to_pylist()) == {False}
    assert run_build([rpki_step.RPKI], settings)[0].status == "skipped"

    # A SLURM file changes the step's fingerprint and its output.
    slurm = tmp_path / "local.json"
    slurm.write_text(
        json.dumps(
            {
                "slurmVersion": 1,
                "validationOutputFilters": {
                    "prefixFilters": [{"prefix": "2001:200::/32"}],
                    "bgpsecFilters": [],
                },
                "locallyAddedAssertions": {"prefixAssertions": [], "bgpsecAssertions": []},
            }
        )
    )
    settings = settings.model_copy(update={"rpki_slurm": str(slurm)})
    assert run_build([rpki_step.RPKI], settings)[0].status == "built"
    table = pq.read_table(settings.lake_dir / "rpki_vrps.parquet")
    assert table.num_rows == len(raw) - 4
    assert not any(p.startswith("2001:200:") for p in table["prefix"].to_pylist())


def test_build_dedupes_and_marks_simulated(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    sim_dir = tmp_path / "simout" / "rpki"
    sim_dir.mkdir(parents=True)
    (tmp_path / "simout" / "sim.json").write_text('{"generator": "nethealth.sim"}')
    (sim_dir / "vrps.csv").write_bytes((shared_data / CSV).read_bytes())  # the same VRP twice
    cfg = rpki_config(settings, vrp_url=(sim_dir / "vrps.csv").as_uri())
    got = fetch(settings, RawStore(settings.raw_dir), cfg)
    assert got.provenance.simulated
    run_build([rpki_step.RPKI], settings)
    rows = pq.read_table(settings.lake_dir / "rpki_vrps.parquet").to_pylist()
    assert len(rows) == 1
    assert rows[0]["prefix"] == "12.34.56.0/24" and rows[0]["simulated"] is True
    assert (rows[0]["start"], rows[0]["end"]) == (203569152, 203569407)


def test_a_broken_export_fails_the_step_and_keeps_the_old_dataset(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    src = tmp_path / "vrps.json"
    src.write_bytes((shared_data / STAYRTR).read_bytes())
    store = RawStore(settings.raw_dir)
    fetch(settings, store, rpki_config(settings, vrp_url=src.as_uri()))
    run_build([rpki_step.RPKI], settings)
    before = (settings.lake_dir / "rpki_vrps.parquet").read_bytes()
    src.write_text('{"metadata": {"buildtime": "2023-07-28T00:00:00Z"}, "roas": [{"asn": 1}]}')
    fetch(settings, store, rpki_config(settings, vrp_url=src.as_uri()))
    from nethealth.errors import InputError

    with pytest.raises(InputError, match="'prefix' member is missing"):
        run_build([rpki_step.RPKI], settings)
    assert (settings.lake_dir / "rpki_vrps.parquet").read_bytes() == before


def test_dated_fetch_from_the_archive_template(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    day_dir = tmp_path / "mirror" / "rpki" / "20250601"
    day_dir.mkdir(parents=True)
    (day_dir / "vrps.json").write_bytes((shared_data / STAYRTR).read_bytes())
    template = (tmp_path / "mirror" / "rpki").as_uri() + "/{ymd}/vrps.json"
    cfg = rpki_config(settings, vrp_archive_url=template)
    from datetime import date

    got = fetch(settings, RawStore(settings.raw_dir), cfg, day=date(2025, 6, 1))
    # A dated fetch is filed under the day asked for, whatever the document's own time.
    assert (got.provenance.snapshot, got.provenance.url) == (
        "2025-06-01",
        template.replace("{ymd}", "20250601"),
    )
    from nethealth.errors import ConfigError

    with pytest.raises(ConfigError, match="archive URL"):
        fetch(settings, RawStore(settings.raw_dir), rpki_config(settings), day=date(2025, 6, 1))
