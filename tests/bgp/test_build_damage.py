"""Damaged raw MRT files in a lake build: every step that reads MRT (bgp, routing,
routing_incidents, outages) reports them the same way — the step outcome and state, the lake's
integrity record, the catalog's `_provenance`, the `nethealth build` report — and
`nethealth build --strict` refuses them, keeping the previous outputs.

The raw store holds, for 2024-05-01, a complete RIB and update file of rrc01 and a RIB of rrc02
whose gzip download was cut short, and an rrc01 update file cut short too. What each damaged
file still holds is counted independently here (from the bytes written) and must be what the
build used and reported."""

from __future__ import annotations

import gzip
import json
import re
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nethealth import pipeline
from nethealth.cli import app
from nethealth.errors import InputError
from nethealth.formats import mrt_encode as e
from nethealth.lake.build import StepOutcome, load_state
from nethealth.lake.raw import INTEGRITY_FILE, RawStore, load_integrity
from nethealth.settings import Settings

MRT_STEPS = ("bgp", "routing", "routing_incidents", "outages")
DAY = "2024-05-01"
TS = int(datetime(2024, 5, 1, tzinfo=UTC).timestamp())
PEERS = [e.Peer(f"192.0.2.{i}", 64500 + i) for i in range(1, 4)]


def _rib(n: int) -> bytes:
    w = e.RibWriter(TS, PEERS)
    for i in range(n):
        prefix = f"10.{i // 256}.{i % 256}.0/24"
        attrs = e.Attrs(origin=0, path=[(2, (64501 + i % 3, 65000 + i))], next_hop="192.0.2.1")
        w.add(prefix, [e.RibEntry(p, attrs.encode()) for p in range(3)])
    return bytes(w)


def _updates(n: int) -> bytes:
    out = []
    for i in range(n):
        attrs = e.Attrs(origin=0, path=[(2, (64501, 65000 + i))], next_hop="192.0.2.1").encode()
        msg = e.update(attrs=attrs, announced=e.nlri(f"10.{i // 256}.{i % 256}.0/24"))
        out.append(e.bgp4mp_message(TS + 300 + i, "192.0.2.1", 64501, msg))
    return b"".join(out)


def _complete_records(data: bytes) -> int:
    """Records whose every byte is present (read off the headers' lengths)."""
    n, pos = 0, 0
    while pos + 12 <= len(data):
        pos += 12 + struct.unpack_from(">I", data, pos + 8)[0]
        n += pos <= len(data)
    return n


def _store(settings: Settings, tmp: Path, name: str, data: bytes) -> Path:
    f = tmp / name
    f.write_bytes(data)
    raw = RawStore(settings.raw_dir).store_file(
        "bgp-ris", DAY, name, f, url=f"https://data.ris.ripe.net/{name}", licence="t",
        upstream_modified=None,
    )  # fmt: skip
    return raw.path


@pytest.fixture
def lake(settings: Settings, tmp_path: Path) -> dict[str, object]:
    rib, ups = _rib(800), _updates(600)
    _store(settings, tmp_path, "rrc01.bview.20240501.0000.gz", gzip.compress(rib))
    _store(settings, tmp_path, "rrc01.updates.20240501.0000.gz", gzip.compress(ups))
    cut_rib = gzip.compress(_rib(800))
    cut_rib = cut_rib[: len(cut_rib) * 3 // 5]
    cut_ups = gzip.compress(_updates(700))
    cut_ups = cut_ups[: len(cut_ups) // 2]
    bad_rib = _store(settings, tmp_path, "rrc02.bview.20240501.0000.gz", cut_rib)
    bad_ups = _store(settings, tmp_path, "rrc01.updates.20240501.0005.gz", cut_ups)
    return {
        "bad_rib": bad_rib,
        "bad_ups": bad_ups,
        # what the cut files still hold, from an independent decompression
        "rib_records": _complete_records(zlib.decompressobj(31).decompress(cut_rib)),
        "ups_records": _complete_records(zlib.decompressobj(31).decompress(cut_ups)),
    }


def _build(settings: Settings, strict: bool = False) -> list[StepOutcome]:
    return pipeline.build(settings, only=MRT_STEPS, strict=strict)


def test_every_mrt_step_reports_the_damaged_files(
    settings: Settings, lake: dict[str, object]
) -> None:
    outcomes = {o.step_id: o for o in _build(settings)}
    assert {s for s, o in outcomes.items() if o.status == "built"} == set(MRT_STEPS)
    bad_rib, bad_ups = str(lake["bad_rib"]), str(lake["bad_ups"])
    used = {s: {f.path for f in o.damaged} for s, o in outcomes.items()}
    # RIBs: bgp and routing read the day's first RIB of each collector; incidents and outages
    # the RIBs and the update files of collectors with a RIB
    assert used == {
        "bgp": {bad_rib},
        "routing": {bad_rib},
        "routing_incidents": {bad_rib, bad_ups},
        "outages": {bad_rib, bad_ups},
    }
    record = load_integrity(settings.lake_dir)
    rib = next(f for f in record.values() if f.path == bad_rib)
    assert set(rib.steps) == set(MRT_STEPS)
    assert rib.damage is not None and rib.damage.startswith("truncated gzip stream after ")
    assert f"kept {lake['rib_records']:,} complete records" in rib.damage
    assert rib.detail["records_ok"] == lake["rib_records"]
    ups = next(f for f in record.values() if f.path == bad_ups)
    assert set(ups.steps) == {"routing_incidents", "outages"}
    assert ups.detail["records_ok"] == lake["ups_records"]
    assert ups.detail["elements"] == lake["ups_records"]  # one prefix per update
    # the complete files are recorded as read in full, by the steps that read them
    good = [f for f in record.values() if not f.damaged]
    assert {Path(f.path).name for f in good} == {
        "rrc01.bview.20240501.0000.gz",
        "rrc01.updates.20240501.0000.gz",
    }
    # the decoded RIB the steps share holds the complete records of the cut file: one route
    # per peer per prefix (the peer table is record 0)
    state = load_state(settings)
    assert state["bgp"]["damaged_inputs"] == [rib.key]
    peers = pq.read_table(settings.lake_dir / "bgp_peers.parquet").to_pylist()
    rrc02 = [p for p in peers if p["collector"] == "rrc02"]
    assert rrc02 and all(p["prefixes"] == lake["rib_records"] - 1 for p in rrc02)
    # the catalog's provenance table says it too
    with duckdb.connect(str(settings.catalog_path), read_only=True) as con:
        rows = con.execute(
            "SELECT name, integrity, damage, checked_by, damage_detail FROM _provenance"
        ).fetchall()
    by_name = {r[0]: r[1:] for r in rows}
    assert by_name["rrc02.bview.20240501.0000.gz"][0] == "damaged"
    assert by_name["rrc02.bview.20240501.0000.gz"][1] == rib.damage
    assert by_name["rrc01.bview.20240501.0000.gz"][0] == "complete"
    assert by_name["rrc01.updates.20240501.0005.gz"][0] == "damaged"
    detail = json.loads(by_name["rrc02.bview.20240501.0000.gz"][3])
    assert detail["stream_damage"]["kind"] == "truncated"
    # a rerun skips the steps and still names what they were built from
    again = {o.step_id: o for o in _build(settings)}
    assert all(o.status == "skipped" for o in again.values())
    assert {f.path for f in again["outages"].damaged} == {bad_rib, bad_ups}


def test_strict_build_refuses_damaged_files_and_keeps_outputs(
    settings: Settings, lake: dict[str, object]
) -> None:
    _build(settings)
    before = {p.name: p.read_bytes() for p in settings.lake_dir.glob("*.parquet")}
    state = load_state(settings)
    with pytest.raises(InputError) as info:
        _build(settings, strict=True)
    err = info.value
    assert err.path == str(lake["bad_rib"])
    assert "damaged raw file refused (--strict): truncated gzip stream after" in err.message
    assert err.hint is not None and "previous datasets of step 'bgp' are unchanged" in err.hint
    after = {p.name: p.read_bytes() for p in settings.lake_dir.glob("*.parquet")}
    assert after == before and load_state(settings) == state
    # without the damaged files a strict build runs
    for key in ("bad_rib", "bad_ups"):
        path = Path(str(lake[key]))
        path.unlink()
        path.with_name(path.name + ".prov.json").unlink()
    outcomes = _build(settings, strict=True)
    assert [o.status for o in outcomes] == ["built"] * 4 and not any(o.damaged for o in outcomes)


def test_build_command_prints_the_damaged_files(
    settings: Settings, lake: dict[str, object]
) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(settings.data_dir), "build"] + [
        a for s in MRT_STEPS for a in ("--only", s)
    ]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stderr.split())  # the console wraps long lines
    assert "damaged raw files (2;" in text
    used = re.search(rf"bgp-ris/{DAY}/rrc02\.bview\.20240501\.0000\.gz \(used by ([^)]*)\)", text)
    assert used is not None, text
    assert sorted(used[1].split(", ")) == sorted(MRT_STEPS)  # in the pipeline's step order
    assert f"kept {lake['rib_records']:,} complete records" in text
    assert "bgp: built" in text and "from 1 damaged raw file(s)" in text
    strict = runner.invoke(app, [*base, "--strict"])
    assert strict.exit_code != 0 and isinstance(strict.exception, InputError)
    assert "damaged raw file refused (--strict)" in " ".join(str(strict.exception).split())
    assert (settings.lake_dir / INTEGRITY_FILE).is_file()
