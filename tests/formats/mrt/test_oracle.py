"""Hand-built MRT records for every encoding the decoder handles, checked against Debian's
`bgpdump -m` (live oracle) and against the values written. Skips the oracle comparison when
bgpdump is not installed; the column checks always run."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest

from nethealth.formats import mrt_encode as e
from nethealth.formats.bgpdump import dump, format_lines
from nethealth.formats.mrt import MRTReader, read_table

TS = 1_600_000_000
AS_TRANS = 23456


def _records() -> list[bytes]:
    out: list[bytes] = []
    # 1. IPv4 UPDATE, 4-byte ASNs, every common attribute, well-known communities
    a = e.Attrs(
        origin=1,
        path=((2, (64496, 4200000000, 65551)),),
        med=7,
        local_pref=250,
        atomic=True,
        aggregator=(4200000000, "198.51.100.9"),
        communities=(0xFFFFFF01, 0xFFFFFF02, 0xFFFFFF03, (65535 << 16) | 666, 1 << 16),
        large=((4200000000, 1, 2),),
    )
    msg = e.update(b"", a.encode(), e.nlri("203.0.113.0/24") + e.nlri("10.128.0.0/9"))
    out.append(e.bgp4mp_message(TS, "192.0.2.7", 4200000000, msg))
    # 2. AS_SET and confederation segments
    a = e.Attrs(path=((3, (65010, 65011)), (2, (64500, 64501)), (4, (65020,)), (1, (64510, 64511))))
    out.append(
        e.bgp4mp_message(
            TS, "192.0.2.7", 64500, e.update(b"", a.encode(), e.nlri("198.51.100.0/24"))
        )
    )
    # 3. 2-byte session: AS_PATH with AS_TRANS, AS4_PATH restores the 4-byte ASNs (RFC 6793)
    a = e.Attrs(
        path=((2, (64500, 64501, AS_TRANS, AS_TRANS)),),
        as4_path=((2, (4200000001, 4200000002)),),
        aggregator=(AS_TRANS, "192.0.2.99"),
        as4_aggregator=(4200000002, "192.0.2.99"),
    )
    out.append(
        e.bgp4mp_message(
            TS + 1,
            "192.0.2.8",
            64500,
            e.update(b"", a.encode(asn_len=2), e.nlri("192.0.2.0/25")),
            as4=False,
        )
    )
    # 4. AS4_PATH longer than AS_PATH: ignored
    a = e.Attrs(path=((2, (64500, AS_TRANS)),), as4_path=((2, (1, 2, 3)),))
    out.append(
        e.bgp4mp_message(
            TS + 1,
            "192.0.2.8",
            64500,
            e.update(b"", a.encode(asn_len=2), e.nlri("192.0.2.128/25")),
            as4=False,
        )
    )
    # 5. AGGREGATOR not AS_TRANS: AS4_PATH and AS4_AGGREGATOR ignored
    a = e.Attrs(
        path=((2, (64500, AS_TRANS)),),
        as4_path=((2, (4200000009,)),),
        aggregator=(64999, "192.0.2.1"),
        as4_aggregator=(4200000009, "192.0.2.1"),
    )
    out.append(
        e.bgp4mp_message(
            TS + 1,
            "192.0.2.8",
            64500,
            e.update(b"", a.encode(asn_len=2), e.nlri("100.64.0.0/10")),
            as4=False,
        )
    )
    # 6. IPv6 MP_REACH with a link-local second next hop, MP_UNREACH, IPv4 withdrawals
    a = e.Attrs(next_hop=None, path=((2, (64496,)),))
    mp = e.mp_reach(
        2, ["2001:db8::1", "fe80::1"], e.nlri("2001:db8:1::/48") + e.nlri("2001:db8:2::/47")
    )
    mpw = e.mp_unreach(2, e.nlri("2001:db8:ffff::/48"))
    msg = e.update(e.nlri("203.0.113.128/25"), a.encode(mp=mp + mpw), b"")
    out.append(e.bgp4mp_message(TS + 2, "2001:db8::7", 64496, msg, usec=123456))
    # 7. state changes, 2- and 4-byte, ET
    out.append(e.bgp4mp_state(TS + 3, "192.0.2.9", 64497, 1, 2, as4=False))
    out.append(e.bgp4mp_state(TS + 3, "2001:db8:0:1:0:1:0:1", 4200000003, 6, 1, usec=1))
    # 8. ADD-PATH BGP4MP (RFC 8050 subtype 9)
    a = e.Attrs()
    msg = e.update(
        e.nlri("10.0.0.0/8", path_id=7),
        a.encode(),
        e.nlri("10.1.0.0/16", path_id=1) + e.nlri("10.1.0.0/16", path_id=2),
    )
    out.append(e.bgp4mp_message(TS + 4, "192.0.2.10", 64498, msg, addpath=True))
    # 9. TABLE_DUMP_V2 with IPv4 and IPv6 peers, abbreviated MP_REACH next hop
    peers = [e.Peer("192.0.2.20", 64520), e.Peer("2001:db8::20", 4200000020)]
    out.append(e.peer_index_table(TS + 5, peers))
    v4 = e.Attrs(local_pref=100).encode()
    v6 = e.Attrs(next_hop=None).encode(mp=e.rib_next_hop("2001:db8::20"))
    out.append(e.rib_record(TS + 5, 0, "192.0.2.0/24", [e.RibEntry(0, v4), e.RibEntry(1, v4)]))
    out.append(e.rib_record(TS + 5, 1, "2001:db8::/32", [e.RibEntry(1, v6)]))
    out.append(
        e.rib_record(TS + 5, 2, "2001:db8::/33", [e.RibEntry(1, v6, path_id=5)], addpath=True)
    )
    # 10. TABLE_DUMP v1 (IPv4)
    out.append(
        e.table_dump_v1(
            TS + 6,
            "198.18.0.0/15",
            "192.0.2.30",
            64530,
            e.Attrs(path=((2, (64530, 64531)),)).encode(asn_len=2),
        )
    )
    return out


# RIB_GENERIC (bgpdump 1.6.2 does not decode it): checked on columns only.
def _generic() -> bytes:
    peers = [e.Peer("192.0.2.40", 64540)]
    return e.peer_index_table(TS, peers) + e.rib_generic(
        TS, 0, 1, 1, e.nlri("192.0.2.0/26"), [e.RibEntry(0, e.Attrs().encode())]
    )


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    path = tmp_path / "synthetic.mrt"
    path.write_bytes(b"".join(_records()))
    return path


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="Debian bgpdump is not installed")
def test_synthetic_records_match_live_bgpdump(synthetic: Path) -> None:
    live = subprocess.run(
        ["bgpdump", "-m", str(synthetic)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    table = read_table(synthetic)
    ours = [line for b in table.to_batches() for line in format_lines(b).to_pylist()]
    assert ours == live
    out = io.BytesIO()
    dump(MRTReader(synthetic), out)
    assert out.getvalue().decode().splitlines() == live


def test_synthetic_columns(synthetic: Path) -> None:
    t = read_table(synthetic).to_pylist()
    first = t[0]
    assert first["elem_type"] == "announce" and first["prefix"] == "203.0.113.0/24"
    assert first["as_path"] == [64496, 4200000000, 65551] and first["as_path_segments"] is None
    assert first["origin_asns"] == [65551]
    assert (first["origin"], first["med"], first["local_pref"]) == ("EGP", 7, 250)
    assert first["atomic_aggregate"] is True
    assert (first["aggregator_asn"], first["aggregator_ip"]) == (4200000000, "198.51.100.9")
    assert first["communities"][:3] == [0xFFFFFF01, 0xFFFFFF02, 0xFFFFFF03]
    assert first["large_communities"] == [
        {"global_admin": 4200000000, "local_data1": 1, "local_data2": 2}
    ]
    assert (first["af"], first["prefix_len"], first["range_start"], first["range_end"]) == (
        4,
        24,
        0xCB007100,
        0xCB0071FF,
    )
    sets = t[2]
    assert sets["as_path"] == [65010, 65011, 64500, 64501, 65020, 64510, 64511]
    assert sets["as_path_segments"] == [0x83, 3, 0x82, 2, 0x84, 0x81, 1]
    assert sets["origin_asns"] == [64510, 64511]
    merged, longer, not_trans = t[3], t[4], t[5]
    assert merged["as_path"] == [64500, 64501, 4200000001, 4200000002]
    assert merged["aggregator_asn"] == 4200000002
    assert longer["as_path"] == [64500, AS_TRANS]
    assert not_trans["as_path"] == [64500, AS_TRANS] and not_trans["aggregator_asn"] == 64999
    w4, w6, a6, a6b = t[6], t[7], t[8], t[9]
    assert (w4["elem_type"], w4["prefix"], w4["as_path"]) == ("withdraw", "203.0.113.128/25", None)
    assert (w6["elem_type"], w6["prefix"]) == ("withdraw", "2001:db8:ffff::/48")
    assert (a6["prefix"], a6["next_hop"], a6["record_type"]) == (
        "2001:db8:1::/48",
        "2001:db8::1",
        "BGP4MP_ET",
    )
    assert a6["timestamp"].microsecond == 123456
    assert (
        a6b["af"],
        a6b["range_start"],
        a6b["range_end"],
        a6b["range_start_lo"],
        a6b["range_end_lo"],
    ) == (6, 0x20010DB800020000, 0x20010DB80003FFFF, 0, 2**64 - 1)
    states = [r for r in t if r["elem_type"] == "state"]
    assert [(s["old_state"], s["new_state"], s["peer_asn"]) for s in states] == [
        (1, 2, 64497),
        (6, 1, 4200000003),
    ]
    ap = [r for r in t if r["record_type"] == "BGP4MP_AP"]
    assert [(r["elem_type"], r["prefix"], r["path_id"]) for r in ap] == [
        ("withdraw", "10.0.0.0/8", 7),
        ("announce", "10.1.0.0/16", 1),
        ("announce", "10.1.0.0/16", 2),
    ]
    rib = [r for r in t if r["elem_type"] == "rib"]
    assert [
        (r["peer_ip"], r["peer_asn"], r["prefix"], r["next_hop"], r["path_id"]) for r in rib
    ] == [
        ("192.0.2.20", 64520, "192.0.2.0/24", "192.0.2.1", None),
        ("2001:db8::20", 4200000020, "192.0.2.0/24", "192.0.2.1", None),
        ("2001:db8::20", 4200000020, "2001:db8::/32", "2001:db8::20", None),
        ("2001:db8::20", 4200000020, "2001:db8::/33", "2001:db8::20", 5),
        ("192.0.2.30", 64530, "198.18.0.0/15", "192.0.2.1", None),
    ]


def test_rib_generic(tmp_path: Path) -> None:
    path = tmp_path / "generic.mrt"
    path.write_bytes(_generic())
    t = read_table(path)
    assert t.num_rows == 1
    assert t.column("prefix").to_pylist() == ["192.0.2.0/26"]
    assert t.column("record_type").to_pylist() == ["TABLE_DUMP2"]


def test_batches_are_bounded_and_concatenate(tmp_path: Path) -> None:
    w = e.RibWriter(TS, [e.Peer("192.0.2.1", 64501), e.Peer("192.0.2.2", 64502)])
    entries = [e.RibEntry(0, e.Attrs().encode()), e.RibEntry(1, e.Attrs().encode())]
    for i in range(3000):
        w.add(f"10.{i // 256}.{i % 256}.0/24", entries)
    path = tmp_path / "rib.mrt"
    path.write_bytes(bytes(w))
    batches = list(MRTReader(path, batch_size=1000))
    assert all(b.num_rows <= 1001 for b in batches)  # a record's entries are never split
    table = pa.Table.from_batches(batches)
    assert table.num_rows == 6000
    assert table.column("prefix").to_pylist()[-1] == "10.11.183.0/24"
