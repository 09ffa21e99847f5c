"""RIS Live messages into element batches: recorded samples, and a loopback HTTP stream."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from nethealth.bgp.rislive import LiveReport, read_messages, stream
from nethealth.errors import InputError
from nethealth.settings import Settings
from tests.mirror import serve_directory

SAMPLE = "bgp/libbgpstream/ris-live-stream.json"
BGPKIT = "bgp/bgpkit-parser/src/wasm/test/fixtures/ris_live_raw_full.json"


@pytest.mark.shared
def test_recorded_stream(shared_data: Path) -> None:
    rep = LiveReport()
    lines = (shared_data / SAMPLE).read_text().splitlines()
    table = pa.Table.from_batches(list(read_messages(lines, strict=False, report=rep)))
    rows = table.to_pylist()
    assert (rep.messages, rep.updates, rep.from_raw, rep.state_changes) == (7, 1, 1, 1)
    assert rep.skipped == 2  # the ris_error message and the cut-off last line
    ann = next(r for r in rows if r["elem_type"] == "announce")
    assert (ann["collector"], ann["peer_ip"], ann["peer_asn"], ann["prefix"]) == (
        "rrc00",
        "72.22.223.9",
        11708,
        "45.161.192.0/23",
    )
    # the raw BGP bytes decode to what the message's JSON fields say
    msg = json.loads(lines[0])["data"]
    assert ann["as_path"] == msg["path"] and ann["next_hop"] == "72.22.223.9"
    assert ann["origin"] == "IGP" and ann["timestamp"].microsecond == 890000
    state = next(r for r in rows if r["elem_type"] == "state")
    assert (state["collector"], state["new_state"], state["old_state"]) == ("rrc01", 1, 0)
    with pytest.raises(InputError, match="RIS Live:3"):
        list(read_messages(lines, strict=True))


@pytest.mark.shared
def test_json_only_update_matches_bgpkit(shared_data: Path) -> None:
    """bgpkit-parser's parse of a RIS Live message (its attributes and resulting elements) is the
    reference: the message re-built from those attributes decodes to the same elements."""
    ref = json.loads((shared_data / BGPKIT).read_text())
    attrs = {k: v for a in ref["attributes"] for k, v in a["value"].items()}
    mp = attrs["MpReachNlri"]
    message = {
        "type": "ris_message",
        "data": {
            "timestamp": ref["meta"]["timestamp"],
            "peer": ref["meta"]["peer"],
            "peer_asn": str(ref["meta"]["peerAsn"]),
            "host": ref["meta"]["host"],
            "type": "UPDATE",
            "path": attrs["AsPath"],
            "origin": attrs["Origin"].lower(),
            "med": attrs["MultiExitDiscriminator"],
            "community": [c["Custom"] for c in attrs["Communities"]],
            "announcements": [
                {"next_hop": ",".join(mp["next_hop"]["Ipv6LinkLocal"]), "prefixes": mp["prefixes"]}
            ],
        },
    }
    rep = LiveReport()
    rows = pa.Table.from_batches(list(read_messages([json.dumps(message)], report=rep))).to_pylist()
    assert rep.from_json == 1
    assert len(rows) == len(ref["elems"])
    for ours, theirs in zip(rows, ref["elems"], strict=True):
        assert ours["prefix"] == theirs["prefix"]
        assert ours["as_path"] == theirs["as_path"]
        assert ours["origin_asns"] == theirs["origin_asns"]
        assert ours["next_hop"] == theirs["next_hop"]
        assert ours["peer_ip"] == theirs["peer_ip"] and ours["peer_asn"] == theirs["peer_asn"]
        assert ours["origin"] == theirs["origin"] and ours["med"] == theirs["med"]
        assert [(c >> 16, c & 0xFFFF) for c in ours["communities"]] == [
            tuple(c["Custom"]) for c in theirs["communities"]
        ]
        assert ours["timestamp"].timestamp() == pytest.approx(theirs["timestamp"])


def test_json_sets_withdrawals_and_aggregator() -> None:
    message = {
        "type": "ris_message",
        "data": {
            "timestamp": 1700000000.5,
            "peer": "192.0.2.1",
            "peer_asn": "64500",
            "host": "rrc21",
            "type": "UPDATE",
            "path": [64500, 64501, [64510, 64511]],
            "origin": "incomplete",
            "aggregator": "64511:192.0.2.9",
            "community": [[64500, 1]],
            "announcements": [{"next_hop": "192.0.2.1", "prefixes": ["198.51.100.0/24"]}],
            "withdrawals": ["203.0.113.0/24", "2001:db8::/32"],
        },
    }
    rows = pa.Table.from_batches(list(read_messages([json.dumps(message)]))).to_pylist()
    assert [(r["elem_type"], r["prefix"]) for r in rows] == [
        ("withdraw", "203.0.113.0/24"),
        ("withdraw", "2001:db8::/32"),
        ("announce", "198.51.100.0/24"),
    ]
    ann = rows[2]
    assert ann["as_path"] == [64500, 64501, 64510, 64511]
    assert ann["origin_asns"] == [64510, 64511]
    assert (ann["aggregator_asn"], ann["aggregator_ip"], ann["origin"]) == (
        64511,
        "192.0.2.9",
        "INCOMPLETE",
    )


@pytest.mark.shared
def test_http_stream_from_loopback(shared_data: Path, tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "stream.json").write_bytes((shared_data / SAMPLE).read_bytes())
    with serve_directory(tmp_path) as (base, _):
        rep = LiveReport()
        batches = list(stream(settings, url=f"{base}/stream.json", max_messages=2, report=rep))
    assert rep.messages == 2
    assert sum(b.num_rows for b in batches) == 2
