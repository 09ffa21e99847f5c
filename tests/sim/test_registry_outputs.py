"""Phase 1 outputs: layout, determinism and format validity of RIR and PeeringDB files."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import ipaddress
import json
from collections import Counter
from pathlib import Path

import pytest

from nethealth.sim import SimResult
from nethealth.sim.geo import countries

RIR_LAYOUT = {
    "afrinic": "mirror/rir/afrinic/{y}/delegated-afrinic-extended-{d}",
    "apnic": "mirror/rir/apnic/{y}/delegated-apnic-extended-{d}.gz",
    "arin": "mirror/rir/arin/delegated-arin-extended-{d}",
    "lacnic": "mirror/rir/lacnic/delegated-lacnic-extended-{d}",
    "ripencc": "mirror/rir/ripencc/{y}/delegated-ripencc-extended-{d}.bz2",
}
PDB_OBJECTS = ("org", "fac", "ix", "ixlan", "ixpfx", "net", "netixlan")


def read_any(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        return gzip.decompress(data)
    if path.name.endswith(".bz2"):
        return bz2.decompress(data)
    return data


def snapshots(res: SimResult) -> list[str]:
    doc = json.loads(res.manifest.read_text())
    return [s.replace("-", "") for s in doc["snapshots"]]


def parse_delegated(text: str) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """A deliberately simple reader of the delegated-extended format."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    header = lines[0].split("|")
    summaries = [ln.split("|") for ln in lines[1:] if ln.endswith("|summary")]
    records = [ln.split("|") for ln in lines[1:] if not ln.endswith("|summary")]
    return header, summaries, records


def test_layout_every_rir_every_snapshot(tiny: SimResult) -> None:
    days = snapshots(tiny)
    assert len(days) == 3
    for rir, pattern in RIR_LAYOUT.items():
        for d in days:
            path = tiny.config.out / pattern.format(y=d[:4], d=d)
            assert path.is_file(), path
        latest = tiny.config.out / f"mirror/rir/{rir}/delegated-{rir}-extended-latest"
        assert latest.is_file()
    for d in days:
        dump = (
            tiny.config.out
            / "mirror/peeringdb"
            / d[:4]
            / d[4:6]
            / f"peeringdb_2_dump_{d[:4]}_{d[4:6]}_{d[6:]}.json"
        )
        assert dump.is_file(), dump
    for obj in PDB_OBJECTS:
        assert (tiny.config.out / "mirror/peeringdb-api/api" / obj).is_file()
    assert (tiny.config.out / "labels/events.json").is_file()


def test_same_seed_is_byte_identical(tiny: SimResult, tiny_again: SimResult) -> None:
    a = {f.path: f.sha256 for f in tiny.files}
    b = {f.path: f.sha256 for f in tiny_again.files}
    assert a == b
    assert tiny.manifest.read_bytes() == tiny_again.manifest.read_bytes()


def test_worker_count_does_not_change_bytes(tiny: SimResult, tiny_two_workers: SimResult) -> None:
    assert tiny.manifest.read_bytes() == tiny_two_workers.manifest.read_bytes()


def test_other_seed_differs(tiny: SimResult, tiny_other_seed: SimResult) -> None:
    a = {f.path: f.sha256 for f in tiny.files}
    b = {f.path: f.sha256 for f in tiny_other_seed.files}
    common = set(a) & set(b)
    assert sum(a[p] != b[p] for p in common) > len(common) // 2


def test_manifest_lists_every_file_with_checksum(tiny: SimResult) -> None:
    doc = json.loads(tiny.manifest.read_text())
    assert doc["seed"] == 7 and doc["scale"] == "tiny"
    listed = {f["path"]: f for f in doc["files"]}
    on_disk = {
        p.relative_to(tiny.config.out).as_posix() for p in tiny.config.out.rglob("*") if p.is_file()
    } - {"sim.json"}
    assert set(listed) == on_disk
    for rel, f in listed.items():
        data = (tiny.config.out / rel).read_bytes()
        assert len(data) == f["size"]
        assert hashlib.sha256(data).hexdigest() == f["sha256"]


def test_gzip_headers_are_clock_free(tiny: SimResult) -> None:
    d = snapshots(tiny)[0]
    raw = (tiny.config.out / RIR_LAYOUT["apnic"].format(y=d[:4], d=d)).read_bytes()
    assert raw[:3] == b"\x1f\x8b\x08"
    assert raw[3] == 0  # FLG: no FNAME
    assert raw[4:8] == b"\x00\x00\x00\x00"  # MTIME 0


def test_delegated_files_are_well_formed(tiny: SimResult) -> None:
    rir_of = {c.cc: c.rir for c in countries()}
    seen_asns: Counter[int] = Counter()
    for rir, pattern in RIR_LAYOUT.items():
        d = snapshots(tiny)[-1]
        text = read_any(tiny.config.out / pattern.format(y=d[:4], d=d)).decode("ascii")
        header, summaries, records = parse_delegated(text)
        assert header[0] == "2.3" and header[1] == rir and header[2] == d
        assert int(header[3]) == len(records)
        assert header[5] == d
        by_type = Counter(r[2] for r in records)
        assert {s[2]: int(s[4]) for s in summaries} == {
            t: by_type.get(t, 0) for t in ("asn", "ipv4", "ipv6")
        }
        for r in records:
            assert len(r) == 8 and r[0] == rir, r
            assert r[6] in ("allocated", "assigned", "available", "reserved"), r
            if r[6] in ("allocated", "assigned"):
                assert rir_of[r[1]] == rir, f"{r[1]} delegated by {rir}"
                assert len(r[5]) == 8 and r[7]
            if r[2] == "asn":
                assert int(r[3]) > 0 and int(r[4]) >= 1
                if r[6] in ("allocated", "assigned"):
                    seen_asns[int(r[3])] += 1
            elif r[2] == "ipv4":
                ipaddress.IPv4Address(r[3])
                assert int(r[4]) > 0
            else:
                ipaddress.IPv6Network(f"{r[3]}/{r[4]}")
    assert seen_asns and max(seen_asns.values()) == 1


def test_registry_grows_over_snapshots(tiny: SimResult) -> None:
    days = snapshots(tiny)
    sizes = []
    for d in (days[0], days[-1]):
        p = (
            tiny.config.out
            / "mirror/peeringdb"
            / d[:4]
            / d[4:6]
            / f"peeringdb_2_dump_{d[:4]}_{d[4:6]}_{d[6:]}.json"
        )
        doc = json.loads(p.read_text())
        sizes.append(sum(len(doc[o]["data"]) for o in PDB_OBJECTS))
    assert sizes[0] <= sizes[1]


def load_api(res: SimResult) -> dict[str, list[dict[str, object]]]:
    out = {}
    for obj in PDB_OBJECTS:
        doc = json.loads((res.config.out / "mirror/peeringdb-api/api" / obj).read_text())
        assert set(doc) == {"data", "meta"}
        out[obj] = doc["data"]
    return out


def test_peeringdb_references_resolve(tiny: SimResult) -> None:
    api = load_api(tiny)
    ids = {o: {int(x["id"]) for x in api[o]} for o in PDB_OBJECTS}  # type: ignore[call-overload]
    for n in api["net"]:
        assert n["org_id"] in ids["org"]
    for x in api["ix"]:
        assert x["org_id"] in ids["org"]
    for x in api["ixlan"]:
        assert x["ix_id"] in ids["ix"]
    lans: dict[int, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {}
    for p in api["ixpfx"]:
        lans.setdefault(int(p["ixlan_id"]), []).append(  # type: ignore[call-overload]
            ipaddress.ip_network(p["prefix"])
        )
    asn_of_net = {n["id"]: n["asn"] for n in api["net"]}
    for m in api["netixlan"]:
        assert m["net_id"] in ids["net"] and m["ixlan_id"] in ids["ixlan"]
        assert asn_of_net[m["net_id"]] == m["asn"]
        for key in ("ipaddr4", "ipaddr6"):
            if m[key] is not None:
                addr = ipaddress.ip_address(m[key])
                nets = lans[int(m["ixlan_id"])]  # type: ignore[call-overload]
                assert any(addr.version == n.version and addr in n for n in nets)


@pytest.mark.shared
@pytest.mark.parametrize("obj", PDB_OBJECTS)
def test_peeringdb_fields_match_real_schema(tiny: SimResult, obj: str, shared_data: Path) -> None:
    ref = shared_data / "peeringdb" / "synthetic-current-schema" / f"{obj}-0.json"
    if not ref.is_file():
        pytest.skip(f"reference schema {ref} not available")
    real = json.loads(ref.read_text())["data"][0]
    ours = load_api(tiny)[obj][0]
    assert list(ours) == list(real)
    for key, value in real.items():
        if value is not None and ours[key] is not None:
            assert type(ours[key]) is type(value) or (
                isinstance(value, float) and isinstance(ours[key], int)
            ), key
