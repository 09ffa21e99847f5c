"""Golden tests: element for element, the decoder against `bgpdump -m` reference output.

Every well-formed MRT file under ../shared/data/bgp that has a reference is decoded and printed
with nethealth's bgpdump formatter; each line must equal the reference line. Where the reference
itself is wrong, the deviation is named below with the reason, and the test checks that each
differing line is explained by it (and that each declared deviation still occurs).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import pyarrow as pa
import pytest

from nethealth.formats.bgpdump import dump, format_lines
from nethealth.formats.mrt import MRTReader

# A predicate that explains why an (ours, reference) line pair differs.
Explain = Callable[[str, str], bool]


def _type5_withdraw_static_buffer(ours: str, ref: str) -> bool:
    """bgpdump 1.6.2 prints type 5 (BGP) withdrawals with two inet_ntoa() calls in one printf;
    inet_ntoa returns a static buffer, so the prefix shows the peer address instead of the
    withdrawn network. Everything else on the line must match."""
    o, r = ours.split("|"), ref.split("|")
    if len(o) != 6 or len(r) != 6 or o[:5] != r[:5] or o[2] != "W" or o[0] != "BGP":
        return False
    return r[5] == f"{r[3]}/{o[5].split('/')[1]}"


def _aggregator_as4_in_table_dump_v1(ours: str, ref: str) -> bool:
    """OpenBGPD writes an 8-byte (4-byte AS) AGGREGATOR into a TABLE_DUMP (2-byte AS) record;
    bgpdump reads it as a 2-byte AS plus an address and prints AS 0 and bytes 2-5 as the
    address. nethealth tells the two encodings apart by the attribute length (6 or 8)."""
    o, r = ours.split("|"), ref.split("|")
    if o[:-2] != r[:-2] or o[0] != "TABLE_DUMP":
        return False
    asn, ip = o[-2].split(" ")
    raw = int(asn).to_bytes(4, "big") + bytes(int(x) for x in ip.split("."))
    misread = f"{int.from_bytes(raw[:2], 'big')} {'.'.join(str(b) for b in raw[2:6])}"
    return r[-2] == misread


@dataclass(frozen=True)
class Case:
    mrt: str
    reference: str
    explain: Explain | None = None
    strict: bool = True
    # drop announcement lines from both sides (checked separately) when the reference garbles them
    skip_announcements: bool = False
    # compare from the third field on (the reference has no type and timestamp columns)
    from_field: int = 0


BK = "bgpkit-parser/tests/fixtures/ripe"
RB = "ripe-bgpdump"
MP = "mrtparse-samples"
LB = "libbgpstream"

CASES = [
    Case(
        "bgpkit-parser/examples/local_only/updates.bz2",
        "bgpkit-parser/examples/local_only/expected_bgpdump_m/updates.bz2.bgpdump-m.txt.gz",
    ),
    Case(
        f"{BK}/rrc00/1999.09/updates.19990903.1041.gz",
        f"{BK}/rrc00/1999.09/expected_bgpdump_m/updates.19990903.1041.gz.bgpdump-m.txt.gz",
        _type5_withdraw_static_buffer,
    ),
    Case(
        f"{BK}/rrc00/1999.12/updates.19991214.1621.gz",
        f"{BK}/rrc00/1999.12/expected_bgpdump_m/updates.19991214.1621.gz.bgpdump-m.txt.gz",
        _type5_withdraw_static_buffer,
    ),
    Case(
        f"{BK}/rrc00/2000.01/updates.20000102.2014.gz",
        f"{BK}/rrc00/2000.01/expected_bgpdump_m/updates.20000102.2014.gz.bgpdump-m.txt.gz",
        _type5_withdraw_static_buffer,
    ),
    Case(
        f"{BK}/rrc03/2010.02/updates.20100227.1600.first-796-records.gz",
        f"{BK}/rrc03/2010.02/expected_bgpdump_m/"
        "updates.20100227.1600.first-796-records.gz.bgpdump-m.txt.gz",
    ),
    Case(
        f"{BK}/rrc15/2010.02/updates.20100227.1600.gz",
        f"{BK}/rrc15/2010.02/expected_bgpdump_m/updates.20100227.1600.gz.bgpdump-m.txt.gz",
    ),
    Case(
        f"{BK}/rrc15/2010.02/updates.20100227.1610.gz",
        f"{BK}/rrc15/2010.02/expected_bgpdump_m/updates.20100227.1610.gz.bgpdump-m.txt.gz",
    ),
    Case(
        "derived/rrc06-full-20100701.tdv2.mrt.gz",
        "derived/rrc06-full-20100701.tdv2.mrt.gz.bgpdump-m-cols3plus.txt.gz",
        from_field=2,
    ),
    Case(
        f"{LB}/ris.rrc06.updates.1427846400.gz",
        f"{LB}/expected_bgpdump_m/ris.rrc06.updates.1427846400.gz.bgpdump-m.txt.gz",
    ),
    Case(
        f"{LB}/routeviews.route-views.jinx.updates.1427846400.bz2",
        f"{LB}/expected_bgpdump_m/routeviews.route-views.jinx.updates.1427846400.bz2"
        ".bgpdump-m.txt.gz",
    ),
    *(
        Case(f"{MP}/{name}", f"{MP}/expected_bgpdump_m/{name}.bgpdump-m.txt.gz")
        for name in (
            "bird-mrtdump_bgp",
            "bird-mrtdump_rib",
            "bird6-mrtdump_bgp",
            "bird6-mrtdump_rib",
            "openbgpd_bgp",
            "openbgpd_rib_table-v2",
            "quagga_bgp",
            "quagga_rib",
        )
    ),
    Case(
        f"{MP}/openbgpd_rib_table",
        f"{MP}/expected_bgpdump_m/openbgpd_rib_table.bgpdump-m.txt.gz",
        _aggregator_as4_in_table_dump_v1,
    ),
    # BIRD writes ADD-PATH NLRI (a path id before each prefix) under BGP4MP_MESSAGE_AS4, a
    # non-ADD-PATH subtype; bgpdump reads the path ids as prefixes (0.0.0.0/0, ::/0, 4000::/1,
    # 100:100::140:fd01:1/0 ...). Announcements are checked against BIRD_ADDPATH below.
    Case(
        f"{MP}/bird_bgp",
        f"{MP}/expected_bgpdump_m/bird_bgp.bgpdump-m.txt.gz",
        skip_announcements=True,
    ),
    Case(
        f"{MP}/bird6_bgp",
        f"{MP}/expected_bgpdump_m/bird6_bgp.bgpdump-m.txt.gz",
        skip_announcements=True,
    ),
    *(
        Case(f"{RB}/test_data/{name}", f"{RB}/test_expect/{name}.bgp.gz")
        for name in (
            "bview.20020722.2337.gz",
            "bview.64k_stream_overflow.gz",
            "bview.ipv4_unicast_add_path.gz",
            "bview.ipv6_unicast_add_path.gz",
            "updates.20020722.2238.gz",
            "updates.20070211.0141.gz",
            "updates.20071015.1505.gz",
            "updates.20100722.2015.gz",
            "updates.20160811.1600.gz",
            "updates.et-header.2015.gz",
            "updates.long_withdrawal.gz",
        )
    ),
    # The last NLRI prefix of this UPDATE is cut short by the message end (a /11 with no bytes
    # left): strict mode rejects the record; lenient mode keeps the complete prefix before it.
    # The upstream expectation masks host bits (11.8.0.0/13), as nethealth does; Debian's
    # bgpdump 1.6.2 prints the bytes as sent (11.13.0.0/13).
    Case(
        f"{RB}/test_data/updates.nlri_mask_trailing_bits.gz",
        f"{RB}/test_expect/updates.nlri_mask_trailing_bits.gz.bgp.gz",
        strict=False,
    ),
]

# ADD-PATH announcements of the BIRD samples, read by hand from the records' bytes:
# (prefix, path id) in file order; every path id is followed by a valid prefix.
BIRD_ADDPATH = {
    "bird_bgp": [
        ("172.17.0.0/24", 2),
        ("172.17.1.0/24", 2),
        ("172.17.2.0/24", 2),
        ("172.17.0.0/24", 1),
        ("172.17.1.0/24", 1),
        ("172.17.2.0/24", 1),
        ("192.168.16.0/24", 1),
    ]
    * 2,
    "bird6_bgp": [
        ("fd01:1::/64", 1),
        ("fd01:1:1::/64", 1),
        ("fd01:1:2::/64", 1),
        ("fd01:1:1::/64", 2),
        ("fd01:1::/64", 2),
        ("fd01:1:2::/64", 2),
        ("fd02:17::/64", 1),
    ]
    * 2,
}


def _ours(path: Path, strict: bool) -> tuple[list[str], MRTReader]:
    """The lines `nethealth bgp dump` prints (formatted natively from the column buffers)."""
    reader = MRTReader(path, strict=strict)
    out = io.BytesIO()
    dump(reader, out)
    return out.getvalue().decode().splitlines(), reader


def _ours_arrow(path: Path, strict: bool) -> list[str]:
    """The same lines formatted from the Arrow record batches."""
    return [line for b in MRTReader(path, strict=strict) for line in format_lines(b).to_pylist()]


def _reference(path: Path) -> list[str]:
    with gzip.open(path, "rt") as f:
        return f.read().splitlines()


@pytest.mark.shared
@pytest.mark.parametrize("case", CASES, ids=[c.mrt.split("/", 1)[1] for c in CASES])
def test_matches_bgpdump_reference(shared_data: Path, case: Case) -> None:
    bgp = shared_data / "bgp"
    ours, reader = _ours(bgp / case.mrt, case.strict)
    n_elements = len(ours)
    ref = _reference(bgp / case.reference)
    if case.from_field:
        ours = ["|".join(line.split("|")[case.from_field :]) for line in ours]
    if case.skip_announcements:
        ours = [line for line in ours if line.split("|")[2] != "A"]
        ref = [line for line in ref if line.split("|")[2] != "A"]
    unexplained = []
    explained = 0
    for i, (o, r) in enumerate(zip_longest(ours, ref)):
        if o == r:
            continue
        if o is not None and r is not None and case.explain is not None and case.explain(o, r):
            explained += 1
            continue
        unexplained.append((i, o, r))
    assert not unexplained, f"{len(unexplained)} lines differ; first: {unexplained[:3]}"
    if case.explain is not None:
        assert explained > 0, "declared reference deviation no longer occurs: remove it"
    assert reader.report.elements == n_elements
    if case.strict:
        assert reader.report.clean


@pytest.mark.shared
def test_truncated_last_prefix_is_an_error_in_strict_mode(shared_data: Path) -> None:
    from nethealth.formats.mrt import MRTDecodeError

    path = shared_data / "bgp" / RB / "test_data/updates.nlri_mask_trailing_bits.gz"
    with pytest.raises(MRTDecodeError) as info:
        _ours(path, strict=True)
    assert info.value.offset == 0 and info.value.record_index == 0
    assert "updates.nlri_mask_trailing_bits.gz" in str(info.value)
    _, reader = _ours(path, strict=False)
    assert reader.report.partial_records == 1
    assert reader.report.skipped_bytes == 1  # the lone length octet of the cut prefix


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(BIRD_ADDPATH))
def test_bird_addpath_announcements(shared_data: Path, name: str) -> None:
    reader = MRTReader(shared_data / "bgp" / MP / name)
    table = pa.Table.from_batches(list(reader))
    ann = table.filter(pa.compute.equal(table["elem_type"], "announce"))
    got = list(zip(ann["prefix"].to_pylist(), ann["path_id"].to_pylist(), strict=True))
    assert got == BIRD_ADDPATH[name]
    # the record with an empty AS_PATH also carries three RFC 8092 large communities
    lc = ann.filter(ann["large_communities"].is_valid())
    assert lc["large_communities"].to_pylist()[0] == [
        {"global_admin": 65000, "local_data1": 4294967295, "local_data2": v}
        for v in (100, 200, 300)
    ]
    assert lc["as_path"].to_pylist()[0] == []


# A subset covering every record kind and text rule: both formatters must agree line for line.
ARROW_CHECK = [
    f"{MP}/openbgpd_rib_table",
    f"{MP}/bird6_bgp",
    f"{MP}/quagga_rib",
    f"{BK}/rrc00/2000.01/updates.20000102.2014.gz",
    f"{RB}/test_data/updates.20100722.2015.gz",
    f"{RB}/test_data/bview.ipv6_unicast_add_path.gz",
    f"{RB}/test_data/updates.20071015.1505.gz",
    f"{RB}/test_data/bview.64k_stream_overflow.gz",
    "bgpkit-parser/examples/local_only/updates.bz2",
]


@pytest.mark.shared
@pytest.mark.parametrize("name", ARROW_CHECK)
def test_native_dump_equals_arrow_formatting(shared_data: Path, name: str) -> None:
    path = shared_data / "bgp" / name
    assert _ours(path, True)[0] == _ours_arrow(path, True)


@pytest.mark.shared
def test_bgp4mp_entry_equals_the_same_routers_table_dump_v2(shared_data: Path) -> None:
    """OpenBGPD dumped one RIB as BGP4MP_ENTRY records (which bgpdump cannot read) and as
    TABLE_DUMP_V2: the routes must agree field for field. The peer differs by design: the
    ENTRY header's first address is the neighbour (RFC 6396 order; OpenBGPD's message dump of
    the same router names it as the peer too), its TD dumps name the router itself."""
    entry = _ours(shared_data / "bgp" / MP / "openbgpd_rib_table-mp", True)[0]
    tdv2 = _reference(
        shared_data / "bgp" / MP / "expected_bgpdump_m/openbgpd_rib_table-v2.bgpdump-m.txt.gz"
    )
    assert len(entry) == 31
    assert [e.split("|")[5:] for e in entry] == [t.split("|")[5:] for t in tdv2]
    assert {e.split("|")[3] for e in entry} == {"192.168.1.102", "2001:db8:0:1::102"}
    assert all(e.startswith("BGP4MP_ENTRY|1444843446|B|") for e in entry)
