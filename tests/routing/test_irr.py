"""RPSL route-object parser and the IRR dump fetcher (served from a local mirror)."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from nethealth.errors import InputError
from nethealth.formats.rpsl import parse_lines, read_rpsl
from nethealth.lake.raw import RawStore
from nethealth.routing import irr
from nethealth.settings import Settings
from tests.mirror import serve_directory

# Shaped like ripe.db.route.gz / radb.db: header comments, continuation lines (space, tab, +),
# end-of-line comments, other object classes in between.
DUMP = """\
# RIPE NCC database dump, split: route objects
% Tags relating to '193.0.0.0/21'

route:          193.0.0.0/21
descr:          RIPE-NCC
                second descr line
origin:         AS3333   # the NCC
mnt-by:         RIPE-NCC-MNT
source:         RIPE

aut-num:        AS3333
as-name:        RIPE-NCC-AS
source:         RIPE

route6:         2001:67c:2e8::/48
descr:          RIPE-NCC
+
\tcontinued with a tab
origin:         as3333
source:         ripe
"""


def test_parse_routes_against_hand_reading() -> None:
    res = parse_lines(DUMP.splitlines(keepends=True), "dump")
    rows = res.routes.to_pylist()
    assert res.objects == 3 and res.skipped == 0
    assert [(r["prefix"], r["af"], r["origin_asn"], r["source"], r["line"]) for r in rows] == [
        ("193.0.0.0/21", 4, 3333, "RIPE", 4),
        ("2001:67c:2e8::/48", 6, 3333, "RIPE", 15),
    ]
    v4 = ipaddress.ip_network("193.0.0.0/21")
    assert (rows[0]["start"], rows[0]["end"]) == (int(v4.network_address),
                                                  int(v4.broadcast_address))  # fmt: skip
    v6 = ipaddress.ip_network("2001:67c:2e8::/48")
    assert rows[1]["start"] == int(v6.network_address) >> 64
    assert rows[1]["end_lo"] == int(v6.broadcast_address) & (2**64 - 1)


BAD = """\
route: 10.0.0.0/8
origin: AS1

route: 10.0.0.1/8
origin: AS2

route: 10.1.0.0/16
origin: 65000

route6: 2001:db8::/32
origin: AS4
origin: AS5

route: 10.2.0.0/16
not an attribute line
origin: AS6

route: 10.3.0.0/16
origin: AS7
"""


def test_strict_errors_name_the_line_and_lenient_mode_counts() -> None:
    with pytest.raises(InputError) as e:
        parse_lines(BAD.splitlines(), "bad.db")
    assert (e.value.line, e.value.field, e.value.path) == (4, "route", "bad.db")  # host bits
    res = parse_lines(BAD.splitlines(), "bad.db", strict=False)
    assert res.skipped == 4 and res.objects == 6
    assert res.routes["origin_asn"].to_pylist() == [1, 7]
    assert [e.split(":")[0] for e in res.errors] == ["line 4", "line 8", "line 10", "line 15"]


def test_read_gzip_dump(tmp_path: Path) -> None:
    path = tmp_path / "ripe.db.route.gz"
    path.write_bytes(gzip.compress(DUMP.encode()))
    assert read_rpsl(path).routes.num_rows == 2


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.sampled_from(["route: 10.0.0.0/8", "route6: 2001:db8::/32", "origin: AS1", "origin: x",
                     "", " cont", "+", "#c", "source: X", "route: 1.2.3.4/33", "route: ::/0",
                     "origin: AS99999999999", "route:", ":", "a b: c"]),
    st.text(max_size=30),
)))  # fmt: skip
def test_parser_raises_only_input_error(lines: list[str]) -> None:
    with contextlib.suppress(InputError):
        parse_lines(lines, "fuzz")
    res = parse_lines(lines, "fuzz", strict=False)  # lenient never raises
    assert res.routes.num_rows + res.skipped <= res.objects


def test_fetch_dumps_from_mirror(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "mirror" / "ripe" / "dbase" / "split"
    root.mkdir(parents=True)
    (root / "ripe.db.route.gz").write_bytes(gzip.compress(DUMP.encode()))
    (root / "ripe.db.route6.gz").write_bytes(gzip.compress(b"route6: 2001:db8::/32\norigin: AS1\n"))
    store = RawStore(settings.raw_dir)
    with serve_directory(tmp_path / "mirror") as (base, requests):
        files = irr.fetch(settings, store, day=date(2025, 6, 1),
                          base_urls={"ripe": f"{base}/ripe/dbase/split"})  # fmt: skip
    assert sorted(f.provenance.name for f in files) == ["ripe.ripe.db.route.gz",
                                                        "ripe.ripe.db.route6.gz"]  # fmt: skip
    assert any("ripe.db.route6.gz" in r for r in requests)
    assert sum(read_rpsl(f.path).routes.num_rows for f in files) == 3
    assert all(f.provenance.source_id == "irr" for f in store.files("irr"))
