"""The RIPE Atlas result parser against real results of every firmware (../shared/data/atlas),
with RIPE NCC's own parser ripe.atlas.sagan (GPL, test-only) as the oracle."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest

from nethealth.errors import InputError
from nethealth.formats.atlas import iter_results, parse_result, read_probes, read_results

sagan = pytest.importorskip("ripe.atlas.sagan", reason="ripe.atlas.sagan is the test oracle")


def _docs(shared: Path, kind: str) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in (shared / "atlas" / f"{kind}.ndjson").read_text().splitlines()
        if line.strip()
    ]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-6 * max(1.0, abs(b))


def test_ping_fields_agree_with_sagan(shared_data: Path) -> None:
    docs = _docs(shared_data, "ping")
    assert len(docs) == 15 and len({d["fw"] for d in docs}) >= 10  # many firmware versions
    for doc in docs:
        ours = parse_result(doc)
        ref = sagan.PingResult(doc, on_malformation=sagan.PingResult.ACTION_IGNORE)
        assert ours is not None
        assert ours["msm_id"] == ref.measurement_id
        assert ours["prb_id"] == ref.probe_id
        assert ours["fw"] == ref.firmware
        assert ours["timestamp"] == ref.created_timestamp
        assert ours["af"] == ref.af
        assert ours["dst_addr"] == ref.destination_address
        assert ours["dst_name"] == ref.destination_name
        assert ours["from_addr"] == ref.origin
        assert ours["sent"] == ref.packets_sent
        assert ours["rcvd"] == ref.packets_received
        assert ours["dup"] == ref.duplicates
        assert _close(ours["rtt_min"], ref.rtt_min)
        assert _close(ours["rtt_max"], ref.rtt_max)
        assert _close(ours["rtt_avg"], ref.rtt_average)
        assert _close(ours["rtt_median"], ref.rtt_median)
        assert ours["reached"] == bool(ref.packets_received)


def test_traceroute_fields_agree_with_sagan(shared_data: Path) -> None:
    docs = _docs(shared_data, "traceroute")
    assert len(docs) == 19
    reached = 0
    for doc in docs:
        ours = parse_result(doc)
        ref = sagan.TracerouteResult(
            doc,
            on_malformation=sagan.TracerouteResult.ACTION_IGNORE,
            on_error=sagan.TracerouteResult.ACTION_IGNORE,
        )
        assert ours is not None
        assert (ours["msm_id"], ours["prb_id"], ours["fw"]) == (
            ref.measurement_id,
            ref.probe_id,
            ref.firmware,
        )
        assert ours["timestamp"] == ref.created_timestamp
        assert ours["af"] == ref.af
        assert ours["dst_addr"] == ref.destination_address
        assert ours["hops"] == ref.total_hops
        assert ours["dst_responded"] == ref.destination_ip_responded
        assert ours["last_hop_responded"] == ref.last_hop_responded
        assert ours["success"] == ref.is_success
        assert _close(ours["last_median_rtt"], ref.last_median_rtt)
        assert ours["reached"] == ref.destination_ip_responded
        reached += ours["reached"]
    assert 0 < reached < len(docs)  # both outcomes occur in the real data


def test_other_types_are_counted_not_parsed(shared_data: Path) -> None:
    table, report = read_results(shared_data / "atlas" / "dns.ndjson")
    assert table.num_rows == 0 and report.other_types == report.lines > 0


def test_compressed_files_and_json_arrays(shared_data: Path, tmp_path: Path) -> None:
    raw = (shared_data / "atlas" / "ping.ndjson").read_bytes()
    (tmp_path / "p.bz2").write_bytes(bz2.compress(raw))
    docs = [json.loads(x) for x in raw.decode().splitlines() if x.strip()]
    (tmp_path / "p.json.gz").write_bytes(gzip.compress(json.dumps(docs).encode()))
    plain, _ = read_results(shared_data / "atlas" / "ping.ndjson")
    for path in (tmp_path / "p.bz2", tmp_path / "p.json.gz"):
        table, report = read_results(path)
        assert table.equals(plain) and report.results == 15


def test_bad_line_is_named_with_line_and_field(tmp_path: Path) -> None:
    good = json.dumps(
        {
            "type": "ping",
            "timestamp": 1,
            "msm_id": 1,
            "prb_id": 2,
            "fw": 5080,
            "rcvd": 1,
            "sent": 1,
            "dst_addr": "192.0.2.1",
        }
    )
    path = tmp_path / "r.ndjson"
    path.write_text(f"{good}\n{{not json\n")
    with pytest.raises(InputError) as exc:
        read_results(path)
    assert exc.value.line == 2 and exc.value.path == str(path)
    path.write_text(good + "\n" + good.replace('"prb_id": 2, ', "") + "\n")
    with pytest.raises(InputError) as exc:
        read_results(path)
    assert exc.value.line == 2 and exc.value.field == "prb_id"
    path.write_text(good + "\n" + good.replace('"timestamp": 1', '"timestamp": "soon"') + "\n")
    with pytest.raises(InputError, match="timestamp"):
        read_results(path)


def test_lenient_mode_skips_and_counts(tmp_path: Path) -> None:
    good = json.dumps(
        {
            "type": "ping",
            "timestamp": 1,
            "msm_id": 1,
            "prb_id": 2,
            "fw": 5080,
            "rcvd": 0,
            "sent": 3,
            "avg": -1,
        }
    )
    tables = list(iter_results([good, "{", "[]", good], strict=False))
    assert sum(t.num_rows for t in tables) == 2
    _, report = read_results([good, "{", good], strict=False)
    assert report.skipped == 1 and report.issues[0][0] == 2
    row = parse_result(json.loads(good))
    assert row is not None and row["reached"] is False and row["rtt_avg"] is None


def test_probe_archive(tmp_path: Path) -> None:
    doc = {
        "objects": [
            {
                "id": 7,
                "asn_v4": 3320,
                "asn_v6": None,
                "country_code": "de",
                "address_v4": "192.0.2.7",
                "is_anchor": True,
                "status_name": "Connected",
            },
            {"id": 8, "asn_v4": None, "country_code": None},
        ]
    }
    path = tmp_path / "20250601.json.bz2"
    path.write_bytes(bz2.compress(json.dumps(doc).encode()))
    t = read_probes(path)
    assert t.to_pylist()[0] | {} == {
        "prb_id": 7,
        "asn_v4": 3320,
        "asn_v6": None,
        "country": "DE",
        "address_v4": "192.0.2.7",
        "address_v6": None,
        "prefix_v4": None,
        "is_anchor": True,
        "status": "Connected",
    }
    path.write_text(json.dumps({"objects": [{"asn_v4": 1}]}))
    with pytest.raises(InputError) as exc:
        read_probes(path)
    assert exc.value.record == "#0" and exc.value.field == "id"
