"""Fuzz targets for the parsers of files `nethealth load` accepts (formats/tranco, targetlists
(CrUX lists and host lists), asnames, hegemony, mrt_head, lz4, manrs_ixps, atlas_anchors, and the
PeeringDB and Atlas pieces that date and classify documents, APNIC's v6economy JSON, Ookla's
tiles Parquet).

Property checked on every input: a parser returns its result or raises InputError naming the
input ("fuzz") — never another exception; results respect their schema (tables validate, ranks
and shares in range).

    python fuzz/fuzz_formats.py TARGET [libFuzzer flags] CORPUS_DIR   # atheris
    python -m fuzz.formats_target --seconds 30                         # built-in mutator
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from typing import Any

from nethealth.errors import InputError
from nethealth.formats import atlas, peeringdb
from nethealth.formats.apnic_ipv6 import parse_v6economy
from nethealth.formats.asnames import parse_asnames
from nethealth.formats.atlas_anchors import parse_anchors
from nethealth.formats.hegemony import parse_hegemony
from nethealth.formats.lz4 import decompress as lz4_decompress
from nethealth.formats.manrs_ixps import parse_manrs_ixps
from nethealth.formats.mrt_head import parse_head
from nethealth.formats.ookla import read_tiles
from nethealth.formats.targetlists import parse_crux, parse_hosts
from nethealth.formats.tranco import parse_toplist

WHERE = "fuzz"


def _tranco(data: bytes) -> None:
    table = parse_toplist(data, WHERE)
    table.validate(full=True)
    ranks = table["rank"].to_pylist()
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks) and ranks[0] >= 1
    assert len(set(table["domain"].to_pylist())) == table.num_rows


def _target_list(table: Any) -> None:
    table.validate(full=True)
    targets = table["target"].to_pylist()
    assert len(set(targets)) == len(targets) and all(targets)


def _crux(data: bytes) -> None:
    table = parse_crux(data, WHERE)
    _target_list(table)
    assert all(r >= 1 for r in table["rank"].to_pylist())


def _hosts(data: bytes) -> None:
    table = parse_hosts(data, WHERE)
    _target_list(table)
    assert table["rank"].null_count == table.num_rows


def _asnames(data: bytes) -> None:
    table = parse_asnames(data, WHERE)
    table.validate(full=True)
    assert all(cc is None or (len(cc) == 2 and cc.isupper()) for cc in table["cc"].to_pylist())


def _hegemony(data: bytes) -> None:
    got = parse_hegemony(data, WHERE)
    got.table.validate(full=True)
    assert all(0.0 <= v <= 1.0 for v in got.table["hegemony"].to_pylist())


def _mrt_head(data: bytes) -> None:
    head = parse_head(data, WHERE)
    assert head.kind in ("rib", "updates")


def _lz4(data: bytes) -> None:
    assert len(lz4_decompress(data, WHERE)) <= 1 << 32


def _json_docs(data: bytes) -> None:
    """PeeringDB object detection and dating, and Atlas probe-archive detection, on any JSON."""
    try:
        doc: Any = json.loads(data)
    except (ValueError, RecursionError):
        return  # not JSON: the callers parse JSON first and turn that into an InputError
    peeringdb.generated_at(doc)
    peeringdb.newest_update(doc)
    peeringdb.is_dump(doc)
    atlas.probe_objects(doc)
    atlas.newest_probe_time(doc)
    peeringdb.object_of(doc, "x.json", WHERE)


def _manrs_ixps(data: bytes) -> None:
    table = parse_manrs_ixps(data, WHERE)
    table.validate(full=True)
    ids = table["ix_id"].to_pylist()
    assert len(set(ids)) == len(ids) and all(i >= 0 for i in ids)
    assert all(n for n in table["name"].to_pylist())


def _atlas_anchors(data: bytes) -> None:
    try:
        doc: Any = json.loads(data)
    except (ValueError, RecursionError):
        return  # the loader's load_json turns that into an InputError
    page = parse_anchors(doc, WHERE)
    page.table.validate(full=True)
    assert all(cc is None or cc == cc.upper() for cc in page.table["country"].to_pylist())


def _apnic_ipv6(data: bytes) -> None:
    parsed = parse_v6economy(data, WHERE, "KE")
    parsed.table.validate(full=True)
    assert all(0 <= v <= 100 for v in parsed.table["capable_pc"].to_pylist())
    assert parsed.skipped >= 0


def _ookla(data: bytes) -> None:
    table = read_tiles(data, WHERE)
    table.validate(full=True)
    assert all(set(q) <= set("0123") for q in table["quadkey"].to_pylist())


def _ookla_seed() -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({
        "quadkey": ["1202102332221212"], "tile": ["POLYGON((13.4 52.5, 13.41 52.5, 13.41 52.49, "
        "13.4 52.49, 13.4 52.5))"], "avg_d_kbps": [95000], "avg_u_kbps": [31000],
        "avg_lat_ms": [14], "tests": [12], "devices": [7],
    }), buf)  # fmt: skip
    return buf.getvalue()


TARGETS: dict[str, Callable[[bytes], None]] = {
    "tranco": _tranco,
    "crux": _crux,
    "hosts": _hosts,
    "asnames": _asnames,
    "hegemony": _hegemony,
    "mrt_head": _mrt_head,
    "json_docs": _json_docs,
    "lz4": _lz4,
    "manrs_ixps": _manrs_ixps,
    "atlas_anchors": _atlas_anchors,
    "apnic_ipv6": _apnic_ipv6,
    "ookla": _ookla,
}
SEEDS: dict[str, list[bytes]] = {
    "apnic_ipv6": [b'{"data": [{"30": {"seen": 50321.0, "preferred": 8905.8, "preferred_pc": 17.7, '
                   b'"capable": 9511.7, "capable_pc": 18.9}, "type": "v6economy", '
                   b'"date": "2024-05-01", "cc": "KE", "updated": "2024-05-03:04:18:16"}]}'],
    "ookla": [_ookla_seed()],
    "tranco": [b"1,google.com\n2,example.org\n", b"Domain\ngoogle.com\nmail.ru\n",
               b"rank,domain\n1,a.b\n"],
    "crux": [b"origin,rank\nhttps://www.google.com.au,1000\nhttp://ameblo.jp,5000\n"],
    "hosts": [b"# FR zone\n0.fr.pool.ntp.org\n192.0.2.1\n2001:db8::1  # v6\n"],
    "asnames": [b'{"3333": "RIPE-NCC-AS Reseaux IP Europeens, NL", "1": "LVLT-1 - Level 3, US"}',
                b"1 LVLT-1 - Level 3 Parent, LLC, US\n3333 RIPE-NCC-AS RIPE NCC, NL\n"],
    "hegemony": [b"asn,hege\n3356,0.2\n1299,0.11\n",
                 b"timebin,originasn,asn,hege,af\n2023-08-01 00:00:00+00,0,3356,0.2,4\n"],
    "mrt_head": [bytes.fromhex("3d3c97af000c0001 0000002c"), bytes.fromhex("4c2c4a7f000d0001 00000049")],
    # `(printf 'asn,hege\n'; yes 3356,0.2 | head -40) | lz4`, and with -BX -BD --no-frame-crc
    "lz4": [bytes.fromhex("04224d186440a71d000000ff0261736e2c686567650a333335362c302e32"
                          "0900ff49502c302e320a00000000c94c770b"),
            bytes.fromhex("04224d187040ad1d000000ff0261736e2c686567650a333335362c302e32"
                          "0900ff49502c302e320a45ca86ab00000000")],
    "manrs_ixps": [b"peeringdb_ix_id,name,country\n26,AMS-IX,NL\n31,DE-CIX Frankfurt,DE\n",
                   b"Name,PeeringDB_IX_ID\nNAPAfrica,592\n"],
    "atlas_anchors": [b'{"count": 1, "next": null, "results": [{"id": 2182, "probe": 6771, '
                      b'"as_v4": 208800, "as_v6": null, "city": "Abu Dhabi", "country": "AE", '
                      b'"is_disabled": false, "date_live": "2020-04-16T14:20:00.410044"}]}',
                      b'[{"id": 1, "as_v4": 3333, "country": "nl"}]'],
    "json_docs": [b'{"data": [{"id": 1, "ix_id": 2, "updated": "2020-09-09T14:26:05Z"}], '
                  b'"meta": {"generated": 1600000000.5}}',
                  b'{"objects": [{"id": 1, "asn_v4": 3333, "country_code": "NL", '
                  b'"last_connected": 1600000000}]}'],
}  # fmt: skip


def one_input(target: str, data: bytes) -> None:
    """Run one target; InputError naming the input is the only allowed failure."""
    try:
        TARGETS[target](data)
    except InputError as exc:
        assert exc.path == WHERE, exc


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[pos % len(buf)] = rng.randrange(256)
        elif op == 1:
            del buf[pos:]
        elif op == 2:
            buf[pos:pos] = rng.choice((b",", b"\n", b'"', b"-1", b"1e999", b"\xff", b"{", b"]"))
        elif op == 3 and buf:
            del buf[pos : pos + rng.randint(1, 8)]
        else:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    return bytes(buf)


def builtin_fuzz(target: str, seconds: float, seed: int = 0) -> int:
    """Coverage-blind mutation of the target's seeds for `seconds`; returns inputs run."""
    rng = random.Random(seed)
    seeds = SEEDS[target]
    runs = 0
    for s in seeds:
        one_input(target, s)
        runs += 1
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        one_input(target, mutate(rng, rng.choice(seeds)))
        runs += 1
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description="Fuzz the parsers of loadable files (built-in).")
    ap.add_argument("--seconds", type=float, default=10.0, help="per target")
    ap.add_argument("--target", choices=sorted(TARGETS), action="append")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for t in args.target or sorted(TARGETS):
        print(f"{t}: {builtin_fuzz(t, args.seconds, args.seed)} inputs, no failure")


if __name__ == "__main__":
    main()
