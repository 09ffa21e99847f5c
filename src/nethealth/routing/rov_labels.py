"""Checking the ROV-filtering estimate against published lists of ASes known to filter.

Reference lists (the format of `rov-deployment-labels/combined.csv`: `asn,filtering,confidence,
source`): `filtering` is `all` (drops RPKI-invalid routes from every neighbour) or `peers`
(drops them from peers and upstreams, still accepts them from customers — Cloudflare's
isbgpsafeyet "safe" label). The estimate (`routing.rov.peer_filtering`) is only made for
full-feed collector peers, so only listed ASes that peer with a collector can be compared.

What agreement means, per listed AS (its best-observed session):
- listed `all`: the estimate should say `filters`;
- listed `peers`: `filters` or `partial` (invalids learned from customers may remain);
- an AS on no list is not scored: absence from a list is not evidence of not filtering.
An estimate of `filters` also holds for an AS whose upstreams all filter, so a disagreement
on an AS listed as filtering is the informative case (the reverse cannot be told apart).
Lists and the RIB must be of the same period: filtering is deployed over years.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from nethealth.errors import InputError

LABEL_SCHEMA = pa.schema([
    ("asn", pa.uint32()), ("filtering", pa.string()), ("confidence", pa.float64()),
    ("source", pa.string()),
])  # fmt: skip
FILTERING_KINDS = ("all", "peers")
EXPECTED = {"all": ("filters",), "peers": ("filters", "partial")}


def read_labels(path: Path) -> pa.Table:
    """A label list `asn,filtering,confidence,source` (header required)."""
    rows: list[dict[str, object]] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(LABEL_SCHEMA.names) - set(reader.fieldnames or ())
        if missing:
            raise InputError(
                f"missing column(s) {', '.join(sorted(missing))}", path=path, line=1,
                hint="expected the header asn,filtering,confidence,source",
            )  # fmt: skip
        for n, rec in enumerate(reader, 2):
            rows.append(_label(rec, path, n))
    return pa.Table.from_pylist(rows, schema=LABEL_SCHEMA)


def _label(rec: dict[str, str], path: Path, line: int) -> dict[str, object]:
    asn = rec["asn"].strip().upper().removeprefix("AS")
    if not asn.isdigit() or int(asn) >= 2**32:
        raise InputError(f"not an AS number: {rec['asn']!r}", path=path, line=line, field="asn")
    kind = rec["filtering"].strip()
    if kind not in FILTERING_KINDS:
        raise InputError(f"filtering must be one of {', '.join(FILTERING_KINDS)}, got {kind!r}",
                         path=path, line=line, field="filtering")  # fmt: skip
    try:
        conf = float(rec["confidence"])
    except ValueError:
        raise InputError(f"not a number: {rec['confidence']!r}", path=path, line=line,
                         field="confidence") from None  # fmt: skip
    if not 0.0 <= conf <= 1.0:
        raise InputError(f"confidence must be within 0-1, got {conf}", path=path, line=line,
                         field="confidence")  # fmt: skip
    return {"asn": int(asn), "filtering": kind, "confidence": conf, "source": rec["source"]}


@dataclass(frozen=True)
class Comparison:
    rows: pa.Table  # one row per listed AS that has an estimate
    listed: int  # distinct ASes on the lists
    compared: int
    agree: int

    @property
    def agreement(self) -> float | None:
        return self.agree / self.compared if self.compared else None


def strongest(labels: pa.Table) -> dict[int, tuple[str, float, list[str]]]:
    """Per AS the strongest claim over all lists (`all` beats `peers`, then confidence)."""
    out: dict[int, tuple[str, float, list[str]]] = {}
    for r in labels.to_pylist():
        cur = out.get(r["asn"])
        srcs = sorted({*(cur[2] if cur else []), r["source"]})
        claim = (r["filtering"], r["confidence"])
        if cur is None or (claim[0] == "all", claim[1]) > (cur[0] == "all", cur[1]):
            out[r["asn"]] = (claim[0], claim[1], srcs)
        else:
            out[r["asn"]] = (cur[0], cur[1], srcs)
    return out


def compare(peer_filtering: pa.Table, labels: pa.Table) -> Comparison:
    """Listed ASes against the estimate of their best-observed full-feed session (the one
    with the most prefixes), from a `routing_peer_filtering` table of one snapshot."""
    claims = strongest(labels)
    best: dict[int, dict[str, object]] = {}
    for r in peer_filtering.to_pylist():
        if r["rov_filtering"] is None or r["peer_asn"] not in claims:
            continue
        cur = best.get(r["peer_asn"])
        if cur is None or int(r["prefixes"]) > int(cur["prefixes"]):  # type: ignore[call-overload]
            best[r["peer_asn"]] = r
    rows = []
    for asn, r in sorted(best.items()):
        kind, conf, srcs = claims[asn]
        rows.append({
            "asn": asn, "label": kind, "label_confidence": conf, "label_sources": srcs,
            "collector": r["collector"], "peer_ip": r["peer_ip"],
            "estimate": r["rov_filtering_estimate"], "verdict": r["rov_filtering"],
            "agrees": r["rov_filtering"] in EXPECTED[kind],
        })  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=COMPARISON_SCHEMA)
    agree = sum(1 for r in rows if r["agrees"])
    return Comparison(table, listed=len(claims), compared=len(rows), agree=agree)


COMPARISON_SCHEMA = pa.schema([
    ("asn", pa.uint32()), ("label", pa.string()), ("label_confidence", pa.float64()),
    ("label_sources", pa.list_(pa.string())), ("collector", pa.string()),
    ("peer_ip", pa.string()), ("estimate", pa.float64()), ("verdict", pa.string()),
    ("agrees", pa.bool_()),
])  # fmt: skip
