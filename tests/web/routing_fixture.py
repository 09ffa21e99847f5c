"""A routing lake from a tiny simulated world: the simulator's MRT and VRPs through the real
`nethealth routing coverage` / `incidents` commands, then stamped `simulated` and given the
ASN→country map as the lake step `routing` does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from nethealth.routing import scorecard
from nethealth.routing.cli import app as routing_cli
from nethealth.sim import SimConfig, run

WINDOW = ("2025-06-01T00:00:00+00:00", "2025-06-02T00:00:00+00:00")


@dataclass(frozen=True)
class RoutingFixture:
    root: Path
    asn_invalid: int  # an AS originating RPKI-invalid routes
    asn_valid: int  # an AS with valid routes only
    asn_many: int  # the AS with the most prefixes (for pagination)
    cc: str  # a country with routing figures and an invalid-originating AS
    incident: str  # an incident id
    incident_types: tuple[str, ...]
    ribs: tuple[Path, ...]  # the MRT files the incidents were detected in
    updates: tuple[Path, ...]


def _asn_country(mirror: Path) -> pa.Table:
    """ASN → country from the simulated RIR delegation files (allocated/assigned ASN records)."""
    asns: list[int] = []
    ccs: list[str] = []
    for f in sorted(mirror.glob("rir/*/delegated-*-latest")):
        for line in f.read_text().splitlines():
            p = line.split("|")
            if len(p) > 6 and p[2] == "asn" and p[1] and p[6] in ("allocated", "assigned"):
                for a in range(int(p[3]), int(p[3]) + int(p[4])):
                    asns.append(a)
                    ccs.append(p[1].upper())
    return pa.table({"asn": pa.array(asns, pa.uint32()), "cc": ccs})


def _invoke(args: list[str]) -> None:
    result = CliRunner().invoke(routing_cli, args)
    assert result.exit_code == 0, result.output + repr(result.exception)


def build_routing(tmp: Path, out: Path) -> RoutingFixture:
    run(SimConfig(out=tmp / "sim", seed=1, scale="tiny", days=1))
    mirror = tmp / "sim" / "mirror"
    vrps = mirror / "rpki" / "vrps.json"
    ribs = [
        sorted(mirror.glob("ris/rrc00/*/bview.*"))[0],
        sorted(mirror.glob("routeviews/*/bgpdata/*/RIBS/rib.*"))[0],
    ]
    cc = _asn_country(mirror)
    cc_csv = tmp / "asn_cc.csv"
    cc_csv.write_text(
        "asn,cc\n" + "".join(f"{a},{c}\n" for a, c in zip(*cc.to_pydict().values(), strict=True))
    )
    out.mkdir(parents=True, exist_ok=True)
    _invoke(["coverage", *map(str, ribs), "--vrps", str(vrps), "--out", str(out),
             "--asn-country", str(cc_csv)])  # fmt: skip
    updates = sorted(mirror.glob("ris/rrc00/*/updates.*")) + sorted(
        mirror.glob("routeviews/*/bgpdata/*/UPDATES/updates.*")
    )
    args = ["incidents", "--start", WINDOW[0], "--end", WINDOW[1], "--vrps", str(vrps),
            "--out", str(out / "routing_incidents.parquet")]  # fmt: skip
    for f in ribs:
        args += ["--rib", str(f)]
    for f in updates:
        args += ["--updates", str(f)]
    _invoke(args)
    # As the lake step writes it: snapshot first, simulated last.
    day = pa.array([date(2025, 6, 1)] * cc.num_rows, pa.date32())
    stamped = cc.add_column(0, "snapshot", day).append_column(
        "simulated", pa.array([True] * cc.num_rows)
    )
    pq.write_table(stamped, out / "routing_asn_country.parquet")
    for name in ("routing_route_states", "routing_rov_asn", "routing_rov_country"):
        t = pq.read_table(out / f"{name}.parquet")
        pq.write_table(
            t.append_column("simulated", pa.array([True] * t.num_rows)), out / f"{name}.parquet"
        )
    # The monthly scorecards as the `routing_scorecards` step writes them.
    cards, rollup, inputs = scorecard.month_tables(out, "2025-06", True)
    pq.write_table(cards, out / f"{scorecard.SCORECARDS}.parquet")
    pq.write_table(rollup, out / f"{scorecard.COUNTRY_ROLLUPS}.parquet")
    pq.write_table(inputs, out / f"{scorecard.INPUTS}.parquet")
    return _describe(out, cc, tuple(ribs), tuple(updates))


def _describe(
    out: Path, cc: pa.Table, ribs: tuple[Path, ...], updates: tuple[Path, ...]
) -> RoutingFixture:
    asn = pq.read_table(out / "routing_rov_asn.parquet").to_pylist()
    by_asn: dict[int, dict[str, int]] = {}
    for r in asn:
        d = by_asn.setdefault(r["asn"], {"invalid": 0, "routes": 0, "valid": 0})
        for k in d:
            d[k] += r[k]
    invalid = min(a for a, d in by_asn.items() if d["invalid"])
    valid = min(a for a, d in by_asn.items() if d["valid"] == d["routes"])
    many = max(by_asn, key=lambda a: (by_asn[a]["routes"], -a))
    country_of = dict(zip(cc["asn"].to_pylist(), cc["cc"].to_pylist(), strict=True))
    incidents = pq.read_table(out / "routing_incidents.parquet").to_pylist()
    return RoutingFixture(
        root=out,
        asn_invalid=invalid,
        asn_valid=valid,
        asn_many=many,
        cc=country_of[invalid],
        incident=incidents[0]["id"],
        incident_types=tuple(sorted({i["type"] for i in incidents})),
        ribs=ribs,
        updates=updates,
    )
