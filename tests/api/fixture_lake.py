"""A small, deterministic lake for API and web tests: every ISO country, three test indicators.

Built through the real catalog writer, so the views are exactly those the server reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry

from nethealth.indicators.registry import Indicator
from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import Provenance
from nethealth.settings import Settings

DATES = (date(2024, 1, 1), date(2024, 7, 1), date(2025, 1, 1), date(2025, 7, 1), date(2026, 1, 1))
REGIONS = {
    "NL": ("Europe", "Western Europe", None),
    "FR": ("Europe", "Western Europe", None),
    "DE": ("Europe", "Western Europe", None),
    "KE": ("Africa", "Sub-Saharan Africa", "Eastern Africa"),
    "BR": ("Americas", "Latin America and the Caribbean", "South America"),
    "US": ("Americas", "Northern America", None),
    "JP": ("Asia", "Eastern Asia", None),
}
NO_DATA = frozenset({"AQ", "KP", "EH"})  # countries without any value
MEASURED = frozenset({"NL"})  # every other value is simulated


def _unused(con: duckdb.DuckDBPyConnection) -> pa.Table:
    raise AssertionError("the server never computes indicators")


IXPS = Indicator(
    id="fixture_ixps",
    title="Internet exchange points (fixture)",
    unit="IXPs",
    area="infrastructure",
    method="Count of IXPs in the country, from a fixture.",
    version="2",
    sources=("peeringdb", "countries"),
    datasets=(),
    compute=_unused,
    higher_is="better",
    caveats="Fixture data for tests.",
)
IPV6 = Indicator(
    id="fixture_ipv6_share",
    title="IPv6 share (fixture)",
    unit="%",
    area="enabling",
    method="Share of something that supports IPv6, from a fixture.",
    version="1",
    sources=("ipdb",),
    datasets=(),
    compute=_unused,
)
EMPTY = Indicator(
    id="fixture_empty",
    title="Indicator without values (fixture)",
    unit="count",
    area="infrastructure",
    method="Never has a value.",
    version="1",
    sources=("rir", "not-a-known-source"),
    datasets=(),
    compute=_unused,
)
FIXTURE_INDICATORS: tuple[Indicator, ...] = (IPV6, EMPTY, IXPS)


def fixture_indicators() -> Sequence[Indicator]:
    return sorted(FIXTURE_INDICATORS, key=lambda i: (i.area, i.id))


def _noise(*parts: str) -> float:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def countries_table() -> pa.Table:
    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        region, sub, inter = REGIONS.get(c.alpha_2, (None, None, None))
        rows.append({
            "cc": c.alpha_2, "alpha3": c.alpha_3, "numeric": c.numeric, "name": c.name,
            "official_name": getattr(c, "official_name", None), "name_fr": None, "name_es": None,
            "region": region, "subregion": sub, "intermediate_region": inter,
        })  # fmt: skip
    names = ("cc", "alpha3", "numeric", "name", "official_name", "name_fr", "name_es",
             "region", "subregion", "intermediate_region")  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string()) for n in names]))
    # French and Spanish names for one country, as the real build provides for all.
    return table.set_column(
        5, "name_fr", pa.array(["Pays-Bas" if r["cc"] == "NL" else None for r in rows])
    ).set_column(
        6, "name_es", pa.array(["Países Bajos" if r["cc"] == "NL" else None for r in rows])
    )


FR_REASON = "the ip-location-db snapshot {day} has no IPv6 ranges"


def values_table(ccs: Sequence[str]) -> pa.Table:
    rows: list[dict[str, object]] = []
    for cc in ccs:
        if cc in NO_DATA:
            continue
        base_ixps = round(_noise(cc, "ixps") ** 3 * 40)
        base_v6 = _noise(cc, "v6") * 60
        for i, day in enumerate(DATES):
            sim = cc not in MEASURED
            rows.append(
                {
                    "indicator_id": IXPS.id,
                    "country": cc,
                    "date": day,
                    "value": float(base_ixps + i),
                    "simulated": sim,
                    "method_version": "2",
                    "status": "zero measured" if base_ixps + i == 0 else "measured",
                    "reason": f"PeeringDB snapshot {day}",
                }
            )
            v6: float | None = round(base_v6 + i * 2.5, 2)
            status, reason = "measured", f"ip-location-db snapshot {day}"
            if cc == "FR" and day == DATES[-1]:
                # a missing latest value: the previous one is the latest measured value
                v6, status, reason = None, "not measured", FR_REASON.format(day=day)
            if cc == "DE" and day == DATES[-1]:
                v6 = float("nan")
            rows.append({"indicator_id": IPV6.id, "country": cc, "date": day, "value": v6,
                         "simulated": sim, "method_version": "1", "status": status,
                         "reason": reason})  # fmt: skip
    schema = pa.schema([
        ("indicator_id", pa.string()), ("country", pa.string()), ("date", pa.date32()),
        ("value", pa.float64()), ("simulated", pa.bool_()), ("method_version", pa.string()),
        ("status", pa.string()), ("reason", pa.string()),
    ])  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema)


PROVENANCE = (
    Provenance("ipdb", "2026-01-01", "asn-country-ipv4.csv",
               "https://cdn.jsdelivr.net/npm/@ip-location-db/asn-country/asn-country-ipv4.csv",
               "CC BY 4.0", "2026-01-01T00:00:00+00:00", None, "a" * 64, 1234, False),
    Provenance("peeringdb", "2026-01-01", "peeringdb_2_dump_2026_01_01.json",
               "sim://peeringdb/2026-01-01", "PeeringDB Acceptable Use Policy",
               "2026-01-01T00:00:00+00:00", None, "b" * 64, 5678, True),
    Provenance("rir", "2026-01-01", "delegated-ripencc-extended-20260101",
               "sim://rir/ripencc", "Publicly available RIR statistics (NRO)",
               "2026-01-01T00:00:00+00:00", None, "c" * 64, 910, True),
)  # fmt: skip


def build_fixture_lake(settings: Settings) -> Settings:
    """Write countries and indicator_values as Parquet and the catalog beside them."""
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    countries = countries_table()
    pq.write_table(countries, settings.lake_dir / "countries.parquet")
    values = values_table(countries.column("cc").to_pylist())
    pq.write_table(values, settings.lake_dir / "indicator_values.parquet")
    state: dict[str, dict[str, object]] = {
        "indicators": {"version": "1", "built_at": "2026-01-02T00:00:00+00:00", "outputs": {}}
    }
    write_catalog(settings, list(PROVENANCE), state)
    return settings


def make_settings(data_dir: Path, assets_dir: Path, **extra: object) -> Settings:
    return Settings(data_dir=data_dir, assets_dir=assets_dir, **extra)  # type: ignore[arg-type]
