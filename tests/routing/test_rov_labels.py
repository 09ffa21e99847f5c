"""ROV-filtering estimate vs published filtering lists (rov-deployment-labels)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from nethealth.errors import InputError
from nethealth.routing.rov_labels import compare, read_labels, strongest


def test_reads_the_real_combined_list(shared_data: Path) -> None:
    labels = read_labels(shared_data / "rpki/rov-deployment-labels/combined.csv")
    # counts taken with `cut -d, -f2,4 combined.csv | sort | uniq -c`
    got = Counter(zip(labels["filtering"].to_pylist(), labels["source"].to_pylist(), strict=True))
    assert got == {("all", "cloudflare"): 6, ("all", "rov.rpki.net"): 127, ("all", "tma"): 21,
                   ("peers", "cloudflare"): 115}  # fmt: skip
    claims = strongest(labels)
    assert len(claims) == len(set(labels["asn"].to_pylist()))
    # AS174 is listed `peers` by Cloudflare and `all` (confidence 0.2) by TMA: `all` wins
    assert claims[174][0] == "all" and claims[174][2] == ["cloudflare", "tma"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("asn,filtering,confidence,source\nAS12x,all,1,x\n", "asn"),
        ("asn,filtering,confidence,source\n12,some,1,x\n", "filtering"),
        ("asn,filtering,confidence,source\n12,all,high,x\n", "confidence"),
        ("asn,filtering,confidence,source\n12,all,2,x\n", "confidence"),
    ],
)
def test_bad_rows_name_line_and_field(tmp_path: Path, text: str, field: str) -> None:
    f = tmp_path / "labels.csv"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        read_labels(f)
    assert e.value.line == 2 and e.value.field == field


def test_missing_column(tmp_path: Path) -> None:
    f = tmp_path / "labels.csv"
    f.write_text("asn,filtering\n1,all\n")
    with pytest.raises(InputError, match="confidence, source"):
        read_labels(f)


def _peers(rows: list[tuple[str, int, int, float | None, str | None]]) -> pa.Table:
    return pa.Table.from_pylist([
        {"collector": c, "peer_ip": f"192.0.2.{i}", "peer_asn": asn, "prefixes": n,
         "rov_filtering_estimate": est, "rov_filtering": verdict}
        for i, (c, asn, n, est, verdict) in enumerate(rows)
    ])  # fmt: skip


def test_compare_uses_each_listed_as_best_session_and_the_expected_verdicts() -> None:
    labels = pa.Table.from_pylist([
        {"asn": 1, "filtering": "all", "confidence": 1.0, "source": "a"},
        {"asn": 2, "filtering": "peers", "confidence": 1.0, "source": "a"},
        {"asn": 3, "filtering": "all", "confidence": 0.5, "source": "b"},
        {"asn": 4, "filtering": "all", "confidence": 1.0, "source": "b"},  # not a collector peer
    ])  # fmt: skip
    peers = _peers([
        ("rrc00", 1, 900_000, 1.0, "filters"),
        ("rrc01", 1, 10, 0.0, "none"),  # a partial session: not its best-observed one
        ("rrc00", 2, 900_000, 0.7, "partial"),
        ("rrc00", 3, 900_000, 0.2, "none"),
        ("rrc00", 9, 900_000, 0.0, "none"),  # on no list: not scored
    ])  # fmt: skip
    c = compare(peers, labels)
    assert (c.listed, c.compared, c.agree) == (4, 3, 2)
    assert c.agreement == pytest.approx(2 / 3)
    rows = {r["asn"]: r for r in c.rows.to_pylist()}
    assert rows[1]["collector"] == "rrc00" and rows[1]["agrees"]
    assert rows[2]["agrees"] and not rows[3]["agrees"]


def test_cli_compares_the_lake_snapshot(tmp_path: Path) -> None:
    import json
    from datetime import date

    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from nethealth.routing.cli import app

    peers = _peers([("rrc00", 1, 900_000, 1.0, "filters"), ("rrc00", 2, 900_000, 0.1, "none")])
    peers = peers.add_column(0, "snapshot", pa.array([date(2026, 6, 1)] * 2, pa.date32()))
    pq.write_table(peers, tmp_path / "routing_peer_filtering.parquet")
    labels = tmp_path / "labels.csv"
    labels.write_text("asn,filtering,confidence,source\n1,all,1,a\n2,peers,1,a\n3,all,1,b\n")
    args = ["rov-labels", "--labels", str(labels), "--lake", str(tmp_path), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    old = CliRunner().invoke(app, [*args[:-2], "--json", "--date", "2026-06-01"])  # old spelling
    assert old.exit_code == 0 and json.loads(old.output) == doc, old.output
    assert (doc["snapshot"], doc["listed"], doc["compared"], doc["agree"]) == (
        "2026-06-01", 3, 2, 1)  # fmt: skip
