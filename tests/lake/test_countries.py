"""Country metadata against its references: ISO 3166-1 and the world-atlas map ids."""

from __future__ import annotations

import json
from pathlib import Path

from nethealth.settings import Settings
from nethealth.sources.countries import country_table


def test_iso_codes_regions_and_names(settings: Settings, assets: Path) -> None:
    rows = {r["cc"]: r for r in country_table(settings).to_pylist()}
    assert len(rows) == 249  # ISO 3166-1 officially assigned codes
    nl = rows["NL"]
    assert (nl["alpha3"], nl["numeric"], nl["region"], nl["subregion"]) == (
        "NLD", "528", "Europe", "Western Europe",
    )  # fmt: skip
    assert (nl["name_fr"], nl["name_es"]) == ("Pays-Bas", "Países Bajos")
    assert rows["BO"]["intermediate_region"] == "South America"
    assert rows["AQ"]["region"] is None  # Antarctica belongs to no M49 region
    assert sum(1 for r in rows.values() if r["region"] is None) <= 3


def test_every_mapped_world_atlas_country_has_metadata(settings: Settings, assets: Path) -> None:
    topo = json.loads((assets / "world-atlas" / "countries-110m.json").read_text())
    ids = {g.get("id") for g in topo["objects"]["countries"]["geometries"]}
    numeric = {r["numeric"] for r in country_table(settings).to_pylist()}
    unmatched = {i for i in ids if i is not None and i not in numeric}
    assert unmatched == set(), unmatched  # Kosovo and N. Cyprus have no id in world-atlas
